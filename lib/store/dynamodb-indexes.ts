import {
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { AttemptPage, AttemptPosition } from '../reviews/ports.js';
import type { AttemptStatus } from '../reviews/statuses.js';
import type { RevisionPage, RevisionPosition } from '../workflow/ports.js';
import {
  type Item,
  positionOf,
  readString,
  revisionSk,
  str,
  toAttempt,
  toListedRevision,
} from './dynamodb-items.js';
import { INDEXES, PENDING_PARTITION } from './indexes.js';
import { REVISION_ITEM_TYPE } from './item-types.js';

/**
 * Queries on the tables' indexes (see `indexes.ts`). A page asks for one item more than it
 * returns, so `next` is null exactly when nothing follows: a caller never gets an empty last page.
 */

/** Up to `wanted` items of a query, following DynamoDB's own pages (1 MB each) as needed. */
async function collect(
  client: DynamoDBClient,
  input: QueryCommandInput,
  wanted: number,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey = input.ExclusiveStartKey;
  do {
    const page = await client.send(
      new QueryCommand({ ...input, Limit: wanted - items.length, ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < wanted);
  return items;
}

/** The ISO time one millisecond before `time`: stored times have millisecond precision. */
function justBefore(time: string): string {
  return new Date(new Date(time).getTime() - 1).toISOString();
}

type RevisionIndex = typeof INDEXES.pendingRevisions | typeof INDEXES.revisionsByTime;

async function queryRevisions(
  client: DynamoDBClient,
  reviewsTable: string,
  index: RevisionIndex,
  partition: string,
  range: { from: string | null; before: string },
  limit: number,
  after: RevisionPosition | null,
): Promise<RevisionPage> {
  const keyCondition = range.from === null ? '#sort < :before' : '#sort BETWEEN :from AND :last';
  const items = await collect(
    client,
    {
      TableName: reviewsTable,
      IndexName: index.indexName,
      KeyConditionExpression: `#partition = :partition AND ${keyCondition}`,
      ExpressionAttributeNames: { '#partition': index.partitionKey, '#sort': index.sortKey },
      ExpressionAttributeValues: {
        ':partition': str(partition),
        ...(range.from === null
          ? { ':before': str(range.before) }
          : { ':from': str(range.from), ':last': str(justBefore(range.before)) }),
      },
      ...(after
        ? {
            ExclusiveStartKey: {
              [index.partitionKey]: str(partition),
              [index.sortKey]: str(after.receivedAt),
              attemptCode: str(after.attemptCode),
              sk: str(revisionSk(after.revision)),
            },
          }
        : {}),
    },
    limit + 1,
  );
  const revisions = items.slice(0, limit).map(toListedRevision);
  const last = revisions.at(-1);
  return { revisions, next: items.length > limit && last ? positionOf(last) : null };
}

export function listPendingRevisions(
  client: DynamoDBClient,
  reviewsTable: string,
  receivedBefore: string,
  limit: number,
  after: RevisionPosition | null,
): Promise<RevisionPage> {
  return queryRevisions(
    client,
    reviewsTable,
    INDEXES.pendingRevisions,
    PENDING_PARTITION,
    { from: null, before: receivedBefore },
    limit,
    after,
  );
}

export function listRevisionsReceived(
  client: DynamoDBClient,
  reviewsTable: string,
  from: string,
  to: string,
  limit: number,
  after: RevisionPosition | null,
): Promise<RevisionPage> {
  return queryRevisions(
    client,
    reviewsTable,
    INDEXES.revisionsByTime,
    REVISION_ITEM_TYPE,
    { from, before: to },
    limit,
    after,
  );
}

export async function listAttemptsByStatus(
  client: DynamoDBClient,
  attemptsTable: string,
  status: AttemptStatus,
  limit: number,
  after: AttemptPosition | null,
): Promise<AttemptPage> {
  const index = INDEXES.attemptsByStatus;
  const items = await collect(
    client,
    {
      TableName: attemptsTable,
      IndexName: index.indexName,
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': index.partitionKey },
      ExpressionAttributeValues: { ':status': str(status) },
      // Most recently changed first.
      ScanIndexForward: false,
      ...(after
        ? {
            ExclusiveStartKey: {
              [index.partitionKey]: str(status),
              [index.sortKey]: str(after.statusChangedAt),
              attemptCode: str(after.attemptCode),
            },
          }
        : {}),
    },
    limit + 1,
  );
  const page = items.slice(0, limit);
  const last = page.at(-1);
  return {
    attempts: page.map(toAttempt),
    next:
      items.length > limit && last
        ? {
            statusChangedAt: readString(last, index.sortKey),
            attemptCode: readString(last, 'attemptCode'),
          }
        : null,
  };
}
