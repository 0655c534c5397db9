/**
 * finish-review's cold-start floor: only the AWS SDK clients and commands the function sends,
 * constructed as it constructs them, and nothing of the service.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';

const dynamodb = new DynamoDBClient({
  maxAttempts: 4,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
});
const eventbridge = new EventBridgeClient({
  maxAttempts: 2,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
});

export const handler = async (event: { key: string }) => {
  const Key = { attemptCode: { S: event.key } };
  return Promise.all([
    dynamodb.send(new BatchGetItemCommand({ RequestItems: { t: { Keys: [Key] } } })),
    dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [] })),
    dynamodb.send(new UpdateItemCommand({ TableName: 't', Key })),
    eventbridge.send(new PutEventsCommand({ Entries: [] })),
  ]);
};
