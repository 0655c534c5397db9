import * as z from 'zod/mini';
import type { Attempt } from '../reviews/attempt.js';
import { DISPOSITIONS, type Disposition, type RevisionSource } from '../reviews/review.js';
import {
  ATTEMPT_STATUSES,
  REVIEW_OUTCOME_STATUSES,
  type ReviewStatus,
} from '../reviews/statuses.js';
import { lazy } from '../validation.js';
import { decideStatus, isLegalTransition } from './decide-status.js';

export { DISPOSITIONS, type Disposition };

/** The immutable facts of one review revision, as its stream record carries them. */
export interface RevisionFacts {
  attemptCode: string;
  revision: number;
  source: RevisionSource;
  reviewStatus: ReviewStatus;
  reviewedBy: string | null;
}

/**
 * The recorded outcome of one revision. It is written once, atomically with the attempt update,
 * and holds everything the revision's events are built from, so reprocessing the revision (a
 * redelivered record, a retry after a failed publish) rebuilds exactly the same events even though
 * the attempt has moved on. Bump `version` when the shape changes incompatibly.
 */
function outcomeSchema() {
  const count = z.number().check(z.int(), z.nonnegative());
  return z.object({
    version: z.literal(1),
    /** When the workflow decided; also the events' time. */
    processedAt: z.iso.datetime({ offset: true }),
    disposition: z.enum(DISPOSITIONS),
    /** What the decision table gave, whether or not it was applied. */
    decidedStatus: z.enum(REVIEW_OUTCOME_STATUSES),
    /** The attempt's status before this revision. */
    fromStatus: z.enum(ATTEMPT_STATUSES),
    /** The attempt's status after this revision (equal to `fromStatus` unless applied). */
    toStatus: z.enum(ATTEMPT_STATUSES),
    /** Who the status update is attributed to: the staff reviewer, or null. */
    attributedTo: z.nullable(z.string()),
    /** The attempt fields the events carry, as they were when the revision was processed. */
    attempt: z.object({
      attemptId: count,
      userId: count,
      username: z.string(),
      exam: z.object({
        id: count,
        courseId: z.string(),
        contentId: z.string(),
        name: z.string(),
        isProctored: z.boolean(),
        isPracticeExam: z.boolean(),
      }),
    }),
  });
}

/** Built on first use: only reading an outcome back needs it, and the callback never does. */
export const revisionOutcomeSchema = lazy(outcomeSchema);

export type RevisionOutcome = z.infer<ReturnType<typeof outcomeSchema>>;

export interface PlanInput {
  facts: RevisionFacts;
  attempt: Attempt;
  /** The newest revision applied to the attempt so far, or null. */
  appliedRevision: number | null;
  requireFailureSecondReviews: boolean;
  processedAt: Date;
}

/** Decides what a revision does to its attempt (docs/api.md). Pure. */
export function planOutcome(input: PlanInput): RevisionOutcome {
  const { facts, attempt, appliedRevision } = input;
  const decidedStatus = decideStatus({
    reviewStatus: facts.reviewStatus,
    reviewedBy: facts.reviewedBy,
    isSampleAttempt: attempt.isSampleAttempt,
    backendSupportsOnboarding: attempt.exam.backendSupportsOnboarding,
    requireFailureSecondReviews: input.requireFailureSecondReviews,
  });
  const disposition: Disposition = attempt.archived
    ? 'archived'
    : appliedRevision !== null && facts.revision <= appliedRevision
      ? 'superseded'
      : 'applied';
  const applied = disposition === 'applied';
  // Review outcomes are all completed statuses, so the transition check never refuses one; it
  // stays so that a future outcome cannot walk an attempt backwards unnoticed.
  const toStatus =
    applied && isLegalTransition(attempt.status, decidedStatus) ? decidedStatus : attempt.status;
  return {
    version: 1,
    processedAt: input.processedAt.toISOString(),
    disposition,
    decidedStatus,
    fromStatus: attempt.status,
    toStatus,
    attributedTo: applied ? (facts.reviewedBy ?? null) : null,
    attempt: {
      attemptId: attempt.attemptId,
      userId: attempt.user.id,
      username: attempt.user.username,
      exam: {
        id: attempt.exam.id,
        courseId: attempt.exam.courseId,
        contentId: attempt.exam.contentId,
        name: attempt.exam.name,
        isProctored: attempt.exam.isProctored,
        isPracticeExam: attempt.exam.isPracticeExam,
      },
    },
  };
}
