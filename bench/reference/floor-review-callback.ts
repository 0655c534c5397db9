/**
 * review-callback's cold-start floor: only the AWS SDK clients and commands the function sends,
 * built as it builds them (DynamoDB at module scope by the service's own client factory, Secrets
 * Manager on first use), and nothing else of the service.
 */
import {
  BatchGetItemCommand,
  GetItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';

const dynamodb = createDynamoDbClient();
let secrets: SecretsManagerClient | undefined;

export const handler = async (event: { secretId: string; key: string }) => {
  secrets ??= new SecretsManagerClient({ maxAttempts: 3 });
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: event.secretId }));
  const Key = { attemptCode: { S: event.key } };
  return Promise.all([
    secret.SecretString,
    dynamodb.send(new BatchGetItemCommand({ RequestItems: { t: { Keys: [Key] } } })),
    dynamodb.send(new GetItemCommand({ TableName: 't', Key })),
    dynamodb.send(new TransactWriteItemsCommand({ TransactItems: [] })),
  ]);
};
