import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface DynamoDbClientOptions {
  /** A local engine's URL; unset in AWS. */
  endpoint?: string | undefined;
}

/**
 * One client per process, created at module load by the functions. Timeouts are short because
 * API Gateway gives up after 29 s and a vendor would rather retry than wait; the SDK's own retries
 * (with backoff) absorb throttling before anything is answered.
 */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  const local = Boolean(options.endpoint);
  return new DynamoDBClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // A local engine accepts any credentials and region; AWS supplies both to a Lambda.
    ...(local && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    ...(local && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
    maxAttempts: 4,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}
