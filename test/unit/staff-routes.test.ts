import { describe, expect, it } from 'vitest';
import { createVideoUrlCipher } from '../../lib/reviews/video-url.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { apiEvent, attemptRegistration, VIDEO_LINK } from '../support/factories.js';
import { internalApiHarness } from '../support/harness.js';
import { operationsHarness } from '../support/operations-harness.js';
import { revisionInsert, streamEvent } from '../support/streams.js';
import { appendRevision, registeredAttempt, staffRevision } from '../support/workflow-harness.js';

function get(path: string, query: Record<string, string> | null = null, identity = {}) {
  const event = apiEvent({ method: 'GET', path });
  return {
    ...event,
    queryStringParameters: query,
    requestContext: { ...event.requestContext, identity },
  } as typeof event;
}

function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, unknown>;
}

type Page = { items: { attemptCode: string; status: string }[]; next: string | null };

describe('staff queue: GET /internal/attempts?status=', () => {
  async function queueOf(count: number, status: 'second_review_required' | 'verified') {
    const store = new MemoryStore();
    const codes: string[] = [];
    for (let index = 0; index < count; index++) {
      codes.push(await registeredAttempt(store, { status }));
      // Distinct change times, one millisecond apart at least.
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return { store, codes };
  }

  it('pages through the attempts with the status, newest change first, each once', async () => {
    // Prepare: 7 waiting for a second review, 3 verified
    const { store, codes } = await queueOf(7, 'second_review_required');
    for (let index = 0; index < 3; index++) await registeredAttempt(store, { status: 'verified' });
    const { invoke } = internalApiHarness(store);

    // Act
    const pages: Page[] = [];
    let next: string | null = null;
    do {
      const query: Record<string, string> = { status: 'second_review_required', limit: '3' };
      if (next) query.cursor = next;
      const response = await invoke(get('/internal/attempts', query));
      expect(response.statusCode).toBe(200);
      const page = json(response) as unknown as Page;
      pages.push(page);
      next = page.next;
    } while (next);

    // Assess
    expect(pages.map((page) => page.items.length)).toEqual([3, 3, 1]);
    const listed = pages.flatMap((page) => page.items);
    expect(listed.map((item) => item.attemptCode)).toEqual([...codes].reverse());
    expect(new Set(listed.map((item) => item.status))).toEqual(new Set(['second_review_required']));
  });

  it('shows each attempt as GET /internal/attempts/{code} does, review included', async () => {
    const harness = operationsHarness();
    const attemptCode = await registeredAttempt(harness.store);
    const revision = await appendRevision(harness.store, attemptCode, {
      reviewStatus: 'Suspicious',
    });
    await harness.invoke(streamEvent([revisionInsert(attemptCode, revision)]));
    const { invoke } = internalApiHarness(harness.store);

    const page = json(
      await invoke(get('/internal/attempts', { status: 'second_review_required' })),
    );
    const single = json(await invoke(get(`/internal/attempts/${attemptCode}`)));

    expect(page).toEqual({ items: [single], next: null });
    expect(single).toMatchObject({ status: 'second_review_required', review: { revision: 1 } });
  });

  it('moves an attempt whose status changes out of its old queue and leaves archived ones out', async () => {
    const harness = operationsHarness();
    const reviewed = await registeredAttempt(harness.store, { status: 'second_review_required' });
    const archived = await registeredAttempt(harness.store, { status: 'second_review_required' });
    const waiting = await registeredAttempt(harness.store, { status: 'second_review_required' });
    const revision = await appendRevision(harness.store, reviewed, staffRevision('Clean'));
    await harness.invoke(streamEvent([revisionInsert(reviewed, revision)]));
    await harness.store.archiveAttempt(archived);
    const { invoke } = internalApiHarness(harness.store);

    const queue = json(
      await invoke(get('/internal/attempts', { status: 'second_review_required' })),
    );
    const verified = json(await invoke(get('/internal/attempts', { status: 'verified' })));

    expect((queue as unknown as Page).items.map((item) => item.attemptCode)).toEqual([waiting]);
    expect((verified as unknown as Page).items.map((item) => item.attemptCode)).toEqual([reviewed]);
  });

  it.each([
    ['no status', {}, 'status'],
    ['an unknown status', { status: 'waiting' }, 'status'],
    ['a limit of 0', { status: 'verified', limit: '0' }, 'limit'],
    ['a limit of 101', { status: 'verified', limit: '101' }, 'limit'],
    ['a limit that is not a number', { status: 'verified', limit: 'ten' }, 'limit'],
    ['a made-up cursor', { status: 'verified', cursor: 'c1.e30.AAAA' }, 'cursor'],
  ])('answers 400 malformed_payload naming the field for %s', async (_case, query, field) => {
    const { invoke } = internalApiHarness();

    const response = await invoke(get('/internal/attempts', query));

    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ code: 'malformed_payload' });
    expect(String(json(response).detail)).toContain(field);
  });

  it('refuses a cursor issued for another status or changed by one character', async () => {
    const { store } = await queueOf(3, 'verified');
    const { invoke } = internalApiHarness(store);
    const first = json(await invoke(get('/internal/attempts', { status: 'verified', limit: '1' })));
    const cursor = String(first.next);
    const flipped = `${cursor.slice(0, 5)}${cursor[5] === 'A' ? 'B' : 'A'}${cursor.slice(6)}`;

    const otherStatus = await invoke(get('/internal/attempts', { status: 'rejected', cursor }));
    const changed = await invoke(
      get('/internal/attempts', { status: 'verified', cursor: flipped }),
    );

    expect([otherStatus.statusCode, changed.statusCode]).toEqual([400, 400]);
    expect(json(changed)).toMatchObject({ code: 'malformed_payload' });
  });
});

describe('review history: GET /internal/attempts/{code}/reviews', () => {
  it('lists every revision oldest first, each with its outcome or null', async () => {
    // Prepare: vendor Suspicious (processed), staff Clean (not processed yet)
    const harness = operationsHarness();
    const attemptCode = await registeredAttempt(harness.store);
    const first = await appendRevision(harness.store, attemptCode, { reviewStatus: 'Suspicious' });
    await harness.invoke(streamEvent([revisionInsert(attemptCode, first)]));
    await appendRevision(harness.store, attemptCode, staffRevision('Clean'));
    const { invoke } = internalApiHarness(harness.store);

    // Act
    const response = await invoke(get(`/internal/attempts/${attemptCode}/reviews`));

    // Assess
    expect(response.statusCode).toBe(200);
    const { items } = json(response) as { items: Record<string, unknown>[] };
    expect(items).toEqual([
      expect.objectContaining({
        revision: 1,
        reviewStatus: 'Suspicious',
        reviewedBy: null,
        outcome: {
          decidedStatus: 'second_review_required',
          fromStatus: 'submitted',
          toStatus: 'second_review_required',
          disposition: 'applied',
          processedAt: '2026-03-04T05:06:07.000Z',
        },
      }),
      expect.objectContaining({
        revision: 2,
        reviewStatus: 'Clean',
        reviewedBy: 'staff@example.org',
        outcome: null,
      }),
    ]);
    expect(Object.keys(items[0] ?? {})).toEqual([
      'reviewStatus',
      'revision',
      'reviewedBy',
      'rawData',
      'comments',
      'receivedAt',
      'outcome',
    ]);
  });

  it('answers an empty list for an attempt without a review, 404 for an unknown one', async () => {
    const store = new MemoryStore();
    const attemptCode = await registeredAttempt(store);
    const { invoke } = internalApiHarness(store);

    const empty = await invoke(get(`/internal/attempts/${attemptCode}/reviews`));
    const unknown = await invoke(get('/internal/attempts/NOPE/reviews'));

    expect(json(empty)).toEqual({ items: [] });
    expect(unknown.statusCode).toBe(404);
    expect(json(unknown)).toMatchObject({ code: 'attempt_not_found' });
  });
});

describe('a review history too large for one answer', () => {
  // A comment of quotes: each takes 4 bytes once the body is escaped into Lambda's answer.
  const hugeComment = {
    start: 1,
    stop: 2,
    duration: 1,
    comment: '"'.repeat(400_000),
    status: 'Suspicious',
    source: 'webcam' as const,
  };

  async function longHistory(revisions: number) {
    const store = new MemoryStore();
    const attemptCode = await registeredAttempt(store);
    for (let index = 0; index < revisions; index++) {
      await appendRevision(store, attemptCode, { comments: [hugeComment] });
    }
    return { store, attemptCode };
  }

  /** The whole Lambda answer as it travels: the body is a string inside it. */
  const lambdaAnswerBytes = (response: unknown) => Buffer.byteLength(JSON.stringify(response));

  it('answers the oldest revisions that fit under Lambda’s 6 MB, and the rest through next', async () => {
    // Prepare: four revisions of about 1.6 MB each in the answer
    const { store, attemptCode } = await longHistory(4);
    const { invoke } = internalApiHarness(store);
    const path = `/internal/attempts/${attemptCode}/reviews`;

    // Act
    const first = await invoke(get(path));
    const firstPage = json(first) as { items: { revision: number }[]; next?: string };
    const second = await invoke(get(path, { cursor: firstPage.next ?? '' }));

    // Assess
    expect(first.statusCode).toBe(200);
    expect(firstPage.items.map((item) => item.revision)).toEqual([1, 2, 3]);
    expect(lambdaAnswerBytes(first)).toBeLessThan(6 * 1024 * 1024);
    expect(firstPage.next).toEqual(expect.any(String));
    expect(second.statusCode).toBe(200);
    expect(json(second)).toEqual({
      items: [expect.objectContaining({ revision: 4, comments: [hugeComment] })],
    });
  });

  it('answers one revision a page when each is larger than half the budget, and every revision once', async () => {
    const { store, attemptCode } = await longHistory(3);
    const huge = { ...hugeComment, comment: '"'.repeat(700_000) };
    await appendRevision(store, attemptCode, { comments: [huge, huge] });
    const { invoke } = internalApiHarness(store);
    const path = `/internal/attempts/${attemptCode}/reviews`;

    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const response = await invoke(get(path, cursor ? { cursor } : null));
      expect(response.statusCode).toBe(200);
      expect(lambdaAnswerBytes(response)).toBeLessThan(6 * 1024 * 1024);
      const page = json(response) as { items: { revision: number }[]; next?: string };
      seen.push(...page.items.map((item) => item.revision));
      cursor = page.next;
    } while (cursor);

    expect(seen).toEqual([1, 2, 3, 4]);
  });

  it('refuses a cursor issued for another attempt’s history', async () => {
    const { store, attemptCode } = await longHistory(4);
    const other = await registeredAttempt(store);
    const { invoke } = internalApiHarness(store);
    const first = json(await invoke(get(`/internal/attempts/${attemptCode}/reviews`))) as {
      next?: string;
    };

    const response = await invoke(
      get(`/internal/attempts/${other}/reviews`, { cursor: first.next ?? '' }),
    );

    expect(response.statusCode).toBe(400);
    expect(json(response)).toMatchObject({ code: 'malformed_payload' });
    expect(String(json(response).detail)).toContain('cursor');
  });
});

describe('video link: GET /internal/attempts/{code}/review/video', () => {
  const cipher = createVideoUrlCipher([
    'b886e02f19c77ec734b1b132beecd91eb886e02f19c77ec734b1b132beecd91e',
  ]);
  const STAFF = { userArn: 'arn:aws:sts::123456789012:assumed-role/support/grace' };

  async function withVideo(links: (string | null)[]) {
    const store = new MemoryStore();
    const attemptCode = await registeredAttempt(store);
    for (const link of links) {
      await appendRevision(store, attemptCode, {
        encryptedVideoUrl: link === null ? null : cipher.encrypt(link, attemptCode),
      });
    }
    return { store, attemptCode };
  }

  it('redirects to the newest revision that has a link, uncached, and logs who asked, not the link', async () => {
    // Prepare: revision 1 has a link, revision 2 (newest) none, revision 3 another link
    const newest = VIDEO_LINK.replace('7c1e9a', 'newest');
    const { store, attemptCode } = await withVideo([VIDEO_LINK, null, newest]);
    await appendRevision(store, attemptCode, staffRevision('Clean'));
    const { invoke, logs } = internalApiHarness(store);

    // Act
    const response = await invoke(
      get(`/internal/attempts/${attemptCode}/review/video`, null, STAFF),
    );

    // Assess
    expect(response.statusCode).toBe(302);
    expect(response.headers).toMatchObject({ Location: newest, 'Cache-Control': 'no-store' });
    const text = logs.lines.join('\n');
    expect(text).not.toContain('remoteproctor');
    expect(logs.entries()).toContainEqual(
      expect.objectContaining({
        message: 'review video link handed out',
        attemptCode,
        requestedBy: STAFF.userArn,
        revision: 3,
      }),
    );
  });

  it.each([
    [false, VIDEO_LINK],
    [true, VIDEO_LINK.replace('DirectLink-Generic', 'DirectLink-HTML5')],
  ])('with VIDEO_LINK_HTML5=%s redirects to %s', async (html5, expected) => {
    const { store, attemptCode } = await withVideo([VIDEO_LINK]);
    const { invoke } = internalApiHarness(store, { videoLinkHtml5: html5 });

    const response = await invoke(get(`/internal/attempts/${attemptCode}/review/video`));

    expect(response.headers?.Location).toBe(expected);
  });

  it.each([
    ['an archived attempt', [VIDEO_LINK], { archive: true }],
    ['an attempt without a review', [], {}],
    ['a review without a link', [null], {}],
    ['a link that does not decrypt (another key)', [VIDEO_LINK], { otherKey: true }],
    ['a link that was changed', [VIDEO_LINK], { tamper: true }],
  ])('answers 404 video_not_available for %s', async (_case, links, options) => {
    // Prepare
    const { store, attemptCode } = await withVideo(links);
    if ('archive' in options) await store.archiveAttempt(attemptCode);
    if ('tamper' in options) {
      const stored = store.revisions.get(attemptCode)?.[0];
      if (stored?.encryptedVideoUrl) {
        stored.encryptedVideoUrl = `${stored.encryptedVideoUrl.slice(0, -3)}AAA`;
      }
    }
    const { invoke } = internalApiHarness(
      store,
      'otherKey' in options ? { videoKey: 'a'.repeat(64) } : {},
    );

    // Act
    const response = await invoke(get(`/internal/attempts/${attemptCode}/review/video`));

    // Assess
    expect(response.statusCode).toBe(404);
    expect(json(response)).toMatchObject({ code: 'video_not_available' });
    expect(response.headers?.Location).toBeUndefined();
  });

  it('answers 404 attempt_not_found for an unknown attempt and 405 to other methods', async () => {
    const store = new MemoryStore();
    await store.registerAttempt('KNOWN', attemptRegistration());
    const { invoke } = internalApiHarness(store);

    const unknown = await invoke(get('/internal/attempts/NOPE/review/video'));
    const post = await invoke(
      apiEvent({ method: 'POST', path: '/internal/attempts/KNOWN/review/video' }),
    );

    expect(unknown.statusCode).toBe(404);
    expect(json(unknown)).toMatchObject({ code: 'attempt_not_found' });
    expect(post.statusCode).toBe(405);
  });
});
