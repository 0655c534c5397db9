import { describe, expect, it } from 'vitest';
import type { WorkflowEvent } from '../../lib/events/schemas.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { type BatchRevision, finishReviewBatch } from '../../lib/workflow/finish-review-batch.js';
import type { BatchEventPublisher } from '../../lib/workflow/ports.js';
import { capturedLog } from '../support/harness.js';
import {
  appendRevision,
  PROCESSED_AT,
  registeredAttempt,
  staffRevision,
} from '../support/workflow-harness.js';

/**
 * `finishReviewBatch` on its own, with a publisher fake that records each `publishGroups` call
 * and refuses, or throws for, what the test says: the result of every revision, and what is
 * published in each round.
 */
class ScriptedBatchPublisher implements BatchEventPublisher {
  /** Each call's groups, as [attempt code, revision] of the group's events. */
  readonly calls: [string, number][][] = [];
  constructor(
    private readonly answer: (
      groups: readonly (readonly WorkflowEvent[])[],
      call: number,
    ) => ReadonlyMap<number, Error> = () => new Map(),
  ) {}
  async publish(): Promise<void> {
    throw new Error('the batch workflow publishes through publishGroups only');
  }
  async publishGroups(groups: readonly (readonly WorkflowEvent[])[]) {
    this.calls.push(
      groups.map((events) => [
        events[0]?.detail.attempt_code ?? '',
        events[0]?.detail.review_revision ?? 0,
      ]),
    );
    return this.answer(groups, this.calls.length);
  }
}

function batchDeps(store: MemoryStore, publisher: BatchEventPublisher, concurrency?: number) {
  return {
    store,
    publisher,
    log: capturedLog().log,
    requireFailureSecondReviews: true,
    now: () => PROCESSED_AT,
    ...(concurrency === undefined ? {} : { concurrency }),
  };
}

async function revision(store: MemoryStore, attemptCode: string, id: string) {
  const stored = await appendRevision(store, attemptCode, staffRevision('Clean'));
  return {
    id,
    facts: {
      attemptCode,
      revision: stored.revision,
      source: stored.source,
      reviewStatus: stored.reviewStatus,
      reviewedBy: stored.reviewedBy,
    },
  } satisfies BatchRevision;
}

describe('finishReviewBatch', () => {
  it('answers each revision: finished, failed with its error, or held back after the failed one', async () => {
    // Prepare
    const store = new MemoryStore();
    const [a, b] = [await registeredAttempt(store), await registeredAttempt(store)];
    const refused = new Error('refused by the bus');
    const publisher = new ScriptedBatchPublisher(
      (groups) =>
        new Map(
          groups.flatMap((events, group) =>
            events[0]?.detail.attempt_code === a ? [[group, refused] as const] : [],
          ),
        ),
    );
    const revisions = [
      await revision(store, a, 'a1'),
      await revision(store, a, 'a2'),
      await revision(store, b, 'b1'),
      await revision(store, a, 'a3'),
    ];

    // Act
    const results = await finishReviewBatch(batchDeps(store, publisher), revisions);

    // Assess
    expect(results).toEqual([
      { id: 'a1', status: 'failed', error: refused },
      { id: 'a2', status: 'held_back', after: 'a1' },
      { id: 'b1', status: 'finished', result: expect.objectContaining({ kind: 'published' }) },
      { id: 'a3', status: 'held_back', after: 'a1' },
    ]);
    // The failed attempt's later revisions were neither applied nor published.
    expect(store.applied.get(a)?.appliedRevision).toBe(1);
    expect(publisher.calls).toEqual([
      [
        [a, 1],
        [b, 1],
      ],
    ]);
  });

  it("publishes each round's events in batch order, not in the order the attempts first appeared", async () => {
    // Prepare
    const store = new MemoryStore();
    const [a, b] = [await registeredAttempt(store), await registeredAttempt(store)];
    const publisher = new ScriptedBatchPublisher();
    const revisions = [
      await revision(store, a, 'a1'),
      await revision(store, b, 'b1'),
      await revision(store, b, 'b2'),
      await revision(store, a, 'a2'),
    ];

    // Act
    const results = await finishReviewBatch(batchDeps(store, publisher), revisions);

    // Assess
    expect(results.map((result) => result.status)).toEqual([
      'finished',
      'finished',
      'finished',
      'finished',
    ]);
    // Round two holds b's second revision (third in the batch) before a's (fourth).
    expect(publisher.calls).toEqual([
      [
        [a, 1],
        [b, 1],
      ],
      [
        [b, 2],
        [a, 2],
      ],
    ]);
  });

  it('works on no more attempts at once than its concurrency allows', async () => {
    // Prepare
    const inner = new MemoryStore();
    let inFlight = 0;
    let mostAtOnce = 0;
    const watched = Object.create(inner) as MemoryStore;
    watched.getWorkflowState = async (attemptCode, revision) => {
      inFlight++;
      mostAtOnce = Math.max(mostAtOnce, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return inner.getWorkflowState(attemptCode, revision);
    };
    const revisions = [];
    for (let index = 0; index < 5; index++) {
      revisions.push(await revision(inner, await registeredAttempt(inner), `r${index}`));
    }

    // Act
    const results = await finishReviewBatch(
      batchDeps(watched, new ScriptedBatchPublisher(), 2),
      revisions,
    );

    // Assess
    expect(results.map((result) => result.status)).toEqual(Array(5).fill('finished'));
    expect(mostAtOnce).toBe(2);
  });

  it("fails every revision of the round when the publisher throws, and holds back their attempts' later revisions", async () => {
    // Prepare
    const store = new MemoryStore();
    const [a, b] = [await registeredAttempt(store), await registeredAttempt(store)];
    const unexpected = new Error('socket closed');
    const publisher = new ScriptedBatchPublisher(() => {
      throw unexpected;
    });
    const revisions = [
      await revision(store, a, 'a1'),
      await revision(store, b, 'b1'),
      await revision(store, a, 'a2'),
    ];

    // Act
    const results = await finishReviewBatch(batchDeps(store, publisher), revisions);

    // Assess
    expect(results).toEqual([
      { id: 'a1', status: 'failed', error: unexpected },
      { id: 'b1', status: 'failed', error: unexpected },
      { id: 'a2', status: 'held_back', after: 'a1' },
    ]);
    expect(publisher.calls).toHaveLength(1);
  });
});
