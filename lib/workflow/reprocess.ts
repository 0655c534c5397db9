import * as z from 'zod/mini';
import { type CursorCodec, refusedCursor } from '../cursor.js';
import { ReprocessIncomplete } from '../errors.js';
import { parseWith } from '../validation.js';
import type { FinishReviewDependencies } from './finish-review.js';
import type { RevisionFinder, RevisionPosition } from './ports.js';
import { runRevisions } from './run-revisions.js';

/**
 * Reprocessing a time range (edX's `update_attempt_status_from_review`, docs/api.md): every
 * revision received in `[from, to)` without a recorded outcome runs through the workflow now;
 * with `republish`, those that have one publish their events again, unchanged. One call handles
 * one page of at most `REPROCESS_PAGE_SIZE` revisions, so it stays well inside API Gateway's 29 s;
 * the answer's `next` cursor asks for the following page.
 */
export const REPROCESS_PAGE_SIZE = 100;
export const MAX_REPROCESS_DAYS = 31;
const DAY_MS = 86_400_000;

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date and time' });

export const reprocessRequestSchema = z
  .object({
    from: isoTime,
    to: isoTime,
    republish: z._default(z.optional(z.boolean()), false),
    cursor: z._default(
      z.optional(z.nullable(z.string().check(z.minLength(1), z.maxLength(2048)))),
      null,
    ),
  })
  .check(
    z.superRefine((request, ctx) => {
      const span = Date.parse(request.to) - Date.parse(request.from);
      if (span <= 0) {
        ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
      } else if (span > MAX_REPROCESS_DAYS * DAY_MS) {
        ctx.addIssue({
          code: 'custom',
          path: ['to'],
          message: `must be at most ${MAX_REPROCESS_DAYS} days after from`,
        });
      }
    }),
  );

/** A cursor is bound to the request it continues: same range, same `republish`. */
const reprocessCursorSchema = z.object({
  from: z.string(),
  to: z.string(),
  republish: z.boolean(),
  position: z.object({
    receivedAt: z.string().check(z.minLength(1)),
    attemptCode: z.string().check(z.minLength(1)),
    revision: z.number().check(z.int(), z.positive()),
  }),
});

export const REPROCESS_CURSOR_ROUTE = 'POST /internal/reviews/reprocess';

export interface ReprocessDependencies extends FinishReviewDependencies {
  finder: RevisionFinder;
  cursors: CursorCodec;
}

export interface ReprocessResult {
  examined: number;
  processed: number;
  republished: number;
  next: string | null;
}

export async function reprocessRange(
  deps: ReprocessDependencies,
  body: unknown,
): Promise<ReprocessResult> {
  const request = parseWith(reprocessRequestSchema, body, 'reprocess request');
  // Stored times are UTC with milliseconds; the range is compared in the same form.
  const from = new Date(request.from).toISOString();
  const to = new Date(request.to).toISOString();
  let after: RevisionPosition | null = null;
  if (request.cursor !== null) {
    const cursor = deps.cursors.open(REPROCESS_CURSOR_ROUTE, request.cursor, reprocessCursorSchema);
    if (cursor.from !== from || cursor.to !== to || cursor.republish !== request.republish) {
      throw refusedCursor();
    }
    after = cursor.position;
  }

  const page = await deps.finder.listRevisionsReceived(from, to, REPROCESS_PAGE_SIZE, after);
  const runs = await runRevisions(deps, page.revisions, { republish: request.republish });
  const count = (kind: string) => runs.filter(({ run }) => run.kind === kind).length;
  for (const { listed, run } of runs) {
    if (run.kind === 'processed') {
      deps.log.info('review revision reprocessed', {
        attemptCode: listed.facts.attemptCode,
        revision: listed.facts.revision,
        receivedAt: listed.receivedAt,
      });
    }
  }
  const failed = count('failed') + count('held_back');
  if (failed > 0) throw new ReprocessIncomplete(failed);
  return {
    examined: page.revisions.length,
    processed: count('processed'),
    republished: count('republished'),
    next: page.next
      ? deps.cursors.seal(REPROCESS_CURSOR_ROUTE, {
          from,
          to,
          republish: request.republish,
          position: page.next,
        })
      : null,
  };
}
