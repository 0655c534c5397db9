import { describe, expect, it } from 'vitest';
import type { Attempt } from '../../lib/reviews/attempt.js';
import type {
  AttemptStatus,
  ReviewOutcomeStatus,
  ReviewStatus,
} from '../../lib/reviews/statuses.js';
import {
  creditRequirementStatus,
  decideStatus,
  isLegalTransition,
  type StatusDecisionInput,
} from '../../lib/workflow/decide-status.js';
import { type Disposition, planOutcome, type RevisionFacts } from '../../lib/workflow/outcome.js';
import { attemptRegistration } from '../support/factories.js';

// Test ids in the row names refer to edx-proctoring's suite (reference section 11).

const vendor = { reviewedBy: null, isSampleAttempt: false, backendSupportsOnboarding: false };
const staff = { ...vendor, reviewedBy: 'staff@example.org' };
const onboardingSample = { ...vendor, isSampleAttempt: true, backendSupportsOnboarding: true };

type Row = [string, StatusDecisionInput, ReviewOutcomeStatus];

const row = (
  name: string,
  base: Omit<StatusDecisionInput, 'reviewStatus' | 'requireFailureSecondReviews'>,
  reviewStatus: ReviewStatus,
  requireFailureSecondReviews: boolean,
  expected: ReviewOutcomeStatus,
): Row => [name, { ...base, reviewStatus, requireFailureSecondReviews }, expected];

const rows: Row[] = [
  // Vendor reviews, second reviews required (the default)
  row('vendor Clean, REQUIRE on (V1)', vendor, 'Clean', true, 'verified'),
  row('vendor Rules Violation, REQUIRE on', vendor, 'Rules Violation', true, 'verified'),
  row(
    'vendor Suspicious, REQUIRE on (R10, O9 allow_rejects=False, M1)',
    vendor,
    'Suspicious',
    true,
    'second_review_required',
  ),
  row('vendor Not Reviewed, REQUIRE on (R11)', vendor, 'Not Reviewed', true, 'error'),
  // Vendor reviews, second reviews not required
  row('vendor Clean, REQUIRE off (R1b, O1, S1, O5)', vendor, 'Clean', false, 'verified'),
  row(
    'vendor Rules Violation, REQUIRE off (R1c, O1)',
    vendor,
    'Rules Violation',
    false,
    'verified',
  ),
  row(
    'vendor Suspicious, REQUIRE off (R1d, O1, O9 allow_rejects=True)',
    vendor,
    'Suspicious',
    false,
    'rejected',
  ),
  row(
    'vendor Not Reviewed, REQUIRE off (R1e; O1 was rejected before 2019)',
    vendor,
    'Not Reviewed',
    false,
    'error',
  ),
  // Staff reviews (reviewedBy set): reject directly whatever the setting
  row('staff Clean, REQUIRE on', staff, 'Clean', true, 'verified'),
  row('staff Rules Violation, REQUIRE on', staff, 'Rules Violation', true, 'verified'),
  row('staff Suspicious, REQUIRE on (R15)', staff, 'Suspicious', true, 'rejected'),
  row('staff Not Reviewed, REQUIRE on', staff, 'Not Reviewed', true, 'error'),
  row('staff Clean, REQUIRE off', staff, 'Clean', false, 'verified'),
  row('staff Rules Violation, REQUIRE off', staff, 'Rules Violation', false, 'verified'),
  row('staff Suspicious, REQUIRE off', staff, 'Suspicious', false, 'rejected'),
  row('staff Not Reviewed, REQUIRE off', staff, 'Not Reviewed', false, 'error'),
  // Onboarding: a sample attempt of an exam whose backend supports onboarding
  row(
    'onboarding sample Suspicious, REQUIRE on (R14)',
    onboardingSample,
    'Suspicious',
    true,
    'rejected',
  ),
  row(
    'onboarding sample Suspicious, REQUIRE off',
    onboardingSample,
    'Suspicious',
    false,
    'rejected',
  ),
  row('onboarding sample Clean, REQUIRE on', onboardingSample, 'Clean', true, 'verified'),
  row(
    'onboarding sample Rules Violation, REQUIRE on',
    onboardingSample,
    'Rules Violation',
    true,
    'verified',
  ),
  row(
    'onboarding sample Not Reviewed, REQUIRE on',
    onboardingSample,
    'Not Reviewed',
    true,
    'error',
  ),
  row(
    'non-sample attempt on an onboarding backend, Suspicious, REQUIRE on',
    { ...vendor, backendSupportsOnboarding: true },
    'Suspicious',
    true,
    'second_review_required',
  ),
  row(
    'sample (practice) attempt on a backend without onboarding (SoftwareSecure), Suspicious, REQUIRE on',
    { ...vendor, isSampleAttempt: true },
    'Suspicious',
    true,
    'second_review_required',
  ),
];

describe('decideStatus', () => {
  it.each(rows)('%s', (_name, input, expected) => {
    expect(decideStatus(input)).toBe(expected);
  });

  it('passes only Clean and Rules Violation, never Suspicious (edX da95b601)', () => {
    const passing = (['Clean', 'Rules Violation', 'Suspicious', 'Not Reviewed'] as const).filter(
      (reviewStatus) =>
        decideStatus({ ...vendor, reviewStatus, requireFailureSecondReviews: true }) === 'verified',
    );

    expect(passing).toEqual(['Clean', 'Rules Violation']);
  });
});

describe('isLegalTransition', () => {
  it.each<[AttemptStatus, AttemptStatus]>([
    ['declined', 'eligible'],
    ['timed_out', 'created'],
    ['timed_out', 'download_software_clicked'],
    ['submitted', 'ready_to_start'],
    ['verified', 'started'],
    ['rejected', 'started'],
    ['error', 'started'],
  ])('refuses %s → %s, completed back to incomplete (A7)', (from, to) => {
    expect(isLegalTransition(from, to)).toBe(false);
  });

  it.each<[AttemptStatus, AttemptStatus]>([
    ['verified', 'rejected'],
    ['rejected', 'verified'],
    ['submitted', 'error'],
    ['second_review_required', 'rejected'],
    ['verified', 'verified'],
    ['created', 'verified'],
    ['started', 'second_review_required'],
  ])('allows %s → %s', (from, to) => {
    expect(isLegalTransition(from, to)).toBe(true);
  });
});

describe('creditRequirementStatus', () => {
  it.each<[AttemptStatus, string | null]>([
    ['verified', 'satisfied'],
    ['rejected', 'failed'],
    ['error', 'failed'],
    ['second_review_required', null],
  ])('%s gives %s (R1b–R1e, A2)', (status, expected) => {
    expect(creditRequirementStatus(status)).toBe(expected);
  });
});

function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return { ...attemptRegistration(), attemptCode: 'CODE-1', archived: false, ...overrides };
}

function facts(overrides: Partial<RevisionFacts> = {}): RevisionFacts {
  return {
    attemptCode: 'CODE-1',
    revision: 1,
    source: 'vendor',
    reviewStatus: 'Clean',
    reviewedBy: null,
    ...overrides,
  };
}

const processedAt = new Date('2026-03-04T05:06:07.000Z');

describe('planOutcome', () => {
  it.each<
    [string, Partial<Attempt>, Partial<RevisionFacts>, number | null, Disposition, AttemptStatus]
  >([
    ['a live submitted attempt takes the decision (R1b)', {}, {}, null, 'applied', 'verified'],
    [
      'an attempt still in created goes straight to verified (S1)',
      { status: 'created' },
      {},
      null,
      'applied',
      'verified',
    ],
    [
      'a newer revision is applied after an older one (R9)',
      { status: 'verified' },
      { revision: 2, reviewStatus: 'Suspicious' },
      1,
      'applied',
      'second_review_required',
    ],
    [
      'a completed attempt may change to another completed status',
      { status: 'rejected' },
      { revision: 3 },
      2,
      'applied',
      'verified',
    ],
    [
      'the same status again is applied, unchanged',
      { status: 'verified' },
      { revision: 2 },
      1,
      'applied',
      'verified',
    ],
    [
      'an archived attempt keeps its status (R12, O10)',
      { status: 'verified', archived: true },
      { reviewStatus: 'Suspicious' },
      null,
      'archived',
      'verified',
    ],
    [
      'an archived attempt keeps its status on a first review (R7, O6, R18)',
      { status: 'submitted', archived: true },
      {},
      null,
      'archived',
      'submitted',
    ],
    [
      'a revision older than the applied one changes nothing',
      { status: 'second_review_required' },
      { revision: 1 },
      2,
      'superseded',
      'second_review_required',
    ],
    [
      'a revision equal to the applied one changes nothing',
      { status: 'verified' },
      { revision: 2, reviewStatus: 'Not Reviewed' },
      2,
      'superseded',
      'verified',
    ],
  ])('%s', (_name, attemptOverrides, factOverrides, appliedRevision, disposition, toStatus) => {
    // Prepare
    const current = attempt(attemptOverrides);

    // Act
    const outcome = planOutcome({
      facts: facts(factOverrides),
      attempt: current,
      appliedRevision,
      requireFailureSecondReviews: true,
      processedAt,
    });

    // Assess
    expect(outcome.disposition).toBe(disposition);
    expect(outcome.fromStatus).toBe(current.status);
    expect(outcome.toStatus).toBe(toStatus);
  });

  it('records the decision even when it is not applied', () => {
    const outcome = planOutcome({
      facts: facts({ reviewStatus: 'Suspicious' }),
      attempt: attempt({ archived: true }),
      appliedRevision: null,
      requireFailureSecondReviews: false,
      processedAt,
    });

    expect(outcome).toMatchObject({
      disposition: 'archived',
      decidedStatus: 'rejected',
      toStatus: 'submitted',
    });
  });

  it('attributes an applied staff revision to the reviewer, and nothing else to anyone (A4)', () => {
    const plan = (overrides: Partial<Attempt>, appliedRevision: number | null) =>
      planOutcome({
        facts: facts({
          source: 'staff',
          reviewedBy: 'staff@example.org',
          reviewStatus: 'Suspicious',
          revision: 2,
        }),
        attempt: attempt(overrides),
        appliedRevision,
        requireFailureSecondReviews: true,
        processedAt,
      }).attributedTo;

    expect(plan({}, 1)).toBe('staff@example.org');
    expect(plan({ archived: true }, 1)).toBeNull();
    expect(plan({}, 2)).toBeNull();
  });

  it('snapshots the attempt fields the events carry, and when it decided', () => {
    const outcome = planOutcome({
      facts: facts(),
      attempt: attempt(),
      appliedRevision: null,
      requireFailureSecondReviews: true,
      processedAt,
    });

    expect(outcome).toEqual({
      version: 1,
      processedAt: '2026-03-04T05:06:07.000Z',
      disposition: 'applied',
      decidedStatus: 'verified',
      fromStatus: 'submitted',
      toStatus: 'verified',
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
    });
  });
});
