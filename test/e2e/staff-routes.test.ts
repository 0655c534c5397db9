import { describe, expect, inject, it } from 'vitest';
import { VIDEO_LINK, vendorPayload } from '../support/factories.js';
import {
  call,
  eventually,
  readAttempt,
  registerAttempt,
  sendCallback,
} from '../support/local-client.js';

/**
 * The staff routes through the running local stack: the review queue by status, a review's
 * history with outcomes, and the video link redirect.
 */
const { standard } = inject('localStacks');

type Page = { items: { attemptCode: string; status: string }[]; next: string | null };

async function reviewed(reviewStatus: string): Promise<string> {
  const attemptCode = await registerAttempt(standard);
  await sendCallback(standard, vendorPayload({ attemptCode, reviewStatus }));
  await eventually(async () => {
    expect((await readAttempt(standard, attemptCode)).status).not.toBe('submitted');
  });
  return attemptCode;
}

describe('staff routes through npm start', () => {
  it('pages through the queue of one status, each attempt once, only that status', async () => {
    const waiting = [await reviewed('Suspicious'), await reviewed('Suspicious')];
    await reviewed('Clean');

    const listed: Page['items'] = [];
    let next: string | null = null;
    do {
      const query = `status=second_review_required&limit=1${next ? `&cursor=${encodeURIComponent(next)}` : ''}`;
      const answer = await call(standard, 'GET', `/internal/attempts?${query}`);
      expect(answer.status).toBe(200);
      const page = answer.body as Page;
      expect(page.items.length).toBeLessThanOrEqual(1);
      listed.push(...page.items);
      next = page.next;
    } while (next);

    const codes = listed.map((item) => item.attemptCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(new Set(listed.map((item) => item.status))).toEqual(new Set(['second_review_required']));
    // Most recently changed first: the second one waiting comes before the first.
    expect(codes.indexOf(waiting[1] as string)).toBeLessThan(codes.indexOf(waiting[0] as string));
    expect((await call(standard, 'GET', '/internal/attempts?status=waiting')).status).toBe(400);
  });

  it('shows the history with outcomes and redirects to the video, until the attempt is archived', async () => {
    const attemptCode = await reviewed('Suspicious');

    const history = await call(standard, 'GET', `/internal/attempts/${attemptCode}/reviews`);
    const video = await fetch(`${standard.url}/internal/attempts/${attemptCode}/review/video`, {
      redirect: 'manual',
    });
    await call(standard, 'DELETE', `/internal/attempts/${attemptCode}`);
    const archived = await call(standard, 'GET', `/internal/attempts/${attemptCode}/review/video`);

    expect(history.body).toMatchObject({
      items: [
        {
          revision: 1,
          reviewStatus: 'Suspicious',
          outcome: { disposition: 'applied', toStatus: 'second_review_required' },
        },
      ],
    });
    expect(video.status).toBe(302);
    expect(video.headers.get('location')).toBe(VIDEO_LINK);
    expect(video.headers.get('cache-control')).toBe('no-store');
    expect(archived.status).toBe(404);
    expect(archived.body).toMatchObject({ code: 'video_not_available' });
  });
});
