import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { RevisionWithOutcome } from '../reviews/review.js';
import {
  type Item,
  readNumber,
  str,
  toOutcomeSummary,
  toStoredRevision,
} from './dynamodb-items.js';
import { REVISION_ITEM_TYPE } from './item-types.js';

/** Reads of a review's revisions beyond the latest one: its history and its video link. */

/** Every item of an attempt's review whose sort key starts with `prefix`, in key order. */
export async function queryKeyPrefix(
  client: DynamoDBClient,
  reviewsTable: string,
  attemptCode: string,
  prefix: string,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: reviewsTable,
        KeyConditionExpression: 'attemptCode = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': str(attemptCode), ':prefix': str(prefix) },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

/**
 * The revisions in the items of a `REV#` prefix query: each revision item sorts before its own
 * chunks and after the previous revision's, so the items split into one group per revision.
 */
export function revisionHistory(items: readonly Item[]): RevisionWithOutcome[] {
  const history: RevisionWithOutcome[] = [];
  for (let start = 0; start < items.length; ) {
    let end = start + 1;
    while (end < items.length && items[end]?.itemType?.S !== REVISION_ITEM_TYPE) end++;
    const group = items.slice(start, end);
    const stored = toStoredRevision(group);
    const outcome = group[0]?.outcome?.M;
    if (stored) history.push({ ...stored, outcome: outcome ? toOutcomeSummary(outcome) : null });
    start = end;
  }
  return history;
}

/** The newest revision's encrypted video link, reading revision items only, newest first. */
export async function latestVideoLink(
  client: DynamoDBClient,
  reviewsTable: string,
  attemptCode: string,
): Promise<{ revision: number; encryptedVideoUrl: string } | null> {
  let startKey: Item | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: reviewsTable,
        KeyConditionExpression: 'attemptCode = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'itemType = :revision',
        ProjectionExpression: 'revision, encryptedVideoUrl',
        ExpressionAttributeValues: {
          ':pk': str(attemptCode),
          ':prefix': str('REV#'),
          ':revision': str(REVISION_ITEM_TYPE),
        },
        ScanIndexForward: false,
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const encryptedVideoUrl = item.encryptedVideoUrl?.S;
      if (encryptedVideoUrl) return { revision: readNumber(item, 'revision'), encryptedVideoUrl };
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return null;
}
