import { describe, expect, it } from 'vitest';
import { revisionOutcomeSchema } from '../../lib/workflow/outcome.js';

/**
 * A recorded outcome is stored with its revision and read back by whichever version of the
 * service reprocesses the revision later, so the stored shape outlives a deploy. This one is
 * written out by hand as version 1 defines it.
 */
const STORED_OUTCOME = {
  version: 1,
  processedAt: '2026-03-04T05:06:07.000Z',
  disposition: 'applied',
  decidedStatus: 'second_review_required',
  fromStatus: 'submitted',
  toStatus: 'second_review_required',
  attributedTo: null,
  attempt: {
    attemptId: 1001,
    userId: 7,
    username: 'ada',
    exam: {
      id: 42,
      courseId: 'course-v1:ExampleX+CS101+2024_T1',
      contentId: 'block-v1:ExampleX+CS101+2024_T1+type@sequential+block@mid',
      name: 'Midterm Exam',
      isProctored: true,
      isPracticeExam: false,
    },
  },
};

type Outcome = typeof STORED_OUTCOME;

function withAttempt(change: Partial<Outcome['attempt']>): Outcome {
  return { ...STORED_OUTCOME, attempt: { ...STORED_OUTCOME.attempt, ...change } };
}

function withExam(change: Record<string, unknown>): Outcome {
  const exam = { ...STORED_OUTCOME.attempt.exam, ...change } as Outcome['attempt']['exam'];
  return withAttempt({ exam });
}

describe('revisionOutcomeSchema: the stored outcome, version 1', () => {
  it('reads the stored outcome as written', () => {
    expect(revisionOutcomeSchema().parse(STORED_OUTCOME)).toEqual(STORED_OUTCOME);
  });

  it.each([
    ['applied', 'verified', 'submitted', 'verified', null],
    ['applied', 'rejected', 'verified', 'rejected', 'staff@example.org'],
    ['applied', 'error', 'created', 'error', null],
    ['archived', 'rejected', 'onboarding_pending', 'onboarding_pending', null],
    ['superseded', 'verified', 'second_review_required', 'second_review_required', null],
  ])(
    'reads disposition %s with decision %s from %s to %s',
    (disposition, decidedStatus, fromStatus, toStatus, attributedTo) => {
      const outcome = {
        ...STORED_OUTCOME,
        disposition,
        decidedStatus,
        fromStatus,
        toStatus,
        attributedTo,
      };

      expect(revisionOutcomeSchema().parse(outcome)).toEqual(outcome);
    },
  );

  it('reads a time with an offset', () => {
    const outcome = { ...STORED_OUTCOME, processedAt: '2026-03-04T06:06:07.000+01:00' };

    expect(revisionOutcomeSchema().safeParse(outcome).success).toBe(true);
  });

  it.each<[string, unknown]>([
    ['another version', { ...STORED_OUTCOME, version: 2 }],
    ['a time that is not ISO 8601', { ...STORED_OUTCOME, processedAt: 'Mar 4 2026' }],
    ['an unknown disposition', { ...STORED_OUTCOME, disposition: 'ignored' }],
    ['a decision that is not a review outcome', { ...STORED_OUTCOME, decidedStatus: 'submitted' }],
    ['an unknown from status', { ...STORED_OUTCOME, fromStatus: 'pending' }],
    ['an unknown to status', { ...STORED_OUTCOME, toStatus: 'done' }],
    ['a missing attribution', { ...STORED_OUTCOME, attributedTo: undefined }],
    ['a negative attempt id', withAttempt({ attemptId: -1 })],
    ['a fractional user id', withAttempt({ userId: 7.5 })],
    ['a missing username', withAttempt({ username: undefined as unknown as string })],
    ['a negative exam id', withExam({ id: -42 })],
    ['a missing course id', withExam({ courseId: undefined })],
    ['a missing content id', withExam({ contentId: undefined })],
    ['a missing exam name', withExam({ name: undefined })],
    ['a proctored flag that is not a boolean', withExam({ isProctored: 'true' })],
    ['a practice flag that is not a boolean', withExam({ isPracticeExam: 0 })],
  ])('refuses %s', (_case, outcome) => {
    expect(revisionOutcomeSchema().safeParse(outcome).success).toBe(false);
  });
});
