import type { Context } from 'aws-lambda';
import type { Logger } from '../../lib/log.js';
import type { Metrics } from '../../lib/metrics.js';
import type { EventPublisher, RevisionFinder, WorkflowStore } from '../../lib/workflow/ports.js';
import { type ReconcileSummary, reconcile } from '../../lib/workflow/reconcile.js';

export interface ReconcileHandlerDependencies {
  store: WorkflowStore & RevisionFinder;
  publisher: EventPublisher;
  log: Logger;
  metrics: Metrics;
  requireFailureSecondReviews: boolean;
  reconcileAfterSeconds: number;
  now?: () => Date;
}

/** Revisions of a run failed; thrown after the run so the function's error alarm sees it. */
export class ReconcileFailures extends Error {
  override readonly name = 'ReconcileFailures';
  constructor(summary: ReconcileSummary) {
    super(`${summary.failed} pending review revision(s) failed; the next run tries them again`);
  }
}

/**
 * The scheduled reconciler (docs/api.md): every `RECONCILE_INTERVAL_SECONDS` the schedule (in
 * AWS) or the local stack's timer invokes it; whatever the event says, it looks for revisions
 * older than `RECONCILE_AFTER_SECONDS` without an outcome and applies them.
 */
export function createReconcileHandler(deps: ReconcileHandlerDependencies) {
  return async (_event: unknown, context?: Context): Promise<ReconcileSummary> => {
    const summary = await reconcile({
      store: deps.store,
      finder: deps.store,
      publisher: deps.publisher,
      metrics: deps.metrics,
      log: deps.log,
      requireFailureSecondReviews: deps.requireFailureSecondReviews,
      afterSeconds: deps.reconcileAfterSeconds,
      ...(context ? { remainingMs: () => context.getRemainingTimeInMillis() } : {}),
      ...(deps.now ? { now: deps.now } : {}),
    });
    const level = summary.repaired > 0 || summary.failed > 0 ? 'warn' : 'info';
    deps.log[level]('reconciler run done', { ...summary });
    if (summary.failed > 0) throw new ReconcileFailures(summary);
    return summary;
  };
}
