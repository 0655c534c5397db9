import { describe, expect, inject, it } from 'vitest';
import { signatureFor } from '../../lib/http/signature.js';
import { CALLBACK_PATH, vendorPayload } from '../support/factories.js';
import {
  call,
  eventsFor,
  readAttempt,
  registerAttempt,
  sendCallback,
  settledEvents,
} from '../support/local-client.js';

/** docs/api.md over HTTP against the local stack: routes, answers and their exact bodies. */
const { standard, strict } = inject('localStacks');

describe('local stack HTTP contract', () => {
  it('reports health', async () => {
    const answer = await call(standard, 'GET', '/health');

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
  });

  it('serves the callback with and without the trailing slash', async () => {
    const attemptCode = await registerAttempt(standard);

    const withSlash = await sendCallback(
      standard,
      vendorPayload({ attemptCode, reviewStatus: 'Clean' }),
    );
    const without = await sendCallback(
      standard,
      vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }),
      {
        path: CALLBACK_PATH.replace(/\/$/, ''),
      },
    );

    expect([withSlash.status, without.status]).toEqual([200, 200]);
    expect(withSlash.text).toBe('"OK"');
    expect(withSlash.headers.get('content-type')).toContain('application/json');
  });

  it('parses the body as JSON whatever the Content-Type (V3)', async () => {
    const attemptCode = await registerAttempt(standard);

    const answer = await sendCallback(standard, vendorPayload({ attemptCode }), {
      headers: { 'Content-Type': 'foo' },
    });

    expect(answer.status).toBe(200);
  });

  it.each([
    ['GET', 405, 'method_not_allowed'],
    ['PUT', 405, 'method_not_allowed'],
  ])('answers %s on the callback with %i (V6)', async (method, status, code) => {
    const answer = await call(standard, method, CALLBACK_PATH);

    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ code });
  });

  it('answers unknown routes with 404 not_found', async () => {
    const answer = await call(standard, 'GET', '/nope');

    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ detail: 'Not found.', code: 'not_found' });
  });

  it('answers a body over 1 MiB with 413 and stores nothing', async () => {
    const answer = await sendCallback(standard, `"${'x'.repeat(1024 * 1024 + 1)}"`);

    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ code: 'payload_too_large' });
  });

  it.each([
    ['no signature', {}],
    ['a wrong signature', { 'X-Proctoring-Signature': signatureFor('wrong', '1', '{}') }],
    [
      'a stale timestamp',
      { 'X-Proctoring-Timestamp': String(Math.floor(Date.now() / 1000) - 301) },
    ],
  ])('answers a callback with %s with 401 and stores nothing', async (_case, headers) => {
    const attemptCode = await registerAttempt(standard);
    const body = JSON.stringify(vendorPayload({ attemptCode }));
    const timestamp = String(Math.floor(Date.now() / 1000));

    const answer = await call(standard, 'POST', CALLBACK_PATH, body, {
      'X-Proctoring-Timestamp': timestamp,
      ...('X-Proctoring-Signature' in headers || 'X-Proctoring-Timestamp' in headers
        ? { 'X-Proctoring-Signature': signatureFor('local-development-secret', timestamp, body) }
        : {}),
      ...headers,
    });

    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ code: 'invalid_signature' });
    expect((await readAttempt(standard, attemptCode)).review).toBeNull();
  });

  it('verifies signatures made with any configured secret (rotation)', async () => {
    const attemptCode = await registerAttempt(strict);

    const old = await sendCallback(strict, vendorPayload({ attemptCode, reviewStatus: 'Clean' }), {
      secret: 'strict-secret-1',
    });

    expect(old.status).toBe(200);
  });

  it.each([
    [
      'malformed_payload',
      (code: string) => ({ ...vendorPayload({ attemptCode: code }), reviewStatus: undefined }),
    ],
    ['attempt_not_found', () => vendorPayload({ attemptCode: 'unknown-attempt' })],
    [
      'suspicious_lookup',
      (code: string) => vendorPayload({ attemptCode: code, externalId: 'mismatch' }),
    ],
    [
      'bad_review_status',
      (code: string) => vendorPayload({ attemptCode: code, reviewStatus: 'clean' }),
    ],
  ])('answers 400 %s with detail and code, storing nothing', async (code, build) => {
    const attemptCode = await registerAttempt(standard);

    const answer = await sendCallback(standard, build(attemptCode));

    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ detail: expect.any(String), code });
    expect((await readAttempt(standard, attemptCode)).review).toBeNull();
    expect(await eventsFor(standard, attemptCode)).toEqual([]);
  });

  it('never stores or publishes the video link in plaintext', async () => {
    const attemptCode = await registerAttempt(standard);
    const payload = vendorPayload({ attemptCode });

    await sendCallback(standard, payload);

    const events = await settledEvents(standard, attemptCode, 3);
    const attempt = await readAttempt(standard, attemptCode);
    const link = String(payload.videoReviewLink);
    expect(JSON.stringify(attempt)).not.toContain(link);
    expect(JSON.stringify(events)).not.toContain(link);
    expect((attempt.review as { rawData: Record<string, unknown> }).rawData).not.toHaveProperty(
      'videoReviewLink',
    );
  });

  it('writes each event as the envelope a rule target receives', async () => {
    const attemptCode = await registerAttempt(standard);

    await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Clean' }));

    const [event] = await settledEvents(standard, attemptCode, 2);
    expect(Object.keys(event ?? {}).sort()).toEqual(
      [
        'account',
        'detail',
        'detail-type',
        'id',
        'region',
        'resources',
        'source',
        'time',
        'version',
      ].sort(),
    );
    expect(event).toMatchObject({
      version: '0',
      source: 'edx.proctoring',
      'detail-type': 'review_received',
    });
  });
});
