import { loadInternalApiSettings } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { createInternalApiHandler } from './handler.js';

const settings = loadInternalApiSettings();
const log = createLogger({ level: settings.logLevel }, { function: 'internal-api' });
const client = createDynamoDbClient({ endpoint: settings.store.dynamoDbEndpoint });

export const handler = createInternalApiHandler({
  store: new DynamoDbStore({ client, ...settings.store }),
  log,
});
