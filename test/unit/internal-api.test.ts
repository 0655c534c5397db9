import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../lib/store/memory-store.js';
import {
  apiEvent,
  attemptRegistration,
  newAttemptCode,
  signedCallback,
  vendorComment,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness, internalApiHarness } from '../support/harness.js';

const attemptPath = (code: string) => `/internal/attempts/${encodeURIComponent(code)}`;

function request(method: string, path: string, body?: unknown) {
  return apiEvent({ method, path, body: body === undefined ? undefined : JSON.stringify(body) });
}

function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, unknown>;
}

describe('internal API: attempts', () => {
  it('registers an attempt and answers it as stored', async () => {
    // Prepare
    const { invoke } = internalApiHarness();
    const code = newAttemptCode();

    // Act
    const response = await invoke(request('PUT', attemptPath(code), attemptRegistration()));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toEqual({
      attemptCode: code,
      ...attemptRegistration(),
      archived: false,
      review: null,
    });
  });

  it('accepts absent optional fields and stores them as null', async () => {
    const { invoke } = internalApiHarness();
    const {
      externalId: _e,
      startedAt: _s,
      completedAt: _c,
      ...registration
    } = attemptRegistration();
    const { email: _m, ...user } = registration.user;

    const response = await invoke(
      request('PUT', attemptPath(newAttemptCode()), { ...registration, user }),
    );

    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({
      externalId: null,
      startedAt: null,
      completedAt: null,
      user: { email: null },
    });
  });

  it.each([
    ['status', { status: 'finished' }],
    ['attemptId', { attemptId: '1001' }],
    ['user', { user: { id: 7 } }],
    ['exam.isProctored', { exam: { ...attemptRegistration().exam, isProctored: 'yes' } }],
    ['startedAt', { startedAt: 'yesterday' }],
  ])('answers 400 malformed_payload naming %s', async (field, change) => {
    const { invoke } = internalApiHarness();

    const response = await invoke(
      request('PUT', attemptPath(newAttemptCode()), { ...attemptRegistration(), ...change }),
    );

    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      detail: expect.stringContaining(field),
      code: 'malformed_payload',
    });
  });

  it('answers 400 to a body that is not JSON', async () => {
    const { invoke } = internalApiHarness();

    const response = await invoke(
      apiEvent({ method: 'PUT', path: attemptPath('X'), body: 'nope' }),
    );

    expect(json(response)).toMatchObject({ code: 'malformed_payload' });
  });

  it('reads an attempt with its latest review, comments webcam first', async () => {
    // Prepare
    const store = new MemoryStore();
    const { invoke } = internalApiHarness(store);
    const callback = callbackHarness({ store });
    const code = newAttemptCode();
    await invoke(request('PUT', attemptPath(code), attemptRegistration()));
    const payload = vendorPayload({
      attemptCode: code,
      reviewStatus: 'Clean',
      desktopComments: [vendorComment('desk', 'Clean', 1)],
      webCamComments: [vendorComment('cam', 'Suspicious', 2)],
    });
    await callback.invoke(signedCallback(payload));

    // Act
    const response = await invoke(request('GET', attemptPath(code)));

    // Assess
    const body = json(response);
    const { videoReviewLink: _link, ...withoutLink } = payload;
    expect(body.review).toEqual({
      reviewStatus: 'Clean',
      revision: 1,
      reviewedBy: null,
      rawData: withoutLink,
      comments: [
        {
          start: 2,
          stop: 42,
          duration: 40,
          comment: 'cam',
          status: 'Suspicious',
          source: 'webcam',
        },
        { start: 1, stop: 41, duration: 40, comment: 'desk', status: 'Clean', source: 'desktop' },
      ],
      receivedAt: expect.any(String),
    });
  });

  it('answers 404 attempt_not_found for an unknown code', async () => {
    const { invoke } = internalApiHarness();

    const response = await invoke(request('GET', attemptPath('unknown')));

    expect(response.statusCode).toBe(404);
    expect(json(response)).toMatchObject({ code: 'attempt_not_found' });
  });

  it('archives an attempt, keeps its status, and then refuses to replace it with 409', async () => {
    const { invoke } = internalApiHarness();
    const code = newAttemptCode();
    await invoke(request('PUT', attemptPath(code), attemptRegistration({ status: 'verified' })));

    const archived = await invoke(request('DELETE', attemptPath(code)));
    const again = await invoke(request('DELETE', attemptPath(code)));
    const replaced = await invoke(request('PUT', attemptPath(code), attemptRegistration()));
    const read = await invoke(request('GET', attemptPath(code)));

    expect(archived.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(replaced.statusCode).toBe(409);
    expect(json(replaced)).toMatchObject({ code: 'attempt_archived' });
    expect(json(read)).toMatchObject({ archived: true, status: 'verified' });
  });

  it('answers 404 when archiving an unknown attempt', async () => {
    const { invoke } = internalApiHarness();

    const response = await invoke(request('DELETE', attemptPath('unknown')));

    expect(response.statusCode).toBe(404);
  });

  it.each([
    ['POST', attemptPath('X'), 'GET, PUT, DELETE'],
    ['GET', `${attemptPath('X')}/review`, 'PUT'],
  ])('answers 405 to %s %s', async (method, path, allow) => {
    const { invoke } = internalApiHarness();

    const response = await invoke(request(method, path));

    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe(allow);
  });

  it('answers 404 not_found for routes it does not serve', async () => {
    const { invoke } = internalApiHarness();

    const response = await invoke(request('GET', '/internal/attempts/A/reviews/more'));

    expect(response.statusCode).toBe(404);
    expect(json(response)).toEqual({ detail: 'Not found.', code: 'not_found' });
  });

  it('answers 400 for an attempt code that is too long', async () => {
    const { invoke } = internalApiHarness();

    const response = await invoke(request('GET', attemptPath('A'.repeat(256))));

    expect(json(response)).toMatchObject({ code: 'malformed_payload' });
  });
});

describe('internal API: staff reviews', () => {
  async function withAttempt() {
    const harness = internalApiHarness();
    const code = newAttemptCode();
    await harness.invoke(request('PUT', attemptPath(code), attemptRegistration()));
    return { ...harness, code };
  }

  it('records a staff review as the next revision with reviewedBy and a staff comment', async () => {
    // Prepare
    const { invoke, store, code } = await withAttempt();
    await store.appendRevision(
      code,
      null,
      { revision: 1, vendorHashes: { h: 1 } },
      {
        source: 'vendor',
        reviewStatus: 'Suspicious',
        reviewedBy: null,
        rawData: {},
        contentHash: 'h',
        encryptedVideoUrl: null,
        comments: [],
        receivedAt: '2026-01-01T00:00:00.000Z',
      },
    );
    const body = {
      reviewStatus: 'Rules Violation',
      reviewedBy: 'staff@example.org',
      comment: 'Checked the video',
    };

    // Act
    const response = await invoke(request('PUT', `${attemptPath(code)}/review`, body));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(json(response)).toMatchObject({
      attemptCode: code,
      revision: 2,
      reviewedBy: 'staff@example.org',
    });
    const read = json(await invoke(request('GET', attemptPath(code))));
    expect(read.review).toMatchObject({
      revision: 2,
      reviewStatus: 'Rules Violation',
      reviewedBy: 'staff@example.org',
      rawData: body,
      comments: [
        {
          start: 0,
          stop: 0,
          duration: 0,
          comment: 'Checked the video',
          status: 'Rules Violation',
          source: 'staff',
        },
      ],
    });
  });

  it('is allowed for archived attempts', async () => {
    const { invoke, code } = await withAttempt();
    await invoke(request('DELETE', attemptPath(code)));

    const response = await invoke(
      request('PUT', `${attemptPath(code)}/review`, { reviewStatus: 'Clean', reviewedBy: 's' }),
    );

    expect(response.statusCode).toBe(200);
  });

  it.each([
    [{ reviewStatus: 'Bogus', reviewedBy: 's' }, 400, 'bad_review_status'],
    [{ reviewStatus: 'Clean' }, 400, 'malformed_payload'],
    [{ reviewStatus: 'Clean', reviewedBy: '  ' }, 400, 'malformed_payload'],
    [{ reviewStatus: 'Clean', reviewedBy: 's', comment: 5 }, 400, 'malformed_payload'],
    [['Clean'], 400, 'malformed_payload'],
  ])('answers %j with %i %s', async (body, status, code) => {
    const harness = await withAttempt();

    const response = await harness.invoke(
      request('PUT', `${attemptPath(harness.code)}/review`, body),
    );

    expect(response.statusCode).toBe(status);
    expect(json(response)).toMatchObject({ code });
  });

  it('answers 404 for an unknown attempt', async () => {
    const { invoke } = internalApiHarness();

    const response = await invoke(
      request('PUT', `${attemptPath('nope')}/review`, { reviewStatus: 'Clean', reviewedBy: 's' }),
    );

    expect(response.statusCode).toBe(404);
    expect(json(response)).toMatchObject({ code: 'attempt_not_found' });
  });
});
