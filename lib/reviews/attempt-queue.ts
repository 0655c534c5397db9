import * as z from 'zod/mini';
import { type CursorCodec, refusedCursor } from '../cursor.js';
import { parseWith } from '../validation.js';
import type { AttemptRecord } from './attempts.js';
import type { AttemptPosition, AttemptStore, ReviewStore } from './ports.js';
import { ATTEMPT_STATUSES } from './statuses.js';

/**
 * The staff queue (edX's Django admin list filtered by status): the live attempts whose current
 * status is the one asked for, most recently changed first, in pages read from an index.
 * `status=second_review_required` is the list of attempts waiting for a human.
 */
export const DEFAULT_QUEUE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 100;

const LIMIT_MESSAGE = `must be a whole number from 1 to ${MAX_PAGE_LIMIT}`;

export const attemptQueueQuerySchema = z.object({
  status: z.enum(ATTEMPT_STATUSES, { message: 'must be an edX attempt status' }),
  limit: z._default(
    z.optional(
      z.pipe(
        z.pipe(
          z.string().check(z.regex(/^\d{1,3}$/, { message: LIMIT_MESSAGE })),
          z.transform(Number),
        ),
        z
          .number()
          .check(
            z.gte(1, { message: LIMIT_MESSAGE }),
            z.lte(MAX_PAGE_LIMIT, { message: LIMIT_MESSAGE }),
          ),
      ),
    ),
    DEFAULT_QUEUE_LIMIT,
  ),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
});

/** What a queue cursor carries: the status it pages through and the index position. */
const queueCursorSchema = z.object({
  status: z.enum(ATTEMPT_STATUSES),
  statusChangedAt: z.string().check(z.minLength(1)),
  attemptCode: z.string().check(z.minLength(1)),
});

export const QUEUE_CURSOR_ROUTE = 'GET /internal/attempts';

export interface AttemptQueueDependencies {
  store: AttemptStore & ReviewStore;
  cursors: CursorCodec;
}

export interface AttemptQueuePage {
  records: AttemptRecord[];
  next: string | null;
}

export async function listAttemptQueue(
  deps: AttemptQueueDependencies,
  query: Record<string, string | undefined> | null,
): Promise<AttemptQueuePage> {
  const { status, limit, cursor } = parseWith(attemptQueueQuerySchema, query ?? {}, 'query');
  let after: AttemptPosition | null = null;
  if (cursor !== undefined) {
    const position = deps.cursors.open(QUEUE_CURSOR_ROUTE, cursor, queueCursorSchema);
    // A cursor pages through the status it was issued for, never another one.
    if (position.status !== status) throw refusedCursor();
    after = { statusChangedAt: position.statusChangedAt, attemptCode: position.attemptCode };
  }
  const page = await deps.store.listAttemptsByStatus(status, limit, after);
  const records = await Promise.all(
    page.attempts.map(async (attempt) => ({
      attempt,
      latest: await deps.store.getLatestRevision(attempt.attemptCode),
    })),
  );
  return {
    records,
    next: page.next ? deps.cursors.seal(QUEUE_CURSOR_ROUTE, { status, ...page.next }) : null,
  };
}
