import { describe, expect, it } from 'vitest';
import { createVideoUrlCipher, videoUrlCipherReader } from '../../lib/reviews/video-url.js';
import { VIDEO_LINK } from '../support/factories.js';

const KEY_A = 'a'.repeat(64);
const KEY_B = '0123456789abcdef'.repeat(4);

describe('video URL encryption', () => {
  it('round-trips a link for its attempt', () => {
    const cipher = createVideoUrlCipher([KEY_A]);

    const token = cipher.encrypt(VIDEO_LINK, 'ATTEMPT-1');

    expect(token).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    expect(token).not.toContain('remoteproctor');
    expect(cipher.decrypt(token, 'ATTEMPT-1')).toBe(VIDEO_LINK);
  });

  it('uses a fresh IV each time', () => {
    const cipher = createVideoUrlCipher([KEY_A]);

    expect(cipher.encrypt(VIDEO_LINK, 'A')).not.toBe(cipher.encrypt(VIDEO_LINK, 'A'));
  });

  it('refuses a token moved to another attempt', () => {
    const cipher = createVideoUrlCipher([KEY_A]);

    const token = cipher.encrypt(VIDEO_LINK, 'ATTEMPT-1');

    expect(() => cipher.decrypt(token, 'ATTEMPT-2')).toThrow();
  });

  it('refuses a tampered token', () => {
    const cipher = createVideoUrlCipher([KEY_A]);
    const token = cipher.encrypt(VIDEO_LINK, 'A');
    const body = Buffer.from(token.split('.')[2] ?? '', 'base64url');
    body[14] = (body[14] ?? 0) ^ 1;

    const tampered = `${token.split('.').slice(0, 2).join('.')}.${body.toString('base64url')}`;

    expect(() => cipher.decrypt(tampered, 'A')).toThrow();
  });

  it('decrypts tokens made with an older key after rotation', () => {
    const before = createVideoUrlCipher([KEY_A]);
    const after = createVideoUrlCipher([KEY_B, KEY_A]);
    const old = before.encrypt(VIDEO_LINK, 'A');

    const fresh = after.encrypt(VIDEO_LINK, 'A');

    expect(after.decrypt(old, 'A')).toBe(VIDEO_LINK);
    expect(() => before.decrypt(fresh, 'A')).toThrow(/No configured key/);
  });

  it.each([[[]], [['short']], [['z'.repeat(64)]]])('rejects the key list %j', (keys) => {
    expect(() => createVideoUrlCipher(keys)).toThrow();
  });
});

describe('videoUrlCipherReader', () => {
  it('is undefined without keys and rebuilds the cipher only when the key list changes', async () => {
    let keys = [KEY_A];
    const reader = videoUrlCipherReader(async () => keys);

    const first = await reader();
    const same = await reader();
    keys = [KEY_B, KEY_A];
    const rotated = await reader();

    expect(await videoUrlCipherReader(undefined)()).toBeUndefined();
    expect(same).toBe(first);
    expect(rotated).not.toBe(first);
    expect(rotated?.decrypt(first?.encrypt(VIDEO_LINK, 'A') ?? '', 'A')).toBe(VIDEO_LINK);
  });
});
