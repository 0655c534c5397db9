import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { eventId } from '../../lib/workflow/events.js';
import { operationsHarness } from '../support/operations-harness.js';
import { revisionInsert, streamEvent } from '../support/streams.js';
import { appendRevision, registeredAttempt } from '../support/workflow-harness.js';

function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, unknown>;
}

const RANGE = { from: '2026-03-04T04:00:00Z', to: '2026-03-04T06:00:00Z' };

/** A store whose workflow read of a revision is throttled whenever `fails` says so. */
function storeFailingReads(fails: (revision: number) => boolean): MemoryStore {
  return new (class extends MemoryStore {
    override async getWorkflowState(attemptCode: string, revision: number) {
      if (fails(revision)) {
        throw Object.assign(new Error('throttled'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return super.getWorkflowState(attemptCode, revision);
    }
  })();
}

describe('reprocess: applying a range', () => {
  it('applies exactly the unprocessed revisions received in [from, to)', async () => {
    // Prepare: one processed, one unprocessed inside, one unprocessed at `to`, one before `from`
    const harness = operationsHarness();
    const { store } = harness;
    const processed = await registeredAttempt(store);
    const inside = await registeredAttempt(store);
    const atEnd = await registeredAttempt(store);
    const before = await registeredAttempt(store);
    const done = await appendRevision(store, processed, { receivedAt: '2026-03-04T05:00:00.000Z' });
    await harness.invoke(streamEvent([revisionInsert(processed, done)]));
    const publishedBefore = harness.eventBridge.published().length;
    await appendRevision(store, inside, { receivedAt: '2026-03-04T04:00:00.000Z' });
    await appendRevision(store, atEnd, { receivedAt: '2026-03-04T06:00:00.000Z' });
    await appendRevision(store, before, { receivedAt: '2026-03-04T03:59:59.999Z' });

    // Act
    const response = await harness.reprocess({ ...RANGE, republish: false, cursor: null });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({ examined: 2, processed: 1, republished: 0, next: null });
    expect((await store.getAttempt(inside))?.status).toBe('verified');
    for (const untouched of [atEnd, before]) {
      expect((await store.getAttempt(untouched))?.status).toBe('submitted');
    }
    const published = harness.eventBridge.published().slice(publishedBefore);
    expect(new Set(published.map((event) => event.detail.attempt_code))).toEqual(new Set([inside]));
  });

  it('re-sends the events of processed revisions unchanged with republish', async () => {
    const harness = operationsHarness();
    const attemptCode = await registeredAttempt(harness.store);
    const revision = await appendRevision(harness.store, attemptCode, {
      reviewStatus: 'Suspicious',
      receivedAt: '2026-03-04T05:00:00.000Z',
    });
    await harness.invoke(streamEvent([revisionInsert(attemptCode, revision)]));
    const original = harness.eventBridge.published();

    const response = await harness.reprocess({ ...RANGE, republish: true });

    expect(json(response)).toEqual({ examined: 1, processed: 0, republished: 1, next: null });
    const again = harness.eventBridge.published().slice(original.length);
    expect(again).toEqual(original);
    expect(again[0]?.detail.event_id).toBe(eventId(attemptCode, 1, 'review_received'));
  });

  it('pages through more than 100 revisions with cursors, each revision once', async () => {
    // Prepare: 130 unprocessed revisions, one attempt each, a second apart
    const harness = operationsHarness();
    const codes: string[] = [];
    for (let index = 0; index < 130; index++) {
      const attemptCode = await registeredAttempt(harness.store);
      codes.push(attemptCode);
      const receivedAt = new Date(Date.parse('2026-03-04T04:00:00Z') + index * 1000).toISOString();
      await appendRevision(harness.store, attemptCode, { receivedAt });
    }

    // Act
    const first = json(await harness.reprocess(RANGE));
    const second = json(await harness.reprocess({ ...RANGE, cursor: first.next }));

    // Assess
    expect(first).toMatchObject({ examined: 100, processed: 100, next: expect.any(String) });
    expect(second).toEqual({ examined: 30, processed: 30, republished: 0, next: null });
    for (const code of codes)
      expect((await harness.store.getAttempt(code))?.status).toBe('verified');
  });
});

describe('reprocess: refusals', () => {
  it.each([
    ['to before from', { from: RANGE.to, to: RANGE.from }, 'to'],
    ['an empty range', { from: RANGE.from, to: RANGE.from }, 'to'],
    ['a range over 31 days', { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:01Z' }, 'to'],
    ['a date without a time', { from: '2026-03-04', to: RANGE.to }, 'from'],
    ['a time that is not ISO 8601', { from: RANGE.from, to: 'yesterday' }, 'to'],
    ['republish that is not a boolean', { ...RANGE, republish: 'yes' }, 'republish'],
  ])('answers 400 malformed_payload naming the field for %s', async (_case, body, field) => {
    const harness = operationsHarness();

    const response = await harness.reprocess(body);

    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ code: 'malformed_payload' });
    expect(String(json(response).detail)).toContain(field);
  });

  it.each([
    [{ from: RANGE.to, to: RANGE.from }, 'to: must be later than from'],
    [
      { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:01Z' },
      'to: must be at most 31 days after from',
    ],
    [{ from: RANGE.from, to: 'yesterday' }, 'to: must be an ISO 8601 date and time'],
  ])('tells the operator what is wrong with %j', async (body, sentence) => {
    const harness = operationsHarness();

    const response = await harness.reprocess(body);

    expect(json(response).detail).toBe(`Malformed reprocess request: ${sentence}`);
  });

  it('accepts a range of exactly 31 days', async () => {
    const harness = operationsHarness();

    const response = await harness.reprocess({
      from: '2026-01-01T00:00:00Z',
      to: '2026-02-01T00:00:00Z',
    });

    expect(response.statusCode).toBe(200);
  });

  it('refuses a cursor that was changed, forged, or issued for another range', async () => {
    // Prepare: a real cursor from a range with more than one page
    const harness = operationsHarness();
    for (let index = 0; index < 101; index++) {
      const attemptCode = await registeredAttempt(harness.store);
      await appendRevision(harness.store, attemptCode, { receivedAt: '2026-03-04T05:00:00.000Z' });
    }
    const cursor = String(json(await harness.reprocess(RANGE)).next);
    const [version, body, tag] = cursor.split('.');
    const forgedBody = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body ?? '', 'base64url').toString()), to: 'x' }),
    ).toString('base64url');

    // Act
    const answers = await Promise.all(
      [
        { ...RANGE, cursor: `${cursor.slice(0, -2)}AA` },
        { ...RANGE, cursor: `${version}.${forgedBody}.${tag}` },
        { ...RANGE, cursor: 'not-a-cursor' },
        { from: RANGE.from, to: '2026-03-04T07:00:00Z', cursor },
        { ...RANGE, republish: true, cursor },
      ].map((request) => harness.reprocess(request)),
    );

    // Assess
    for (const answer of answers) {
      expect(answer.statusCode).toBe(400);
      expect(json(answer)).toMatchObject({ code: 'malformed_payload' });
      expect(String(json(answer).detail)).toContain('cursor');
    }
  });

  it('answers 503 reprocess_incomplete when a revision fails, and the same request then succeeds', async () => {
    // Prepare: the store fails the first read of one attempt's revision
    let failures = 1;
    const store = storeFailingReads(() => failures-- > 0);
    const harness = operationsHarness({ store });
    const attemptCode = await registeredAttempt(store);
    await appendRevision(store, attemptCode, { receivedAt: '2026-03-04T05:00:00.000Z' });

    // Act
    const failed = await harness.reprocess(RANGE);
    const repeated = await harness.reprocess(RANGE);

    // Assess
    expect(failed.statusCode).toBe(503);
    expect(json(failed)).toMatchObject({ code: 'reprocess_incomplete' });
    expect(json(repeated)).toEqual({ examined: 1, processed: 1, republished: 0, next: null });
  });

  it('counts a failed revision and the later ones of its attempt it held back as incomplete', async () => {
    // Prepare: the first of an attempt's two revisions cannot be read, so the second waits
    const store = storeFailingReads((revision) => revision === 1);
    const harness = operationsHarness({ store });
    const attemptCode = await registeredAttempt(store);
    await appendRevision(store, attemptCode, { receivedAt: '2026-03-04T05:00:00.000Z' });
    await appendRevision(store, attemptCode, { receivedAt: '2026-03-04T05:00:01.000Z' });

    // Act
    const response = await harness.reprocess(RANGE);

    // Assess
    expect(response.statusCode).toBe(503);
    expect(json(response).detail).toBe(
      '2 review revision(s) of this page could not be processed; repeat the request',
    );
    expect((await store.getAttempt(attemptCode))?.status).toBe('submitted');
  });
});

describe('reprocess: the audit trail', () => {
  it('logs each revision it applies, with its attempt, revision and receive time, and no other', async () => {
    // Prepare: one revision to apply, one already processed (republished)
    const harness = operationsHarness();
    const done = await registeredAttempt(harness.store);
    const processed = await appendRevision(harness.store, done, {
      receivedAt: '2026-03-04T05:00:00.000Z',
    });
    await harness.invoke(streamEvent([revisionInsert(done, processed)]));
    const pending = await registeredAttempt(harness.store);
    await appendRevision(harness.store, pending, { receivedAt: '2026-03-04T05:30:00.000Z' });
    const before = harness.logs.entries().length;

    // Act
    await harness.reprocess({ ...RANGE, republish: true });

    // Assess
    const lines = harness.logs
      .entries()
      .slice(before)
      .filter((entry) => entry.message === 'review revision reprocessed');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        attemptCode: pending,
        revision: 1,
        receivedAt: '2026-03-04T05:30:00.000Z',
      }),
    ]);
  });
});
