import { type FinishReviewDependencies, finishReview } from './finish-review.js';
import type { ListedRevision } from './ports.js';

/**
 * Runs listed revisions through the stream's own workflow (`finishReview`: same decision, same
 * guards, same events and event ids), for the reconciler and for reprocessing. Revisions of one
 * attempt run one after another in revision order, and a failure holds the attempt's later
 * revisions back, as the stream consumer does; different attempts run side by side.
 */
export type RevisionRun =
  /** It had no recorded outcome; now it has one and its events are published. */
  | { kind: 'processed' }
  /** It had an outcome; its events were published again, unchanged (`republish`). */
  | { kind: 'republished' }
  /** It had an outcome and republishing was not asked for: nothing was done. */
  | { kind: 'already_processed' }
  /** Its attempt or the revision itself is gone (removed by hand): nothing to do. */
  | { kind: 'skipped'; reason: string }
  | { kind: 'failed'; error: unknown }
  /** Not run: an earlier revision of the same attempt failed. */
  | { kind: 'held_back' };

export interface RunOptions {
  republish: boolean;
  /** Attempts processed at the same time; 8 by default. */
  concurrency?: number;
}

export async function runRevisions(
  deps: FinishReviewDependencies,
  listed: readonly ListedRevision[],
  options: RunOptions,
): Promise<{ listed: ListedRevision; run: RevisionRun }[]> {
  const byAttempt = new Map<string, ListedRevision[]>();
  for (const entry of listed) {
    const group = byAttempt.get(entry.facts.attemptCode) ?? [];
    group.push(entry);
    byAttempt.set(entry.facts.attemptCode, group);
  }
  const groups = [...byAttempt.values()].map((group) =>
    group.sort((a, b) => a.facts.revision - b.facts.revision),
  );
  const results = new Map<ListedRevision, RevisionRun>();

  const runGroup = async (group: ListedRevision[]) => {
    let failed = false;
    for (const entry of group) {
      if (failed) {
        results.set(entry, { kind: 'held_back' });
        continue;
      }
      const run = await runOne(deps, entry, options.republish);
      results.set(entry, run);
      failed = run.kind === 'failed';
    }
  };

  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++] as ListedRevision[];
      await runGroup(group);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 8, groups.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return listed.map((entry) => ({
    listed: entry,
    run: results.get(entry) ?? { kind: 'held_back' },
  }));
}

async function runOne(
  deps: FinishReviewDependencies,
  entry: ListedRevision,
  republish: boolean,
): Promise<RevisionRun> {
  const { facts } = entry;
  // Stryker disable next-line ObjectLiteral: log text only (fields added to every line)
  const log = deps.log.child({ attemptCode: facts.attemptCode, revision: facts.revision });
  try {
    // Read first: an index may still list a revision the stream has just processed.
    const state = await deps.store.getWorkflowState(facts.attemptCode, facts.revision);
    if (state.outcome && !republish) return { kind: 'already_processed' };
    const result = await finishReview({ ...deps, log }, facts, state);
    if (result.kind === 'skipped') return { kind: 'skipped', reason: result.reason };
    return state.outcome ? { kind: 'republished' } : { kind: 'processed' };
  } catch (error) {
    // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
    log.error('review revision failed', { error });
    return { kind: 'failed', error };
  }
}
