import { describe, expect, it } from 'vitest';
import type { WorkflowEvent } from '../../lib/events/schemas.js';
import type { Attempt } from '../../lib/reviews/attempt.js';
import { finishReview, WorkflowConflict } from '../../lib/workflow/finish-review.js';
import type { RevisionFacts, RevisionOutcome } from '../../lib/workflow/outcome.js';
import {
  type EventPublisher,
  OutcomeConflict,
  type WorkflowState,
  type WorkflowStore,
} from '../../lib/workflow/ports.js';
import { attemptRegistration } from '../support/factories.js';
import { capturedLog } from '../support/harness.js';
import { PROCESSED_AT } from '../support/workflow-harness.js';

/**
 * `finishReview` on its own, with a store whose reads and writes the test scripts: the branches
 * a real store only reaches when data was removed by hand or another writer raced.
 */

const facts: RevisionFacts = {
  attemptCode: 'CODE-1',
  revision: 2,
  source: 'vendor',
  reviewStatus: 'Suspicious',
  reviewedBy: null,
};

function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return { ...attemptRegistration(), attemptCode: 'CODE-1', archived: false, ...overrides };
}

function state(overrides: Partial<WorkflowState> = {}): WorkflowState {
  return {
    attempt: attempt(),
    appliedRevision: null,
    revisionExists: true,
    outcome: null,
    ...overrides,
  };
}

/** A store that answers reads from a script and records, or refuses, outcome writes. */
class ScriptedStore implements WorkflowStore {
  readonly reads: [string, number][] = [];
  readonly writes: [string, number, RevisionOutcome][] = [];
  constructor(
    private readonly states: WorkflowState[],
    private readonly writeFailure?: unknown,
  ) {}
  async getWorkflowState(attemptCode: string, revision: number): Promise<WorkflowState> {
    this.reads.push([attemptCode, revision]);
    const next = this.states.shift();
    if (!next) throw new Error('unexpected read');
    return next;
  }
  async recordOutcome(attemptCode: string, revision: number, outcome: RevisionOutcome) {
    this.writes.push([attemptCode, revision, outcome]);
    if (this.writeFailure) throw this.writeFailure;
  }
}

class RecordingPublisher implements EventPublisher {
  readonly published: WorkflowEvent[][] = [];
  async publish(events: readonly WorkflowEvent[]) {
    this.published.push([...events]);
  }
}

function deps(store: WorkflowStore, options: { requireFailureSecondReviews?: boolean } = {}) {
  const publisher = new RecordingPublisher();
  const logs = capturedLog();
  return {
    publisher,
    logs,
    deps: {
      store,
      publisher,
      log: logs.log,
      requireFailureSecondReviews: options.requireFailureSecondReviews ?? true,
      now: () => PROCESSED_AT,
    },
  };
}

const detailTypes = (events: WorkflowEvent[] | undefined) =>
  events?.map((event) => event.detailType);

describe('finishReview: data removed by hand', () => {
  it.each([
    ['the revision is gone', { revisionExists: false }, 'revision_missing'],
    ['the attempt is gone', { attempt: null }, 'attempt_missing'],
    ['both are gone', { revisionExists: false, attempt: null }, 'revision_missing'],
  ] as const)(
    'skips, writing and publishing nothing, when %s',
    async (_case, overrides, reason) => {
      const store = new ScriptedStore([state(overrides)]);
      const { deps: dependencies, publisher, logs } = deps(store);

      const result = await finishReview(dependencies, facts);

      expect(result).toEqual({ kind: 'skipped', reason });
      expect(store.writes).toEqual([]);
      expect(publisher.published).toEqual([]);
      expect(logs.entries().map((entry) => entry.level)).toEqual(['error']);
    },
  );

  it('republishes a recorded outcome even when the revision is gone since', async () => {
    const recorded = await firstOutcome();
    const store = new ScriptedStore([state({ revisionExists: false, outcome: recorded })]);
    const { deps: dependencies, publisher } = deps(store);

    const result = await finishReview(dependencies, facts);

    expect(result).toMatchObject({ kind: 'published', replayed: true, events: 3 });
    expect(publisher.published).toHaveLength(1);
  });
});

/** The outcome the workflow records for `facts` on a fresh submitted attempt. */
async function firstOutcome(): Promise<RevisionOutcome> {
  const store = new ScriptedStore([state()]);
  await finishReview(deps(store).deps, facts);
  const [write] = store.writes;
  if (!write) throw new Error('no outcome was recorded');
  return write[2];
}

describe('finishReview: first processing', () => {
  it('records the planned outcome for the revision, then publishes its events', async () => {
    // Prepare
    const store = new ScriptedStore([state()]);
    const { deps: dependencies, publisher } = deps(store);

    // Act
    const result = await finishReview(dependencies, facts);

    // Assess
    expect(store.reads).toEqual([['CODE-1', 2]]);
    expect(store.writes).toHaveLength(1);
    const [code, revision, outcome] = store.writes[0] ?? [];
    expect([code, revision]).toEqual(['CODE-1', 2]);
    expect(outcome).toMatchObject({
      processedAt: PROCESSED_AT.toISOString(),
      disposition: 'applied',
      decidedStatus: 'second_review_required',
      fromStatus: 'submitted',
      toStatus: 'second_review_required',
    });
    expect(result).toEqual({ kind: 'published', outcome, replayed: false, events: 3 });
    expect(detailTypes(publisher.published[0])).toEqual([
      'review_received',
      'attempt_status_changed',
      'support_notification_requested',
    ]);
  });

  it('passes the second-review setting and the applied revision on to the decision', async () => {
    const rejecting = new ScriptedStore([state()]);
    const superseding = new ScriptedStore([state({ appliedRevision: 2 })]);

    await finishReview(deps(rejecting, { requireFailureSecondReviews: false }).deps, facts);
    await finishReview(deps(superseding).deps, facts);

    expect(rejecting.writes[0]?.[2]).toMatchObject({ decidedStatus: 'rejected' });
    expect(superseding.writes[0]?.[2]).toMatchObject({ disposition: 'superseded' });
  });

  it('stamps the outcome with the current time when no clock is given', async () => {
    const store = new ScriptedStore([state()]);
    const { deps: dependencies } = deps(store);
    const before = Date.now();

    await finishReview({ ...dependencies, now: undefined }, facts);

    const stamped = Date.parse(store.writes[0]?.[2].processedAt ?? '');
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(Date.now());
  });

  it('leaves the publisher failure to the caller after the outcome is recorded', async () => {
    const store = new ScriptedStore([state()]);
    const { deps: dependencies } = deps(store);
    const failure = new Error('bus down');

    const finishing = finishReview(
      {
        ...dependencies,
        publisher: {
          publish: async () => {
            throw failure;
          },
        },
      },
      facts,
    );

    await expect(finishing).rejects.toBe(failure);
    expect(store.writes).toHaveLength(1);
  });
});

describe('finishReview: reprocessing and races', () => {
  it('publishes a recorded outcome again without writing', async () => {
    const recorded = await firstOutcome();
    const store = new ScriptedStore([state({ outcome: recorded, appliedRevision: 2 })]);
    const { deps: dependencies, publisher } = deps(store);

    const result = await finishReview(dependencies, facts);

    expect(result).toEqual({ kind: 'published', outcome: recorded, replayed: true, events: 3 });
    expect(store.writes).toEqual([]);
    expect(publisher.published).toHaveLength(1);
  });

  it('adopts the outcome another writer recorded first, as a replay', async () => {
    const theirs = { ...(await firstOutcome()), processedAt: '2026-03-04T05:00:00.000Z' };
    const store = new ScriptedStore(
      [state(), state({ outcome: theirs })],
      new OutcomeConflict('CODE-1', 2),
    );
    const { deps: dependencies, publisher } = deps(store);

    const result = await finishReview(dependencies, facts);

    expect(store.reads).toEqual([
      ['CODE-1', 2],
      ['CODE-1', 2],
    ]);
    expect(result).toEqual({ kind: 'published', outcome: theirs, replayed: true, events: 3 });
    expect(publisher.published[0]?.[0]?.time).toBe('2026-03-04T05:00:00.000Z');
  });

  it('fails with WorkflowConflict when the attempt changed and no outcome was recorded', async () => {
    const store = new ScriptedStore([state(), state()], new OutcomeConflict('CODE-1', 2));
    const { deps: dependencies, publisher } = deps(store);

    await expect(finishReview(dependencies, facts)).rejects.toEqual(
      new WorkflowConflict('CODE-1', 2),
    );
    expect(publisher.published).toEqual([]);
  });

  it('passes on any other write failure without reading again', async () => {
    const failure = new Error('throttled');
    const store = new ScriptedStore([state()], failure);
    const { deps: dependencies, publisher } = deps(store);

    await expect(finishReview(dependencies, facts)).rejects.toBe(failure);
    expect(store.reads).toHaveLength(1);
    expect(publisher.published).toEqual([]);
  });

  it('names the attempt and revision in a WorkflowConflict', () => {
    const conflict = new WorkflowConflict('CODE-9', 4);

    expect(conflict.name).toBe('WorkflowConflict');
    expect(conflict.message).toBe('Attempt CODE-9 changed while revision 4 was applied; retry');
  });
});
