import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { endpointConfig, requestHandlerConfig } from '../aws-clients.js';

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
  return new DynamoDBClient({
    ...endpointConfig(options.endpoint),
    maxAttempts: 4,
    requestHandler: requestHandlerConfig({ connectionTimeout: 1_000, requestTimeout: 3_000 }),
  });
}
