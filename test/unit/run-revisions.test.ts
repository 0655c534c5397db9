import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { WorkflowEvent } from '../../lib/events/schemas.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { finishReview } from '../../lib/workflow/finish-review.js';
import type { EventPublisher, ListedRevision, WorkflowState } from '../../lib/workflow/ports.js';
import { runRevisions } from '../../lib/workflow/run-revisions.js';
import { capturedLog } from '../support/harness.js';
import { appendRevision, PROCESSED_AT, registeredAttempt } from '../support/workflow-harness.js';

/** `runRevisions` on its own: an in-memory store and a publisher that records what it was given. */

class RecordingPublisher implements EventPublisher {
  readonly published: WorkflowEvent[] = [];
  async publish(events: readonly WorkflowEvent[]): Promise<void> {
    this.published.push(...events);
  }
}

function dependencies(store: MemoryStore) {
  const publisher = new RecordingPublisher();
  const deps = {
    store,
    publisher,
    log: capturedLog().log,
    requireFailureSecondReviews: true,
    now: () => PROCESSED_AT,
  };
  return { deps, publisher };
}

async function pending(store: MemoryStore): Promise<ListedRevision[]> {
  return (await store.listPendingRevisions('2027-01-01T00:00:00.000Z', 100, null)).revisions;
}

const LATER = '2026-03-04T05:00:02.000Z';
const EARLIER = '2026-03-04T05:00:01.000Z';

describe('runRevisions', () => {
  it("runs an attempt's revisions in revision order, whatever order they are listed in", async () => {
    // Prepare: two racing callbacks; revision 2 was received first, so the index lists it first
    const store = new MemoryStore();
    const attemptCode = await registeredAttempt(store);
    await appendRevision(store, attemptCode, { reviewStatus: 'Suspicious', receivedAt: LATER });
    await appendRevision(store, attemptCode, { reviewStatus: 'Clean', receivedAt: EARLIER });
    const listed = await pending(store);
    expect(listed.map((entry) => entry.facts.revision)).toEqual([2, 1]);
    const { deps, publisher } = dependencies(store);

    // Act
    const runs = await runRevisions(deps, listed, { republish: false });

    // Assess: revision 1 was applied first, then revision 2 over it; results in listed order
    expect(runs.map(({ listed, run }) => [listed.facts.revision, run.kind])).toEqual([
      [2, 'processed'],
      [1, 'processed'],
    ]);
    expect(
      publisher.published.map((event) => [event.detail.review_revision, event.detailType]),
    ).toEqual([
      [1, 'review_received'],
      [1, 'attempt_status_changed'],
      [1, 'support_notification_requested'],
      [2, 'review_received'],
      [2, 'attempt_status_changed'],
    ]);
    expect(store.outcomes.get(attemptCode)?.get(1)?.disposition).toBe('applied');
    expect(store.applied.get(attemptCode)?.appliedRevision).toBe(2);
  });

  it("holds an attempt's later revisions back behind a failure, and runs the other attempts", async () => {
    // Prepare: revision 1 of the first attempt cannot be read
    const failure = new Error('engine down');
    const reads: string[] = [];
    class BrokenStore extends MemoryStore {
      override async getWorkflowState(attemptCode: string, revision: number) {
        reads.push(`${attemptCode}#${revision}`);
        if (attemptCode === broken && revision === 1) throw failure;
        return super.getWorkflowState(attemptCode, revision);
      }
    }
    const store = new BrokenStore();
    const broken = await registeredAttempt(store);
    const healthy = await registeredAttempt(store);
    await appendRevision(store, broken, { receivedAt: EARLIER });
    await appendRevision(store, broken, { receivedAt: LATER });
    await appendRevision(store, healthy, { receivedAt: LATER });
    const { deps } = dependencies(store);

    // Act
    const runs = await runRevisions(deps, await pending(store), { republish: false });

    // Assess
    expect(
      runs.map(({ listed, run }) => [listed.facts.attemptCode, listed.facts.revision, run]),
    ).toEqual(
      expect.arrayContaining([
        [broken, 1, { kind: 'failed', error: failure }],
        [broken, 2, { kind: 'held_back' }],
        [healthy, 1, { kind: 'processed' }],
      ]),
    );
    expect(runs).toHaveLength(3);
    expect(reads).not.toContain(`${broken}#2`);
    expect(store.outcomes.has(broken)).toBe(false);
  });

  it('tells a revision processed since it was listed, or whose attempt is gone, from one it processed', async () => {
    // Prepare: listed, then one processed (as by the stream) and one attempt removed by hand
    const store = new MemoryStore();
    const processedMeanwhile = await registeredAttempt(store);
    const removed = await registeredAttempt(store);
    const waiting = await registeredAttempt(store);
    for (const attemptCode of [processedMeanwhile, removed, waiting]) {
      await appendRevision(store, attemptCode);
    }
    const listed = await pending(store);
    const { deps, publisher } = dependencies(store);
    const [meanwhile] = listed.filter((entry) => entry.facts.attemptCode === processedMeanwhile);
    await finishReview(deps, meanwhile?.facts ?? expect.fail('not listed'));
    const publishedBefore = publisher.published.length;
    store.attempts.delete(removed);

    // Act
    const runs = await runRevisions(deps, listed, { republish: false });

    // Assess
    const byAttempt = new Map(runs.map(({ listed, run }) => [listed.facts.attemptCode, run]));
    expect(byAttempt.get(processedMeanwhile)).toEqual({ kind: 'already_processed' });
    expect(byAttempt.get(removed)).toEqual({ kind: 'skipped', reason: 'attempt_missing' });
    expect(byAttempt.get(waiting)).toEqual({ kind: 'processed' });
    const published = publisher.published.slice(publishedBefore);
    expect(new Set(published.map((event) => event.detail.attempt_code))).toEqual(
      new Set([waiting]),
    );
  });

  it('publishes the events of a processed revision again when asked to republish', async () => {
    const store = new MemoryStore();
    const attemptCode = await registeredAttempt(store);
    await appendRevision(store, attemptCode);
    const listed = await pending(store);
    const { deps, publisher } = dependencies(store);
    await runRevisions(deps, listed, { republish: false });
    const original = [...publisher.published];

    const runs = await runRevisions(deps, listed, { republish: true });

    expect(runs.map(({ run }) => run)).toEqual([{ kind: 'republished' }]);
    expect(publisher.published.slice(original.length)).toEqual(original);
  });

  it('runs different attempts side by side, at most `concurrency` at a time', async () => {
    // Prepare: five attempts; each read yields to the event loop before it answers
    let inFlight = 0;
    let mostInFlight = 0;
    class SlowStore extends MemoryStore {
      override async getWorkflowState(
        attemptCode: string,
        revision: number,
      ): Promise<WorkflowState> {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await nextTurn();
        inFlight--;
        return super.getWorkflowState(attemptCode, revision);
      }
    }
    const store = new SlowStore();
    for (let index = 0; index < 5; index++) {
      await appendRevision(store, await registeredAttempt(store));
    }
    const { deps } = dependencies(store);

    // Act
    const runs = await runRevisions(deps, await pending(store), {
      republish: false,
      concurrency: 2,
    });

    // Assess
    expect(runs.map(({ run }) => run.kind)).toEqual(Array(5).fill('processed'));
    expect(mostInFlight).toBe(2);
  });
});
