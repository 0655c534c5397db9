import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { SecretListReader } from '../secrets.js';

/**
 * `videoReviewLink` is a direct, unauthenticated link to the exam recording. It is kept only as
 * AES-256-GCM ciphertext bound to its attempt code (the code is the associated data, so a token
 * copied onto another attempt does not decrypt).
 *
 * Token format: `v1.<key id>.<base64url(iv ‖ ciphertext ‖ tag)>`, where the key id is the first 8 hex
 * characters of SHA-256(key). Several keys may be configured: the first encrypts, any decrypts, so
 * keys can be rotated without losing old recordings.
 */
export interface VideoUrlCipher {
  encrypt(url: string, attemptCode: string): string;
  decrypt(token: string, attemptCode: string): string;
}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface Key {
  id: string;
  material: Buffer;
}

function associatedData(attemptCode: string): Buffer {
  return Buffer.from(`proctoring-reviews/video-url/${VERSION}:${attemptCode}`, 'utf8');
}

function toKey(hex: string): Key {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error('A video URL key must be 64 hex characters (32 bytes)');
  }
  const material = Buffer.from(hex, 'hex');
  return { id: createHash('sha256').update(material).digest('hex').slice(0, 8), material };
}

export function createVideoUrlCipher(hexKeys: readonly string[]): VideoUrlCipher {
  const keys = hexKeys.map(toKey);
  const [current] = keys;
  if (!current) throw new Error('At least one video URL key is required');

  return {
    encrypt(url, attemptCode) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.material, iv);
      cipher.setAAD(associatedData(attemptCode));
      const ciphertext = Buffer.concat([cipher.update(url, 'utf8'), cipher.final()]);
      const sealed = Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
      return `${VERSION}.${current.id}.${sealed.toString('base64url')}`;
    },

    decrypt(token, attemptCode) {
      const [version, keyId, body] = token.split('.');
      if (version !== VERSION || !keyId || !body) throw new Error('Not a video URL token');
      const key = keys.find((candidate) => candidate.id === keyId);
      if (!key) throw new Error(`No configured key has id ${keyId}`);
      const sealed = Buffer.from(body, 'base64url');
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('Video URL token is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key.material, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(associatedData(attemptCode));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      const plaintext = Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]);
      return plaintext.toString('utf8');
    },
  };
}

/**
 * The cipher for the keys a reader currently returns, rebuilt only when the list changes
 * (rotation), not per request. Undefined when no key is configured.
 */
export function videoUrlCipherReader(
  keys: SecretListReader | undefined,
): () => Promise<VideoUrlCipher | undefined> {
  let current: { keys: string[]; cipher: VideoUrlCipher } | undefined;
  return async () => {
    if (!keys) return undefined;
    const list = await keys();
    if (current?.keys !== list) current = { keys: list, cipher: createVideoUrlCipher(list) };
    return current.cipher;
  };
}
