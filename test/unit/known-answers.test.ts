import { describe, expect, it } from 'vitest';
import { signatureFor, verifySignature } from '../../lib/http/signature.js';
import { canonicalJson, contentHash, type JsonValue } from '../../lib/reviews/json.js';
import { createVideoUrlCipher } from '../../lib/reviews/video-url.js';
import { eventId } from '../../lib/workflow/events.js';
import { apiEvent, attemptRegistration, VIDEO_LINK } from '../support/factories.js';
import { callbackHarness } from '../support/harness.js';

/**
 * Formats that outlive a deploy: vendors sign with them, stored data and published events carry
 * them. Every expected value below was computed once outside this code base (openssl, Python's
 * uuid and cryptography packages, sha256sum) and pasted in; none is computed by the code under
 * test, so changing a format breaks these tests even when it stays self-consistent.
 */

describe('known answer: callback signature (HMAC-SHA256 over "<timestamp>.<body>")', () => {
  // printf '%s' '1767225600.<BODY>' | openssl dgst -sha256 -hmac 'kat-secret-2026'
  const SECRET = 'kat-secret-2026';
  const TIMESTAMP = '1767225600'; // 2026-01-01T00:00:00Z
  const BODY =
    '{"examMetaData":{"examCode":"ATTEMPT-KAT","ssiRecordLocator":"abc"},"reviewStatus":"Clean"}';
  const HEADER = 'v1=7d92bbcd2e8065f4897a27c1c0280c4d351fe5886255503d87f2e1a199cf4f66';
  // The same secret over the body alone and over the timestamp alone: what a signature that
  // forgot one of the two would be.
  const BODY_ONLY = 'v1=a8e27af443afbc0fd40159f55d7264cfb9e61f21640bb0567fdb68dc27064f1d';
  const TIMESTAMP_ONLY = 'v1=2c25031403ff5851a52ff50a2af06f683226022feb849859221130e7ee10523b';
  const NOW = Number(TIMESTAMP) + 42;
  const body = Buffer.from(BODY, 'utf8');

  it('computes the header a vendor sends', () => {
    expect(signatureFor(SECRET, TIMESTAMP, BODY)).toBe(HEADER);
    expect(signatureFor(SECRET, TIMESTAMP, body)).toBe(HEADER);
  });

  it('computes the bytes of a UTF-8 body, not its characters', () => {
    // printf '%s' '1767225900.{"note":"Prüfung über 5 €"}' | openssl dgst -sha256 -hmac 'second-secret'
    const expected = 'v1=b80cbafb5277fa95ef63d20fb0f47d5c0e8573262ecbd94e41e3782969c879f5';

    expect(signatureFor('second-secret', '1767225900', '{"note":"Prüfung über 5 €"}')).toBe(
      expected,
    );
  });

  it('accepts the vector and refuses signatures that leave out the timestamp or the body', () => {
    const verify = (signature: string, timestamp = TIMESTAMP) =>
      verifySignature({ timestamp, signature, body }, [SECRET], NOW);

    expect(() => verify(HEADER)).not.toThrow();
    expect(() => verify(BODY_ONLY)).toThrow('Signature does not match');
    expect(() => verify(TIMESTAMP_ONLY)).toThrow('Signature does not match');
  });

  it('pins the timestamp: the captured signature does not verify with a fresher timestamp', () => {
    expect(() =>
      verifySignature({ timestamp: String(NOW), signature: HEADER, body }, [SECRET], NOW),
    ).toThrow('Signature does not match');
  });

  it('accepts the vector through the callback endpoint', async () => {
    // Prepare
    const { store, invoke } = callbackHarness({
      secrets: ['other-secret', SECRET],
      now: () => new Date(NOW * 1000),
    });
    await store.registerAttempt('ATTEMPT-KAT', attemptRegistration({ externalId: 'abc' }));

    // Act
    const response = await invoke(
      apiEvent({
        body: BODY,
        headers: { 'X-Proctoring-Timestamp': TIMESTAMP, 'X-Proctoring-Signature': HEADER },
      }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    expect((await store.getLatestRevision('ATTEMPT-KAT'))?.reviewStatus).toBe('Clean');
  });
});

describe('known answer: event ids', () => {
  // python3: uuid.uuid5(UUID('6090aec4-5c3d-40a4-a8b8-40c4744ed7f3'),
  //                     json.dumps([code, revision, kind], separators=(',', ':')))
  it.each([
    [
      '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      1,
      'review_received',
      '4f04d693-d47a-5966-b93a-3fbcf63d3e3a',
    ],
    [
      '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      1,
      'attempt_status_changed',
      'bbb392d2-222e-52c2-861d-17eb1997383a',
    ],
    [
      '9F3C2A5E-7D41-4B0E-A6C2-31D8E5F07B19',
      2,
      'support_notification_requested',
      '520932a5-0de4-5d21-8dfd-1ebc8ac142d4',
    ],
    ['A1', 23, 'review_received', '7b0fc51f-f194-55e8-92dd-c6c2146f11ca'],
    ['A12', 3, 'review_received', '631b22b9-0c37-5b1b-ba95-f646dbbf9622'],
  ] as const)('eventId(%s, %i, %s) is %s', (attemptCode, revision, kind, expected) => {
    expect(eventId(attemptCode, revision, kind)).toBe(expected);
  });
});

describe('known answer: canonical JSON', () => {
  it.each<[string, JsonValue, string]>([
    ['null', null, 'null'],
    ['a boolean', false, 'false'],
    ['a number', -1.5e-7, '-1.5e-7'],
    ['a string with quotes and a line break', 'a"b\nc', '"a\\"b\\nc"'],
    ['an empty array', [], '[]'],
    ['an empty object', {}, '{}'],
    ['nested arrays', [1, [23, 4], []], '[1,[23,4],[]]'],
    ['an array of objects', [{ b: 1, a: 2 }, {}], '[{"a":2,"b":1},{}]'],
    [
      'keys sorted at every depth',
      { b: [{ z: null, y: true }], a: { d: 'x', c: [] } },
      '{"a":{"c":[],"d":"x"},"b":[{"y":true,"z":null}]}',
    ],
    [
      'keys sorted by UTF-16 code unit, digits before capitals before lower case',
      { b: 1, B: 2, a: 3, é: 4, '10': 5, '9': 6 },
      '{"10":5,"9":6,"B":2,"a":3,"b":1,"é":4}',
    ],
    ['a key that needs escaping', { 'a"b': 1 }, '{"a\\"b":1}'],
  ])('writes %s', (_case, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('hashes the canonical form with SHA-256', () => {
    // printf '%s' '{"a":"t","b":[1,2]}' | sha256sum
    expect(contentHash({ b: [1, 2], a: 't' })).toBe(
      'f98f3bd210c5737a6df10096ca5401bd7be1b600acd6f5deec9ca53abffdd45a',
    );
  });

  it('tells apart arrays whose elements only differ in where they split', () => {
    expect(contentHash([1, 23])).not.toBe(contentHash([12, 3]));
    expect(contentHash({ a: 1, b: 23 })).not.toBe(contentHash({ a: 12, b: 3 }));
  });
});

describe('known answer: encrypted video link', () => {
  // Key ids: printf 'a%.0s' {1..64} | xxd -r -p | sha256sum | cut -c1-8 (and likewise for KEY_B).
  const KEY_A = 'a'.repeat(64);
  const KEY_A_ID = 'e0e77a50';
  const KEY_B = '0123456789abcdef'.repeat(4);
  const KEY_B_ID = '4884fdaa';
  // Made with Python's cryptography package: AESGCM(key).encrypt(iv, url, aad) with
  // aad = b'proctoring-reviews/video-url/v1:ATTEMPT-1', then
  // 'v1.' + key id + '.' + base64url(iv + ciphertext + tag) without padding.
  const TOKEN_A =
    'v1.e0e77a50.AAECAwQFBgcICQoL8qykhIe23snAMXFIjFmXtvl6qyfTJKAZUySkys9SIDKDfj8VVTelTUTrtVaInf3UMfbWil8UkArPIiz3Oc0nNGe7tfDZnOaCvZnn6CmVvkjfd73c1kWWPJhWzxNAUqNpk74etuZsQkP_RQ';
  const TOKEN_B =
    'v1.4884fdaa.ZGVmZ2hpamtsbW5vO7v5ol7G7qmBXUpnz8lkjcMRW6b-ls_thOS3KU5xEPqGaJlOPy8nh70TZSLXh5ncGCwIBJ9E_CFjHf8WQgkx2mreLdZI7wq9Ki6MYXCEqLUBwIOAYXaeHxNdduuXbwrj2RsG_fbl59q1bg';
  // An empty link: IV of zeros, no ciphertext, only the tag (28 bytes in all).
  const TOKEN_EMPTY = 'v1.e0e77a50.AAAAAAAAAAAAAAAADxUVQ7t6eNeLeouuGgUnyA';

  it('decrypts tokens written by an independent AES-256-GCM implementation', () => {
    const cipher = createVideoUrlCipher([KEY_B, KEY_A]);

    expect(cipher.decrypt(TOKEN_A, 'ATTEMPT-1')).toBe(VIDEO_LINK);
    expect(cipher.decrypt(TOKEN_B, 'ATTEMPT-1')).toBe(VIDEO_LINK);
    expect(cipher.decrypt(TOKEN_EMPTY, 'ATTEMPT-1')).toBe('');
  });

  it('binds a token to its attempt code', () => {
    const cipher = createVideoUrlCipher([KEY_A]);

    expect(() => cipher.decrypt(TOKEN_A, 'ATTEMPT-2')).toThrow();
  });

  it('writes version v1 and the first key id, which the token of an independent writer decrypts with', () => {
    const cipher = createVideoUrlCipher([KEY_B, KEY_A]);

    const token = cipher.encrypt(VIDEO_LINK, 'ATTEMPT-1');

    const [version, keyId, sealed] = token.split('.');
    expect([version, keyId]).toEqual(['v1', KEY_B_ID]);
    // IV (12) + link + tag (16), base64url without padding.
    expect(Buffer.from(sealed ?? '', 'base64url')).toHaveLength(12 + VIDEO_LINK.length + 16);
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(createVideoUrlCipher([KEY_A]).encrypt('', 'X').split('.')[1]).toBe(KEY_A_ID);
  });

  it.each([
    ['another version', TOKEN_A.replace(/^v1\./, 'v2.')],
    ['no version', TOKEN_A.replace(/^v1\./, '.')],
    ['no key id', TOKEN_A.replace(`.${KEY_A_ID}.`, '..')],
    ['no body', `v1.${KEY_A_ID}.`],
    ['only a version and key id', `v1.${KEY_A_ID}`],
    ['no dots', 'v1'],
  ])('refuses a token with %s as not a token', (_case, token) => {
    const cipher = createVideoUrlCipher([KEY_A]);

    expect(() => cipher.decrypt(token, 'ATTEMPT-1')).toThrow('Not a video URL token');
  });

  it('names the unknown key id of a token from a key no longer configured', () => {
    const cipher = createVideoUrlCipher([KEY_B]);

    expect(() => cipher.decrypt(TOKEN_A, 'ATTEMPT-1')).toThrow(
      `No configured key has id ${KEY_A_ID}`,
    );
  });

  it('refuses a token too short to hold an IV and a tag as truncated', () => {
    const cipher = createVideoUrlCipher([KEY_A]);
    const sealed = Buffer.from(TOKEN_EMPTY.split('.')[2] ?? '', 'base64url');

    const truncated = `v1.${KEY_A_ID}.${sealed.subarray(0, 27).toString('base64url')}`;

    expect(() => cipher.decrypt(truncated, 'ATTEMPT-1')).toThrow('Video URL token is truncated');
  });

  it('accepts keys of 64 hex characters in either case, with the same key id', () => {
    const upper = createVideoUrlCipher([KEY_A.toUpperCase()]);

    expect(upper.decrypt(TOKEN_A, 'ATTEMPT-1')).toBe(VIDEO_LINK);
    expect(upper.encrypt('', 'X').split('.')[1]).toBe(KEY_A_ID);
  });

  it('needs at least one key', () => {
    expect(() => createVideoUrlCipher([])).toThrow('At least one video URL key is required');
  });

  it.each([
    ['63 hex characters', KEY_A.slice(1)],
    ['65 hex characters', `${KEY_A}0`],
    ['a leading non-hex character', `z${KEY_A}`],
    ['a trailing non-hex character', `${KEY_A}z`],
    ['a non-hex character inside', `${KEY_A.slice(0, 32)}g${KEY_A.slice(33)}`],
    ['surrounding white space', ` ${KEY_A}`],
  ])('refuses a key of %s when the cipher is built', (_case, key) => {
    expect(() => createVideoUrlCipher([KEY_B, key])).toThrow(
      'A video URL key must be 64 hex characters (32 bytes)',
    );
  });
});
