import * as z from 'zod/mini';
import { FIELD_LIMITS } from './field-limits.js';
import { ATTEMPT_STATUSES } from './statuses.js';

/**
 * An exam attempt as the LMS registers it (edX `ProctoredExamStudentAttempt` with its exam and
 * user). The attempt code is the key and travels in the URL, not in the body.
 */

const count = z.number().check(z.int(), z.nonnegative());
const isoDateTime = z.iso.datetime({ offset: true });
const bounded = (max: number) =>
  z.string().check(z.maxLength(max, { message: `must be at most ${max} characters` }));
/** Text of at most `max` characters that must not be empty. */
const nonEmpty = (max: number) => bounded(max).check(z.minLength(1));
/** Null, or left out and then null. */
const nullDefault = <S extends z.core.SomeType>(schema: S) =>
  z._default(z.optional(z.nullable(schema)), null);

export const attemptCodeSchema = bounded(FIELD_LIMITS.attemptCode).check(
  z.minLength(1),
  z.regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' }),
);

export const attemptRegistrationSchema = z.object({
  attemptId: count,
  /** SoftwareSecure's `ssiRecordLocator`; null when the attempt was not registered with the vendor. */
  externalId: nullDefault(bounded(FIELD_LIMITS.externalId)),
  status: z.enum(ATTEMPT_STATUSES),
  user: z.object({
    id: count,
    username: nonEmpty(FIELD_LIMITS.username),
    email: nullDefault(bounded(FIELD_LIMITS.email)),
  }),
  exam: z.object({
    id: count,
    courseId: nonEmpty(FIELD_LIMITS.courseId),
    contentId: nonEmpty(FIELD_LIMITS.contentId),
    name: bounded(FIELD_LIMITS.examName),
    timeLimitMins: z.nullable(count),
    isProctored: z.boolean(),
    isPracticeExam: z.boolean(),
    isActive: z.boolean(),
    backendSupportsOnboarding: z.boolean(),
  }),
  isSampleAttempt: z.boolean(),
  takingAsProctored: z.boolean(),
  startedAt: nullDefault(isoDateTime),
  completedAt: nullDefault(isoDateTime),
  allowedTimeLimitMins: z.nullable(count),
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
