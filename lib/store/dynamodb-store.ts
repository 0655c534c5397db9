import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  type KeysAndAttributes,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { AttemptArchived } from '../errors.js';
import type { Attempt, AttemptRegistration } from '../reviews/attempt.js';
import {
  type AttemptPage,
  type AttemptPosition,
  type AttemptStore,
  type ReviewHistoryStore,
  type ReviewStore,
  RevisionConflict,
} from '../reviews/ports.js';
import type {
  ReviewHead,
  RevisionDraft,
  RevisionWithOutcome,
  StoredRevision,
} from '../reviews/review.js';
import type { AttemptStatus } from '../reviews/statuses.js';
import type { RevisionOutcome } from '../workflow/outcome.js';
import {
  OutcomeConflict,
  type RevisionFinder,
  type RevisionPage,
  type RevisionPosition,
  type WorkflowState,
  type WorkflowStore,
} from '../workflow/ports.js';
import { packJson } from './blobs.js';
import { detachCommentTexts } from './comment-texts.js';
import * as indexes from './dynamodb-indexes.js';
import {
  chunkSk,
  HEAD_SK,
  type Item,
  isConditionFailure,
  nullableStr,
  num,
  revisionSk,
  str,
  toAttempt,
  toHead,
  toOutcome,
  toStoredRevision,
  vendorHashesAttribute,
} from './dynamodb-items.js';
import * as reads from './dynamodb-reads.js';
import { PENDING_PARTITION } from './indexes.js';
import { ITEM_TYPES, REVISION_ITEM_TYPE } from './item-types.js';

export { HEAD_SK, revisionSk };

/**
 * DynamoDB adapter for attempts and reviews. The item layout is described in `README.md` beside
 * this file; `dynamodb-items.ts` is the only place that spells it, `dynamodb-indexes.ts` queries
 * the indexes.
 */
export interface DynamoDbStoreOptions {
  client: DynamoDBClient;
  attemptsTable: string;
  reviewsTable: string;
}

export class DynamoDbStore
  implements AttemptStore, ReviewStore, ReviewHistoryStore, WorkflowStore, RevisionFinder
{
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
            'SET registration = :registration, #status = :status, archived = :false, updatedAt = :now, statusChangedAt = :now, registeredAt = if_not_exists(registeredAt, :now)',
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
          // Without its index key the attempt leaves the status index: staff queues list live ones.
          UpdateExpression:
            'SET archived = :true, archivedAt = if_not_exists(archivedAt, :now) REMOVE statusChangedAt',
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

  listAttemptsByStatus(
    status: AttemptStatus,
    limit: number,
    after: AttemptPosition | null,
  ): Promise<AttemptPage> {
    return indexes.listAttemptsByStatus(this.client, this.attemptsTable, status, limit, after);
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
  ): Promise<Map<string, Item[]>> {
    const items = new Map<string, Item[]>();
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
    // Each comment text is stored once, in the comment list (see comment-texts.ts).
    const raw = packJson(detachCommentTexts(draft.source, draft.rawData, draft.comments));
    const headItem: Item = {
      attemptCode: pk,
      sk: str(HEAD_SK),
      revision: num(revision),
      vendorHashes: vendorHashesAttribute(next.vendorHashes),
      updatedAt: str(draft.receivedAt),
    };
    const revisionItem: Item = {
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
      // In the pending index until the workflow records the revision's outcome.
      pending: str(PENDING_PARTITION),
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
    return toStoredRevision(await this.queryPrefix(attemptCode, revisionSk(revision)));
  }

  async getReviewHistory(attemptCode: string): Promise<RevisionWithOutcome[]> {
    return reads.revisionHistory(await this.queryPrefix(attemptCode, 'REV#'));
  }

  getLatestVideoLink(
    attemptCode: string,
  ): Promise<{ revision: number; encryptedVideoUrl: string } | null> {
    return reads.latestVideoLink(this.client, this.reviewsTable, attemptCode);
  }

  private queryPrefix(attemptCode: string, prefix: string): Promise<Item[]> {
    return reads.queryKeyPrefix(this.client, this.reviewsTable, attemptCode, prefix);
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
      // Removing `pending` takes the revision out of the pending index in the same write.
      UpdateExpression: 'SET #outcome = :outcome REMOVE #pending',
      ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(#outcome)',
      ExpressionAttributeNames: { '#outcome': 'outcome', '#pending': 'pending' },
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
                  'SET #status = :to, appliedRevision = :revision, statusAttributedTo = :by, statusUpdatedAt = :at, statusChangedAt = :at',
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

  // Revision indexes (see "Workflow bookkeeping" in README.md)

  listPendingRevisions(
    receivedBefore: string,
    limit: number,
    after: RevisionPosition | null,
  ): Promise<RevisionPage> {
    return indexes.listPendingRevisions(
      this.client,
      this.reviewsTable,
      receivedBefore,
      limit,
      after,
    );
  }

  listRevisionsReceived(
    from: string,
    to: string,
    limit: number,
    after: RevisionPosition | null,
  ): Promise<RevisionPage> {
    return indexes.listRevisionsReceived(this.client, this.reviewsTable, from, to, limit, after);
  }
}
