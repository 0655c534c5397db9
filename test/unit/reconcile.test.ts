import { describe, expect, it } from 'vitest';
import { ReconcileFailures } from '../../functions/reconcile/handler.js';
import type { WorkflowEvent } from '../../lib/events/schemas.js';
import { createMetrics } from '../../lib/metrics.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { eventId } from '../../lib/workflow/events.js';
import type { EventPublisher, RevisionFinder, RevisionPage } from '../../lib/workflow/ports.js';
import { type ReconcileDependencies, reconcile } from '../../lib/workflow/reconcile.js';
import { attemptRegistration } from '../support/factories.js';
import { capturedLog } from '../support/harness.js';
import { operationsHarness } from '../support/operations-harness.js';
import { revisionInsert, streamEvent } from '../support/streams.js';
import { appendRevision, PROCESSED_AT, registeredAttempt } from '../support/workflow-harness.js';

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
    // Under the name the alarm watches (cdk/service-alarms.ts)
    const metrics = harness.reconcileMetrics().filter((line) => 'ReconciledRevisions' in line);
    expect(metrics.map((line) => [line.attemptCode, line.revision])).toEqual(
      expect.arrayContaining([
        [first, 1],
        [first, 2],
        [second, 1],
      ]),
    );
    expect(metrics).toHaveLength(3);
    // Each repair is logged with the revision and when it was received, for whoever answers the alarm
    const repairs = harness.logs
      .entries()
      .filter((line) => line.message === 'review revision repaired by the reconciler');
    expect(repairs).toHaveLength(3);
    expect(repairs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        attemptCode: second,
        revision: 1,
        receivedAt: '2026-03-04T05:00:01.000Z',
      }),
    );
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

describe('reconcile: pages, time left and what it counts', () => {
  class RecordingPublisher implements EventPublisher {
    readonly published: WorkflowEvent[] = [];
    async publish(events: readonly WorkflowEvent[]): Promise<void> {
      this.published.push(...events);
    }
  }

  /** The store's pending index, one revision a page, recording where each read started. */
  function onePerPage(store: MemoryStore) {
    const starts: unknown[] = [];
    const finder: RevisionFinder = {
      listPendingRevisions: (receivedBefore, _limit, after) => {
        starts.push(after);
        return store.listPendingRevisions(receivedBefore, 1, after);
      },
      listRevisionsReceived: () => expect.fail('the reconciler reads only the pending index'),
    };
    return { finder, starts };
  }

  function dependencies(store: MemoryStore, overrides: Partial<ReconcileDependencies> = {}) {
    const publisher = new RecordingPublisher();
    const deps: ReconcileDependencies = {
      store,
      finder: store,
      publisher,
      metrics: createMetrics({ sink: () => {} }),
      log: capturedLog().log,
      requireFailureSecondReviews: true,
      afterSeconds: 300,
      now: () => PROCESSED_AT,
      ...overrides,
    };
    return { deps, publisher };
  }

  async function twoPendingAttempts(store: MemoryStore) {
    for (const receivedAt of ['2026-03-04T05:00:00.000Z', '2026-03-04T05:00:01.000Z']) {
      await appendRevision(store, await registeredAttempt(store), { receivedAt });
    }
  }

  it('reads page after page, each from where the last one ended', async () => {
    const store = new MemoryStore();
    await twoPendingAttempts(store);
    const { finder, starts } = onePerPage(store);
    const { deps } = dependencies(store, { finder });

    const summary = await reconcile(deps);

    expect(summary).toMatchObject({ examined: 2, repaired: 2 });
    const [oldest] = [...store.revisions.keys()];
    expect(starts).toEqual([
      null,
      { receivedAt: '2026-03-04T05:00:00.000Z', attemptCode: oldest, revision: 1 },
    ]);
  });

  it.each([
    [15_000, 1],
    [15_001, 2],
  ])(
    'with %i ms left after a page, reads %i page(s): it keeps 15 s in hand',
    async (left, pages) => {
      const store = new MemoryStore();
      await twoPendingAttempts(store);
      const { finder, starts } = onePerPage(store);
      const { deps } = dependencies(store, { finder, remainingMs: () => left });

      const summary = await reconcile(deps);

      expect(starts).toHaveLength(pages);
      expect(summary.examined).toBe(pages);
    },
  );

  it('counts a revision processed since the index read, and one whose attempt is gone, without publishing them', async () => {
    // Prepare: the index is read, then the stream processes one revision and an attempt is removed
    const harness = operationsHarness();
    const { store } = harness;
    const processedMeanwhile = await registeredAttempt(store);
    const removed = await registeredAttempt(store);
    const waiting = await registeredAttempt(store);
    const streamed = await appendRevision(store, processedMeanwhile);
    await appendRevision(store, removed);
    await appendRevision(store, waiting);
    const staleRead: RevisionPage = await store.listPendingRevisions(
      '2027-01-01T00:00:00.000Z',
      100,
      null,
    );
    await harness.invoke(streamEvent([revisionInsert(processedMeanwhile, streamed)]));
    store.attempts.delete(removed);
    const finder: RevisionFinder = {
      listPendingRevisions: async () => staleRead,
      listRevisionsReceived: () => expect.fail('the reconciler reads only the pending index'),
    };
    const { deps, publisher } = dependencies(store, { finder });

    // Act
    const summary = await reconcile(deps);

    // Assess
    expect(summary).toEqual({
      examined: 3,
      repaired: 1,
      alreadyProcessed: 1,
      skipped: 1,
      failed: 0,
    });
    expect(new Set(publisher.published.map((event) => event.detail.attempt_code))).toEqual(
      new Set([waiting]),
    );
  });

  it('looks for revisions older than afterSeconds by the clock when no clock is given', async () => {
    const seen: string[] = [];
    const finder: RevisionFinder = {
      listPendingRevisions: async (receivedBefore) => {
        seen.push(receivedBefore);
        return { revisions: [], next: null };
      },
      listRevisionsReceived: () => expect.fail('the reconciler reads only the pending index'),
    };
    const { deps } = dependencies(new MemoryStore(), { finder, afterSeconds: 600 });
    delete deps.now;
    const before = Date.now();

    await reconcile(deps);

    const after = Date.now();
    const cutoff = Date.parse(seen[0] ?? '');
    expect(seen).toHaveLength(1);
    expect(cutoff).toBeGreaterThanOrEqual(before - 600_000);
    expect(cutoff).toBeLessThanOrEqual(after - 600_000);
  });
});
