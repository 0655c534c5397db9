import {
  type AppliedRevision,
  applyRevision,
  type FinishReviewDependencies,
  type FinishReviewResult,
} from './finish-review.js';
import type { RevisionFacts } from './outcome.js';
import type { BatchEventPublisher } from './ports.js';

/** One revision of a batch, with the caller's identifier for it (a stream record's, say). */
export interface BatchRevision {
  id: string;
  facts: RevisionFacts;
}

/**
 * What became of one revision of a batch:
 * - `finished`: its outcome is recorded and its events were all accepted;
 * - `failed`: applying it or publishing its events failed;
 * - `held_back`: an earlier revision of the same attempt failed, so this one was neither applied
 *   nor announced; it must be processed after that one.
 */
export type BatchRevisionResult =
  | { id: string; status: 'finished'; result: FinishReviewResult }
  | { id: string; status: 'failed'; error: unknown }
  | { id: string; status: 'held_back'; after: string };

export interface FinishReviewBatchDependencies extends Omit<FinishReviewDependencies, 'publisher'> {
  publisher: BatchEventPublisher;
  /** How many attempts are worked on at once (each one's revisions one after another). */
  concurrency?: number;
}

/**
 * Attempts worked on at once by default: all of a batch as deployed (50 records), so each round
 * costs one store round trip per revision even while the store client retries a transient failure
 * for several seconds, and a round fits the function's timeout many times over. It stays below the
 * SDK client's sockets, so a request never waits for a connection.
 */
export const DEFAULT_ATTEMPT_CONCURRENCY = 50;

/**
 * Runs the workflow for a batch of revisions (docs/api.md): the revisions of different attempts
 * concurrently, the revisions of one attempt strictly in the order given. It works in rounds: the
 * first round applies the first revision of every attempt in the batch and publishes all their
 * events together, in batch order, in as few PutEvents calls as the limits allow; the next round
 * does the same with each attempt's second revision, and so on. (A batch usually holds one
 * revision per attempt, so usually there is one round.)
 *
 * A revision whose apply or publish failed stops its attempt for this batch: the attempt's later
 * revisions are held back, neither applied nor announced, so the caller retries them in order
 * after it. Revisions of other attempts are not affected.
 *
 * Each revision goes through `applyRevision`, the per-revision workflow `finishReview` also runs,
 * so a revision is processed the same way whichever way it arrives.
 */
export async function finishReviewBatch(
  deps: FinishReviewBatchDependencies,
  revisions: readonly BatchRevision[],
): Promise<BatchRevisionResult[]> {
  const results: (BatchRevisionResult | undefined)[] = revisions.map(() => undefined);
  const applied: (AppliedRevision | undefined)[] = revisions.map(() => undefined);
  const logOf = (index: number) => {
    const { id, facts } = revisions[index] as BatchRevision;
    // Stryker disable next-line ObjectLiteral: log text only (fields added to every line)
    return deps.log.child({ attemptCode: facts.attemptCode, revision: facts.revision, id });
  };

  const attempts = new Map<string, number[]>();
  revisions.forEach((revision, index) => {
    const indices = attempts.get(revision.facts.attemptCode) ?? [];
    indices.push(index);
    attempts.set(revision.facts.attemptCode, indices);
  });
  const stopped = new Set<string>();
  /** Marks a revision failed and holds back its attempt's later ones. */
  const fail = (index: number, error: unknown) => {
    const { id, facts } = revisions[index] as BatchRevision;
    results[index] = { id, status: 'failed', error };
    stopped.add(facts.attemptCode);
    const indices = attempts.get(facts.attemptCode) ?? [];
    for (const later of indices.slice(indices.indexOf(index) + 1)) {
      results[later] = {
        id: (revisions[later] as BatchRevision).id,
        status: 'held_back',
        after: id,
      };
    }
  };

  for (let round = 0; ; round++) {
    const current = [...attempts]
      .filter(([attemptCode, indices]) => !stopped.has(attemptCode) && round < indices.length)
      .map(([, indices]) => indices[round] as number);
    if (current.length === 0) break;

    await forEachConcurrently(
      current,
      deps.concurrency ?? DEFAULT_ATTEMPT_CONCURRENCY,
      async (index) => {
        const log = logOf(index);
        try {
          applied[index] = await applyRevision(
            { ...deps, log },
            (revisions[index] as BatchRevision).facts,
          );
        } catch (error) {
          // Stryker disable StringLiteral: log text only
          log.error(
            "review revision failed; it and its attempt's later revisions will be retried",
            {
              error,
            },
          );
          // Stryker restore StringLiteral
          fail(index, error);
        }
      },
    );

    const publishing = current
      .filter((index) => (applied[index]?.events.length ?? 0) > 0)
      .sort((a, b) => a - b);
    let failures: ReadonlyMap<number, Error>;
    try {
      failures = await deps.publisher.publishGroups(
        publishing.map((index) => (applied[index] as AppliedRevision).events),
      );
    } catch (error) {
      // Not an entry refused by the bus (those come back as failures) but something unexpected:
      // none of the events can be taken as accepted.
      failures = new Map(publishing.map((_, group) => [group, error as Error]));
    }
    for (const [group, error] of failures) {
      const index = publishing[group] as number;
      // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
      logOf(index).error('events of the review revision not published; it will be retried', {
        error,
      });
      fail(index, error);
    }
  }

  return revisions.map((revision, index) => {
    const result = results[index];
    if (result) return result;
    const done = applied[index] as AppliedRevision;
    // Stryker disable ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral,ObjectLiteral,ArrowFunction: log text only (the block below only logs)
    if (done.events.length > 0) {
      logOf(index).debug('events published', {
        events: done.events.map((event) => event.detailType),
      });
    }
    // Stryker restore ConditionalExpression,EqualityOperator,BlockStatement,StringLiteral,ObjectLiteral,ArrowFunction
    return { id: revision.id, status: 'finished', result: done.result };
  });
}

/** Runs `work` on every item, at most `limit` at a time. */
async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}
