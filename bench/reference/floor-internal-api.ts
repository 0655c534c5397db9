/**
 * internal-api's cold-start floor: only the AWS SDK client and commands the function sends,
 * constructed as it constructs them, and nothing of the service.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

const dynamodb = new DynamoDBClient({
  maxAttempts: 4,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
});

export const handler = async (event: { key: string }) => {
  const Key = { attemptCode: { S: event.key } };
  return Promise.all([
    dynamodb.send(new GetItemCommand({ TableName: 't', Key })),
    dynamodb.send(new UpdateItemCommand({ TableName: 't', Key })),
    dynamodb.send(new QueryCommand({ TableName: 't' })),
    dynamodb.send(new BatchGetItemCommand({ RequestItems: { t: { Keys: [Key] } } })),
    dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [] })),
  ]);
};
