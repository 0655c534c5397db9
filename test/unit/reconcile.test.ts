import { describe, expect, it } from 'vitest';
import { ReconcileFailures } from '../../functions/reconcile/handler.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { eventId } from '../../lib/workflow/events.js';
import { RECONCILED_REVISIONS_METRIC } from '../../lib/workflow/reconcile.js';
import { attemptRegistration } from '../support/factories.js';
import { operationsHarness } from '../support/operations-harness.js';
import { revisionInsert, streamEvent } from '../support/streams.js';
import { appendRevision, registeredAttempt } from '../support/workflow-harness.js';

describe('reconciler', () => {
  it('applies revisions the stream never processed, oldest first and in order per attempt', async () => {
    // Prepare: two attempts; the first has two unprocessed revisions
    const harness = operationsHarness();
    const { store } = harness;
    const first = await registeredAttempt(store);
    const second = await registeredAttempt(store);
    await appendRevision(store, first, {
      reviewStatus: 'Suspicious',
      receivedAt: '2026-03-04T05:00:00.000Z',
    });
    await appendRevision(store, second, {
      reviewStatus: 'Clean',
      receivedAt: '2026-03-04T05:00:01.000Z',
    });
    await appendRevision(store, first, {
      reviewStatus: 'Clean',
      receivedAt: '2026-03-04T05:00:02.000Z',
    });

    // Act
    const summary = await harness.reconcile();

    // Assess
    expect(summary).toEqual({
      examined: 3,
      repaired: 3,
      alreadyProcessed: 0,
      skipped: 0,
      failed: 0,
    });
    expect((await store.getAttempt(first))?.status).toBe('verified');
    expect((await store.getAttempt(second))?.status).toBe('verified');
    const firstEvents = harness.eventBridge
      .published()
      .filter((event) => event.detail.attempt_code === first);
    expect(firstEvents.map((event) => [event.detail.review_revision, event.detailType])).toEqual([
      [1, 'review_received'],
      [1, 'attempt_status_changed'],
      [1, 'support_notification_requested'],
      [2, 'review_received'],
      [2, 'attempt_status_changed'],
    ]);
    const metrics = harness
      .reconcileMetrics()
      .filter((line) => RECONCILED_REVISIONS_METRIC in line);
    expect(metrics.map((line) => [line.attemptCode, line.revision])).toEqual(
      expect.arrayContaining([
        [first, 1],
        [first, 2],
        [second, 1],
      ]),
    );
    expect(metrics).toHaveLength(3);
    expect(
      harness.logs
        .entries()
        .filter((line) => line.message === 'review revision repaired by the reconciler'),
    ).toHaveLength(3);
  });

  it('leaves revisions younger than RECONCILE_AFTER_SECONDS to the stream', async () => {
    const harness = operationsHarness({ reconcileAfterSeconds: 600 });
    const attemptCode = await registeredAttempt(harness.store);
    // 367 s before the harness's clock: younger than 600 s
    await appendRevision(harness.store, attemptCode, { receivedAt: '2026-03-04T05:00:00.000Z' });

    const summary = await harness.reconcile();

    expect(summary.examined).toBe(0);
    expect((await harness.store.getAttempt(attemptCode))?.status).toBe('submitted');
    expect(harness.eventBridge.published()).toEqual([]);
  });

  it('finds nothing, and counts nothing, when the stream processed everything', async () => {
    const harness = operationsHarness();
    const attemptCode = await registeredAttempt(harness.store);
    const revision = await appendRevision(harness.store, attemptCode);
    await harness.invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    const summary = await harness.reconcile();

    expect(summary).toMatchObject({ examined: 0, repaired: 0 });
    expect(harness.reconcileMetrics()).toEqual([]);
  });

  it('changes the attempt once and publishes identical events when the stream delivers the repaired revision later', async () => {
    // Prepare
    const harness = operationsHarness();
    const attemptCode = await registeredAttempt(harness.store);
    const revision = await appendRevision(harness.store, attemptCode, {
      reviewStatus: 'Suspicious',
    });
    await harness.reconcile();
    const repaired = harness.eventBridge.published();
    const applied = harness.store.applied.get(attemptCode);

    // Act: the stream record arrives after all (a redrive, a re-enabled mapping)
    await harness.invoke(streamEvent([revisionInsert(attemptCode, revision)]));

    // Assess
    const all = harness.eventBridge.published();
    expect(all.slice(repaired.length)).toEqual(repaired);
    expect(repaired.map((event) => event.detail.event_id)).toEqual([
      eventId(attemptCode, 1, 'review_received'),
      eventId(attemptCode, 1, 'attempt_status_changed'),
      eventId(attemptCode, 1, 'support_notification_requested'),
    ]);
    expect(harness.store.applied.get(attemptCode)).toEqual(applied);
  });

  it('holds back an attempt behind a failed revision, applies the others, and then fails the run', async () => {
    // Prepare: the first attempt's revision 1 cannot be read; the second attempt is fine
    class BrokenStore extends MemoryStore {
      constructor(private readonly broken: string) {
        super();
      }
      override async getWorkflowState(attemptCode: string, revision: number) {
        if (attemptCode === this.broken && revision === 1) throw new Error('engine down');
        return super.getWorkflowState(attemptCode, revision);
      }
    }
    const store = new BrokenStore('BROKEN');
    const harness = operationsHarness({ store });
    await store.registerAttempt('BROKEN', attemptRegistration());
    const healthy = await registeredAttempt(store);
    await appendRevision(store, 'BROKEN', { reviewStatus: 'Clean' });
    await appendRevision(store, 'BROKEN', { reviewStatus: 'Suspicious' });
    await appendRevision(store, healthy, { reviewStatus: 'Clean' });

    // Act
    const run = harness.reconcile();

    // Assess
    await expect(run).rejects.toBeInstanceOf(ReconcileFailures);
    expect((await store.getAttempt(healthy))?.status).toBe('verified');
    expect((await store.getAttempt('BROKEN'))?.status).toBe('submitted');
    expect(store.outcomes.get('BROKEN')).toBeUndefined();
  });
});
