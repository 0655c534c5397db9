import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createReconcileHandler } from '../../functions/reconcile/handler.js';
import { createReprocessHandler } from '../../functions/reprocess/handler.js';
import { createCursorCodec } from '../../lib/cursor.js';
import { EventBridgePublisher } from '../../lib/events/eventbridge-publisher.js';
import { createMetrics } from '../../lib/metrics.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { lambdaContext } from '../../local/api/lambda-context.js';
import { apiEvent } from './factories.js';
import { TEST_VIDEO_KEY } from './harness.js';
import {
  PROCESSED_AT,
  TEST_BUS,
  TEST_SOURCE,
  type WorkflowHarnessOptions,
  workflowHarness,
} from './workflow-harness.js';

/**
 * The stream consumer, the reconciler and the reprocess route wired to one in-memory store and
 * one fake EventBridge, so a test can deliver a revision one way and repair it another.
 */
export function operationsHarness(
  options: WorkflowHarnessOptions<MemoryStore> & { reconcileAfterSeconds?: number } = {},
) {
  const stream = workflowHarness<MemoryStore>({
    ...options,
    store: options.store ?? new MemoryStore(),
  });
  const metricLines: string[] = [];
  const metrics = createMetrics({ sink: (line) => metricLines.push(line) });
  const publisher = new EventBridgePublisher({
    client: stream.eventBridge,
    eventBusName: TEST_BUS,
    source: TEST_SOURCE,
    log: stream.logs.log,
    metrics,
    sleep: async () => {},
    random: () => 0.5,
  });
  const now = options.now ?? (() => PROCESSED_AT);
  const common = {
    store: stream.store,
    publisher,
    log: stream.logs.log,
    requireFailureSecondReviews: options.requireFailureSecondReviews ?? true,
    now,
  };
  const cursors = createCursorCodec([TEST_VIDEO_KEY]);
  const reconcileHandler = createReconcileHandler({
    ...common,
    metrics,
    reconcileAfterSeconds: options.reconcileAfterSeconds ?? 300,
  });
  const reprocessHandler = createReprocessHandler({ ...common, cursors: async () => cursors });
  return {
    ...stream,
    cursors,
    reconcileMetrics: () => metricLines.map((line) => JSON.parse(line) as Record<string, unknown>),
    reconcile: () => reconcileHandler({}, lambdaContext('reconcile')),
    reprocessEvent: (event: APIGatewayProxyEvent) =>
      reprocessHandler(event, lambdaContext('reprocess')),
    reprocess: (body: unknown) =>
      reprocessHandler(
        apiEvent({
          method: 'POST',
          path: '/internal/reviews/reprocess',
          body: JSON.stringify(body),
        }) as APIGatewayProxyEvent,
        lambdaContext('reprocess'),
      ),
  };
}
