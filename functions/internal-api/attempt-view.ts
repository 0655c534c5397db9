import type { Attempt } from '../../lib/reviews/attempt.js';
import type { RevisionWithOutcome, StoredRevision } from '../../lib/reviews/review.js';

/** The internal API's representation of an attempt (CONTRACT 1.2), field order as documented. */
export function attemptView(attempt: Attempt, latest: StoredRevision | null) {
  return {
    attemptCode: attempt.attemptCode,
    attemptId: attempt.attemptId,
    externalId: attempt.externalId,
    status: attempt.status,
    // Rebuilt field by field: storage does not keep the order of nested keys.
    user: { id: attempt.user.id, username: attempt.user.username, email: attempt.user.email },
    exam: {
      id: attempt.exam.id,
      courseId: attempt.exam.courseId,
      contentId: attempt.exam.contentId,
      name: attempt.exam.name,
      timeLimitMins: attempt.exam.timeLimitMins,
      isProctored: attempt.exam.isProctored,
      isPracticeExam: attempt.exam.isPracticeExam,
      isActive: attempt.exam.isActive,
      backendSupportsOnboarding: attempt.exam.backendSupportsOnboarding,
    },
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

/** One entry of a review's history: the revision as `review` shows it, plus its outcome. */
export function historyView(revision: RevisionWithOutcome) {
  return {
    ...reviewView(revision),
    outcome: revision.outcome
      ? {
          decidedStatus: revision.outcome.decidedStatus,
          fromStatus: revision.outcome.fromStatus,
          toStatus: revision.outcome.toStatus,
          disposition: revision.outcome.disposition,
          processedAt: revision.outcome.processedAt,
        }
      : null,
  };
}
