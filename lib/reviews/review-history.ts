import * as z from 'zod/mini';
import { type CursorCodec, refusedCursor } from '../cursor.js';
import { InternalAttemptNotFound, VideoNotAvailable } from '../errors.js';
import type { Logger } from '../log.js';
import { parseWith } from '../validation.js';
import type { AttemptStore, ReviewHistoryStore } from './ports.js';
import type { RevisionWithOutcome } from './review.js';
import type { VideoUrlCipher } from './video-url.js';

/** What staff read of a review beyond its latest revision: its history and its video. */
export interface ReviewHistoryDependencies {
  store: AttemptStore & ReviewHistoryStore;
}

/** Every revision of the attempt's review, oldest first, each with the workflow's outcome. */
export async function readReviewHistory(
  deps: ReviewHistoryDependencies,
  attemptCode: string,
): Promise<RevisionWithOutcome[]> {
  const attempt = await deps.store.getAttempt(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);
  return deps.store.getReviewHistory(attemptCode);
}

export const HISTORY_CURSOR_ROUTE = 'GET /internal/attempts/{attemptCode}/reviews';

export const historyQuerySchema = z.object({
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

/** What a history cursor carries: the attempt it pages through and the last revision answered. */
const historyCursorSchema = z.object({
  attemptCode: z.string(),
  after: z.int().check(z.gte(1)),
});

export interface ReviewHistoryPage<Item> {
  items: Item[];
  /** Set only when the answer had to stop before the newest revision. */
  next?: string;
}

/**
 * The history as one answer can carry it: oldest first from the cursor's position, each revision
 * rendered once by `answer.render`, as many as fit in `answer.budgetBytes` by `answer.sizeOf`
 * (always at least one), and a cursor for the rest. A history of ordinary reviews always fits
 * whole; only many revisions near the body limit (a vendor re-sending megabyte reviews) are
 * split, instead of an answer too large for Lambda to return.
 */
export async function readReviewHistoryPage<Item>(
  deps: ReviewHistoryDependencies & { cursors: () => Promise<CursorCodec> },
  attemptCode: string,
  query: Record<string, string | undefined> | null,
  answer: {
    render: (revision: RevisionWithOutcome) => Item;
    sizeOf: (item: Item) => number;
    budgetBytes: number;
  },
): Promise<ReviewHistoryPage<Item>> {
  const { cursor } = parseWith(historyQuerySchema, query ?? {}, 'query');
  let after = 0;
  if (cursor !== undefined) {
    const position = (await deps.cursors()).open(HISTORY_CURSOR_ROUTE, cursor, historyCursorSchema);
    // A cursor pages through the attempt it was issued for, never another one.
    if (position.attemptCode !== attemptCode) throw refusedCursor();
    after = position.after;
  }
  const remaining = (await readReviewHistory(deps, attemptCode)).filter(
    (revision) => revision.revision > after,
  );
  const items: Item[] = [];
  let bytes = 0;
  let lastAnswered = after;
  for (const revision of remaining) {
    const item = answer.render(revision);
    bytes += answer.sizeOf(item);
    if (items.length > 0 && bytes > answer.budgetBytes) {
      const next = (await deps.cursors()).seal(HISTORY_CURSOR_ROUTE, {
        attemptCode,
        after: lastAnswered,
      });
      return { items, next };
    }
    items.push(item);
    lastAnswered = revision.revision;
  }
  return { items };
}

export interface VideoLinkDependencies extends ReviewHistoryDependencies {
  /** Absent when no video key is configured: no link can be read then. */
  videoUrlCipher: VideoUrlCipher | undefined;
  /** edX's waffle switch: SoftwareSecure's generic player link becomes its HTML5 one. */
  html5: boolean;
  log: Logger;
}

/**
 * The decrypted `videoReviewLink` of the newest revision that has one (edX's instructor
 * dashboard link). The log line names who asked and for which attempt; the link itself is never
 * logged. Archived attempts, attempts without a review or a link, and links that do not decrypt
 * (a removed key, a changed value) all answer `video_not_available`.
 */
export async function readVideoLink(
  deps: VideoLinkDependencies,
  attemptCode: string,
  requestedBy: string,
): Promise<string> {
  const log = deps.log.child({ attemptCode, requestedBy });
  const attempt = await deps.store.getAttempt(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);
  const refuse = (reason: string) => {
    log.info('review video refused', { reason });
    return new VideoNotAvailable(attemptCode);
  };
  if (attempt.archived) throw refuse('attempt archived');
  const stored = await deps.store.getLatestVideoLink(attemptCode);
  if (!stored) throw refuse('no revision has a video link');
  if (!deps.videoUrlCipher) throw refuse('no video key configured');
  let link: string;
  try {
    link = deps.videoUrlCipher.decrypt(stored.encryptedVideoUrl, attemptCode);
  } catch {
    log.warn('review video link does not decrypt', { revision: stored.revision });
    throw new VideoNotAvailable(attemptCode);
  }
  log.info('review video link handed out', { revision: stored.revision });
  return deps.html5 ? link.replaceAll('DirectLink-Generic', 'DirectLink-HTML5') : link;
}
