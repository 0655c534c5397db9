import { isUtf8 } from 'node:buffer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MalformedPayload, PayloadTooLarge } from '../errors.js';
import { jsonNestingDepth, MAX_JSON_DEPTH } from '../reviews/json.js';

/** Helpers over API Gateway's REST proxy event, shared by the HTTP functions. */

/** The largest body any route accepts (docs/api.md). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** A header value, looked up case-insensitively as HTTP requires. */
export function header(event: APIGatewayProxyEvent, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) return value;
  }
  return undefined;
}

/** The body exactly as received: signatures are computed over these bytes. */
export function rawBody(event: APIGatewayProxyEvent): Buffer {
  if (event.body === null || event.body === undefined) return Buffer.alloc(0);
  return Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
}

export function assertBodySize(body: Uint8Array): void {
  if (body.length > MAX_BODY_BYTES) throw new PayloadTooLarge(MAX_BODY_BYTES);
}

/**
 * Parses JSON whatever the Content-Type says (edX ignores it too). The cheap checks come first, so
 * a hostile body is refused before anything walks it: the bytes must be UTF-8 (no silent U+FFFD
 * replacements) and nest at most `MAX_JSON_DEPTH` levels.
 */
export function parseJsonBody(body: Uint8Array): unknown {
  if (!isUtf8(body)) throw new MalformedPayload('The request body is not valid UTF-8');
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (text.trim().length === 0)
    throw new MalformedPayload('The request body is empty; a JSON object is required');
  if (jsonNestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) {
    throw new MalformedPayload(
      `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8's message quotes the body; only the position is passed on, so nothing of it is echoed or logged.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw new MalformedPayload(
      `The request body is not valid JSON${position ? ` (error at position ${position})` : ''}`,
    );
  }
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return {
    statusCode,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  };
}
