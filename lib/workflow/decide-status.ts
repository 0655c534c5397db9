import {
  type AttemptStatus,
  isCompletedStatus,
  isIncompleteStatus,
  PASSING_REVIEW_STATUSES,
  type ReviewOutcomeStatus,
  type ReviewStatus,
} from '../reviews/statuses.js';

/** What the decision looks at: the revision, the attempt's onboarding flags and one setting. */
export interface StatusDecisionInput {
  reviewStatus: ReviewStatus;
  /** The staff member behind the revision, or null for the vendor. */
  reviewedBy: string | null;
  isSampleAttempt: boolean;
  backendSupportsOnboarding: boolean;
  requireFailureSecondReviews: boolean;
}

/**
 * The attempt status a review revision leads to (docs/api.md, edX `finish_review_workflow`).
 * First match wins:
 * 1. a passing status (`Clean`, `Rules Violation`): `verified`;
 * 2. `Not Reviewed`: `error` (an unreviewable session is a technical error, not misconduct);
 * 3. a staff review, or second reviews not required: `rejected`;
 * 4. a sample attempt of an exam whose backend supports onboarding: `rejected` (onboarding
 *    results must not wait for a human);
 * 5. otherwise: `second_review_required`.
 */
export function decideStatus(input: StatusDecisionInput): ReviewOutcomeStatus {
  if (PASSING_REVIEW_STATUSES.includes(input.reviewStatus)) return 'verified';
  if (input.reviewStatus === 'Not Reviewed') return 'error';
  if (input.reviewedBy || !input.requireFailureSecondReviews) return 'rejected';
  if (input.backendSupportsOnboarding && input.isSampleAttempt) return 'rejected';
  return 'second_review_required';
}

/**
 * edX's only hard transition rule: a completed attempt never moves back to an incomplete status.
 * Completed to completed (`verified` to `rejected`, `rejected` to `verified`, same to same) is legal.
 */
export function isLegalTransition(from: AttemptStatus, to: AttemptStatus): boolean {
  return !(isCompletedStatus(from) && isIncompleteStatus(to));
}

/** The credit requirement status edX sets for a review outcome; null when it sets none. */
export function creditRequirementStatus(status: AttemptStatus): 'satisfied' | 'failed' | null {
  if (status === 'verified') return 'satisfied';
  if (status === 'rejected' || status === 'error') return 'failed';
  return null;
}
