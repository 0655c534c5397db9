/**
 * The status vocabularies of edx-proctoring, spelled exactly as edX and SoftwareSecure spell them.
 */

/** SoftwareSecure's `reviewStatus` values. Matching is exact and case-sensitive. */
export const REVIEW_STATUSES = ['Clean', 'Rules Violation', 'Suspicious', 'Not Reviewed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

/** Pinned by edX history: `Suspicious` once counted as passing by mistake. */
export const PASSING_REVIEW_STATUSES: readonly ReviewStatus[] = ['Clean', 'Rules Violation'];

/** The one status that asks support for a follow-up (edX `notify_support_for_status`). */
export const SUPPORT_NOTIFICATION_STATUS: ReviewStatus = 'Suspicious';

export function isReviewStatus(value: unknown): value is ReviewStatus {
  return typeof value === 'string' && (REVIEW_STATUSES as readonly string[]).includes(value);
}

/** Attempt statuses from which an attempt may still move on (edX `is_incomplete_status`). */
export const INCOMPLETE_ATTEMPT_STATUSES = [
  'eligible',
  'created',
  'download_software_clicked',
  'ready_to_start',
  'started',
  'ready_to_submit',
] as const;

/** Attempt statuses that "cannot go backwards" (edX `is_completed_status`). */
export const COMPLETED_ATTEMPT_STATUSES = [
  'declined',
  'timed_out',
  'submitted',
  'second_review_required',
  'verified',
  'rejected',
  'error',
  'onboarding_missing',
  'onboarding_pending',
  'onboarding_failed',
  'onboarding_expired',
] as const;

/** Valid edX statuses that are neither incomplete nor completed. */
export const OTHER_ATTEMPT_STATUSES = ['expired', 'onboarding_reset'] as const;

export const ATTEMPT_STATUSES = [
  ...INCOMPLETE_ATTEMPT_STATUSES,
  ...COMPLETED_ATTEMPT_STATUSES,
  ...OTHER_ATTEMPT_STATUSES,
] as const;
export type AttemptStatus = (typeof ATTEMPT_STATUSES)[number];

/** The statuses a review can lead to. All of them are completed statuses. */
export const REVIEW_OUTCOME_STATUSES = [
  'verified',
  'rejected',
  'error',
  'second_review_required',
] as const satisfies readonly (typeof COMPLETED_ATTEMPT_STATUSES)[number][];
export type ReviewOutcomeStatus = (typeof REVIEW_OUTCOME_STATUSES)[number];

export function isCompletedStatus(status: AttemptStatus): boolean {
  return (COMPLETED_ATTEMPT_STATUSES as readonly string[]).includes(status);
}

export function isIncompleteStatus(status: AttemptStatus): boolean {
  return (INCOMPLETE_ATTEMPT_STATUSES as readonly string[]).includes(status);
}
