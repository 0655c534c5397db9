/**
 * internal-api's cold-start floor: only the AWS SDK clients and commands the function sends,
 * built as it builds them (DynamoDB at module scope by the service's own client factory, Secrets
 * Manager, for the video key, on first use), and nothing else of the service.
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';

const dynamodb = createDynamoDbClient();
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
