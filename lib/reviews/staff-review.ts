import * as z from 'zod/mini';
import { BadReviewStatus, InternalAttemptNotFound, MalformedPayload } from '../errors.js';
import type { Logger } from '../log.js';
import { parseWith } from '../validation.js';
import { decideStaffWrite, type WriteResult, writeRevision } from './append-revision.js';
import { FIELD_LIMITS } from './field-limits.js';
import { contentHash, isJsonObject } from './json.js';
import type { ReviewStore } from './ports.js';
import type { RevisionDraft } from './review.js';
import { isReviewStatus } from './statuses.js';

export const staffReviewSchema = z.object({
  reviewStatus: z.string(),
  reviewedBy: z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(FIELD_LIMITS.reviewedBy, {
      message: `must be at most ${FIELD_LIMITS.reviewedBy} characters`,
    }),
  ),
  comment: z.optional(
    z.string().check(
      z.maxLength(FIELD_LIMITS.staffComment, {
        message: `must be at most ${FIELD_LIMITS.staffComment} characters`,
      }),
    ),
  ),
});

export type StaffReview = z.infer<typeof staffReviewSchema>;

export interface StaffReviewDependencies {
  store: ReviewStore;
  log: Logger;
  now?: () => Date;
}

/**
 * A staff member's review (edX's admin edit). It is always accepted, whatever
 * `ALLOW_REVIEW_UPDATES` says, and becomes the next revision with `reviewedBy` set; the workflow
 * then lets it reject directly and never asks support to follow it up.
 */
export async function recordStaffReview(
  deps: StaffReviewDependencies,
  attemptCode: string,
  body: unknown,
): Promise<WriteResult & { receivedAt: string; reviewStatus: string; reviewedBy: string }> {
  if (!isJsonObject(body)) throw new MalformedPayload('The request body must be a JSON object');
  const { reviewStatus, reviewedBy, comment } = parseWith(staffReviewSchema, body, 'staff review');
  if (!isReviewStatus(reviewStatus)) throw new BadReviewStatus(reviewStatus);

  const { attempt, head } = await deps.store.getAttemptAndHead(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);

  const receivedAt = (deps.now?.() ?? new Date()).toISOString();
  const draft: RevisionDraft = {
    source: 'staff',
    reviewStatus,
    reviewedBy,
    rawData: body,
    contentHash: contentHash(body),
    encryptedVideoUrl: null,
    comments: comment
      ? [{ start: 0, stop: 0, duration: 0, comment, status: reviewStatus, source: 'staff' }]
      : [],
    receivedAt,
  };
  const written = await writeRevision(deps.store, attemptCode, head, decideStaffWrite, draft);
  deps.log.info('staff review stored', {
    attemptCode,
    revision: written.revision,
    reviewStatus,
    archived: attempt.archived,
  });
  return { ...written, receivedAt, reviewStatus, reviewedBy };
}
