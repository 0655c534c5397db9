import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Attempt, AttemptRegistration } from '../reviews/attempt.js';
import type { JsonObject } from '../reviews/json.js';
import {
  REVISION_SOURCES,
  type ReviewComment,
  type ReviewHead,
  type RevisionOutcomeSummary,
  type StoredRevision,
} from '../reviews/review.js';
import { type AttemptStatus, isReviewStatus, type ReviewStatus } from '../reviews/statuses.js';
import { type RevisionOutcome, revisionOutcomeSchema } from '../workflow/outcome.js';
import type { ListedRevision, RevisionPosition } from '../workflow/ports.js';
import { unpackJson } from './blobs.js';
import { attachCommentTexts } from './comment-texts.js';
import { ITEM_TYPES, REVISION_ITEM_TYPE } from './item-types.js';

/**
 * The item layout of `README.md`, spelled once: keys, attribute encodings and the readers that
 * turn items back into domain values. Only the DynamoDB adapter uses this module.
 */

export const HEAD_SK = 'HEAD';
export type Item = Record<string, AttributeValue>;

/** Fixed width, so revision 2's items never share a prefix with revision 20's. */
export function revisionSk(revision: number): string {
  return `REV#${String(revision).padStart(10, '0')}`;
}

export function chunkSk(revision: number, kind: 'COMMENTS' | 'RAW', index: number): string {
  return `${revisionSk(revision)}#${kind}#${String(index + 1).padStart(4, '0')}`;
}

export const str = (value: string): AttributeValue => ({ S: value });
export const num = (value: number): AttributeValue => ({ N: String(value) });
export const nullableStr = (value: string | null): AttributeValue =>
  value === null ? { NULL: true } : { S: value };

export function readString(item: Item, name: string): string {
  const value = item[name]?.S;
  if (value === undefined) throw new Error(`Stored item lacks string attribute ${name}`);
  return value;
}

export function readNullableString(item: Item, name: string): string | null {
  return item[name]?.S ?? null;
}

export function readNumber(item: Item, name: string): number {
  const value = item[name]?.N;
  if (value === undefined) throw new Error(`Stored item lacks number attribute ${name}`);
  return Number(value);
}

export function isConditionFailure(error: unknown): boolean {
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

export function toHead(item: Item): ReviewHead {
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

export function vendorHashesAttribute(hashes: ReviewHead['vendorHashes']): AttributeValue {
  return {
    M: Object.fromEntries(Object.entries(hashes).map(([hash, revision]) => [hash, num(revision)])),
  };
}

export function toOutcome(map: Record<string, AttributeValue>): RevisionOutcome {
  const parsed = revisionOutcomeSchema().safeParse(unmarshall(map));
  if (!parsed.success) throw new Error('Stored revision outcome is unreadable');
  return parsed.data;
}

export function toOutcomeSummary(map: Record<string, AttributeValue>): RevisionOutcomeSummary {
  const { decidedStatus, fromStatus, toStatus, disposition, processedAt } = toOutcome(map);
  return { decidedStatus, fromStatus, toStatus, disposition, processedAt };
}

export function toAttempt(item: Item): Attempt {
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

/**
 * A revision from its items as a key-prefix query returns them: the revision item first, then
 * its chunks in order. Null when the first item is not a revision.
 */
export function toStoredRevision(items: readonly Item[]): StoredRevision | null {
  const [revisionItem, ...chunks] = items;
  if (!revisionItem || revisionItem.itemType?.S !== REVISION_ITEM_TYPE) return null;
  const chunkData = (itemType: string) =>
    chunks
      .filter((item) => item.itemType?.S === itemType)
      .map((item) => item.data?.B ?? new Uint8Array());
  const source = readString(revisionItem, 'source') as StoredRevision['source'];
  const comments = unpackJson(chunkData(ITEM_TYPES.commentsChunk)) as ReviewComment[];
  const storedRaw = unpackJson(chunkData(ITEM_TYPES.rawChunk)) as JsonObject;
  return {
    revision: readNumber(revisionItem, 'revision'),
    source,
    reviewStatus: readString(revisionItem, 'reviewStatus') as ReviewStatus,
    reviewedBy: readNullableString(revisionItem, 'reviewedBy'),
    contentHash: readString(revisionItem, 'contentHash'),
    encryptedVideoUrl: readNullableString(revisionItem, 'encryptedVideoUrl'),
    receivedAt: readString(revisionItem, 'receivedAt'),
    comments,
    // Each comment text is stored once, in the comment list (see comment-texts.ts).
    rawData: attachCommentTexts(source, storedRaw, comments),
  };
}

/** A revision as an index of revisions lists it (keys plus the projected facts). */
export function toListedRevision(item: Item): ListedRevision {
  const source = readString(item, 'source');
  const reviewStatus = readString(item, 'reviewStatus');
  if (!(REVISION_SOURCES as readonly string[]).includes(source) || !isReviewStatus(reviewStatus)) {
    throw new Error(`Indexed revision ${readString(item, 'sk')} has unreadable facts`);
  }
  return {
    receivedAt: readString(item, 'receivedAt'),
    facts: {
      attemptCode: readString(item, 'attemptCode'),
      revision: readNumber(item, 'revision'),
      source: source as StoredRevision['source'],
      reviewStatus,
      reviewedBy: readNullableString(item, 'reviewedBy'),
    },
  };
}

export function positionOf(listed: ListedRevision): RevisionPosition {
  return {
    receivedAt: listed.receivedAt,
    attemptCode: listed.facts.attemptCode,
    revision: listed.facts.revision,
  };
}
