import * as z from 'zod';
import { RAW_DATA_ANSWER_MAX_BYTES } from '../../functions/internal-api/attempt-view.js';
import { attemptCodeSchema, attemptRegistrationSchema } from '../../lib/reviews/attempt.js';
import { attemptQueueQuerySchema } from '../../lib/reviews/attempt-queue.js';
import { DISPOSITIONS } from '../../lib/reviews/review.js';
import { historyQuerySchema } from '../../lib/reviews/review-history.js';
import { staffReviewSchema } from '../../lib/reviews/staff-review.js';
import {
  ATTEMPT_STATUSES,
  REVIEW_OUTCOME_STATUSES,
  REVIEW_STATUSES,
} from '../../lib/reviews/statuses.js';
import { vendorReviewSchema } from '../../lib/reviews/vendor-review.js';
import { reprocessRequestSchema } from '../../lib/workflow/reprocess.js';

/**
 * The named schemas of the OpenAPI document. Request bodies are the very zod schemas the handlers
 * validate with, given a name and a description here; answers are written down as zod schemas
 * too, and a test runs the handlers and checks every answer against them.
 */

// ---- request bodies: the handlers' own schemas ------------------------------------------------

// The handlers' schemas are built with `zod/mini`, which has no `.meta()` or `.describe()`; these
// do what those methods do (register the metadata on a copy), so the document is the same.
function withMeta<S extends z.core.$ZodType>(schema: S, meta: z.GlobalMeta): S {
  const copy = z.clone(schema);
  z.globalRegistry.add(copy, meta);
  return copy;
}

function described<S extends z.core.$ZodType>(schema: S, description: string): S {
  return withMeta(schema, { description });
}

export const VendorReview = withMeta(vendorReviewSchema, {
  id: 'VendorReview',
  description:
    'The SoftwareSecure "Reviewer Data Transfer" object. Only the fields listed here are read and checked; every other field is kept as received (without `videoReviewLink`, which is only ever stored encrypted).',
});

export const AttemptRegistration = withMeta(attemptRegistrationSchema, {
  id: 'AttemptRegistration',
  description:
    "An exam attempt as the LMS registers it with the vendor. `externalId` is the vendor's `ssiRecordLocator`; `externalId`, `user.email`, `startedAt` and `completedAt` may be null or left out.",
});

export const StaffReview = withMeta(staffReviewSchema, {
  id: 'StaffReview',
  description:
    'A review recorded by a staff member. `reviewStatus` must be one of `Clean`, `Rules Violation`, `Suspicious`, `Not Reviewed` (checked after the shape, answering `bad_review_status`).',
});

export const ReprocessRequest = withMeta(reprocessRequestSchema, {
  id: 'ReprocessRequest',
  description:
    'A time range of received review revisions: `from` before `to`, at most 31 days apart, both ISO 8601 with a time and an offset. `cursor` is the `next` of the previous answer for the same range and `republish`.',
});

/** The staff queue's query parameters, as the handler validates them. */
const queryShape = attemptQueueQuerySchema.shape;
export const AttemptQueueQuery = z.object({
  status: described(
    queryShape.status,
    'An edX attempt status; `second_review_required` is the staff review queue.',
  ),
  limit: described(queryShape.limit, 'Attempts per page, 1 to 100 (50).'),
  cursor: described(queryShape.cursor, "The previous page's `next`, for the same status."),
});

/** The review history's query parameters, as the handler validates them. */
export const ReviewHistoryQuery = z.object({
  cursor: described(
    historyQuerySchema.shape.cursor,
    "The previous answer's `next`, for the same attempt.",
  ),
});

export const AttemptCode = withMeta(attemptCodeSchema, {
  description:
    "The attempt code (edX's attempt code, the `examCode` the vendor echoes back): 1 to 255 printable ASCII characters without spaces.",
  example: '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
});

// ---- answers ----------------------------------------------------------------------------------

const isoTime = z.iso.datetime({ offset: true });

export const ReviewComment = z
  .object({
    start: z.number().describe('Seconds into the recording where the event starts.'),
    stop: z.number().describe('Seconds into the recording where it ends.'),
    duration: z.number(),
    comment: z.string(),
    status: z.string().describe("The reviewer's judgement of this moment, as sent."),
    source: z
      .enum(['webcam', 'desktop', 'staff'])
      .describe('The vendor list it came from, or `staff` for the comment of a staff review.'),
  })
  .meta({ id: 'ReviewComment' });

export const Review = z
  .object({
    reviewStatus: z.enum(REVIEW_STATUSES),
    revision: z.int().min(1).describe('1 for the first review of the attempt, then 2, 3, …'),
    reviewedBy: z
      .string()
      .nullable()
      .describe('The staff member of a staff review; null for a vendor review.'),
    rawData: z
      .record(z.string(), z.unknown())
      .describe(
        `The request body of this revision as received; for a vendor review without \`videoReviewLink\`. Over ${RAW_DATA_ANSWER_MAX_BYTES} bytes as JSON it is answered as \`{"omitted": true, "bytes": n, "limitBytes": ${RAW_DATA_ANSWER_MAX_BYTES}}\` instead (the stored body is unchanged).`,
      ),
    comments: z
      .array(ReviewComment)
      .describe('Webcam comments first, then desktop ones, each in the order received.'),
    receivedAt: isoTime,
  })
  .meta({ id: 'Review', description: 'One revision of the review of an attempt.' });

export const Attempt = z
  .object({
    attemptCode: attemptCodeSchema,
    ...attemptRegistrationSchema.shape,
    archived: z
      .boolean()
      .describe('True once the attempt was archived; later reviews never change its status.'),
    review: Review.nullable().describe(
      'The latest review revision, or null when none was received yet.',
    ),
  })
  .meta({
    id: 'Attempt',
    description:
      'An attempt as registered, with its current status (the status after every review revision processed so far).',
  });

export const AttemptPage = z
  .object({
    items: z.array(Attempt).describe('Most recently changed first.'),
    next: z
      .string()
      .nullable()
      .describe('Pass as `cursor` for the next page; null on the last page.'),
  })
  .meta({ id: 'AttemptPage', description: 'One page of the attempts with one status.' });

export const RevisionOutcome = z
  .object({
    decidedStatus: z.enum(REVIEW_OUTCOME_STATUSES).describe('What the decision table gave.'),
    fromStatus: z.enum(ATTEMPT_STATUSES),
    toStatus: z.enum(ATTEMPT_STATUSES),
    disposition: z
      .enum(DISPOSITIONS)
      .describe(
        '`applied` to a live attempt, or left alone because the attempt is `archived` or a newer revision was applied first (`superseded`).',
      ),
    processedAt: isoTime,
  })
  .meta({ id: 'RevisionOutcome', description: 'What the workflow did with a revision.' });

export const ReviewHistory = z
  .object({
    items: z.array(
      Review.extend({
        outcome: RevisionOutcome.nullable().describe(
          'Null while the workflow has not processed the revision.',
        ),
      }),
    ),
    next: z
      .string()
      .optional()
      .describe(
        'Present only when the rest of the history would not fit in this answer (about 5 MB, far more than any ordinary history): pass it as `cursor` for the newer revisions.',
      ),
  })
  .meta({ id: 'ReviewHistory', description: 'Every revision of the review, oldest first.' });

export const ReprocessResult = z
  .object({
    examined: z.int().min(0).describe('Revisions of the range on this page.'),
    processed: z.int().min(0).describe('Of those, revisions applied now (they had no outcome).'),
    republished: z.int().min(0).describe('Revisions whose events were published again.'),
    next: z
      .string()
      .nullable()
      .describe('Pass as `cursor` to continue the range; null when it is done.'),
  })
  .meta({ id: 'ReprocessResult', description: 'One page of at most 100 revisions.' });

export const StaffReviewRecorded = z
  .object({
    attemptCode: attemptCodeSchema,
    revision: z.int().min(1),
    reviewStatus: z.enum(REVIEW_STATUSES),
    reviewedBy: z.string(),
    receivedAt: isoTime,
  })
  .meta({ id: 'StaffReviewRecorded', description: 'The review revision a staff review became.' });

export const Accepted = z.literal('OK').meta({
  id: 'Accepted',
  description: 'The JSON string "OK", as edX answers a vendor.',
});

export const ErrorBody = z
  .object({
    detail: z
      .string()
      .describe('A human-readable sentence; for malformed input it names the field.'),
    code: z.string().describe('A stable, machine-readable code.'),
  })
  .meta({ id: 'Error', description: 'Every refused request answers this shape.' });

/** `Error` narrowed to the codes one answer can carry. */
export function errorWith(codes: readonly [string, ...string[]]) {
  return ErrorBody.extend({ code: z.enum(codes) });
}

export const InternalError = z.object({ detail: z.literal('Internal Server Error') }).meta({
  id: 'InternalError',
  description: 'An unexpected failure. It never carries an internal message; nothing was stored.',
});

export const Health = z
  .object({ status: z.literal('ok') })
  .meta({ id: 'Health', description: 'Every part of the local pipeline is working.' });

export const Unhealthy = z.looseObject({ status: z.literal('unavailable') }).meta({
  id: 'Unhealthy',
  description:
    'A part of the local pipeline (database engine, stream workflow, bus) is not working; further fields say which.',
});
