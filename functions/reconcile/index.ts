import { loadReconcileSettings } from '../../lib/config.js';
import { createEventBridgeClient } from '../../lib/events/eventbridge-client.js';
import { EventBridgePublisher } from '../../lib/events/eventbridge-publisher.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { createReconcileHandler } from './handler.js';

// Module scope runs once per cold start: a misconfigured reconciler fails before its first run.
const settings = loadReconcileSettings();
const log = createLogger({ level: settings.logLevel }, { function: 'reconcile' });
const metrics = createMetrics({ namespace: settings.metricsNamespace });

export const handler = createReconcileHandler({
  store: new DynamoDbStore({
    client: createDynamoDbClient({
      endpoint: settings.store.dynamoDbEndpoint,
      retries: 'background',
    }),
    ...settings.store,
  }),
  publisher: new EventBridgePublisher({
    client: createEventBridgeClient({ endpoint: settings.eventBridgeEndpoint }),
    eventBusName: settings.eventBusName,
    source: settings.eventSource,
    log,
    metrics,
  }),
  log,
  metrics,
  requireFailureSecondReviews: settings.requireFailureSecondReviews,
  reconcileAfterSeconds: settings.reconcileAfterSeconds,
});
