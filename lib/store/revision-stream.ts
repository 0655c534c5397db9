import type { DynamoDBRecord } from 'aws-lambda';
import * as z from 'zod/mini';
import { REVISION_SOURCES } from '../reviews/review.js';
import { REVIEW_STATUSES } from '../reviews/statuses.js';
import type { RevisionFacts } from '../workflow/outcome.js';
import { REVISION_ITEM_TYPE } from './item-types.js';

/**
 * Reads a reviews-table stream record as Lambda delivers it. A new review revision is exactly one
 * INSERT of an item whose `itemType` is `review_revision`; everything else (the head, comment and
 * raw-data chunks, MODIFY records such as the workflow's own outcome write, REMOVE) is not a new
 * revision. The event source mapping already filters on this; the check is repeated here so a
 * mapping without the filter cannot make the workflow act twice.
 */
export function isNewRevisionRecord(record: DynamoDBRecord): boolean {
  return (
    record.eventName === 'INSERT' && record.dynamodb?.NewImage?.itemType?.S === REVISION_ITEM_TYPE
  );
}

const revisionImageSchema = z.object({
  attemptCode: z.object({ S: z.string().check(z.minLength(1)) }),
  revision: z.object({ N: z.string().check(z.regex(/^[1-9]\d{0,9}$/)) }),
  source: z.object({ S: z.enum(REVISION_SOURCES) }),
  reviewStatus: z.object({ S: z.enum(REVIEW_STATUSES) }),
  reviewedBy: z.union([z.object({ S: z.string() }), z.object({ NULL: z.literal(true) })]),
});

/** A new-revision record whose image cannot be read: retrying will not help (a poison pill). */
export class MalformedRevisionRecord extends Error {
  override readonly name = 'MalformedRevisionRecord';
}

/** The revision a record announces, or null when the record is not a new revision. */
export function revisionFromRecord(record: DynamoDBRecord): RevisionFacts | null {
  if (!isNewRevisionRecord(record)) return null;
  const parsed = revisionImageSchema.safeParse(record.dynamodb?.NewImage);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new MalformedRevisionRecord(
      `Stream record ${record.dynamodb?.SequenceNumber ?? '?'} has an unreadable revision image (${fields.join(', ')})`,
    );
  }
  const image = parsed.data;
  return {
    attemptCode: image.attemptCode.S,
    revision: Number(image.revision.N),
    source: image.source.S,
    reviewStatus: image.reviewStatus.S,
    reviewedBy: 'S' in image.reviewedBy ? image.reviewedBy.S : null,
  };
}

/**
 * The partition key of the item a record is about: the attempt code, for every item of the
 * reviews table. Lambda keeps the records of one partition key in order, at any parallelization
 * factor, so this is also the unit the workflow keeps in order within a batch.
 */
export function recordPartitionKey(record: DynamoDBRecord): string {
  return record.dynamodb?.Keys?.attemptCode?.S ?? '';
}
