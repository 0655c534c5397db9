import * as z from 'zod';
import { ATTEMPT_STATUSES } from './statuses.js';

/**
 * An exam attempt as the LMS registers it (edX `ProctoredExamStudentAttempt` with its exam and
 * user). The attempt code is the key and travels in the URL, not in the body.
 */

const count = z.number().int().nonnegative();
const isoDateTime = z.iso.datetime({ offset: true });

export const attemptCodeSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces' });

export const attemptRegistrationSchema = z.object({
  attemptId: count,
  /** SoftwareSecure's `ssiRecordLocator`; null when the attempt was not registered with the vendor. */
  externalId: z.string().nullable().optional().default(null),
  status: z.enum(ATTEMPT_STATUSES),
  user: z.object({
    id: count,
    username: z.string().min(1),
    email: z.string().nullable().optional().default(null),
  }),
  exam: z.object({
    id: count,
    courseId: z.string().min(1),
    contentId: z.string().min(1),
    name: z.string(),
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
