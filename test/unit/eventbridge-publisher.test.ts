import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { describe, expect, it, vi } from 'vitest';
import {
  chunkEntries,
  EventBridgePublisher,
  EventsNotPublished,
  EventTooLarge,
  entrySize,
  MAX_CALL_BYTES,
  toEntry,
} from '../../lib/events/eventbridge-publisher.js';
import type { WorkflowEvent } from '../../lib/events/schemas.js';
import { createMetrics } from '../../lib/metrics.js';
import { eventId } from '../../lib/workflow/events.js';
import { FakeEventBridge } from '../support/fake-eventbridge.js';
import { capturedLog } from '../support/harness.js';

function event(
  index: number,
  examName = 'Midterm Exam',
  attemptCode = `CODE-${index}`,
): WorkflowEvent {
  return {
    detailType: 'support_notification_requested',
    time: '2026-03-04T05:06:07.000Z',
    detail: {
      event_id: eventId(attemptCode, index + 1, 'support_notification_requested'),
      course_id: 'course-v1:ExampleX+CS101+2024_T1',
      attempt_code: attemptCode,
      review_revision: index + 1,
      event_name: 'edx.special_exam.proctored.attempt.support_notification_requested',
      exam_id: 42,
      exam_name: examName,
      student_username: 'ada',
      review_status: 'Suspicious',
    },
  };
}

const events = (count: number) => Array.from({ length: count }, (_, index) => event(index));

/** An event whose entry is exactly `bytes` bytes as EventBridge counts them. */
function eventOfSize(bytes: number, attemptCode = 'CODE-0'): WorkflowEvent {
  const target = { source: 'edx.proctoring', eventBusName: 'reviews-bus' };
  const unpadded = entrySize(toEntry(event(0, '', attemptCode), target));
  return event(0, 'x'.repeat(bytes - unpadded), attemptCode);
}

function publisherFor(eventBridge: FakeEventBridge, options: { maxAttempts?: number } = {}) {
  const logs = capturedLog();
  const metricLines: string[] = [];
  const pauses: number[] = [];
  const publisher = new EventBridgePublisher({
    client: eventBridge,
    eventBusName: 'reviews-bus',
    source: 'edx.proctoring',
    log: logs.log,
    metrics: createMetrics({
      sink: (line) => metricLines.push(line),
      clock: () => new Date('2026-03-04T05:06:08.000Z'),
    }),
    maxAttempts: options.maxAttempts ?? 4,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.999,
  });
  const metrics = () => metricLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { publisher, logs, metrics, pauses };
}

const codeOf = (detail: Record<string, unknown>) => detail.attempt_code;

describe('EventBridgePublisher: entries', () => {
  it('puts each event on the bus with its source, detail-type, detail and time', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);

    // Act
    await publisher.publish([event(1)]);

    // Assess
    expect(eventBridge.published()).toEqual([
      {
        source: 'edx.proctoring',
        detailType: 'support_notification_requested',
        eventBusName: 'reviews-bus',
        time: '2026-03-04T05:06:07.000Z',
        detail: event(1).detail,
      },
    ]);
  });

  it('makes no call for no events', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);

    await publisher.publish([]);

    expect(eventBridge.calls).toHaveLength(0);
  });

  it('sends at most 10 entries per call, in order', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);

    await publisher.publish(events(23));

    expect(eventBridge.calls.map((call) => call.length)).toEqual([10, 10, 3]);
    expect(eventBridge.published().map((item) => codeOf(item.detail))).toEqual(
      events(23).map((item) => item.detail.attempt_code),
    );
  });

  it('keeps every call under 256 KB', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);
    const large = Array.from({ length: 7 }, (_, index) => event(index, 'x'.repeat(100_000)));

    await publisher.publish(large);

    expect(eventBridge.calls.map((call) => call.length)).toEqual([2, 2, 2, 1]);
    for (const call of eventBridge.calls) {
      expect(call.reduce((total, entry) => total + entrySize(entry), 0)).toBeLessThan(
        MAX_CALL_BYTES,
      );
    }
  });

  it('refuses an event that no call could carry, before sending anything', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);

    await expect(
      publisher.publish([event(1), event(2, 'x'.repeat(MAX_CALL_BYTES))]),
    ).rejects.toBeInstanceOf(EventTooLarge);
    expect(eventBridge.calls).toHaveLength(0);
  });

  it('counts entry sizes as EventBridge does: time 14 bytes, then UTF-8 bytes', () => {
    const entry = toEntry(event(1, 'Prüfung'), { source: 'edx.proctoring', eventBusName: 'bus' });

    expect(entrySize(entry)).toBe(
      14 +
        'edx.proctoring'.length +
        'support_notification_requested'.length +
        Buffer.byteLength(entry.Detail ?? ''),
    );
    expect(chunkEntries([entry], (item) => item)).toEqual([[entry]]);
  });
});

describe('EventBridgePublisher: failures', () => {
  it('retries only the entries PutEvents failed, then succeeds', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge().failEntries(
      (detail) => detail.attempt_code === 'CODE-1' || detail.attempt_code === 'CODE-3',
      { calls: 1 },
    );
    const { publisher, pauses, logs } = publisherFor(eventBridge);

    // Act
    await publisher.publish(events(4));

    // Assess
    expect(
      eventBridge.calls.map((call) =>
        call.map((entry) => codeOf(JSON.parse(entry.Detail ?? '{}'))),
      ),
    ).toEqual([
      ['CODE-0', 'CODE-1', 'CODE-2', 'CODE-3'],
      ['CODE-1', 'CODE-3'],
    ]);
    expect(eventBridge.published()).toHaveLength(4);
    expect(pauses).toHaveLength(1);
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'events not accepted by EventBridge; retrying',
        failures: [
          expect.objectContaining({
            eventId: event(1).detail.event_id,
            errorCode: 'InternalFailure',
          }),
          expect.objectContaining({
            eventId: event(3).detail.event_id,
            errorCode: 'InternalFailure',
          }),
        ],
      }),
    );
  });

  it('counts entries it had to retry in PutEventsRetriedEntries, not in the alarmed metric', async () => {
    const eventBridge = new FakeEventBridge().failEntries(
      (detail) => detail.attempt_code !== 'CODE-0',
      { calls: 1 },
    );
    const { publisher, metrics } = publisherFor(eventBridge);

    await publisher.publish(events(3));

    expect(
      metrics().map((line) => [line.PutEventsRetriedEntries, line.PutEventsFailedEntries]),
    ).toEqual([[2, undefined]]);
  });

  it('emits the PutEventsFailedEntries EMF line the alarm watches when it gives up', async () => {
    const eventBridge = new FakeEventBridge().failEntries(
      (detail) => detail.attempt_code !== 'CODE-0',
    );
    const { publisher, metrics } = publisherFor(eventBridge, { maxAttempts: 2 });

    await expect(publisher.publish(events(3))).rejects.toBeInstanceOf(EventsNotPublished);

    expect(metrics().at(-1)).toEqual({
      eventBusName: 'reviews-bus',
      errorCodes: ['InternalFailure'],
      _aws: {
        Timestamp: Date.parse('2026-03-04T05:06:08.000Z'),
        CloudWatchMetrics: [
          {
            Namespace: 'ProctoringReviews',
            Dimensions: [['service']],
            Metrics: [{ Name: 'PutEventsFailedEntries', Unit: 'Count' }],
          },
        ],
      },
      service: 'proctoring-reviews',
      PutEventsFailedEntries: 2,
    });
  });

  it('retries a throttled call with growing, capped, jittered pauses', async () => {
    const eventBridge = new FakeEventBridge().throttle(3);
    const { publisher, pauses, metrics } = publisherFor(eventBridge, { maxAttempts: 5 });

    await publisher.publish(events(2));

    expect(eventBridge.calls).toHaveLength(4);
    expect(eventBridge.published()).toHaveLength(2);
    // random() is 0.999: just under the bounds 100, 200, 400 ms.
    expect(pauses).toEqual([99, 199, 399]);
    expect(metrics().map((line) => [line.PutEventsRetriedEntries, line.errorCodes])).toEqual([
      [2, ['ThrottlingException']],
      [2, ['ThrottlingException']],
      [2, ['ThrottlingException']],
    ]);
  });

  it('caps the pause at the maximum delay', async () => {
    const eventBridge = new FakeEventBridge().throttle(6);
    const { publisher, pauses } = publisherFor(eventBridge, { maxAttempts: 7 });

    await publisher.publish(events(1));

    expect(pauses).toEqual([99, 199, 399, 799, 999, 999]);
  });

  it('throws, naming what failed, when entries still fail after the last attempt', async () => {
    const eventBridge = new FakeEventBridge().failEntries(
      (detail) => detail.attempt_code === 'CODE-1',
    );
    const { publisher, logs, metrics } = publisherFor(eventBridge, { maxAttempts: 3 });

    const published = publisher.publish(events(3));

    await expect(published).rejects.toBeInstanceOf(EventsNotPublished);
    await expect(published).rejects.toMatchObject({
      failures: [{ eventId: event(1).detail.event_id, errorCode: 'InternalFailure' }],
    });
    expect(eventBridge.calls).toHaveLength(3);
    expect(
      metrics().map((line) => [line.PutEventsRetriedEntries, line.PutEventsFailedEntries]),
    ).toEqual([
      [1, undefined],
      [1, undefined],
      [undefined, 1],
    ]);
    expect(logs.entries().at(-1)).toMatchObject({
      level: 'error',
      message: 'events not accepted by EventBridge; giving up',
    });
  });

  it('throws when throttling outlasts every attempt', async () => {
    const eventBridge = new FakeEventBridge().throttle(10);
    const { publisher } = publisherFor(eventBridge, { maxAttempts: 4 });

    await expect(publisher.publish(events(1))).rejects.toThrow(
      /1 event\(s\) not accepted by EventBridge after 4 attempt\(s\): ThrottlingException/,
    );
    expect(eventBridge.accepted).toHaveLength(0);
  });

  it('does not retry an entry that can never succeed', async () => {
    const eventBridge = new FakeEventBridge().failEntries(() => true, {
      errorCode: 'MalformedDetail',
    });
    const { publisher, pauses } = publisherFor(eventBridge);

    await expect(publisher.publish(events(1))).rejects.toBeInstanceOf(EventsNotPublished);
    expect(eventBridge.calls).toHaveLength(1);
    expect(pauses).toEqual([]);
  });

  it('retries a call that failed with a server fault', async () => {
    const eventBridge = new FakeEventBridge().failCall('InternalException', 500);
    const { publisher } = publisherFor(eventBridge);

    await publisher.publish(events(1));

    expect(eventBridge.calls).toHaveLength(2);
    expect(eventBridge.published()).toHaveLength(1);
  });

  it('does not retry a call refused for a reason other than throttling or a server fault', async () => {
    const eventBridge = new FakeEventBridge().failCall('AccessDeniedException', 400);
    const { publisher, metrics } = publisherFor(eventBridge);

    await expect(publisher.publish(events(2))).rejects.toMatchObject({
      failures: [{ errorCode: 'AccessDeniedException' }, { errorCode: 'AccessDeniedException' }],
    });
    expect(eventBridge.calls).toHaveLength(1);
    expect(metrics().map((line) => line.PutEventsFailedEntries)).toEqual([2]);
  });

  it('treats a result without an event id as a failure, whatever FailedEntryCount says', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);
    const send = eventBridge.send.bind(eventBridge);
    let first = true;
    eventBridge.send = async (command) => {
      const output = await send(command);
      if (!first) return output;
      first = false;
      return { ...output, FailedEntryCount: 0, Entries: output.Entries?.slice(0, 1) };
    };

    await publisher.publish(events(2));

    expect(eventBridge.calls.map((call) => call.length)).toEqual([2, 1]);
  });
});

describe('EventBridgePublisher: groups (a batch of revisions)', () => {
  /** Groups of events, one group per attempt code, `sizes[i]` events in group i. */
  function groups(...sizes: number[]): WorkflowEvent[][] {
    let next = 0;
    return sizes.map((size, group) =>
      Array.from({ length: size }, () => event(next++, 'Midterm Exam', `GROUP-${group}`)),
    );
  }

  it('packs the events of every group into shared calls of ten, in group order', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);

    const failures = await publisher.publishGroups(groups(3, 3, 3, 3, 2, 3, 3));

    expect(failures.size).toBe(0);
    expect(eventBridge.calls.map((call) => call.length)).toEqual([10, 10]);
    expect(eventBridge.published().map((item) => codeOf(item.detail))).toEqual(
      groups(3, 3, 3, 3, 2, 3, 3)
        .flat()
        .map((item) => item.detail.attempt_code),
    );
  });

  it('fails exactly the group whose entry was refused, after retrying it', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge().failEntries(
      (detail) => detail.attempt_code === 'GROUP-1',
    );
    const { publisher } = publisherFor(eventBridge, { maxAttempts: 3 });

    // Act
    const failures = await publisher.publishGroups(groups(2, 2, 2));

    // Assess
    expect([...failures.keys()]).toEqual([1]);
    expect(failures.get(1)).toBeInstanceOf(EventsNotPublished);
    expect(failures.get(1)).toMatchObject({
      failures: [{ errorCode: 'InternalFailure' }, { errorCode: 'InternalFailure' }],
    });
    // Only the refused entries are sent again.
    expect(eventBridge.calls.map((call) => call.length)).toEqual([6, 2, 2]);
    expect(new Set(eventBridge.published().map((item) => codeOf(item.detail)))).toEqual(
      new Set(['GROUP-0', 'GROUP-2']),
    );
  });

  it('fails a group at once on a permanent error and stops sending its other entries', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge()
      .failEntries(
        (detail) => detail.event_id === event(2, 'Midterm Exam', 'GROUP-1').detail.event_id,
        {
          errorCode: 'MalformedDetail',
        },
      )
      .failEntries((detail) => detail.attempt_code !== 'GROUP-0', { calls: 1 });
    const { publisher } = publisherFor(eventBridge);

    // Act
    const failures = await publisher.publishGroups(groups(2, 2, 2));

    // Assess
    expect([...failures.keys()]).toEqual([1]);
    // The group fails with both its refused entries; the retryable one is not resent.
    expect(failures.get(1)).toMatchObject({
      failures: [{ errorCode: 'MalformedDetail' }, { errorCode: 'InternalFailure' }],
    });
    expect(
      eventBridge.calls.map((call) => call.map((entry) => codeOf(JSON.parse(entry.Detail ?? '')))),
    ).toEqual([
      ['GROUP-0', 'GROUP-0', 'GROUP-1', 'GROUP-1', 'GROUP-2', 'GROUP-2'],
      ['GROUP-2', 'GROUP-2'],
    ]);
  });

  it('fails the groups of a call refused as a whole, and only those', async () => {
    const eventBridge = new FakeEventBridge().failCall('AccessDeniedException', 400);
    const { publisher } = publisherFor(eventBridge);

    // 12 events: groups 0-3 fill the first call, group 4 lands in the second.
    const failures = await publisher.publishGroups(groups(3, 3, 3, 1, 2));

    expect([...failures.keys()]).toEqual([0, 1, 2, 3]);
    expect(eventBridge.calls.map((call) => call.length)).toEqual([10, 2]);
    expect(eventBridge.published().map((item) => codeOf(item.detail))).toEqual([
      'GROUP-4',
      'GROUP-4',
    ]);
  });

  it('fails a group holding an event too large for any call, and sends the others', async () => {
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);
    const [first, second] = groups(1, 2);
    const oversized = [...(second ?? []), event(9, 'x'.repeat(MAX_CALL_BYTES))];

    const failures = await publisher.publishGroups([first ?? [], oversized]);

    expect([...failures.keys()]).toEqual([1]);
    expect(failures.get(1)).toMatchObject({ failures: [{ errorCode: 'EventTooLarge' }] });
    expect(eventBridge.published().map((item) => codeOf(item.detail))).toEqual(['GROUP-0']);
  });

  it('fails a group holding an event of exactly 256 KB, and sends the others', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);
    const [first] = groups(1);

    // Act
    const failures = await publisher.publishGroups([
      first ?? [],
      [eventOfSize(MAX_CALL_BYTES, 'GROUP-1')],
    ]);

    // Assess
    expect([...failures.keys()]).toEqual([1]);
    expect(failures.get(1)).toMatchObject({
      message: '1 event(s) not accepted by EventBridge after 0 attempt(s): EventTooLarge',
      failures: [{ errorCode: 'EventTooLarge' }],
    });
    expect(eventBridge.published().map((item) => codeOf(item.detail))).toEqual(['GROUP-0']);
  });
});

/** A PutEvents client whose first call throws `error`; later calls reach the fake bus. */
function throwingOnce(error: unknown) {
  const eventBridge = new FakeEventBridge();
  const send = eventBridge.send.bind(eventBridge);
  let thrown = false;
  eventBridge.send = async (command) => {
    if (thrown) return send(command);
    thrown = true;
    eventBridge.calls.push(command.input.Entries ?? []);
    throw error;
  };
  return eventBridge;
}

/** An SDK-shaped error carrying exactly the signals given, and no others. */
function callError(
  name: string,
  signals: { status?: number; retryable?: boolean; fault?: 'client' | 'server' } = {},
) {
  return Object.assign(new Error(`${name}!`), {
    name,
    $fault: signals.fault ?? 'client',
    $metadata: { httpStatusCode: signals.status ?? 400 },
    ...(signals.retryable ? { $retryable: {} } : {}),
  });
}

describe('EventBridgePublisher: which failed calls are retried', () => {
  it.each<[string, Error]>([
    ['an error the SDK marks retryable', callError('SomethingNew', { retryable: true })],
    ['an HTTP 500', callError('SomethingNew', { status: 500 })],
    ['an HTTP 503', callError('SomethingNew', { status: 503 })],
    ...[
      'ThrottlingException',
      'Throttling',
      'TooManyRequestsException',
      'RequestThrottledException',
      'TimeoutError',
      'RequestTimeout',
      'RequestTimeoutException',
    ].map((name): [string, Error] => [`a ${name}`, callError(name)]),
    // EventBridge's own service faults arrive as server faults, whatever their status.
    ...['InternalException', 'InternalFailure', 'ServiceUnavailable'].map(
      (name): [string, Error] => [`a ${name}`, callError(name, { fault: 'server' })],
    ),
    ['an HTTP 429', callError('SomethingNew', { status: 429 })],
    ['a refused connection', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a connect timeout', Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })],
  ])('retries the call after %s', async (_case, error) => {
    const eventBridge = throwingOnce(error);
    const { publisher, metrics, pauses } = publisherFor(eventBridge);

    await publisher.publish(events(2));

    expect(eventBridge.calls).toHaveLength(2);
    expect(eventBridge.published()).toHaveLength(2);
    expect(pauses).toHaveLength(1);
    expect(metrics().map((line) => [line.PutEventsRetriedEntries, line.errorCodes])).toEqual([
      [2, [error.name]],
    ]);
  });

  it.each([
    ['an HTTP 499 without other signals', callError('SomethingNew', { status: 499 })],
    [
      'an SDK error without a status',
      Object.assign(new Error('?'), { name: 'Odd', $metadata: {} }),
    ],
    ['another system error', Object.assign(new Error('no such file'), { code: 'ENOENT' })],
    ['a plain error', new Error('bug')],
  ])('gives up at once after %s', async (_case, error) => {
    const eventBridge = throwingOnce(error);
    const { publisher, pauses } = publisherFor(eventBridge);

    await expect(publisher.publish(events(1))).rejects.toBeInstanceOf(EventsNotPublished);
    expect(eventBridge.calls).toHaveLength(1);
    expect(pauses).toEqual([]);
  });

  it('gives up at once on a thrown value that is not an error, reporting it as UnknownError', async () => {
    const eventBridge = throwingOnce('connection lost');
    const { publisher } = publisherFor(eventBridge);

    const published = publisher.publish(events(1));

    await expect(published).rejects.toMatchObject({
      failures: [
        {
          detailType: 'support_notification_requested',
          eventId: event(0).detail.event_id,
          errorCode: 'UnknownError',
          errorMessage: 'connection lost',
        },
      ],
    });
    expect(eventBridge.calls).toHaveLength(1);
  });

  it('reports the failed call error per entry, with its message', async () => {
    const eventBridge = throwingOnce(callError('AccessDeniedException'));
    const { publisher } = publisherFor(eventBridge);

    await expect(publisher.publish(events(2))).rejects.toMatchObject({
      message: '2 event(s) not accepted by EventBridge after 1 attempt(s): AccessDeniedException',
      failures: [0, 1].map((index) => ({
        detailType: 'support_notification_requested',
        eventId: event(index).detail.event_id,
        errorCode: 'AccessDeniedException',
        errorMessage: 'AccessDeniedException!',
      })),
    });
  });
});

describe('EventBridgePublisher: which failed entries are retried', () => {
  it.each([
    'AccessDeniedException',
    'InvalidAccountIdException',
    'InvalidArgument',
    'MalformedDetail',
    'RedactionFailure',
    'NotAuthorizedForSourceException',
    'NotAuthorizedForDetailTypeException',
  ])('gives up at once on %s', async (errorCode) => {
    const eventBridge = new FakeEventBridge().failEntries(() => true, { errorCode, calls: 1 });
    const { publisher, metrics } = publisherFor(eventBridge);

    await expect(publisher.publish(events(1))).rejects.toBeInstanceOf(EventsNotPublished);
    expect(eventBridge.calls).toHaveLength(1);
    expect(metrics().map((line) => line.PutEventsFailedEntries)).toEqual([1]);
  });

  it.each(['InternalFailure', 'ThrottlingException', 'SomeCodeAddedLater'])(
    'retries an entry that failed with %s',
    async (errorCode) => {
      const eventBridge = new FakeEventBridge().failEntries(() => true, { errorCode, calls: 1 });
      const { publisher } = publisherFor(eventBridge);

      await publisher.publish(events(1));

      expect(eventBridge.calls).toHaveLength(2);
      expect(eventBridge.published()).toHaveLength(1);
    },
  );

  it('gives up on the whole call when one entry fails permanently and another could be retried', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge()
      .failEntries((detail) => detail.attempt_code === 'CODE-0', { errorCode: 'InternalFailure' })
      .failEntries((detail) => detail.attempt_code === 'CODE-2', { errorCode: 'MalformedDetail' });
    const { publisher, metrics, pauses } = publisherFor(eventBridge);

    // Act
    const published = publisher.publish(events(3));

    // Assess
    await expect(published).rejects.toMatchObject({
      failures: [
        { eventId: event(0).detail.event_id, errorCode: 'InternalFailure' },
        { eventId: event(2).detail.event_id, errorCode: 'MalformedDetail' },
      ],
      message:
        '2 event(s) not accepted by EventBridge after 1 attempt(s): InternalFailure, MalformedDetail',
    });
    expect(eventBridge.calls).toHaveLength(1);
    expect(pauses).toEqual([]);
    expect(metrics()).toEqual([
      expect.objectContaining({
        PutEventsFailedEntries: 2,
        errorCodes: ['InternalFailure', 'MalformedDetail'],
        eventBusName: 'reviews-bus',
      }),
    ]);
  });

  it('names each error code once in the error and the metric', async () => {
    const eventBridge = new FakeEventBridge().failEntries(() => true, {
      errorCode: 'MalformedDetail',
    });
    const { publisher, metrics } = publisherFor(eventBridge);

    await expect(publisher.publish(events(3))).rejects.toThrow(
      '3 event(s) not accepted by EventBridge after 1 attempt(s): MalformedDetail',
    );
    expect(metrics()[0]?.errorCodes).toEqual(['MalformedDetail']);
  });

  it('counts a result without an error code as MissingResult', async () => {
    const eventBridge = new FakeEventBridge();
    const send = eventBridge.send.bind(eventBridge);
    eventBridge.send = async (command) => ({ ...(await send(command)), Entries: [{}] });
    const { publisher } = publisherFor(eventBridge, { maxAttempts: 1 });

    await expect(publisher.publish(events(1))).rejects.toMatchObject({
      failures: [{ errorCode: 'MissingResult', errorMessage: undefined }],
    });
  });

  it('treats a result with both an event id and an error code as failed', async () => {
    const eventBridge = new FakeEventBridge();
    const send = eventBridge.send.bind(eventBridge);
    eventBridge.send = async (command) => ({
      ...(await send(command)),
      Entries: [{ EventId: 'e-1', ErrorCode: 'InternalFailure', ErrorMessage: 'odd' }],
    });
    const { publisher } = publisherFor(eventBridge, { maxAttempts: 1 });

    await expect(publisher.publish(events(1))).rejects.toMatchObject({
      failures: [{ errorCode: 'InternalFailure', errorMessage: 'odd' }],
    });
  });

  it('treats a response without results as every entry failed', async () => {
    const eventBridge = new FakeEventBridge();
    const send = eventBridge.send.bind(eventBridge);
    eventBridge.send = async (command) => {
      const { Entries: _entries, ...rest } = await send(command);
      return rest;
    };
    const { publisher } = publisherFor(eventBridge, { maxAttempts: 1 });

    await expect(publisher.publish(events(2))).rejects.toMatchObject({
      failures: [{ errorCode: 'MissingResult' }, { errorCode: 'MissingResult' }],
    });
  });
});

describe('EventBridgePublisher: defaults', () => {
  it('makes four attempts, pausing up to 100, 200 and 400 ms, by default', async () => {
    const eventBridge = new FakeEventBridge().throttle(10);
    const pauses: number[] = [];
    const publisher = new EventBridgePublisher({
      client: eventBridge,
      eventBusName: 'reviews-bus',
      source: 'edx.proctoring',
      log: capturedLog().log,
      metrics: createMetrics({ sink: () => undefined }),
      sleep: async (ms) => {
        pauses.push(ms);
      },
      random: () => 0.5,
    });

    await expect(publisher.publish(events(1))).rejects.toBeInstanceOf(EventsNotPublished);

    expect(eventBridge.calls).toHaveLength(4);
    expect(pauses).toEqual([50, 100, 200]);
  });

  it('caps pauses at 2 s by default', async () => {
    const eventBridge = new FakeEventBridge().throttle(10);
    const pauses: number[] = [];
    const publisher = new EventBridgePublisher({
      client: eventBridge,
      eventBusName: 'reviews-bus',
      source: 'edx.proctoring',
      log: capturedLog().log,
      metrics: createMetrics({ sink: () => undefined }),
      maxAttempts: 7,
      sleep: async (ms) => {
        pauses.push(ms);
      },
      random: () => 1,
    });

    await expect(publisher.publish(events(1))).rejects.toBeInstanceOf(EventsNotPublished);

    expect(pauses).toEqual([100, 200, 400, 800, 1600, 2000]);
  });

  it('makes at least one attempt whatever maxAttempts says', async () => {
    const eventBridge = new FakeEventBridge().throttle(10);
    const { publisher } = publisherFor(eventBridge, { maxAttempts: 0 });

    await expect(publisher.publish(events(1))).rejects.toBeInstanceOf(EventsNotPublished);

    expect(eventBridge.calls).toHaveLength(1);
  });

  it('draws jitter from Math.random and writes metrics to stdout by default', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge().throttle(1);
    const pauses: number[] = [];
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.25);
    const written: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((line) => {
      written.push(String(line));
      return true;
    });
    const publisher = new EventBridgePublisher({
      client: eventBridge,
      eventBusName: 'reviews-bus',
      source: 'edx.proctoring',
      log: capturedLog().log,
      sleep: async (ms) => {
        pauses.push(ms);
      },
    });

    // Act
    try {
      await publisher.publish(events(1));
    } finally {
      random.mockRestore();
      stdout.mockRestore();
    }

    // Assess
    expect(pauses).toEqual([25]);
    expect(written.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ PutEventsRetriedEntries: 1 }),
    ]);
  });

  it('really waits between attempts when no sleep is given', async () => {
    const eventBridge = new FakeEventBridge().throttle(1);
    const publisher = new EventBridgePublisher({
      client: eventBridge,
      eventBusName: 'reviews-bus',
      source: 'edx.proctoring',
      log: capturedLog().log,
      metrics: createMetrics({ sink: () => undefined }),
      baseDelayMs: 40,
      random: () => 1,
    });
    const started = performance.now();

    await publisher.publish(events(1));

    // A lower bound only: timers never fire early, however busy the machine.
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
  });
});

describe('EventBridgePublisher: entry sizes and call limits', () => {
  /** An entry of exactly `bytes` bytes as EventBridge counts them: no time, no source. */
  const sized = (bytes: number, detailType: string | null = 'x') => ({
    ...(detailType === null ? {} : { DetailType: detailType }),
    Detail: 'd'.repeat(bytes - (detailType?.length ?? 0)),
  });

  it('counts resources and leaves out the time when there is none', () => {
    expect(
      entrySize({ Source: 'src', DetailType: 'dt', Detail: '{}', Resources: ['arn:é', 'arn:b'] }),
    ).toBe(3 + 2 + 2 + 6 + 5);
    expect(entrySize({})).toBe(0);
  });

  it('refuses to publish an event of exactly 256 KB, before any call, and publishes one a byte smaller', async () => {
    // Prepare
    const eventBridge = new FakeEventBridge();
    const { publisher } = publisherFor(eventBridge);

    // Act
    const tooLarge = publisher.publish([event(1), eventOfSize(MAX_CALL_BYTES)]);
    await expect(tooLarge).rejects.toThrow(
      new EventTooLarge('support_notification_requested', MAX_CALL_BYTES),
    );
    const callsWhenRefused = eventBridge.calls.length;
    await publisher.publish([eventOfSize(MAX_CALL_BYTES - 1)]);

    // Assess
    expect(callsWhenRefused).toBe(0);
    expect(eventBridge.calls.map((call) => call.map(entrySize))).toEqual([[MAX_CALL_BYTES - 1]]);
  });

  it('makes no call of no entries', () => {
    expect(chunkEntries([], (item: PutEventsRequestEntry) => item)).toEqual([]);
  });

  it('refuses an entry of exactly 256 KB and accepts one a byte smaller', () => {
    expect(chunkEntries([sized(MAX_CALL_BYTES - 1)], (item) => item)).toHaveLength(1);
    expect(() => chunkEntries([sized(MAX_CALL_BYTES)], (item) => item)).toThrow(
      new EventTooLarge('x', MAX_CALL_BYTES),
    );
  });

  it('names an entry without a detail-type as unknown', () => {
    expect(() => chunkEntries([sized(MAX_CALL_BYTES, null)], (item) => item)).toThrow(
      `A unknown event of ${MAX_CALL_BYTES} bytes exceeds the PutEvents entry limit`,
    );
  });

  it('starts a new call when the entries would total exactly 256 KB', () => {
    const half = MAX_CALL_BYTES / 2;

    expect(
      chunkEntries([sized(half), sized(half)], (item) => item).map((chunk) => chunk.length),
    ).toEqual([1, 1]);
    expect(
      chunkEntries([sized(half), sized(half - 1)], (item) => item).map((chunk) => chunk.length),
    ).toEqual([2]);
  });

  it('names its errors', () => {
    expect(new EventTooLarge('x', 1).name).toBe('EventTooLarge');
    expect(new EventsNotPublished([], 1).name).toBe('EventsNotPublished');
  });
});
