import * as z from 'zod';
import { EXAM_TYPES } from '../reviews/attempt.js';
import { ATTEMPT_STATUSES, REVIEW_OUTCOME_STATUSES, REVIEW_STATUSES } from '../reviews/statuses.js';

/**
 * The `detail` of every event the workflow publishes (docs/events.md). These zod schemas are the
 * source of the versioned JSON Schemas in `schemas/events/` (`npm run schemas`) and of the
 * catalogue in `docs/events.md`; change all three together.
 */

export const SCHEMA_VERSION = 1;

const EXAM_TYPE_PATTERN = `(${EXAM_TYPES.join('|')})`;

const id = z.int().nonnegative();

const common = {
  event_id: z
    .uuid()
    .describe(
      'Derived from the attempt code, the review revision and the event kind: the same for every publication of this event, so consumers can drop duplicates.',
    ),
  course_id: z.string().min(1).describe('The course the exam belongs to.'),
  attempt_code: z.string().min(1).describe('The attempt code (SoftwareSecure `examCode`).'),
  review_revision: z
    .int()
    .positive()
    .describe('The number of the review revision that produced this event, from 1.'),
};

export const reviewReceivedSchema = z
  .object({
    ...common,
    event_name: z
      .string()
      .regex(new RegExp(`^edx\\.special_exam\\.${EXAM_TYPE_PATTERN}\\.attempt\\.review_received$`))
      .describe('edX tracking name: `edx.special_exam.<exam type>.attempt.review_received`.'),
    exam_id: id.describe('The LMS exam id.'),
    exam_content_id: z.string().describe('The exam block usage key.'),
    exam_name: z.string().describe('The exam name.'),
    exam_is_proctored: z.boolean(),
    exam_is_practice_exam: z.boolean(),
    attempt_id: id.describe('The LMS attempt id.'),
    attempt_user_id: id.describe('The LMS user id of the learner.'),
    attempt_status: z
      .enum(ATTEMPT_STATUSES)
      .describe('The attempt status before this review revision was applied.'),
    review_attempt_code: z.string().min(1).describe('The attempt code the review names.'),
    review_status: z.enum(REVIEW_STATUSES).describe('The SoftwareSecure review status.'),
    reviewed_by: z
      .string()
      .nullable()
      .describe('The staff member who reviewed; null for vendor reviews.'),
    is_archived: z
      .boolean()
      .describe('True when the attempt was archived: the review was stored, the status untouched.'),
  })
  .meta({
    title: 'review_received',
    description: 'A review revision was processed. Published once for every review revision.',
  });

export const attemptStatusChangedSchema = z
  .object({
    ...common,
    event_name: z
      .string()
      .regex(
        new RegExp(
          `^edx\\.special_exam\\.${EXAM_TYPE_PATTERN}\\.attempt\\.(${REVIEW_OUTCOME_STATUSES.join('|')})$`,
        ),
      )
      .describe('edX tracking name: `edx.special_exam.<exam type>.attempt.<to_status>`.'),
    exam_id: id.describe('The LMS exam id.'),
    attempt_id: id.describe('The LMS attempt id.'),
    attempt_user_id: id.describe('The LMS user id of the learner.'),
    from_status: z.enum(ATTEMPT_STATUSES).describe('The attempt status before the change.'),
    to_status: z.enum(REVIEW_OUTCOME_STATUSES).describe('The attempt status after the change.'),
    credit_requirement_status: z
      .enum(['satisfied', 'failed'])
      .nullable()
      .describe('`satisfied` for verified, `failed` for rejected and error, null otherwise.'),
    update_attributable_to: z
      .string()
      .nullable()
      .describe('The staff reviewer the change is attributed to; null for vendor reviews.'),
  })
  .meta({
    title: 'attempt_status_changed',
    description: "A review revision changed a live attempt's status.",
  });

export const supportNotificationRequestedSchema = z
  .object({
    ...common,
    event_name: z
      .string()
      .regex(
        new RegExp(
          `^edx\\.special_exam\\.${EXAM_TYPE_PATTERN}\\.attempt\\.support_notification_requested$`,
        ),
      )
      .describe(
        'Named like the edX tracking events: `edx.special_exam.<exam type>.attempt.support_notification_requested`.',
      ),
    exam_id: id.describe('The LMS exam id.'),
    exam_name: z.string().describe('The exam name.'),
    student_username: z.string().describe('The LMS username of the learner.'),
    review_status: z.literal('Suspicious').describe('The review status that asks for follow-up.'),
  })
  .meta({
    title: 'support_notification_requested',
    description:
      'A vendor review marked a live attempt Suspicious: support should follow it up (edX opens a Zendesk ticket).',
  });

export type ReviewReceivedDetail = z.infer<typeof reviewReceivedSchema>;
export type AttemptStatusChangedDetail = z.infer<typeof attemptStatusChangedSchema>;
export type SupportNotificationRequestedDetail = z.infer<typeof supportNotificationRequestedSchema>;

/** Each event kind (the EventBridge `detail-type`) with the schema of its `detail`. */
export const EVENT_SCHEMAS = {
  review_received: reviewReceivedSchema,
  attempt_status_changed: attemptStatusChangedSchema,
  support_notification_requested: supportNotificationRequestedSchema,
} as const;

export type DetailType = keyof typeof EVENT_SCHEMAS;
export const DETAIL_TYPES = Object.keys(EVENT_SCHEMAS) as DetailType[];

/** An event as the workflow hands it to a publisher: plain data, no transport concerns. */
export type WorkflowEvent =
  | { detailType: 'review_received'; time: string; detail: ReviewReceivedDetail }
  | { detailType: 'attempt_status_changed'; time: string; detail: AttemptStatusChangedDetail }
  | {
      detailType: 'support_notification_requested';
      time: string;
      detail: SupportNotificationRequestedDetail;
    };
