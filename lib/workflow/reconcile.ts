import type { Metrics } from '../metrics.js';
import type { FinishReviewDependencies } from './finish-review.js';
import type { RevisionFinder, RevisionPosition } from './ports.js';
import { runRevisions } from './run-revisions.js';

/**
 * The reconciler (docs/api.md): finds the revisions that have waited longer than
 * `afterSeconds` without a recorded outcome (a stream batch that exhausted its retries, a
 * disabled mapping, a broken deployment) through the pending index, and runs them through the
 * stream's own workflow, oldest first and in order per attempt. A healthy pipeline leaves it
 * nothing to do, so each revision it repairs is logged and counted in a metric with an alarm.
 */
export const RECONCILED_REVISIONS_METRIC = 'ReconciledRevisions';
const PAGE_SIZE = 100;
/** Time kept in hand after the last page, so a run never stops half way through one. */
const RESERVE_MS = 15_000;

export interface ReconcileDependencies extends FinishReviewDependencies {
  finder: RevisionFinder;
  metrics: Metrics;
  afterSeconds: number;
  /** Milliseconds the run may still take; unbounded by default. */
  remainingMs?: () => number;
}

export interface ReconcileSummary {
  /** Revisions the pending index listed. */
  examined: number;
  /** Revisions this run applied (each counted in the metric). */
  repaired: number;
  /** Revisions the stream processed between the index read and this run's own read. */
  alreadyProcessed: number;
  /** Revisions whose attempt or item is gone. */
  skipped: number;
  /** Revisions that failed, or were held back behind a failure of their attempt. */
  failed: number;
}

export async function reconcile(deps: ReconcileDependencies): Promise<ReconcileSummary> {
  const now = deps.now?.() ?? new Date();
  const receivedBefore = new Date(now.getTime() - deps.afterSeconds * 1000).toISOString();
  const summary: ReconcileSummary = {
    examined: 0,
    repaired: 0,
    alreadyProcessed: 0,
    skipped: 0,
    failed: 0,
  };
  let after: RevisionPosition | null = null;
  do {
    const page = await deps.finder.listPendingRevisions(receivedBefore, PAGE_SIZE, after);
    summary.examined += page.revisions.length;
    for (const { listed, run } of await runRevisions(deps, page.revisions, { republish: false })) {
      const { attemptCode, revision } = listed.facts;
      switch (run.kind) {
        case 'processed':
          summary.repaired++;
          deps.metrics.count(RECONCILED_REVISIONS_METRIC, 1, { attemptCode, revision });
          deps.log.warn('review revision repaired by the reconciler', {
            attemptCode,
            revision,
            receivedAt: listed.receivedAt,
          });
          break;
        case 'already_processed':
        case 'republished':
          summary.alreadyProcessed++;
          break;
        case 'skipped':
          summary.skipped++;
          break;
        default:
          summary.failed++;
      }
    }
    after = page.next;
  } while (after && (deps.remainingMs?.() ?? Number.POSITIVE_INFINITY) > RESERVE_MS);
  return summary;
}
