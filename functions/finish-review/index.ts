import { loadWorkflowSettings } from '../../lib/config.js';
import { createEventBridgeClient } from '../../lib/events/eventbridge-client.js';
import { EventBridgePublisher } from '../../lib/events/eventbridge-publisher.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { createFinishReviewHandler } from './handler.js';

// Module scope runs once per cold start: settings are validated here so a misconfigured
// function fails before it takes a batch off the stream.
const settings = loadWorkflowSettings();
const log = createLogger({ level: settings.logLevel }, { function: 'finish-review' });
const store = new DynamoDbStore({
  client: createDynamoDbClient({
    endpoint: settings.store.dynamoDbEndpoint,
    retries: 'background',
  }),
  ...settings.store,
});
const publisher = new EventBridgePublisher({
  client: createEventBridgeClient({ endpoint: settings.eventBridgeEndpoint }),
  eventBusName: settings.eventBusName,
  source: settings.eventSource,
  log,
  metrics: createMetrics({ namespace: settings.metricsNamespace }),
});

export const handler = createFinishReviewHandler({
  store,
  publisher,
  log,
  requireFailureSecondReviews: settings.requireFailureSecondReviews,
});
