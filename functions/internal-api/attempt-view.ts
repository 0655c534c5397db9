import type { Attempt } from '../../lib/reviews/attempt.js';
import type { JsonObject } from '../../lib/reviews/json.js';
import type { RevisionWithOutcome, StoredRevision } from '../../lib/reviews/review.js';

/**
 * The largest `rawData` an answer carries, in bytes of JSON. A vendor's review is a few kilobytes;
 * only a body stuffed with extra fields comes near this. Above it `rawData` is replaced by a
 * marker with its size, so an answer stays far below Lambda's 6 MB and API Gateway's 10 MB limits
 * whatever was accepted (the body as stored is unchanged).
 */
export const RAW_DATA_ANSWER_MAX_BYTES = 256 * 1024;

/**
 * What one history answer may carry, in bytes of its items as they travel: the body is a JSON
 * string inside Lambda's answer, where every quote and backslash is escaped again. Lambda returns
 * at most 6 MB; the rest is left for the envelope and headers. Longer histories are paged.
 */
export const HISTORY_ANSWER_MAX_BYTES = 5_000_000;

/** Bytes of `value` as JSON once it is written into Lambda's answer (escaped a second time). */
export function bytesInAnswer(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value)), 'utf8') - 2;
}

export interface OmittedRawData {
  omitted: true;
  bytes: number;
  limitBytes: number;
}

function boundedRawData(rawData: JsonObject): JsonObject | OmittedRawData {
  const bytes = Buffer.byteLength(JSON.stringify(rawData), 'utf8');
  return bytes <= RAW_DATA_ANSWER_MAX_BYTES
    ? rawData
    : { omitted: true, bytes, limitBytes: RAW_DATA_ANSWER_MAX_BYTES };
}

/** The internal API's representation of an attempt (docs/api.md), field order as documented. */
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
    rawData: boundedRawData(revision.rawData),
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
