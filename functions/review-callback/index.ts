import { loadCallbackSettings } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { videoUrlCipherReader } from '../../lib/reviews/video-url.js';
import { secretListReader } from '../../lib/secrets.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { createReviewCallbackHandler } from './handler.js';

// Module scope runs once per cold start: settings are validated here so a misconfigured
// function fails before it answers anything.
const settings = loadCallbackSettings();
const log = createLogger({ level: settings.logLevel }, { function: 'review-callback' });
const client = createDynamoDbClient({ endpoint: settings.store.dynamoDbEndpoint });
const store = new DynamoDbStore({ client, ...settings.store });

export const handler = createReviewCallbackHandler({
  store,
  log,
  allowReviewUpdates: settings.allowReviewUpdates,
  allowCallbackSimulation: settings.allowCallbackSimulation,
  callbackSecrets: settings.callbackSecrets
    ? secretListReader(settings.callbackSecrets, { log })
    : undefined,
  videoUrlCipher: videoUrlCipherReader(
    settings.videoUrlKeys ? secretListReader(settings.videoUrlKeys, { log }) : undefined,
  ),
});
