import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import * as z from 'zod/mini';
import { MalformedPayload } from './errors.js';
import type { SecretListReader } from './secrets.js';

/**
 * Opaque paging cursors: the position is JSON, base64url-encoded, followed by an HMAC-SHA256 tag
 * over the route's name and that text. A cursor the service did not issue, one issued for another
 * route, or one changed by a single character is refused with 400 `malformed_payload` naming the
 * `cursor` field, so a caller can neither forge positions nor read other partitions through it.
 *
 * The HMAC keys are derived (HKDF) from the video link keys the functions already hold, so no
 * extra secret has to be managed; the derivation separates the two uses. The first key signs,
 * every configured key verifies, as for the video links.
 */
export interface CursorCodec {
  seal(route: string, position: unknown): string;
  /** The position in `token`, validated by `schema`; throws `MalformedPayload` otherwise. */
  open<S extends z.core.$ZodType>(route: string, token: string, schema: S): z.infer<S>;
}

const VERSION = 'c1';
const DERIVATION = 'proctoring-reviews/paging-cursor/v1';

function deriveKey(hexKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(hexKey, 'hex'), '', DERIVATION, 32));
}

function tag(key: Buffer, route: string, body: string): Buffer {
  return createHmac('sha256', key).update(`${VERSION}|${route}|${body}`).digest();
}

/** The one answer to any cursor the service will not page from. */
export function refusedCursor(): MalformedPayload {
  return new MalformedPayload(
    'cursor was not issued by this service for this request, or it was changed',
    'cursor',
  );
}

export function createCursorCodec(hexKeys: readonly string[]): CursorCodec {
  const keys = hexKeys.map(deriveKey);
  const [signing] = keys;
  if (!signing) throw new Error('At least one key is required to sign paging cursors');
  return {
    seal(route, position) {
      const body = Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
      return `${VERSION}.${body}.${tag(signing, route, body).toString('base64url')}`;
    },

    open(route, token, schema) {
      const [version, body, mac, ...rest] = token.split('.');
      if (version !== VERSION || !body || !mac || rest.length > 0) throw refusedCursor();
      const received = Buffer.from(mac, 'base64url');
      const verified = keys.some((key) => {
        const expected = tag(key, route, body);
        return expected.length === received.length && timingSafeEqual(expected, received);
      });
      if (!verified) throw refusedCursor();
      let position: unknown;
      try {
        position = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        throw refusedCursor();
      }
      const parsed = z.safeParse(schema, position);
      if (!parsed.success) throw refusedCursor();
      return parsed.data;
    },
  };
}

/** The codec for the keys a reader currently returns, rebuilt only when the list changes. */
export function cursorCodecReader(keys: SecretListReader): () => Promise<CursorCodec> {
  let current: { keys: string[]; codec: CursorCodec } | undefined;
  return async () => {
    const list = await keys();
    if (current?.keys !== list) current = { keys: list, codec: createCursorCodec(list) };
    return current.codec;
  };
}
