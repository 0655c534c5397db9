/**
 * The longest value each string of the internal API's bodies may have, in characters (UTF-16 code
 * units, as JavaScript and zod count them). Where edX has a column for the value its width is
 * used, so anything an edX deployment stores fits; the rest are far above what real courses use.
 * Bounded strings keep every stored attempt and every event built from it within AWS's limits
 * (`test/unit/limits.test.ts` computes the worst case).
 */
export const FIELD_LIMITS = {
  /** edX `attempt_code`, `CharField(max_length=255)`. */
  attemptCode: 255,
  /** edX `external_id` (the vendor's `ssiRecordLocator`), `CharField(max_length=255)`. */
  externalId: 255,
  /** Django's `auth_user.username`. */
  username: 150,
  /** Django's `EmailField`. */
  email: 254,
  /** edX `CourseKeyField(max_length=255)`. */
  courseId: 255,
  /** edX `UsageKeyField(max_length=255)`. */
  contentId: 255,
  /** edX `exam_name` is a `TextField`; subsection titles are a few dozen characters. */
  examName: 1_000,
  /** The staff member: a username or an e-mail address. */
  reviewedBy: 254,
  /** A staff review's comment (edX keeps review comments in a `TextField`). */
  staffComment: 10_000,
} as const;
