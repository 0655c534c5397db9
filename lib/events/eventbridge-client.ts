import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

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
  const local = Boolean(options.endpoint);
  return new EventBridgeClient({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // The local bus accepts any credentials and region; AWS supplies both to a Lambda.
    ...(local && !process.env.AWS_ACCESS_KEY_ID
      ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
      : {}),
    ...(local && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
  });
}
