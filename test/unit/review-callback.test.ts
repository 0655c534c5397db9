import { describe, expect, it } from 'vitest';
import { signatureFor } from '../../lib/http/signature.js';
import type { AttemptStore, ReviewStore } from '../../lib/reviews/ports.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import {
  apiEvent,
  attemptRegistration,
  CALLBACK_PATH,
  newAttemptCode,
  signedCallback,
  TEST_SECRET,
  VIDEO_LINK,
  vendorComment,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness } from '../support/harness.js';
import { appendRevision, staffRevision } from '../support/workflow-harness.js';

type Store = AttemptStore & ReviewStore;

async function registered(store: Store, overrides: Parameters<typeof attemptRegistration>[0] = {}) {
  const attemptCode = newAttemptCode();
  await store.registerAttempt(attemptCode, attemptRegistration(overrides));
  return attemptCode;
}

function bodyOf(response: { body: string }) {
  return JSON.parse(response.body) as unknown;
}

describe('review callback: success', () => {
  it('stores a valid review as revision 1 and answers 200 "OK"', async () => {
    // Prepare
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);

    // Act
    const response = await invoke(signedCallback(vendorPayload({ attemptCode })));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('"OK"');
    expect(response.headers?.['Content-Type']).toBe('application/json');
    const latest = await store.getLatestRevision(attemptCode);
    expect(latest).toMatchObject({
      revision: 1,
      reviewStatus: 'Suspicious',
      reviewedBy: null,
      source: 'vendor',
    });
  });

  it('records when the review was received', async () => {
    const receivedAt = new Date('2026-01-02T03:04:05.678Z');
    const { store, invoke } = callbackHarness({ now: () => receivedAt });
    const attemptCode = await registered(store);

    await invoke(signedCallback(vendorPayload({ attemptCode }), { timestamp: 1_767_323_045 }));

    expect((await store.getLatestRevision(attemptCode))?.receivedAt).toBe(
      '2026-01-02T03:04:05.678Z',
    );
  });

  it('records the current time as received when no clock is given', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    const before = Date.now();

    await invoke(signedCallback(vendorPayload({ attemptCode })));

    const receivedAt = Date.parse((await store.getLatestRevision(attemptCode))?.receivedAt ?? '');
    expect(receivedAt).toBeGreaterThanOrEqual(before);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('parses the body as JSON whatever the Content-Type says', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);

    const response = await invoke(
      signedCallback(vendorPayload({ attemptCode }), { headers: { 'Content-Type': 'foo' } }),
    );

    expect(response.statusCode).toBe(200);
  });

  it('verifies the exact bytes of a base64-encoded body', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    const body = Buffer.from(JSON.stringify(vendorPayload({ attemptCode })), 'utf8');
    const timestamp = String(Math.floor(Date.now() / 1000));

    const response = await invoke(
      apiEvent({
        body,
        base64: true,
        headers: {
          'x-proctoring-timestamp': timestamp,
          'x-proctoring-signature': signatureFor(TEST_SECRET, timestamp, body),
        },
      }),
    );

    expect(response.statusCode).toBe(200);
  });

  it.each([
    ['5f9a3c1e7b2d4a60', '5F9A3C1E7B2D4A60'],
    ['5F9A3C1E7B2D4A60', '5f9a3c1e7b2d4a60'],
    ['AbCd-12', 'aBcD-12'],
  ])('matches the recorded locator %s to %s, ignoring case', async (recorded, sent) => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store, { externalId: recorded });

    const response = await invoke(signedCallback(vendorPayload({ attemptCode, externalId: sent })));

    expect(response.statusCode).toBe(200);
  });

  it('accepts any locator when callback simulation is on, but still requires one', async () => {
    const { store, invoke } = callbackHarness({ allowCallbackSimulation: true });
    const attemptCode = await registered(store, { externalId: null });
    const withoutLocator = vendorPayload({ attemptCode, externalId: 'bogus' });
    delete (withoutLocator.examMetaData as Record<string, unknown>).ssiRecordLocator;

    const simulated = await invoke(
      signedCallback(vendorPayload({ attemptCode, externalId: 'bogus' })),
    );
    const missing = await invoke(signedCallback(withoutLocator));

    expect(simulated.statusCode).toBe(200);
    expect(missing.statusCode).toBe(400);
    expect(bodyOf(missing)).toMatchObject({ code: 'malformed_payload' });
  });

  it('accepts and stores a review for an archived attempt', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    await store.archiveAttempt(attemptCode);

    const response = await invoke(
      signedCallback(vendorPayload({ attemptCode, reviewStatus: 'Clean' })),
    );

    expect(response.statusCode).toBe(200);
    expect(await store.getLatestRevision(attemptCode)).toMatchObject({
      revision: 1,
      reviewStatus: 'Clean',
    });
  });

  it('stores webcam comments first, then desktop comments, each in the order received', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    const payload = vendorPayload({
      attemptCode,
      desktopComments: [vendorComment('d1', 'Clean', 5), vendorComment('d2', 'Suspicious', 1)],
      webCamComments: [
        vendorComment('w1', 'Rules Violation', 900),
        vendorComment('w2', 'Clean', 3),
      ],
    });

    await invoke(signedCallback(payload));

    const latest = await store.getLatestRevision(attemptCode);
    expect(latest?.comments.map((comment) => [comment.source, comment.comment])).toEqual([
      ['webcam', 'w1'],
      ['webcam', 'w2'],
      ['desktop', 'd1'],
      ['desktop', 'd2'],
    ]);
    expect(latest?.comments[0]).toEqual({
      start: 900,
      stop: 940,
      duration: 40,
      comment: 'w1',
      status: 'Rules Violation',
      source: 'webcam',
    });
  });

  it('accepts a review without comment lists', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    const payload = vendorPayload({ attemptCode });
    delete payload.webCamComments;
    delete payload.desktopComments;

    const response = await invoke(signedCallback(payload));

    expect(response.statusCode).toBe(200);
    expect((await store.getLatestRevision(attemptCode))?.comments).toEqual([]);
  });
});

describe('review callback: the video link', () => {
  it('never stores the link in plaintext and keeps it decryptable', async () => {
    // Prepare
    const { store, invoke, cipher } = callbackHarness();
    const attemptCode = await registered(store);

    // Act
    await invoke(signedCallback(vendorPayload({ attemptCode })));

    // Assess
    const latest = await store.getLatestRevision(attemptCode);
    expect(JSON.stringify(latest)).not.toContain(VIDEO_LINK);
    expect(latest?.rawData).not.toHaveProperty('videoReviewLink');
    expect(latest?.rawData.examMetaData).toMatchObject({ examCode: attemptCode });
    expect(latest?.encryptedVideoUrl).toMatch(/^v1\./);
    expect(cipher?.decrypt(latest?.encryptedVideoUrl ?? '', attemptCode)).toBe(VIDEO_LINK);
  });

  it('drops the link when no key is configured', async () => {
    const { store, invoke } = callbackHarness({ videoKey: null });
    const attemptCode = await registered(store);

    await invoke(signedCallback(vendorPayload({ attemptCode })));

    const latest = await store.getLatestRevision(attemptCode);
    expect(latest?.encryptedVideoUrl).toBeNull();
    expect(JSON.stringify(latest)).not.toContain(VIDEO_LINK);
  });

  it.each([
    ['empty', ''],
    ['not a string', 42],
    ['null', null],
    ['absent', undefined],
  ])('stores no encrypted link when the link is %s', async (_case, link) => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    const payload = { ...vendorPayload({ attemptCode }), videoReviewLink: link };
    if (link === undefined) delete payload.videoReviewLink;

    const response = await invoke(signedCallback(payload));

    expect(response.statusCode).toBe(200);
    const latest = await store.getLatestRevision(attemptCode);
    expect(latest?.encryptedVideoUrl).toBeNull();
    expect(latest?.rawData).not.toHaveProperty('videoReviewLink');
  });

  it('logs neither the link, nor the signature, nor the secret, even at debug level', async () => {
    const { store, invoke, logs } = callbackHarness();
    const attemptCode = await registered(store);
    const event = signedCallback(vendorPayload({ attemptCode }));
    const signature = event.headers['X-Proctoring-Signature'] ?? '';

    await invoke(event);
    await invoke(signedCallback({ ...vendorPayload({ attemptCode }), reviewStatus: 'Bogus' }));

    const text = logs.lines.join('\n');
    expect(logs.entries().some((entry) => entry.message === 'vendor review received')).toBe(true);
    expect(text).not.toContain(VIDEO_LINK);
    expect(text).not.toContain(signature.slice(3));
    expect(text).not.toContain(TEST_SECRET);
  });
});

describe('review callback: refusals', () => {
  it.each([
    ['not JSON', '{"examMetaData": ', 'not valid JSON'],
    ['a JSON array', '[1, 2]', 'must be a JSON object'],
    ['a JSON string', '"OK"', 'must be a JSON object'],
    ['empty', '', 'empty'],
  ])('answers 400 malformed_payload when the body is %s', async (_case, body, detail) => {
    const { invoke } = callbackHarness();

    const response = await invoke(signedCallback(body));

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      detail: expect.stringContaining(detail),
      code: 'malformed_payload',
    });
  });

  it.each([
    ['examMetaData', (p: Record<string, unknown>) => delete p.examMetaData],
    [
      'examMetaData.examCode',
      (p: Record<string, unknown>) => delete (p.examMetaData as Record<string, unknown>).examCode,
    ],
    [
      'examMetaData.ssiRecordLocator',
      (p: Record<string, unknown>) =>
        ((p.examMetaData as Record<string, unknown>).ssiRecordLocator = null),
    ],
    ['reviewStatus', (p: Record<string, unknown>) => (p.reviewStatus = 3)],
    ['webCamComments', (p: Record<string, unknown>) => (p.webCamComments = { eventStart: 1 })],
    [
      'webCamComments[0].eventStart',
      (p: Record<string, unknown>) =>
        ((p.webCamComments as Record<string, unknown>[])[0] = {
          ...vendorComment('x'),
          eventStart: '12',
        }),
    ],
    [
      'webCamComments[1].eventFinish',
      (p: Record<string, unknown>) =>
        delete ((p.webCamComments as Record<string, unknown>[])[1] as Record<string, unknown>)
          .eventFinish,
    ],
    [
      'desktopComments[0].duration',
      (p: Record<string, unknown>) =>
        delete ((p.desktopComments as Record<string, unknown>[])[0] as Record<string, unknown>)
          .duration,
    ],
    [
      'desktopComments[0].comments',
      (p: Record<string, unknown>) =>
        (((p.desktopComments as Record<string, unknown>[])[0] as Record<string, unknown>).comments =
          ['a']),
    ],
    [
      'desktopComments[0].eventStatus',
      (p: Record<string, unknown>) =>
        delete ((p.desktopComments as Record<string, unknown>[])[0] as Record<string, unknown>)
          .eventStatus,
    ],
  ])('answers 400 malformed_payload naming %s', async (field, mutate) => {
    // Prepare
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store);
    const payload = vendorPayload({ attemptCode });
    mutate(payload);

    // Act
    const response = await invoke(signedCallback(payload));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      detail: expect.stringContaining(field),
      code: 'malformed_payload',
    });
    expect(await store.getLatestRevision(attemptCode)).toBeNull();
  });

  it('answers 400 attempt_not_found for an unknown attempt code', async () => {
    const { invoke } = callbackHarness();

    const response = await invoke(signedCallback(vendorPayload({ attemptCode: 'bag code' })));

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toEqual({
      detail: 'Could not locate attempt_code=bag code',
      code: 'attempt_not_found',
    });
  });

  it('answers 400 suspicious_lookup when the locator does not match, without revealing the recorded one', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store, { externalId: 'recorded-id' });

    const response = await invoke(
      signedCallback(vendorPayload({ attemptCode, externalId: 'mismatch' })),
    );

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ code: 'suspicious_lookup' });
    expect(response.body).not.toContain('recorded-id');
    expect(await store.getLatestRevision(attemptCode)).toBeNull();
  });

  it('answers 400 suspicious_lookup for an attempt the vendor never registered (no external id)', async () => {
    const { store, invoke } = callbackHarness();
    const attemptCode = await registered(store, { externalId: null });

    const response = await invoke(signedCallback(vendorPayload({ attemptCode })));

    expect(bodyOf(response)).toMatchObject({ code: 'suspicious_lookup' });
  });

  it.each(['Bogus', 'clean', 'CLEAN', 'Rules violation', 'passed', ''])(
    'answers 400 bad_review_status for %j (exact, case-sensitive)',
    async (reviewStatus) => {
      const { store, invoke } = callbackHarness();
      const attemptCode = await registered(store);

      const response = await invoke(signedCallback(vendorPayload({ attemptCode, reviewStatus })));

      expect(response.statusCode).toBe(400);
      expect(bodyOf(response)).toEqual({
        detail: `Received unexpected reviewStatus field value from payload. Was ${reviewStatus}.`,
        code: 'bad_review_status',
      });
    },
  );

  it('checks the attempt before the review status, as edX does', async () => {
    const { invoke } = callbackHarness();

    const response = await invoke(
      signedCallback(vendorPayload({ attemptCode: 'not-here', reviewStatus: 'Unexpected' })),
    );

    expect(bodyOf(response)).toMatchObject({ code: 'attempt_not_found' });
  });

  it.each(['GET', 'PUT', 'DELETE', 'PATCH'])('answers 405 to %s', async (method) => {
    const { invoke } = callbackHarness();

    const response = await invoke(apiEvent({ method, path: CALLBACK_PATH }));

    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('POST');
    expect(bodyOf(response)).toMatchObject({ code: 'method_not_allowed' });
  });

  it('answers 413 to a body over 1 MiB, before checking the signature', async () => {
    const { invoke } = callbackHarness();

    const response = await invoke(apiEvent({ body: `"${'x'.repeat(1024 * 1024)}"` }));

    expect(response.statusCode).toBe(413);
    expect(bodyOf(response)).toMatchObject({ code: 'payload_too_large' });
  });
});

describe('review callback: signatures', () => {
  async function attemptAndPayload() {
    const harness = callbackHarness({ secrets: ['old-secret', 'new-secret'] });
    const attemptCode = await registered(harness.store);
    return { ...harness, attemptCode, payload: vendorPayload({ attemptCode }) };
  }

  it('accepts any of the configured secrets (rotation)', async () => {
    const { invoke, payload } = await attemptAndPayload();

    const withOld = await invoke(signedCallback(payload, { secret: 'old-secret' }));
    const withNew = await invoke(
      signedCallback({ ...payload, reviewStatus: 'Clean' }, { secret: 'new-secret' }),
    );

    expect([withOld.statusCode, withNew.statusCode]).toEqual([200, 200]);
  });

  it.each([
    ['missing', { 'X-Proctoring-Signature': '' }],
    ['missing timestamp', { 'X-Proctoring-Timestamp': '' }],
    ['not v1', { 'X-Proctoring-Signature': 'v2=abc' }],
    ['not hex', { 'X-Proctoring-Signature': `v1=${'z'.repeat(64)}` }],
    ['from another secret', { 'X-Proctoring-Signature': signatureFor('wrong', '1', '{}') }],
  ])(
    'answers 401 invalid_signature when the signature is %s, storing nothing',
    async (_case, headers) => {
      const { invoke, store, attemptCode, payload } = await attemptAndPayload();

      const response = await invoke(signedCallback(payload, { secret: 'new-secret', headers }));

      expect(response.statusCode).toBe(401);
      expect(bodyOf(response)).toMatchObject({ code: 'invalid_signature' });
      expect(await store.getLatestRevision(attemptCode)).toBeNull();
    },
  );

  it.each([
    ['stale', -301],
    ['from the future', 301],
  ])('answers 401 when the timestamp is %s', async (_case, offset) => {
    const { invoke, payload } = await attemptAndPayload();
    const timestamp = Math.floor(Date.now() / 1000) + offset;

    const response = await invoke(signedCallback(payload, { secret: 'new-secret', timestamp }));

    expect(response.statusCode).toBe(401);
  });

  it('accepts a timestamp exactly 300 s old', async () => {
    const fixed = new Date('2026-01-01T00:05:00Z');
    const harness = callbackHarness({ now: () => fixed });
    const attemptCode = await registered(harness.store);
    const timestamp = fixed.getTime() / 1000 - 300;

    const response = await harness.invoke(
      signedCallback(vendorPayload({ attemptCode }), { timestamp }),
    );

    expect(response.statusCode).toBe(200);
  });

  it('rejects a body changed after signing (even only in white space)', async () => {
    const { invoke, payload } = await attemptAndPayload();
    const event = signedCallback(payload, { secret: 'new-secret' });
    event.body = `${event.body} `;

    const response = await invoke(event);

    expect(response.statusCode).toBe(401);
  });

  it('needs no signature when CALLBACK_AUTH is none', async () => {
    const { store, invoke } = callbackHarness({ secrets: null });
    const attemptCode = await registered(store);

    const response = await invoke(
      apiEvent({ body: JSON.stringify(vendorPayload({ attemptCode })) }),
    );

    expect(response.statusCode).toBe(200);
  });
});

describe('review callback: re-delivery and updates', () => {
  it('answers 200 to an identical re-delivery and stores nothing new, even with updates off', async () => {
    // Prepare
    const { store, invoke } = callbackHarness({ allowReviewUpdates: false });
    const attemptCode = await registered(store);
    const payload = vendorPayload({ attemptCode });

    // Act: the same JSON value, keys reordered and re-spaced, as a retrying vendor may send it
    const first = await invoke(signedCallback(payload));
    const reordered = JSON.stringify(
      Object.fromEntries(Object.entries(payload).reverse()),
      null,
      2,
    );
    const second = await invoke(signedCallback(reordered));

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(second.body).toBe('"OK"');
    expect((await store.getHead(attemptCode))?.revision).toBe(1);
  });

  it('answers 400 review_already_exists to a different review when updates are off', async () => {
    const { store, invoke } = callbackHarness({ allowReviewUpdates: false });
    const attemptCode = await registered(store);

    await invoke(signedCallback(vendorPayload({ attemptCode, reviewStatus: 'Clean' })));
    const response = await invoke(
      signedCallback(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' })),
    );

    expect(response.statusCode).toBe(400);
    expect(bodyOf(response)).toMatchObject({ code: 'review_already_exists' });
    expect(await store.getLatestRevision(attemptCode)).toMatchObject({
      revision: 1,
      reviewStatus: 'Clean',
    });
  });

  it('makes a changed review the next revision, with only its own comments, when updates are on', async () => {
    const { store, invoke } = callbackHarness({ allowReviewUpdates: true });
    const attemptCode = await registered(store);

    await invoke(signedCallback(vendorPayload({ attemptCode, reviewStatus: 'Clean' })));
    const response = await invoke(
      signedCallback(
        vendorPayload({
          attemptCode,
          reviewStatus: 'Suspicious',
          webCamComments: [vendorComment('only')],
          desktopComments: [],
        }),
      ),
    );

    expect(response.statusCode).toBe(200);
    const latest = await store.getLatestRevision(attemptCode);
    expect(latest).toMatchObject({ revision: 2, reviewStatus: 'Suspicious' });
    expect(latest?.comments.map((comment) => comment.comment)).toEqual(['only']);
  });

  it.each([true, false])(
    'answers 200 to a re-sent older vendor review and leaves the newer ones in place (updates %s)',
    async (allowReviewUpdates) => {
      // Prepare: vendor Clean, vendor Suspicious (updates on) or a staff review (updates off)
      const { store, invoke } = callbackHarness({ allowReviewUpdates });
      const attemptCode = await registered(store);
      const clean = vendorPayload({ attemptCode, reviewStatus: 'Clean' });
      await invoke(signedCallback(clean));
      if (allowReviewUpdates) {
        await invoke(signedCallback(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' })));
      } else {
        await appendRevision(store, attemptCode, staffRevision('Suspicious'));
      }

      // Act: the first review again, as a late retry or a replay would send it
      const response = await invoke(signedCallback(clean));

      // Assess
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe('"OK"');
      expect(await store.getLatestRevision(attemptCode)).toMatchObject({
        revision: 2,
        reviewStatus: 'Suspicious',
      });
    },
  );
});

describe('review callback: failures', () => {
  class FailingStore extends MemoryStore {
    constructor(private readonly failure: unknown) {
      super();
    }
    override async appendRevision(): Promise<never> {
      throw this.failure;
    }
  }

  it('answers a bare 500 that reveals nothing about an unexpected error', async () => {
    const store = new FailingStore(new Error('secret internals: table xyz'));
    const { invoke, logs } = callbackHarness({ store });
    const attemptCode = await registered(store);

    const response = await invoke(signedCallback(vendorPayload({ attemptCode })));

    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toEqual({ detail: 'Internal Server Error' });
    expect(logs.entries().some((entry) => entry.level === 'error')).toBe(true);
  });

  it('answers 503 when DynamoDB throttles, so the vendor retries', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
    });
    const store = new FailingStore(throttled);
    const { invoke } = callbackHarness({ store });
    const attemptCode = await registered(store);

    const response = await invoke(signedCallback(vendorPayload({ attemptCode })));

    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('1');
  });
});
