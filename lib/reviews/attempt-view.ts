import type { Attempt } from './attempt.js';
import type { StoredRevision } from './review.js';

/** The internal API's representation of an attempt (CONTRACT 1.2), field order as documented. */
export function attemptView(attempt: Attempt, latest: StoredRevision | null) {
  return {
    attemptCode: attempt.attemptCode,
    attemptId: attempt.attemptId,
    externalId: attempt.externalId,
    status: attempt.status,
    user: attempt.user,
    exam: attempt.exam,
    isSampleAttempt: attempt.isSampleAttempt,
    takingAsProctored: attempt.takingAsProctored,
    startedAt: attempt.startedAt,
    completedAt: attempt.completedAt,
    allowedTimeLimitMins: attempt.allowedTimeLimitMins,
    archived: attempt.archived,
    review: latest ? reviewView(latest) : null,
  };
}

export function reviewView(revision: StoredRevision) {
  return {
    reviewStatus: revision.reviewStatus,
    revision: revision.revision,
    reviewedBy: revision.reviewedBy,
    rawData: revision.rawData,
    comments: revision.comments.map(({ start, stop, duration, comment, status, source }) => ({
      start,
      stop,
      duration,
      comment,
      status,
      source,
    })),
    receivedAt: revision.receivedAt,
  };
}

export type AttemptView = ReturnType<typeof attemptView>;
