import { createHash } from 'node:crypto';
import type {
  AttemptStatusChangedDetail,
  DetailType,
  ReviewReceivedDetail,
  SupportNotificationRequestedDetail,
  WorkflowEvent,
} from '../events/schemas.js';
import { examType } from '../reviews/attempt.js';
import { SUPPORT_NOTIFICATION_STATUS } from '../reviews/statuses.js';
import { creditRequirementStatus } from './decide-status.js';
import type { RevisionFacts, RevisionOutcome } from './outcome.js';

/**
 * Pure builders for the workflow's events (docs/api.md). Everything comes from the revision's
 * immutable facts and its recorded outcome, so building twice gives equal events.
 */

/** This service's UUID namespace for name-based event ids (fixed forever: ids depend on it). */
const EVENT_ID_NAMESPACE = Buffer.from('6090aec45c3d40a4a8b840c4744ed7f3', 'hex');

/** A name-based UUID, version 5 (SHA-1), as RFC 9562 section 5.5 defines it. */
export function nameBasedUuid(namespace: Uint8Array, name: string): string {
  const bytes = createHash('sha1').update(namespace).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The id of one event: a name-based UUID of attempt code, revision and kind. The name is their
 * JSON array, so no attempt code can collide with another code's revision or kind.
 */
export function eventId(attemptCode: string, revision: number, kind: DetailType): string {
  return nameBasedUuid(EVENT_ID_NAMESPACE, JSON.stringify([attemptCode, revision, kind]));
}

/** edX's tracking name: `edx.special_exam.<proctored|practice|timed>.attempt.<short name>`. */
export function eventName(outcome: RevisionOutcome, shortName: string): string {
  return `edx.special_exam.${examType(outcome.attempt.exam)}.attempt.${shortName}`;
}

function common(facts: RevisionFacts, outcome: RevisionOutcome, kind: DetailType) {
  return {
    event_id: eventId(facts.attemptCode, facts.revision, kind),
    course_id: outcome.attempt.exam.courseId,
    attempt_code: facts.attemptCode,
    review_revision: facts.revision,
  };
}

/** Published for every revision, whatever its disposition. */
export function reviewReceived(
  facts: RevisionFacts,
  outcome: RevisionOutcome,
): ReviewReceivedDetail {
  const { attempt } = outcome;
  return {
    ...common(facts, outcome, 'review_received'),
    event_name: eventName(outcome, 'review_received'),
    exam_id: attempt.exam.id,
    exam_content_id: attempt.exam.contentId,
    exam_name: attempt.exam.name,
    exam_is_proctored: attempt.exam.isProctored,
    exam_is_practice_exam: attempt.exam.isPracticeExam,
    attempt_id: attempt.attemptId,
    attempt_user_id: attempt.userId,
    attempt_status: outcome.fromStatus,
    review_attempt_code: facts.attemptCode,
    review_status: facts.reviewStatus,
    reviewed_by: facts.reviewedBy,
    is_archived: outcome.disposition === 'archived',
  };
}

/** Published when the revision was applied and moved the attempt to a different status. */
export function attemptStatusChanged(
  facts: RevisionFacts,
  outcome: RevisionOutcome,
): AttemptStatusChangedDetail | null {
  if (outcome.disposition !== 'applied' || outcome.toStatus === outcome.fromStatus) return null;
  // An applied revision can only land on the status it decided.
  const toStatus = outcome.decidedStatus;
  return {
    ...common(facts, outcome, 'attempt_status_changed'),
    event_name: eventName(outcome, toStatus),
    exam_id: outcome.attempt.exam.id,
    attempt_id: outcome.attempt.attemptId,
    attempt_user_id: outcome.attempt.userId,
    from_status: outcome.fromStatus,
    to_status: toStatus,
    credit_requirement_status: creditRequirementStatus(toStatus),
    update_attributable_to: outcome.attributedTo,
  };
}

/**
 * Published for a vendor revision marked Suspicious that was applied to a live attempt. Staff
 * revisions never ask support (edX fixed duplicate tickets that way); archived attempts and
 * revisions superseded by a newer one do not either, because the review support would follow up
 * is no longer the one that counts.
 */
export function supportNotificationRequested(
  facts: RevisionFacts,
  outcome: RevisionOutcome,
): SupportNotificationRequestedDetail | null {
  if (outcome.disposition !== 'applied') return null;
  if (facts.source !== 'vendor' || facts.reviewedBy !== null) return null;
  if (facts.reviewStatus !== SUPPORT_NOTIFICATION_STATUS) return null;
  return {
    ...common(facts, outcome, 'support_notification_requested'),
    event_name: eventName(outcome, 'support_notification_requested'),
    exam_id: outcome.attempt.exam.id,
    exam_name: outcome.attempt.exam.name,
    student_username: outcome.attempt.username,
    review_status: 'Suspicious',
  };
}

/**
 * The events of one processed revision, in a fixed order: `review_received`, then
 * `attempt_status_changed`, then `support_notification_requested` (each when it applies). Their
 * time is the moment the outcome was decided.
 */
export function workflowEvents(facts: RevisionFacts, outcome: RevisionOutcome): WorkflowEvent[] {
  const time = outcome.processedAt;
  const events: WorkflowEvent[] = [
    { detailType: 'review_received', time, detail: reviewReceived(facts, outcome) },
  ];
  const changed = attemptStatusChanged(facts, outcome);
  if (changed) events.push({ detailType: 'attempt_status_changed', time, detail: changed });
  const support = supportNotificationRequested(facts, outcome);
  if (support) events.push({ detailType: 'support_notification_requested', time, detail: support });
  return events;
}
