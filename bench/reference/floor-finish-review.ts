/**
 * finish-review's cold-start floor: only the AWS SDK clients and commands the function sends,
 * built by the service's own client factories (so they stay configured as the function's), and
 * nothing else of the service.
 */
import {
  BatchGetItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { createEventBridgeClient } from '../../lib/events/eventbridge-client.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';

const dynamodb = createDynamoDbClient({ retries: 'background' });
const eventbridge = createEventBridgeClient();

export const handler = async (event: { key: string }) => {
  const Key = { attemptCode: { S: event.key } };
  return Promise.all([
    dynamodb.send(new BatchGetItemCommand({ RequestItems: { t: { Keys: [Key] } } })),
    dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [] })),
    dynamodb.send(new UpdateItemCommand({ TableName: 't', Key })),
    eventbridge.send(new PutEventsCommand({ Entries: [] })),
  ]);
};
