/**
 * review-callback's cold-start floor: only the AWS SDK clients and commands the function sends,
 * constructed as it constructs them (DynamoDB at module scope with the same settings, Secrets
 * Manager on first use), and nothing of the service.
 */
import {
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const dynamodb = new DynamoDBClient({
  maxAttempts: 4,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
});
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
