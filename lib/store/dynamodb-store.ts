import {
  type AttributeValue,
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { AttemptArchived } from '../errors.js';
import type { Attempt, AttemptRegistration } from '../reviews/attempt.js';
import type { JsonObject } from '../reviews/json.js';
import { type AttemptStore, type ReviewStore, RevisionConflict } from '../reviews/ports.js';
import type {
  ReviewComment,
  ReviewHead,
  RevisionDraft,
  StoredRevision,
} from '../reviews/review.js';
import type { AttemptStatus, ReviewStatus } from '../reviews/statuses.js';
import { type RevisionOutcome, revisionOutcomeSchema } from '../workflow/outcome.js';
import { OutcomeConflict, type WorkflowState, type WorkflowStore } from '../workflow/ports.js';
import { packJson, unpackJson } from './blobs.js';
import { ITEM_TYPES, REVISION_ITEM_TYPE } from './item-types.js';

/**
 * DynamoDB adapter for attempts and reviews. The item layout is described in `README.md` beside
 * this file; the key helpers below are the only place that spells it.
 */
export interface DynamoDbStoreOptions {
  client: DynamoDBClient;
  attemptsTable: string;
  reviewsTable: string;
}

export const HEAD_SK = 'HEAD';

/** Fixed width, so revision 2's items never share a prefix with revision 20's. */
export function revisionSk(revision: number): string {
  return `REV#${String(revision).padStart(10, '0')}`;
}

function chunkSk(revision: number, kind: 'COMMENTS' | 'RAW', index: number): string {
  return `${revisionSk(revision)}#${kind}#${String(index + 1).padStart(4, '0')}`;
}

const str = (value: string): AttributeValue => ({ S: value });
const num = (value: number): AttributeValue => ({ N: String(value) });
const nullableStr = (value: string | null): AttributeValue =>
  value === null ? { NULL: true } : { S: value };

function readString(item: Record<string, AttributeValue>, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`Stored item lacks string attribute ${name}`);
  return value;
}

function readNullableString(item: Record<string, AttributeValue>, name: string): string | null {
  return item[name]?.S ?? null;
}

function readNumber(item: Record<string, AttributeValue>, name: string): number {
  const value = item[name]?.N;
  if (value === undefined) throw new Error(`Stored item lacks number attribute ${name}`);
  return Number(value);
}

function isConditionFailure(error: unknown): boolean {
  if (error instanceof ConditionalCheckFailedException) return true;
  if (error instanceof TransactionCanceledException) {
    // A lost race shows up as a failed condition or, while the other transaction is in flight,
    // as a transaction conflict. Either way the head moved; anything else is a real failure.
    return (error.CancellationReasons ?? []).some(
      (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
    );
  }
  return false;
}

export class DynamoDbStore implements AttemptStore, ReviewStore, WorkflowStore {
  private readonly client: DynamoDBClient;
  private readonly attemptsTable: string;
  private readonly reviewsTable: string;

  constructor(options: DynamoDbStoreOptions) {
    this.client = options.client;
    this.attemptsTable = options.attemptsTable;
    this.reviewsTable = options.reviewsTable;
  }

  // Attempts

  async getAttempt(attemptCode: string): Promise<Attempt | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.attemptsTable,
        Key: { attemptCode: str(attemptCode) },
        ConsistentRead: true,
      }),
    );
    return Item ? toAttempt(Item) : null;
  }

  async registerAttempt(attemptCode: string, registration: AttemptRegistration): Promise<Attempt> {
    const { status, ...rest } = registration;
    const now = new Date().toISOString();
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.attemptsTable,
          Key: { attemptCode: str(attemptCode) },
          // Replacing keeps the workflow's bookkeeping (applied revision) so a late stream record
          // still sees which revisions were applied.
          UpdateExpression:
            'SET registration = :registration, #status = :status, archived = :false, updatedAt = :now, registeredAt = if_not_exists(registeredAt, :now)',
          ConditionExpression: 'attribute_not_exists(attemptCode) OR archived = :false',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':registration': { M: marshall(rest, { removeUndefinedValues: true }) },
            ':status': str(status),
            ':false': { BOOL: false },
            ':now': str(now),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      if (!Attributes) throw new Error('UpdateItem returned no attributes');
      return toAttempt(Attributes);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new AttemptArchived(attemptCode);
      throw error;
    }
  }

  async archiveAttempt(attemptCode: string): Promise<Attempt | null> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateItemCommand({
          TableName: this.attemptsTable,
          Key: { attemptCode: str(attemptCode) },
          UpdateExpression: 'SET archived = :true, archivedAt = if_not_exists(archivedAt, :now)',
          ConditionExpression: 'attribute_exists(attemptCode)',
          ExpressionAttributeValues: {
            ':true': { BOOL: true },
            ':now': str(new Date().toISOString()),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toAttempt(Attributes) : null;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return null;
      throw error;
    }
  }

  // Reviews

  async getAttemptAndHead(
    attemptCode: string,
  ): Promise<{ attempt: Attempt | null; head: ReviewHead | null }> {
    const responses = await this.batchGet(attemptCode, {
      [this.attemptsTable]: { Keys: [{ attemptCode: str(attemptCode) }], ConsistentRead: true },
      [this.reviewsTable]: {
        Keys: [{ attemptCode: str(attemptCode), sk: str(HEAD_SK) }],
        ConsistentRead: true,
      },
    });
    const attemptItem = responses.get(this.attemptsTable)?.[0];
    const headItem = responses.get(this.reviewsTable)?.[0];
    return {
      attempt: attemptItem ? toAttempt(attemptItem) : null,
      head: headItem ? toHead(headItem) : null,
    };
  }

  /** BatchGetItem, asking again (bounded) for any keys DynamoDB hands back unprocessed. */
  private async batchGet(
    attemptCode: string,
    initial: Record<string, KeysAndAttributes>,
  ): Promise<Map<string, Record<string, AttributeValue>[]>> {
    const items = new Map<string, Record<string, AttributeValue>[]>();
    let request = initial;
    for (let round = 0; round < 5 && Object.keys(request).length > 0; round++) {
      const { Responses, UnprocessedKeys } = await this.client.send(
        new BatchGetItemCommand({ RequestItems: request }),
      );
      for (const [table, found] of Object.entries(Responses ?? {})) {
        items.set(table, [...(items.get(table) ?? []), ...found]);
      }
      request = UnprocessedKeys ?? {};
    }
    if (Object.keys(request).length > 0) {
      throw new Error(`DynamoDB left keys unprocessed for attempt ${attemptCode}`);
    }
    return items;
  }

  async getHead(attemptCode: string): Promise<ReviewHead | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: this.reviewsTable,
        Key: { attemptCode: str(attemptCode), sk: str(HEAD_SK) },
        ConsistentRead: true,
      }),
    );
    return Item ? toHead(Item) : null;
  }

  async appendRevision(
    attemptCode: string,
    expected: ReviewHead | null,
    next: ReviewHead,
    draft: RevisionDraft,
  ): Promise<StoredRevision> {
    const pk = str(attemptCode);
    const revision = next.revision;
    const comments = packJson(draft.comments);
    const raw = packJson(draft.rawData);
    const headItem: Record<string, AttributeValue> = {
      attemptCode: pk,
      sk: str(HEAD_SK),
      revision: num(revision),
      vendorHashes: {
        M: Object.fromEntries(
          Object.entries(next.vendorHashes).map(([hash, number]) => [hash, num(number)]),
        ),
      },
      updatedAt: str(draft.receivedAt),
    };
    const revisionItem: Record<string, AttributeValue> = {
      attemptCode: pk,
      sk: str(revisionSk(revision)),
      itemType: str(REVISION_ITEM_TYPE),
      revision: num(revision),
      source: str(draft.source),
      reviewStatus: str(draft.reviewStatus),
      reviewedBy: nullableStr(draft.reviewedBy),
      contentHash: str(draft.contentHash),
      encryptedVideoUrl: nullableStr(draft.encryptedVideoUrl),
      receivedAt: str(draft.receivedAt),
      commentCount: num(draft.comments.length),
      commentChunks: num(comments.length),
      rawChunks: num(raw.length),
    };
    const chunkItem = (kind: 'COMMENTS' | 'RAW', data: Uint8Array, index: number) => ({
      Put: {
        TableName: this.reviewsTable,
        Item: {
          attemptCode: pk,
          sk: str(chunkSk(revision, kind, index)),
          itemType: str(kind === 'RAW' ? ITEM_TYPES.rawChunk : ITEM_TYPES.commentsChunk),
          data: { B: data },
        },
      },
    });

    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.reviewsTable,
                Item: headItem,
                ...(expected
                  ? {
                      ConditionExpression: 'revision = :expected',
                      ExpressionAttributeValues: { ':expected': num(expected.revision) },
                    }
                  : { ConditionExpression: 'attribute_not_exists(sk)' }),
              },
            },
            {
              Put: {
                TableName: this.reviewsTable,
                Item: revisionItem,
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
            ...comments.map((data, index) => chunkItem('COMMENTS', data, index)),
            ...raw.map((data, index) => chunkItem('RAW', data, index)),
          ],
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new RevisionConflict(attemptCode);
      throw error;
    }
    return { ...draft, revision };
  }

  async getLatestRevision(attemptCode: string): Promise<StoredRevision | null> {
    const head = await this.getHead(attemptCode);
    return head ? this.getRevision(attemptCode, head.revision) : null;
  }

  /** A revision with its comments and raw data, read with one (paged) query on its key prefix. */
  async getRevision(attemptCode: string, revision: number): Promise<StoredRevision | null> {
    const items: Record<string, AttributeValue>[] = [];
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.reviewsTable,
          KeyConditionExpression: 'attemptCode = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: {
            ':pk': str(attemptCode),
            ':prefix': str(revisionSk(revision)),
          },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);

    const [revisionItem, ...chunks] = items;
    if (!revisionItem || revisionItem.itemType?.S !== REVISION_ITEM_TYPE) return null;
    const chunkData = (itemType: string) =>
      chunks
        .filter((item) => item.itemType?.S === itemType)
        .map((item) => item.data?.B ?? new Uint8Array());
    return {
      revision: readNumber(revisionItem, 'revision'),
      source: readString(revisionItem, 'source') as StoredRevision['source'],
      reviewStatus: readString(revisionItem, 'reviewStatus') as ReviewStatus,
      reviewedBy: readNullableString(revisionItem, 'reviewedBy'),
      contentHash: readString(revisionItem, 'contentHash'),
      encryptedVideoUrl: readNullableString(revisionItem, 'encryptedVideoUrl'),
      receivedAt: readString(revisionItem, 'receivedAt'),
      comments: unpackJson(chunkData('review_comments_chunk')) as ReviewComment[],
      rawData: unpackJson(chunkData('review_raw_chunk')) as JsonObject,
    };
  }

  // Workflow bookkeeping (see "Workflow bookkeeping" in README.md)

  async getWorkflowState(attemptCode: string, revision: number): Promise<WorkflowState> {
    const responses = await this.batchGet(attemptCode, {
      [this.attemptsTable]: { Keys: [{ attemptCode: str(attemptCode) }], ConsistentRead: true },
      [this.reviewsTable]: {
        Keys: [{ attemptCode: str(attemptCode), sk: str(revisionSk(revision)) }],
        ConsistentRead: true,
        ProjectionExpression: '#sk, #outcome',
        ExpressionAttributeNames: { '#sk': 'sk', '#outcome': 'outcome' },
      },
    });
    const attemptItem = responses.get(this.attemptsTable)?.[0];
    const revisionItem = responses.get(this.reviewsTable)?.[0];
    return {
      attempt: attemptItem ? toAttempt(attemptItem) : null,
      appliedRevision: attemptItem?.appliedRevision?.N
        ? Number(attemptItem.appliedRevision.N)
        : null,
      revisionExists: revisionItem !== undefined,
      outcome: revisionItem?.outcome?.M ? toOutcome(revisionItem.outcome.M) : null,
    };
  }

  async recordOutcome(
    attemptCode: string,
    revision: number,
    outcome: RevisionOutcome,
  ): Promise<void> {
    const outcomeUpdate = {
      TableName: this.reviewsTable,
      Key: { attemptCode: str(attemptCode), sk: str(revisionSk(revision)) },
      // A MODIFY on the stream, which the workflow's filter drops.
      UpdateExpression: 'SET #outcome = :outcome',
      ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(#outcome)',
      ExpressionAttributeNames: { '#outcome': 'outcome' },
      ExpressionAttributeValues: {
        ':outcome': { M: marshall(outcome, { removeUndefinedValues: true }) },
      },
    };
    try {
      if (outcome.disposition !== 'applied') {
        await this.client.send(new UpdateItemCommand(outcomeUpdate));
        return;
      }
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: outcomeUpdate },
            {
              Update: {
                TableName: this.attemptsTable,
                Key: { attemptCode: str(attemptCode) },
                UpdateExpression:
                  'SET #status = :to, appliedRevision = :revision, statusAttributedTo = :by, statusUpdatedAt = :at',
                ConditionExpression:
                  'archived = :false AND #status = :from AND (attribute_not_exists(appliedRevision) OR appliedRevision < :revision)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':to': str(outcome.toStatus),
                  ':from': str(outcome.fromStatus),
                  ':revision': num(revision),
                  ':by': nullableStr(outcome.attributedTo),
                  ':at': str(outcome.processedAt),
                  ':false': { BOOL: false },
                },
              },
            },
          ],
        }),
      );
    } catch (error) {
      if (isConditionFailure(error)) throw new OutcomeConflict(attemptCode, revision);
      throw error;
    }
  }
}

function toHead(item: Record<string, AttributeValue>): ReviewHead {
  const revision = readNumber(item, 'revision');
  const hashes = item.vendorHashes?.M;
  if (hashes) {
    return {
      revision,
      vendorHashes: Object.fromEntries(
        Object.entries(hashes).map(([hash, value]) => [hash, Number(value.N)]),
      ),
    };
  }
  // Heads written before every vendor hash was kept know only the latest one.
  const latest = item.latestVendorHash?.S;
  return { revision, vendorHashes: latest ? { [latest]: revision } : {} };
}

function toOutcome(map: Record<string, AttributeValue>): RevisionOutcome {
  const parsed = revisionOutcomeSchema.safeParse(unmarshall(map));
  if (!parsed.success) throw new Error('Stored revision outcome is unreadable');
  return parsed.data;
}

function toAttempt(item: Record<string, AttributeValue>): Attempt {
  const registration = unmarshall(item.registration?.M ?? {}) as Omit<
    AttemptRegistration,
    'status'
  >;
  return {
    ...registration,
    attemptCode: readString(item, 'attemptCode'),
    status: readString(item, 'status') as AttemptStatus,
    archived: item.archived?.BOOL === true,
  };
}
