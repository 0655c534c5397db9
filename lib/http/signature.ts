import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSignature } from '../errors.js';

/**
 * Callback authentication (docs/api.md): `X-Proctoring-Signature: v1=<hex HMAC-SHA256>` over
 * `"<timestamp>.<raw body>"`, with `X-Proctoring-Timestamp` within five minutes of now. Any of the
 * configured secrets verifies, so secrets can be rotated without downtime.
 */
export const TIMESTAMP_HEADER = 'x-proctoring-timestamp';
export const SIGNATURE_HEADER = 'x-proctoring-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

const SIGNATURE_FORMAT = /^v1=([0-9a-fA-F]{64})$/;

function digest(secret: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/** The header value a vendor sends; used by tests, the demo and the README's example. */
export function signatureFor(secret: string, timestamp: string, body: Uint8Array | string): string {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return `v1=${digest(secret, timestamp, bytes).toString('hex')}`;
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  body: Uint8Array;
}

export function verifySignature(
  request: SignedRequest,
  secrets: readonly string[],
  nowSeconds: number,
): void {
  const { timestamp, signature, body } = request;
  if (!timestamp || !signature) {
    throw new InvalidSignature('Missing X-Proctoring-Timestamp or X-Proctoring-Signature header');
  }
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw new InvalidSignature('X-Proctoring-Timestamp must be unix seconds');
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS) {
    throw new InvalidSignature(
      `X-Proctoring-Timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from the current time`,
    );
  }
  const received = SIGNATURE_FORMAT.exec(signature.trim())?.[1];
  if (!received)
    throw new InvalidSignature('X-Proctoring-Signature must be v1=<64 hex characters>');
  const receivedBytes = Buffer.from(received, 'hex');
  // Every secret is tried, so the time taken does not tell which one (if any) came close.
  let matched = false;
  for (const secret of secrets) {
    if (timingSafeEqual(digest(secret, timestamp, body), receivedBytes)) matched = true;
  }
  if (!matched) throw new InvalidSignature('Signature does not match');
}
