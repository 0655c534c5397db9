import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { endpointConfig, requestHandlerConfig } from '../aws-clients.js';

export interface EventBridgeClientOptions {
  /** The local bus's URL (`EVENTBRIDGE_ENDPOINT`); unset in AWS. */
  endpoint?: string | undefined;
}

/**
 * One client per process, created at module load by the function. The SDK's own retries absorb a
 * brief throttle of a whole call; the publisher retries failed entries and bounds the total, so
 * the SDK is kept to few attempts and short timeouts to leave the stream batch time to fail cleanly.
 */
export function createEventBridgeClient(options: EventBridgeClientOptions = {}): EventBridgeClient {
  return new EventBridgeClient({
    ...endpointConfig(options.endpoint),
    maxAttempts: 2,
    requestHandler: requestHandlerConfig({ connectionTimeout: 1_000, requestTimeout: 3_000 }),
  });
}
