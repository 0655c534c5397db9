import { loadReprocessSettings } from '../../lib/config.js';
import { cursorCodecReader } from '../../lib/cursor.js';
import { createEventBridgeClient } from '../../lib/events/eventbridge-client.js';
import { EventBridgePublisher } from '../../lib/events/eventbridge-publisher.js';
import { createLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import { secretListReader } from '../../lib/secrets.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { createReprocessHandler } from './handler.js';

const settings = loadReprocessSettings();
const log = createLogger({ level: settings.logLevel }, { function: 'reprocess' });

export const handler = createReprocessHandler({
  store: new DynamoDbStore({
    client: createDynamoDbClient({ endpoint: settings.store.dynamoDbEndpoint }),
    ...settings.store,
  }),
  publisher: new EventBridgePublisher({
    client: createEventBridgeClient({ endpoint: settings.eventBridgeEndpoint }),
    eventBusName: settings.eventBusName,
    source: settings.eventSource,
    log,
    metrics: createMetrics({ namespace: settings.metricsNamespace }),
  }),
  log,
  requireFailureSecondReviews: settings.requireFailureSecondReviews,
  // Derived from the video keys, which this function reads for nothing else.
  cursors: cursorCodecReader(secretListReader(settings.videoUrlKeys, { log })),
});
