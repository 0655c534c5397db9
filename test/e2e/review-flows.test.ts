import { describe, expect, inject, it } from 'vitest';
import { signatureFor } from '../../lib/http/signature.js';
import { attemptRegistration, CALLBACK_PATH, vendorPayload } from '../support/factories.js';
import {
  call,
  readAttempt,
  registerAttempt,
  ruleDeliveries,
  sendCallback,
  settledEvents,
} from '../support/local-client.js';

/**
 * edx-proctoring's review flows (reference section 11), through the running local stack over
 * HTTP: callback → DynamoDB → stream → workflow → attempt status and events on the local bus.
 */
const { standard, strict } = inject('localStacks');
const STRICT_SECRET = 'strict-secret-2';

const kinds = (events: { 'detail-type': string }[]) => events.map((event) => event['detail-type']);

describe('each review status (defaults: second reviews required)', () => {
  it.each([
    ['Clean', 'verified', 'satisfied'],
    ['Rules Violation', 'verified', 'satisfied'],
    ['Suspicious', 'second_review_required', null],
    ['Not Reviewed', 'error', 'failed'],
  ])(
    '%s moves a submitted attempt to %s (R1, R10, R11)',
    async (reviewStatus, toStatus, credit) => {
      // Prepare
      const attemptCode = await registerAttempt(standard, { status: 'submitted' });

      // Act
      const answer = await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus }));

      // Assess
      expect(answer.status).toBe(200);
      expect(answer.body).toBe('OK');
      const suspicious = reviewStatus === 'Suspicious';
      const events = await settledEvents(standard, attemptCode, suspicious ? 3 : 2);
      expect(kinds(events)).toEqual([
        'review_received',
        'attempt_status_changed',
        ...(suspicious ? ['support_notification_requested'] : []),
      ]);
      expect(events[0]?.detail).toMatchObject({
        event_name: 'edx.special_exam.proctored.attempt.review_received',
        attempt_status: 'submitted',
        review_status: reviewStatus,
        reviewed_by: null,
        is_archived: false,
        review_revision: 1,
      });
      expect(events[1]?.detail).toMatchObject({
        event_name: `edx.special_exam.proctored.attempt.${toStatus}`,
        from_status: 'submitted',
        to_status: toStatus,
        credit_requirement_status: credit,
        update_attributable_to: null,
      });
      expect((await readAttempt(standard, attemptCode)).status).toBe(toStatus);
    },
  );

  it('notifies support through the example rule for a Suspicious vendor review', async () => {
    const attemptCode = await registerAttempt(standard);

    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));

    await settledEvents(standard, attemptCode, 3);
    const delivered = (await ruleDeliveries(standard, 'SupportNotificationRule')).filter(
      (event) => event.detail.attempt_code === attemptCode,
    );
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.detail).toMatchObject({
      student_username: 'ada',
      exam_name: 'Midterm Exam',
    });
  });

  it('names practice and timed exams in the events', async () => {
    const practice = await registerAttempt(standard, {
      exam: {
        ...(await import('../support/factories.js')).attemptRegistration().exam,
        isPracticeExam: true,
      },
    });

    await sendCallback(standard, vendorPayload({ attemptCode: practice, reviewStatus: 'Clean' }));

    const events = await settledEvents(standard, practice, 2);
    expect(events.map((event) => event.detail.event_name)).toEqual([
      'edx.special_exam.practice.attempt.review_received',
      'edx.special_exam.practice.attempt.verified',
    ]);
  });
});

describe('second reviews off (strict stack)', () => {
  it('rejects a Suspicious attempt directly and still notifies support (R1d)', async () => {
    const attemptCode = await registerAttempt(strict);

    await sendCallback(strict, vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }), {
      secret: STRICT_SECRET,
    });

    const events = await settledEvents(strict, attemptCode, 3);
    expect(kinds(events)).toEqual([
      'review_received',
      'attempt_status_changed',
      'support_notification_requested',
    ]);
    expect(events[1]?.detail).toMatchObject({
      to_status: 'rejected',
      credit_requirement_status: 'failed',
    });
  });

  it('accepts a simulated callback whose locator does not match (S1)', async () => {
    const attemptCode = await registerAttempt(strict, { status: 'created' });

    const answer = await sendCallback(
      strict,
      vendorPayload({ attemptCode, externalId: 'bogus', reviewStatus: 'Clean' }),
      {
        secret: STRICT_SECRET,
      },
    );

    expect(answer.status).toBe(200);
    await settledEvents(strict, attemptCode, 2);
    expect((await readAttempt(strict, attemptCode)).status).toBe('verified');
  });
});

describe('onboarding sample attempts', () => {
  it('reject a Suspicious review without a second review (R14)', async () => {
    const base = attemptRegistration();
    const attemptCode = await registerAttempt(standard, {
      isSampleAttempt: true,
      exam: { ...base.exam, isPracticeExam: true, backendSupportsOnboarding: true },
    });

    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));

    await settledEvents(standard, attemptCode, 3);
    expect((await readAttempt(standard, attemptCode)).status).toBe('rejected');
  });
});

describe('archived attempts', () => {
  it('store and announce a later review but keep the attempt as it was (R7, R12)', async () => {
    // Prepare
    const attemptCode = await registerAttempt(standard);
    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Clean' }));
    await settledEvents(standard, attemptCode, 2);
    expect((await call(standard, 'DELETE', `/internal/attempts/${attemptCode}`)).status).toBe(200);

    // Act
    const answer = await sendCallback(
      standard,
      vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }),
    );

    // Assess
    expect(answer.status).toBe(200);
    const events = await settledEvents(standard, attemptCode, 3);
    expect(kinds(events.slice(2))).toEqual(['review_received']);
    expect(events[2]?.detail).toMatchObject({
      is_archived: true,
      attempt_status: 'verified',
      review_revision: 2,
    });
    const attempt = await readAttempt(standard, attemptCode);
    expect(attempt).toMatchObject({
      archived: true,
      status: 'verified',
      review: { revision: 2, reviewStatus: 'Suspicious' },
    });
  });

  it('cannot be registered again under the same code', async () => {
    const attemptCode = await registerAttempt(standard);
    await call(standard, 'DELETE', `/internal/attempts/${attemptCode}`);

    const answer = await call(standard, 'PUT', `/internal/attempts/${attemptCode}`, '{}');

    expect([400, 409]).toContain(answer.status);
  });
});

describe('staff reviews', () => {
  it('reject directly with the reviewer credited and no support notification', async () => {
    // Prepare
    const attemptCode = await registerAttempt(standard);
    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    await settledEvents(standard, attemptCode, 3);

    // Act
    const answer = await call(
      standard,
      'PUT',
      `/internal/attempts/${attemptCode}/review`,
      JSON.stringify({
        reviewStatus: 'Suspicious',
        reviewedBy: 'staff@example.org',
        comment: 'Confirmed',
      }),
    );

    // Assess
    expect(answer.status).toBe(200);
    const events = await settledEvents(standard, attemptCode, 5);
    expect(kinds(events.slice(3))).toEqual(['review_received', 'attempt_status_changed']);
    expect(events[3]?.detail).toMatchObject({
      reviewed_by: 'staff@example.org',
      attempt_status: 'second_review_required',
    });
    expect(events[4]?.detail).toMatchObject({
      from_status: 'second_review_required',
      to_status: 'rejected',
      update_attributable_to: 'staff@example.org',
    });
    const attempt = await readAttempt(standard, attemptCode);
    expect(attempt).toMatchObject({
      status: 'rejected',
      review: {
        revision: 2,
        reviewedBy: 'staff@example.org',
        comments: [{ comment: 'Confirmed', source: 'staff' }],
      },
    });
  });

  it('are allowed even when vendor updates are refused (strict stack)', async () => {
    const attemptCode = await registerAttempt(strict);
    await sendCallback(strict, vendorPayload({ attemptCode, reviewStatus: 'Not Reviewed' }), {
      secret: STRICT_SECRET,
    });

    const answer = await call(
      strict,
      'PUT',
      `/internal/attempts/${attemptCode}/review`,
      JSON.stringify({ reviewStatus: 'Clean', reviewedBy: 'staff@example.org' }),
    );

    expect(answer.status).toBe(200);
    await settledEvents(strict, attemptCode, 4);
    expect((await readAttempt(strict, attemptCode)).status).toBe('verified');
  });
});

describe('re-delivery and updates', () => {
  it('answers an identical re-delivery with 200 and publishes nothing new', async () => {
    const attemptCode = await registerAttempt(standard);
    const payload = vendorPayload({ attemptCode, reviewStatus: 'Clean' });

    const first = await sendCallback(standard, payload);
    const again = await sendCallback(standard, JSON.stringify(payload, null, 2));

    expect([first.status, again.status]).toEqual([200, 200]);
    const events = await settledEvents(standard, attemptCode, 2);
    expect(events).toHaveLength(2);
    expect((await readAttempt(standard, attemptCode)).review).toMatchObject({ revision: 1 });
  });

  it('answers a replayed older review with 200 and changes nothing (stale re-send)', async () => {
    // Prepare: Suspicious, then Clean; the Suspicious request captured with its signature
    const attemptCode = await registerAttempt(standard);
    const suspicious = JSON.stringify(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const headers = {
      'Content-Type': 'application/json',
      'X-Proctoring-Timestamp': timestamp,
      'X-Proctoring-Signature': signatureFor('local-development-secret', timestamp, suspicious),
    };
    await call(standard, 'POST', CALLBACK_PATH, suspicious, headers);
    await settledEvents(standard, attemptCode, 3);
    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Clean' }));
    await settledEvents(standard, attemptCode, 5);

    // Act: the captured request again, inside the signature window
    const replay = await call(standard, 'POST', CALLBACK_PATH, suspicious, headers);

    // Assess
    expect(replay.status).toBe(200);
    const events = await settledEvents(standard, attemptCode, 5);
    expect(events).toHaveLength(5);
    expect(kinds(events).filter((kind) => kind === 'support_notification_requested')).toHaveLength(
      1,
    );
    const attempt = await readAttempt(standard, attemptCode);
    expect(attempt).toMatchObject({ status: 'verified', review: { revision: 2 } });
  });

  it('makes a changed review the next revision when updates are on (R9)', async () => {
    const attemptCode = await registerAttempt(standard);
    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Clean' }));
    await settledEvents(standard, attemptCode, 2);

    const answer = await sendCallback(
      standard,
      vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }),
    );

    expect(answer.status).toBe(200);
    const events = await settledEvents(standard, attemptCode, 5);
    expect(events[2]?.detail).toMatchObject({ review_revision: 2, attempt_status: 'verified' });
    expect(events[3]?.detail).toMatchObject({
      from_status: 'verified',
      to_status: 'second_review_required',
    });
    expect(new Set(events.map((event) => event.detail.event_id)).size).toBe(5);
  });

  it('refuses a changed review when updates are off, but answers a re-delivery (R8)', async () => {
    const attemptCode = await registerAttempt(strict);
    const payload = vendorPayload({ attemptCode, reviewStatus: 'Clean' });
    await sendCallback(strict, payload, { secret: STRICT_SECRET });

    const changed = await sendCallback(
      strict,
      vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }),
      {
        secret: STRICT_SECRET,
      },
    );
    const repeated = await sendCallback(strict, payload, { secret: 'strict-secret-1' });

    expect(changed.status).toBe(400);
    expect(changed.body).toMatchObject({ code: 'review_already_exists' });
    expect(repeated.status).toBe(200);
    const events = await settledEvents(strict, attemptCode, 2);
    expect(events).toHaveLength(2);
  });
});
