import * as z from 'zod';
import { FIELD_LIMITS } from './field-limits.js';
import { ATTEMPT_STATUSES } from './statuses.js';

/**
 * An exam attempt as the LMS registers it (edX `ProctoredExamStudentAttempt` with its exam and
 * user). The attempt code is the key and travels in the URL, not in the body.
 */

const count = z.number().int().nonnegative();
const isoDateTime = z.iso.datetime({ offset: true });
const bounded = (max: number) =>
  z.string().max(max, { message: `must be at most ${max} characters` });

export const attemptCodeSchema = bounded(FIELD_LIMITS.attemptCode)
  .min(1)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' });

export const attemptRegistrationSchema = z.object({
  attemptId: count,
  /** SoftwareSecure's `ssiRecordLocator`; null when the attempt was not registered with the vendor. */
  externalId: bounded(FIELD_LIMITS.externalId).nullable().optional().default(null),
  status: z.enum(ATTEMPT_STATUSES),
  user: z.object({
    id: count,
    username: bounded(FIELD_LIMITS.username).min(1),
    email: bounded(FIELD_LIMITS.email).nullable().optional().default(null),
  }),
  exam: z.object({
    id: count,
    courseId: bounded(FIELD_LIMITS.courseId).min(1),
    contentId: bounded(FIELD_LIMITS.contentId).min(1),
    name: bounded(FIELD_LIMITS.examName),
    timeLimitMins: count.nullable(),
    isProctored: z.boolean(),
    isPracticeExam: z.boolean(),
    isActive: z.boolean(),
    backendSupportsOnboarding: z.boolean(),
  }),
  isSampleAttempt: z.boolean(),
  takingAsProctored: z.boolean(),
  startedAt: isoDateTime.nullable().optional().default(null),
  completedAt: isoDateTime.nullable().optional().default(null),
  allowedTimeLimitMins: count.nullable(),
});

export type AttemptRegistration = z.infer<typeof attemptRegistrationSchema>;

/** An attempt as stored: its registration, its current status and whether it was archived. */
export interface Attempt extends AttemptRegistration {
  attemptCode: string;
  /** True once the attempt was reset or removed (edX keeps it only in history then). */
  archived: boolean;
}

/** edX's exam type, which names the analytics events. */
/** The exam kinds edX names in its tracking events. */
export const EXAM_TYPES = ['proctored', 'practice', 'timed'] as const;
export type ExamType = (typeof EXAM_TYPES)[number];

export function examType(
  exam: Pick<AttemptRegistration['exam'], 'isProctored' | 'isPracticeExam'>,
): ExamType {
  if (!exam.isProctored) return 'timed';
  return exam.isPracticeExam ? 'practice' : 'proctored';
}
