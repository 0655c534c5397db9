import type { DynamoDBRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { BatchFailed } from '../../functions/finish-review/handler.js';
import type { StoredRevision } from '../../lib/reviews/review.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { eventId } from '../../lib/workflow/events.js';
import type { WorkflowStore } from '../../lib/workflow/ports.js';
import { attemptRegistration } from '../support/factories.js';
import { toPublished } from '../support/fake-eventbridge.js';
import {
  chunkInsert,
  headInsert,
  revisionInsert,
  revisionModify,
  sequenceNumbers,
  streamEvent,
} from '../support/streams.js';
import {
  appendRevision,
  PROCESSED_AT,
  registeredAttempt,
  staffRevision,
  TEST_BUS,
  TEST_SOURCE,
  workflowHarness,
} from '../support/workflow-harness.js';

const COURSE = 'course-v1:ExampleX+CS101+2024_T1';

describe('finish-review: one revision', () => {
  it('verifies a Clean vendor review and announces the review and the change (R1b)', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Clean' });

    // Act
    const response = await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect((await store.getAttempt(attemptCode))?.status).toBe('verified');
    expect(store.applied.get(attemptCode)).toEqual({
      appliedRevision: 1,
      statusAttributedTo: null,
      statusUpdatedAt: PROCESSED_AT.toISOString(),
    });
    expect(eventBridge.published()).toEqual([
      {
        source: TEST_SOURCE,
        eventBusName: TEST_BUS,
        detailType: 'review_received',
        time: PROCESSED_AT.toISOString(),
        detail: expect.objectContaining({
          event_id: eventId(attemptCode, 1, 'review_received'),
          event_name: 'edx.special_exam.proctored.attempt.review_received',
          course_id: COURSE,
          attempt_code: attemptCode,
          review_revision: 1,
          attempt_status: 'submitted',
          review_status: 'Clean',
          reviewed_by: null,
          is_archived: false,
        }),
      },
      {
        source: TEST_SOURCE,
        eventBusName: TEST_BUS,
        detailType: 'attempt_status_changed',
        time: PROCESSED_AT.toISOString(),
        detail: {
          event_id: eventId(attemptCode, 1, 'attempt_status_changed'),
          course_id: COURSE,
          attempt_code: attemptCode,
          review_revision: 1,
          event_name: 'edx.special_exam.proctored.attempt.verified',
          exam_id: 42,
          attempt_id: 1001,
          attempt_user_id: 7,
          from_status: 'submitted',
          to_status: 'verified',
          credit_requirement_status: 'satisfied',
          update_attributable_to: null,
        },
      },
    ]);
  });

  it('sends a Suspicious vendor review to second review and asks support once (R10)', async () => {
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' });

    await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    expect((await store.getAttempt(attemptCode))?.status).toBe('second_review_required');
    expect(eventBridge.published().map((event) => event.detailType)).toEqual([
      'review_received',
      'attempt_status_changed',
      'support_notification_requested',
    ]);
    expect(eventBridge.published('attempt_status_changed')[0]?.detail).toMatchObject({
      to_status: 'second_review_required',
      credit_requirement_status: null,
    });
    expect(eventBridge.published('support_notification_requested')[0]?.detail).toMatchObject({
      exam_name: 'Midterm Exam',
      student_username: 'ada',
      review_status: 'Suspicious',
    });
  });

  it('rejects a Suspicious vendor review when second reviews are off, with one notification (R1d)', async () => {
    const { store, eventBridge, invoke } = workflowHarness({ requireFailureSecondReviews: false });
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' });

    await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    expect((await store.getAttempt(attemptCode))?.status).toBe('rejected');
    expect(eventBridge.published('attempt_status_changed')[0]?.detail).toMatchObject({
      to_status: 'rejected',
      credit_requirement_status: 'failed',
      event_name: 'edx.special_exam.proctored.attempt.rejected',
    });
    expect(eventBridge.published('support_notification_requested')).toHaveLength(1);
  });

  it('turns Not Reviewed into error, credit failed, no notification (R1e, R11)', async () => {
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Not Reviewed' });

    await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    expect((await store.getAttempt(attemptCode))?.status).toBe('error');
    expect(eventBridge.published('attempt_status_changed')[0]?.detail).toMatchObject({
      from_status: 'submitted',
      to_status: 'error',
      credit_requirement_status: 'failed',
    });
    expect(eventBridge.published('support_notification_requested')).toEqual([]);
  });

  it('lets a staff review reject directly, attributed to the reviewer, without asking support', async () => {
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode, staffRevision('Suspicious'));

    await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    expect((await store.getAttempt(attemptCode))?.status).toBe('rejected');
    expect(store.applied.get(attemptCode)?.statusAttributedTo).toBe('staff@example.org');
    expect(eventBridge.published().map((event) => event.detailType)).toEqual([
      'review_received',
      'attempt_status_changed',
    ]);
    expect(eventBridge.published('review_received')[0]?.detail.reviewed_by).toBe(
      'staff@example.org',
    );
    expect(eventBridge.published('attempt_status_changed')[0]?.detail).toMatchObject({
      to_status: 'rejected',
      update_attributable_to: 'staff@example.org',
    });
  });

  it('rejects a Suspicious onboarding attempt without second review (R14)', async () => {
    const { store, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store, {
      isSampleAttempt: true,
      exam: {
        ...attemptRegistration().exam,
        isPracticeExam: true,
        backendSupportsOnboarding: true,
      },
    });
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' });

    await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    expect((await store.getAttempt(attemptCode))?.status).toBe('rejected');
  });

  it('leaves an archived attempt alone and announces the review only (R12, O10)', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store, { status: 'verified' });
    await store.archiveAttempt(attemptCode);
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' });

    // Act
    const response = await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getAttempt(attemptCode)).toMatchObject({
      status: 'verified',
      archived: true,
    });
    expect(store.applied.has(attemptCode)).toBe(false);
    expect(eventBridge.published().map((event) => event.detailType)).toEqual(['review_received']);
    expect(eventBridge.published()[0]?.detail).toMatchObject({
      attempt_status: 'verified',
      review_status: 'Suspicious',
      is_archived: true,
    });
  });

  it('applies a review that keeps the status, without announcing a change', async () => {
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store, { status: 'verified' });
    const revision = await appendRevision(store, attemptCode, { reviewStatus: 'Clean' });

    await invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    expect(store.applied.get(attemptCode)?.appliedRevision).toBe(1);
    expect(eventBridge.published().map((event) => event.detailType)).toEqual(['review_received']);
  });

  it('ignores records that are not new revisions', async () => {
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode);
    const removed = { ...revisionModify(attemptCode, revision), eventName: 'REMOVE' as const };

    const response = await invoke(
      streamEvent([
        headInsert(attemptCode, 1),
        chunkInsert(attemptCode, 1),
        revisionModify(attemptCode, revision),
        removed,
      ]),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect((await store.getAttempt(attemptCode))?.status).toBe('submitted');
    expect(eventBridge.calls).toEqual([]);
  });
});

describe('finish-review: batches', () => {
  it('handles the records of a batch in order', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const first = await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' });
    const second = await appendRevision(store, attemptCode, staffRevision('Clean'));

    // Act
    const response = await invoke(
      streamEvent([
        headInsert(attemptCode, 1),
        revisionInsert(attemptCode, first),
        chunkInsert(attemptCode, 1),
        revisionInsert(attemptCode, second),
      ]),
    );

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect((await store.getAttempt(attemptCode))?.status).toBe('verified');
    expect(
      eventBridge
        .published('attempt_status_changed')
        .map((event) => [
          event.detail.review_revision,
          event.detail.from_status,
          event.detail.to_status,
        ]),
    ).toEqual([
      [1, 'submitted', 'second_review_required'],
      [2, 'second_review_required', 'verified'],
    ]);
    expect(
      eventBridge.published('review_received').map((event) => event.detail.attempt_status),
    ).toEqual(['submitted', 'second_review_required']);
  });

  it('works on different attempts at once and on one attempt one revision at a time', async () => {
    // Prepare
    const inner = new MemoryStore();
    const inFlight = new Map<string, number>();
    let mostAtOnce = 0;
    let mostForOneAttempt = 0;
    const watched = Object.create(inner) as MemoryStore;
    watched.getWorkflowState = async (attemptCode, revision) => {
      inFlight.set(attemptCode, (inFlight.get(attemptCode) ?? 0) + 1);
      const total = [...inFlight.values()].reduce((sum, count) => sum + count, 0);
      mostAtOnce = Math.max(mostAtOnce, total);
      mostForOneAttempt = Math.max(mostForOneAttempt, inFlight.get(attemptCode) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.set(attemptCode, (inFlight.get(attemptCode) ?? 1) - 1);
      return inner.getWorkflowState(attemptCode, revision);
    };
    const { eventBridge, invoke } = workflowHarness({ store: watched });
    const codes = [];
    for (let index = 0; index < 6; index++) codes.push(await registeredAttempt(inner));
    const records = [];
    for (const status of ['Suspicious', 'Clean', 'Rules Violation'] as const) {
      for (const code of codes) {
        records.push(
          revisionInsert(code, await appendRevision(inner, code, staffRevision(status))),
        );
      }
    }

    // Act
    const response = await invoke(streamEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(mostAtOnce).toBe(6);
    expect(mostForOneAttempt).toBe(1);
    for (const code of codes) {
      expect(inner.applied.get(code)?.appliedRevision).toBe(3);
      expect(
        eventBridge
          .published('review_received')
          .filter((event) => event.detail.attempt_code === code)
          .map((event) => [event.detail.review_revision, event.detail.attempt_status]),
      ).toEqual([
        [1, 'submitted'],
        [2, 'rejected'],
        [3, 'verified'],
      ]);
    }
  });

  it('publishes the events of a batch together, ten to a call', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const records = [];
    for (let index = 0; index < 15; index++) {
      const code = await registeredAttempt(store);
      records.push(revisionInsert(code, await appendRevision(store, code)));
    }

    // Act
    const response = await invoke(streamEvent(records));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    // Each Clean review announces itself and the status change: 30 events.
    expect(eventBridge.calls.map((call) => call.length)).toEqual([10, 10, 10]);
    expect(
      eventBridge.published('review_received').map((event) => event.detail.attempt_code),
    ).toEqual(records.map((record) => record.dynamodb?.Keys?.attemptCode?.S));
  });

  it('reports only the record whose events failed; other attempts carry on', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness({ maxAttempts: 2 });
    const codes = [
      await registeredAttempt(store),
      await registeredAttempt(store),
      await registeredAttempt(store),
    ];
    const records = [];
    for (const code of codes) records.push(revisionInsert(code, await appendRevision(store, code)));
    records.push(headInsert(codes[2] ?? '', 1));
    eventBridge.failEntries((detail) => detail.attempt_code === codes[1]);

    // Act
    const response = await invoke(streamEvent(records));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      sequenceNumbers([records[1] as DynamoDBRecord]),
    );
    // The failed record's attempt was updated before its publish failed; the retry republishes.
    for (const code of codes) expect((await store.getAttempt(code))?.status).toBe('verified');
    expect(new Set(eventBridge.published().map((event) => event.detail.attempt_code))).toEqual(
      new Set([codes[0], codes[2]]),
    );
  });

  it('holds back the later revisions of an attempt whose revision failed, unapplied and unannounced', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness({ maxAttempts: 1 });
    const held = await registeredAttempt(store);
    const other = await registeredAttempt(store);
    const records = [
      revisionInsert(held, await appendRevision(store, held, { reviewStatus: 'Suspicious' })),
      revisionInsert(other, await appendRevision(store, other, { reviewStatus: 'Suspicious' })),
      revisionInsert(held, await appendRevision(store, held, staffRevision('Clean'))),
      revisionInsert(other, await appendRevision(store, other, staffRevision('Clean'))),
    ];
    eventBridge.failEntries((detail) => detail.attempt_code === held, { calls: 1 });

    // Act
    const response = await invoke(streamEvent(records));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      sequenceNumbers([records[0], records[2]] as DynamoDBRecord[]),
    );
    expect(store.applied.get(held)?.appliedRevision).toBe(1);
    expect((await store.getAttempt(held))?.status).toBe('second_review_required');
    expect(store.applied.get(other)?.appliedRevision).toBe(2);
    expect((await store.getAttempt(other))?.status).toBe('verified');
    expect(eventBridge.published().filter((event) => event.detail.attempt_code === held)).toEqual(
      [],
    );
  });

  it('fails a record whose store work fails and holds back its attempt only', async () => {
    // Prepare
    const inner = new MemoryStore();
    const broken = await registeredAttempt(inner);
    const healthy = await registeredAttempt(inner);
    const failing = Object.create(inner) as MemoryStore;
    failing.getWorkflowState = async (attemptCode, revision) => {
      if (attemptCode === broken) throw new Error('store unavailable');
      return inner.getWorkflowState(attemptCode, revision);
    };
    const { eventBridge, invoke } = workflowHarness({ store: failing });
    const records = [
      revisionInsert(broken, await appendRevision(inner, broken)),
      revisionInsert(healthy, await appendRevision(inner, healthy)),
      headInsert(broken, 1),
      revisionInsert(broken, await appendRevision(inner, broken, staffRevision('Suspicious'))),
    ];

    // Act
    const response = await invoke(streamEvent(records));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      sequenceNumbers([records[0], records[2], records[3]] as DynamoDBRecord[]),
    );
    expect((await inner.getAttempt(healthy))?.status).toBe('verified');
    expect((await inner.getAttempt(broken))?.status).toBe('submitted');
    expect(new Set(eventBridge.published().map((event) => event.detail.attempt_code))).toEqual(
      new Set([healthy]),
    );
  });

  it('throws when every record fails, so Lambda retries (and bisects) the batch', async () => {
    const { store, eventBridge, invoke } = workflowHarness({ maxAttempts: 1 });
    const attemptCode = await registeredAttempt(store);
    const other = await registeredAttempt(store);
    const records = [
      revisionInsert(attemptCode, await appendRevision(store, attemptCode)),
      revisionInsert(other, await appendRevision(store, other)),
    ];
    eventBridge.throttle(1);

    await expect(invoke(streamEvent(records))).rejects.toBeInstanceOf(BatchFailed);
    expect(eventBridge.calls).toHaveLength(1);
    expect(eventBridge.accepted).toEqual([]);
  });

  it('treats an unreadable revision as a failed record (a poison pill for the failure destination)', async () => {
    const { store, invoke, logs } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const good = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    const broken = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    const image = broken.dynamodb?.NewImage;
    if (image) image.reviewStatus = { S: 'Bogus' };
    const later = headInsert(attemptCode, 2);

    const response = await invoke(streamEvent([good, broken, later]));

    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      sequenceNumbers([broken, later]),
    );
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        error: expect.objectContaining({ name: 'MalformedRevisionRecord' }),
      }),
    );
  });

  it('neither applies nor announces a revision that follows an unreadable one of its attempt', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const other = await registeredAttempt(store);
    const broken = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    const image = broken.dynamodb?.NewImage;
    if (image) image.reviewStatus = { S: 'Bogus' };
    const unrelated = revisionInsert(other, await appendRevision(store, other));
    const later = revisionInsert(
      attemptCode,
      await appendRevision(store, attemptCode, staffRevision('Suspicious')),
    );

    // Act
    const response = await invoke(streamEvent([broken, unrelated, later]));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      sequenceNumbers([broken, later]),
    );
    expect(store.applied.has(attemptCode)).toBe(false);
    expect((await store.getAttempt(attemptCode))?.status).toBe('submitted');
    expect(new Set(eventBridge.published().map((event) => event.detail.attempt_code))).toEqual(
      new Set([other]),
    );
  });

  it('reports a failed record without a sequence number by an empty identifier, which Lambda takes as the whole batch failed', async () => {
    // Prepare
    const { store, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const good = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    // Unreadable, and without the key and sequence number that would identify it.
    const anonymous = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    if (anonymous.dynamodb) {
      const { Keys: _keys, SequenceNumber: _sequenceNumber, ...rest } = anonymous.dynamodb;
      anonymous.dynamodb = {
        ...rest,
        NewImage: { ...rest.NewImage, reviewStatus: { S: 'Bogus' } },
      };
    }
    // Held back behind it: it has the same (missing) key, and no stream data at all.
    const { dynamodb: _dynamodb, ...bare } = headInsert(attemptCode, 2);

    // Act
    const response = await invoke(streamEvent([good, anonymous, bare]));

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '' }, { itemIdentifier: '' }]);
  });
});

describe('finish-review: reprocessing', () => {
  async function processedOnce(reviewStatus: StoredRevision['reviewStatus'] = 'Suspicious') {
    const harness = workflowHarness();
    const attemptCode = await registeredAttempt(harness.store);
    const revision = await appendRevision(harness.store, attemptCode, { reviewStatus });
    const record = revisionInsert(attemptCode, revision);
    await harness.invoke(streamEvent([record]));
    return { ...harness, attemptCode, revision, record };
  }

  it('applies a duplicate record in one batch once and publishes identical events again', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const record = revisionInsert(
      attemptCode,
      await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' }),
    );

    // Act
    const response = await invoke(streamEvent([record, record]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(store.applied.get(attemptCode)?.appliedRevision).toBe(1);
    // One attempt, two rounds: the second delivery republishes what the first one published.
    const [first, second] = eventBridge.calls;
    expect(first).toHaveLength(3);
    expect(second).toEqual(first);
  });

  it('changes nothing on redelivery and republishes the same events with the same ids and content', async () => {
    // Prepare
    const { store, eventBridge, invoke, record, attemptCode } = await processedOnce();
    const before = {
      attempt: await store.getAttempt(attemptCode),
      applied: store.applied.get(attemptCode),
    };
    const firstDelivery = eventBridge.accepted.map(toPublished);

    // Act
    const response = await invoke(streamEvent([record]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(await store.getAttempt(attemptCode)).toEqual(before.attempt);
    expect(store.applied.get(attemptCode)).toEqual(before.applied);
    expect(eventBridge.accepted.slice(firstDelivery.length).map(toPublished)).toEqual(
      firstDelivery,
    );
  });

  it('republishes the original events even after later revisions and a re-registration changed the attempt', async () => {
    const { store, eventBridge, invoke, record, attemptCode } = await processedOnce();
    const firstDelivery = eventBridge.accepted.map(toPublished);
    const next = await appendRevision(store, attemptCode, staffRevision('Clean'));
    await invoke(streamEvent([revisionInsert(attemptCode, next)]));
    await store.registerAttempt(attemptCode, {
      ...attemptRegistration({ status: 'verified' }),
      user: { id: 7, username: 'ada.renamed', email: null },
    });
    const published = eventBridge.accepted.length;

    await invoke(streamEvent([record]));

    expect(eventBridge.accepted.slice(published).map(toPublished)).toEqual(firstDelivery);
    expect(store.applied.get(attemptCode)?.appliedRevision).toBe(2);
    expect((await store.getAttempt(attemptCode))?.status).toBe('verified');
  });

  it('publishes a revision that arrives after a newer one as received only, changing nothing', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const older = await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' });
    const newer = await appendRevision(store, attemptCode, staffRevision('Clean'));
    await invoke(streamEvent([revisionInsert(attemptCode, newer)]));
    const published = eventBridge.accepted.length;
    const stale = revisionInsert(attemptCode, older);

    // Act
    await invoke(streamEvent([stale]));
    await invoke(streamEvent([stale]));

    // Assess
    expect((await store.getAttempt(attemptCode))?.status).toBe('verified');
    expect(store.applied.get(attemptCode)?.appliedRevision).toBe(2);
    const late = eventBridge.accepted.slice(published).map(toPublished);
    expect(late.map((event) => event.detailType)).toEqual(['review_received', 'review_received']);
    expect(late[0]?.detail).toMatchObject({
      review_revision: 1,
      attempt_status: 'verified',
      review_status: 'Suspicious',
    });
    expect(late[1]).toEqual(late[0]);
    expect((await store.getWorkflowState(attemptCode, 1)).outcome?.disposition).toBe('superseded');
  });

  it('publishes after a failed publish without applying twice (partial failure, then success)', async () => {
    // Prepare
    const { store, eventBridge, invoke, metrics } = workflowHarness({ maxAttempts: 2 });
    const attemptCode = await registeredAttempt(store);
    const record = revisionInsert(
      attemptCode,
      await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' }),
    );
    eventBridge.failEntries(
      (_detail, entry) => entry.DetailType === 'support_notification_requested',
    );

    // Act
    const failed = invoke(streamEvent([record]));
    await expect(failed).rejects.toBeInstanceOf(BatchFailed);
    const statusAfterFailure = (await store.getAttempt(attemptCode))?.status;
    eventBridge.heal();
    const response = await invoke(streamEvent([record]));

    // Assess
    expect(statusAfterFailure).toBe('second_review_required');
    expect(response.batchItemFailures).toEqual([]);
    expect(store.applied.get(attemptCode)?.appliedRevision).toBe(1);
    // What the failed attempt tried to send is exactly what the retry sent.
    expect(eventBridge.calls.at(-1)).toEqual(eventBridge.calls[0]);
    expect(eventBridge.published('support_notification_requested')).toHaveLength(1);
    expect(
      metrics().map((line) => [line.PutEventsRetriedEntries, line.PutEventsFailedEntries]),
    ).toEqual([
      [1, undefined],
      [undefined, 1],
    ]);
  });

  it('rides out a partial PutEvents failure within one invocation', async () => {
    const { store, eventBridge, invoke, metrics, pauses } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const record = revisionInsert(
      attemptCode,
      await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' }),
    );
    eventBridge.failEntries((_detail, entry) => entry.DetailType === 'review_received', {
      calls: 1,
    });

    const response = await invoke(streamEvent([record]));

    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.calls.map((call) => call.map((entry) => entry.DetailType))).toEqual([
      ['review_received', 'attempt_status_changed', 'support_notification_requested'],
      ['review_received'],
    ]);
    expect(eventBridge.published()).toHaveLength(3);
    expect(metrics()).toHaveLength(1);
    expect(pauses).toHaveLength(1);
  });

  it('rides out throttling within one invocation', async () => {
    const { store, eventBridge, invoke, metrics } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const record = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    eventBridge.throttle(2);

    const response = await invoke(streamEvent([record]));

    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.calls).toHaveLength(3);
    expect(eventBridge.published()).toHaveLength(2);
    expect(metrics().map((line) => line.errorCodes)).toEqual([
      ['ThrottlingException'],
      ['ThrottlingException'],
    ]);
  });

  it('redelivers the held-back records of a failed batch and applies each exactly once', async () => {
    // Prepare
    const { store, eventBridge, invoke } = workflowHarness({ maxAttempts: 1 });
    const attemptCode = await registeredAttempt(store);
    const revisions = [
      await appendRevision(store, attemptCode, { reviewStatus: 'Clean' }),
      await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious' }),
      await appendRevision(store, attemptCode, staffRevision('Suspicious')),
    ];
    const records = revisions.map((revision) => revisionInsert(attemptCode, revision));
    eventBridge.failEntries((detail) => detail.review_revision === 2, { calls: 1 });

    // Act
    const first = await invoke(streamEvent(records));
    const redelivered = records.filter((record) =>
      first.batchItemFailures.some(
        (failure) => failure.itemIdentifier === record.dynamodb?.SequenceNumber,
      ),
    );
    const second = await invoke(streamEvent(redelivered));

    // Assess
    expect(redelivered).toEqual(records.slice(1));
    expect(second.batchItemFailures).toEqual([]);
    expect((await store.getAttempt(attemptCode))?.status).toBe('rejected');
    expect(
      eventBridge
        .published('attempt_status_changed')
        .map((event) => [
          event.detail.review_revision,
          event.detail.from_status,
          event.detail.to_status,
        ]),
    ).toEqual([
      [1, 'submitted', 'verified'],
      [2, 'verified', 'second_review_required'],
      [3, 'second_review_required', 'rejected'],
    ]);
    expect(
      eventBridge.published('review_received').map((event) => event.detail.review_revision),
    ).toEqual([1, 2, 3]);
  });
});

describe('finish-review: concurrent writers', () => {
  /** A store whose first outcome write loses a race to `interfere`. */
  function racingStore(
    store: MemoryStore,
    interfere: () => Promise<void>,
  ): WorkflowStore & MemoryStore {
    let raced = false;
    const racing = Object.create(store) as MemoryStore;
    racing.recordOutcome = async (attemptCode, revision, outcome) => {
      if (!raced) {
        raced = true;
        await interfere();
      }
      return store.recordOutcome(attemptCode, revision, outcome);
    };
    return racing;
  }

  it('uses the outcome another processor recorded first and publishes the same events', async () => {
    // Prepare
    const inner = new MemoryStore();
    const attemptCode = await registeredAttempt(inner);
    const record = revisionInsert(
      attemptCode,
      await appendRevision(inner, attemptCode, { reviewStatus: 'Suspicious' }),
    );
    const rival = workflowHarness({
      store: inner,
      now: () => new Date('2026-03-04T05:06:00.000Z'),
    });
    const { eventBridge, invoke } = workflowHarness({
      store: racingStore(inner, async () => {
        await rival.invoke(streamEvent([record]));
      }),
    });

    // Act
    const response = await invoke(streamEvent([record]));

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(inner.applied.get(attemptCode)?.appliedRevision).toBe(1);
    expect(eventBridge.calls[0]).toEqual(rival.eventBridge.calls[0]);
  });

  it('fails the record for a retry when the attempt changed under it', async () => {
    const inner = new MemoryStore();
    const attemptCode = await registeredAttempt(inner);
    const record = revisionInsert(attemptCode, await appendRevision(inner, attemptCode));
    const { eventBridge, invoke, logs } = workflowHarness({
      store: racingStore(inner, async () => {
        await inner.archiveAttempt(attemptCode);
      }),
    });

    await expect(invoke(streamEvent([record]))).rejects.toBeInstanceOf(BatchFailed);
    expect(eventBridge.calls).toEqual([]);
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({ error: expect.objectContaining({ name: 'WorkflowConflict' }) }),
    );

    const retried = await invoke(streamEvent([record]));

    expect(retried.batchItemFailures).toEqual([]);
    expect(
      eventBridge.published().map((event) => [event.detailType, event.detail.is_archived]),
    ).toEqual([['review_received', true]]);
  });

  it('skips a revision whose attempt was deleted by hand, without failing the batch', async () => {
    const { store, eventBridge, invoke, logs } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const record = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    store.attempts.delete(attemptCode);

    const response = await invoke(streamEvent([record]));

    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.calls).toEqual([]);
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'attempt of the review revision does not exist; nothing to do',
      }),
    );
  });
});

describe('finish-review: reporting failures', () => {
  it('warns once per invocation with how many records and attempts were reported failed', async () => {
    // Prepare
    const { store, eventBridge, invoke, logs } = workflowHarness({ maxAttempts: 1 });
    const codes = [await registeredAttempt(store), await registeredAttempt(store)];
    const ok = revisionInsert(codes[1] ?? '', await appendRevision(store, codes[1] ?? ''));
    const failing = revisionInsert(codes[0] ?? '', await appendRevision(store, codes[0] ?? ''));
    const heldBack = headInsert(codes[0] ?? '', 1);
    const later = revisionInsert(codes[1] ?? '', await appendRevision(store, codes[1] ?? ''));
    eventBridge.failEntries((detail) => detail.attempt_code === codes[0], { calls: 1 });

    // Act
    const response = await invoke(streamEvent([ok, failing, heldBack, later]));

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier)).toEqual(
      sequenceNumbers([failing, heldBack]),
    );
    expect(logs.entries().filter((entry) => entry.level === 'warn')).toEqual([
      expect.objectContaining({
        message: 'records reported failed for redelivery',
        failed: 2,
        records: 4,
        attempts: 1,
      }),
    ]);
  });

  it('does not warn when nothing failed', async () => {
    const { store, invoke, logs } = workflowHarness();
    const attemptCode = await registeredAttempt(store);
    const record = revisionInsert(attemptCode, await appendRevision(store, attemptCode));

    const response = await invoke(streamEvent([record]));

    expect(response.batchItemFailures).toEqual([]);
    expect(logs.entries().filter((entry) => entry.level === 'warn')).toEqual([]);
  });

  it('starts every invocation afresh: a failure in one batch holds nothing back in the next', async () => {
    const { store, eventBridge, invoke } = workflowHarness({ maxAttempts: 1 });
    const attemptCode = await registeredAttempt(store);
    const other = await registeredAttempt(store);
    const failing = revisionInsert(attemptCode, await appendRevision(store, attemptCode));
    const next = revisionInsert(other, await appendRevision(store, other));
    eventBridge.failEntries((detail) => detail.attempt_code === attemptCode, { calls: 1 });

    await invoke(streamEvent([failing, next])).catch(() => undefined);
    const response = await invoke(streamEvent([next]));

    expect(response.batchItemFailures).toEqual([]);
    expect((await store.getAttempt(other))?.status).toBe('verified');
  });

  it('ignores a record that carries no stream data', async () => {
    const { invoke } = workflowHarness();
    const { dynamodb: _dynamodb, ...bare } = headInsert('CODE', 1);

    const response = await invoke(streamEvent([bare]));

    expect(response.batchItemFailures).toEqual([]);
  });

  it('names every record of the batch in the error it throws when all of them failed', () => {
    const error = new BatchFailed(3);

    expect(error.name).toBe('BatchFailed');
    expect(error.message).toBe('All 3 record(s) of the batch failed; the batch will be retried');
  });
});
