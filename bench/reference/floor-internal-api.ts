/**
 * internal-api's cold-start floor: only the AWS SDK clients and commands the function sends,
 * constructed as it constructs them (DynamoDB at module scope with the same settings, Secrets
 * Manager, for the video key, on first use), and nothing of the service.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const dynamodb = new DynamoDBClient({
  maxAttempts: 4,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
});
let secrets: SecretsManagerClient | undefined;

export const handler = async (event: { key: string; secretId: string }) => {
  secrets ??= new SecretsManagerClient({ maxAttempts: 3 });
  const Key = { attemptCode: { S: event.key } };
  return Promise.all([
    secrets.send(new GetSecretValueCommand({ SecretId: event.secretId })),
    dynamodb.send(new GetItemCommand({ TableName: 't', Key })),
    dynamodb.send(new UpdateItemCommand({ TableName: 't', Key })),
    dynamodb.send(new QueryCommand({ TableName: 't' })),
    dynamodb.send(new BatchGetItemCommand({ RequestItems: { t: { Keys: [Key] } } })),
    dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [] })),
  ]);
};
