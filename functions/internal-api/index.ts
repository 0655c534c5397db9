import { loadInternalApiSettings } from '../../lib/config.js';
import { cursorCodecReader } from '../../lib/cursor.js';
import { createLogger } from '../../lib/log.js';
import { videoUrlCipherReader } from '../../lib/reviews/video-url.js';
import { secretListReader } from '../../lib/secrets.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { createInternalApiHandler } from './handler.js';

const settings = loadInternalApiSettings();
const log = createLogger({ level: settings.logLevel }, { function: 'internal-api' });
const client = createDynamoDbClient({ endpoint: settings.store.dynamoDbEndpoint });
// The video keys decrypt staff video links and, derived, sign the queue's paging cursors.
const videoKeys = secretListReader(settings.videoUrlKeys, { log });

export const handler = createInternalApiHandler({
  store: new DynamoDbStore({ client, ...settings.store }),
  log,
  cursors: cursorCodecReader(videoKeys),
  videoUrlCipher: videoUrlCipherReader(videoKeys),
  videoLinkHtml5: settings.videoLinkHtml5,
});
