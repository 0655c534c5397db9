import { describe, expect, it } from 'vitest';
import { DETAIL_TYPES, EVENT_SCHEMAS } from '../../lib/events/schemas.js';
import type { ReviewOutcomeStatus } from '../../lib/reviews/statuses.js';
import {
  attemptStatusChanged,
  eventId,
  eventName,
  nameBasedUuid,
  reviewReceived,
  supportNotificationRequested,
  workflowEvents,
} from '../../lib/workflow/events.js';
import type { RevisionFacts, RevisionOutcome } from '../../lib/workflow/outcome.js';

function facts(overrides: Partial<RevisionFacts> = {}): RevisionFacts {
  return {
    attemptCode: '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
    revision: 2,
    source: 'vendor',
    reviewStatus: 'Suspicious',
    reviewedBy: null,
    ...overrides,
  };
}

function outcome(overrides: Partial<RevisionOutcome> = {}): RevisionOutcome {
  return {
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
    ...overrides,
  };
}

function withExam(isProctored: boolean, isPracticeExam: boolean): RevisionOutcome {
  const base = outcome();
  return {
    ...base,
    attempt: { ...base.attempt, exam: { ...base.attempt.exam, isProctored, isPracticeExam } },
  };
}

describe('eventId', () => {
  it('is a name-based UUID computed as RFC 9562 version 5 specifies', () => {
    // The RFC's own example: the DNS namespace and "www.example.com".
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');

    expect(nameBasedUuid(dns, 'www.example.com')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('is the same for the same attempt code, revision and kind, and differs otherwise', () => {
    const id = eventId('CODE', 2, 'review_received');

    expect(eventId('CODE', 2, 'review_received')).toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(
      new Set([
        id,
        eventId('CODE', 3, 'review_received'),
        eventId('CODE', 2, 'attempt_status_changed'),
        eventId('CODE', 2, 'support_notification_requested'),
        eventId('CODE2', 2, 'review_received'),
        eventId('CODE', 22, 'review_received'),
      ]).size,
    ).toBe(6);
  });

  it('cannot be made to collide by moving characters between the code and the revision', () => {
    expect(eventId('A1', 23, 'review_received')).not.toBe(eventId('A12', 3, 'review_received'));
  });
});

describe('eventName', () => {
  it.each([
    [true, false, 'edx.special_exam.proctored.attempt.review_received'],
    [true, true, 'edx.special_exam.practice.attempt.review_received'],
    [false, false, 'edx.special_exam.timed.attempt.review_received'],
    [false, true, 'edx.special_exam.timed.attempt.review_received'],
  ])('proctored=%s practice=%s gives %s', (isProctored, isPracticeExam, expected) => {
    expect(eventName(withExam(isProctored, isPracticeExam), 'review_received')).toBe(expected);
  });
});

describe('reviewReceived', () => {
  it('carries the exam, the attempt, the status before the review and the review', () => {
    const detail = reviewReceived(facts(), outcome());

    expect(detail).toEqual({
      event_id: eventId('9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19', 2, 'review_received'),
      course_id: 'course-v1:ExampleX+CS101+2024_T1',
      attempt_code: '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      review_revision: 2,
      event_name: 'edx.special_exam.proctored.attempt.review_received',
      exam_id: 42,
      exam_content_id: 'block-v1:ExampleX+CS101+2024_T1+type@sequential+block@mid',
      exam_name: 'Midterm Exam',
      exam_is_proctored: true,
      exam_is_practice_exam: false,
      attempt_id: 1001,
      attempt_user_id: 7,
      attempt_status: 'submitted',
      review_attempt_code: '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      review_status: 'Suspicious',
      reviewed_by: null,
      is_archived: false,
    });
    expect(EVENT_SCHEMAS.review_received.strict().parse(detail)).toEqual(detail);
  });

  it('names the staff reviewer and flags archived attempts', () => {
    const detail = reviewReceived(
      facts({ source: 'staff', reviewedBy: 'staff@example.org' }),
      outcome({ disposition: 'archived', fromStatus: 'verified', toStatus: 'verified' }),
    );

    expect(detail).toMatchObject({
      reviewed_by: 'staff@example.org',
      is_archived: true,
      attempt_status: 'verified',
    });
  });
});

describe('attemptStatusChanged', () => {
  it.each<[ReviewOutcomeStatus, 'satisfied' | 'failed' | null]>([
    ['verified', 'satisfied'],
    ['rejected', 'failed'],
    ['error', 'failed'],
    ['second_review_required', null],
  ])('a change to %s has credit requirement status %s', (status, credit) => {
    const detail = attemptStatusChanged(
      facts(),
      outcome({ decidedStatus: status, toStatus: status }),
    );

    expect(detail).toMatchObject({
      event_name: `edx.special_exam.proctored.attempt.${status}`,
      from_status: 'submitted',
      to_status: status,
      credit_requirement_status: credit,
    });
    expect(EVENT_SCHEMAS.attempt_status_changed.strict().parse(detail)).toEqual(detail);
  });

  it('is attributed to the staff reviewer', () => {
    const detail = attemptStatusChanged(
      facts({ source: 'staff', reviewedBy: 'staff@example.org' }),
      outcome({
        decidedStatus: 'rejected',
        toStatus: 'rejected',
        attributedTo: 'staff@example.org',
      }),
    );

    expect(detail?.update_attributable_to).toBe('staff@example.org');
    expect(detail?.event_id).toBe(
      eventId('9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19', 2, 'attempt_status_changed'),
    );
  });

  it.each<[string, Partial<RevisionOutcome>]>([
    ['the status stayed the same', { fromStatus: 'second_review_required' }],
    ['the attempt is archived', { disposition: 'archived', toStatus: 'submitted' }],
    ['a newer revision was applied', { disposition: 'superseded', toStatus: 'submitted' }],
    ['the revision was not applied, whatever the statuses say', { disposition: 'archived' }],
  ])('is absent when %s', (_name, overrides) => {
    expect(attemptStatusChanged(facts(), outcome(overrides))).toBeNull();
  });
});

describe('supportNotificationRequested', () => {
  it('asks support to follow up a Suspicious vendor review of a live attempt (R1d)', () => {
    const detail = supportNotificationRequested(facts(), outcome());

    expect(detail).toEqual({
      event_id: eventId(
        '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
        2,
        'support_notification_requested',
      ),
      course_id: 'course-v1:ExampleX+CS101+2024_T1',
      attempt_code: '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      review_revision: 2,
      event_name: 'edx.special_exam.proctored.attempt.support_notification_requested',
      exam_id: 42,
      exam_name: 'Midterm Exam',
      student_username: 'ada',
      review_status: 'Suspicious',
    });
    expect(EVENT_SCHEMAS.support_notification_requested.strict().parse(detail)).toEqual(detail);
  });

  it.each<[string, Partial<RevisionFacts>, Partial<RevisionOutcome>]>([
    ['a staff revision (edX a4742aa6)', { source: 'staff', reviewedBy: 'staff@example.org' }, {}],
    ['a staff revision without a reviewer', { source: 'staff', reviewedBy: null }, {}],
    ['a vendor revision that names a reviewer', { reviewedBy: 'staff@example.org' }, {}],
    ['a Clean review (R1b)', { reviewStatus: 'Clean' }, {}],
    ['a Rules Violation review (R1c)', { reviewStatus: 'Rules Violation' }, {}],
    ['a Not Reviewed review (R1e)', { reviewStatus: 'Not Reviewed' }, {}],
    ['an archived attempt', {}, { disposition: 'archived' }],
    ['a superseded revision', {}, { disposition: 'superseded' }],
  ])('is absent for %s', (_name, factOverrides, outcomeOverrides) => {
    expect(
      supportNotificationRequested(facts(factOverrides), outcome(outcomeOverrides)),
    ).toBeNull();
  });
});

describe('workflowEvents', () => {
  it('lists review_received, then the status change, then the support request, at the decision time', () => {
    const events = workflowEvents(facts(), outcome());

    expect(events.map((event) => [event.detailType, event.time])).toEqual([
      ['review_received', '2026-03-04T05:06:07.000Z'],
      ['attempt_status_changed', '2026-03-04T05:06:07.000Z'],
      ['support_notification_requested', '2026-03-04T05:06:07.000Z'],
    ]);
  });

  it('gives an archived attempt review_received only', () => {
    const events = workflowEvents(
      facts(),
      outcome({ disposition: 'archived', toStatus: 'submitted' }),
    );

    expect(events.map((event) => event.detailType)).toEqual(['review_received']);
  });

  it('builds equal events from equal inputs, every one valid against its schema', () => {
    const first = workflowEvents(facts(), outcome());
    const second = workflowEvents(facts(), outcome());

    expect(second).toEqual(first);
    for (const event of first) {
      expect(DETAIL_TYPES).toContain(event.detailType);
      expect(EVENT_SCHEMAS[event.detailType].strict().safeParse(event.detail).success).toBe(true);
    }
  });
});
