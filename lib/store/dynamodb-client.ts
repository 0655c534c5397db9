import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { endpointConfig, requestHandlerConfig } from '../aws-clients.js';

export interface DynamoDbClientOptions {
  /** A local engine's URL; unset in AWS. */
  endpoint?: string | undefined;
  /**
   * `request` (default): a caller is waiting, so a few quick retries, then an answer (a 503 the
   * vendor retries). `background`: nobody waits (the stream workflow, the reconciler), so
   * transient failures (throttling, timeouts, a dependency down) are retried for longer, with
   * backoff, before the record fails; an error that retrying cannot fix still fails at once.
   */
  retries?: 'request' | 'background';
}

/** Background retries: 8 attempts, waits doubling from 200 ms up to 4 s (about 14 s in all). */
export const BACKGROUND_MAX_ATTEMPTS = 8;
export const BACKGROUND_MAX_DELAY_MS = 4_000;

export function backgroundRetryDelayMs(attempt: number): number {
  return Math.min(BACKGROUND_MAX_DELAY_MS, 100 * 2 ** attempt);
}

/**
 * One client per process, created at module load by the functions. Timeouts are short because
 * API Gateway gives up after 29 s and a vendor would rather retry than wait; the SDK's own retries
 * (with backoff) absorb throttling before anything is answered.
 */
export function createDynamoDbClient(options: DynamoDbClientOptions = {}): DynamoDBClient {
  const background = options.retries === 'background';
  return new DynamoDBClient({
    ...endpointConfig(options.endpoint),
    ...(background
      ? {
          retryStrategy: new ConfiguredRetryStrategy(
            BACKGROUND_MAX_ATTEMPTS,
            backgroundRetryDelayMs,
          ),
        }
      : { maxAttempts: 4 }),
    requestHandler: requestHandlerConfig({ connectionTimeout: 1_000, requestTimeout: 3_000 }),
  });
}
