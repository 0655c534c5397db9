import { isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';

/**
 * Client settings shared by every AWS SDK client the functions create. Pointed at a local engine
 * (the local stack's DynamoDB Local or event bus), a client needs a region and some credentials,
 * which the engines accept whatever they are; in AWS, Lambda supplies both.
 */
export interface LocalEndpointConfig {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  region?: string;
}

export function endpointConfig(endpoint: string | undefined): LocalEndpointConfig {
  if (!endpoint) return {};
  return {
    endpoint,
    ...(process.env.AWS_ACCESS_KEY_ID
      ? {}
      : { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
    ...(process.env.AWS_REGION ? {} : { region: 'us-east-1' }),
  };
}

/**
 * Connections each SDK client may open at once. A Lambda instance serves one invocation at a
 * time, and no invocation has more requests in flight than the workflow's attempts of a batch
 * (`DEFAULT_ATTEMPT_CONCURRENCY`, 50), so a request never queues for a socket and the connection
 * timeout only ever measures a real connection. (The SDK starts that timer when the request is
 * made, not when it gets a socket: waiting in the pool would count against it.)
 */
export const SOCKETS_PER_CLIENT = 64;

/** The HTTP handler settings of every client: its timeouts and a keep-alive pool of sockets. */
export function requestHandlerConfig(timeouts: {
  connectionTimeout: number;
  requestTimeout: number;
}) {
  const agent = { keepAlive: true, maxSockets: SOCKETS_PER_CLIENT };
  return { ...timeouts, httpAgent: agent, httpsAgent: agent };
}

/**
 * True when an AWS call failed for reasons that say "try again later" (throttling, timeouts, a
 * 5xx, a dropped connection) rather than "this request is wrong". The SDK's own classification
 * decides, so the list of codes stays the SDK's; `$fault: 'server'` covers service faults that
 * arrive without an HTTP status.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const sdkError = error as SdkError;
  return (
    sdkError.$fault === 'server' ||
    isThrottlingError(sdkError) ||
    isTransientError(sdkError) ||
    isServerError(sdkError)
  );
}
