/**
 * Runs every review revision received in a time range through the workflow, as edX's
 * `update_attempt_status_from_review` does: revisions without a recorded outcome are applied now,
 * and with `--republish` those that have one publish their events again, unchanged.
 *
 *   npm run reprocess -- --from <ISO time> --to <ISO time> [--republish]
 *                        [--stage dev|prod [--region <region>]] [--url <local stack URL>]
 *
 * Without `--stage` it calls the local stack (PORT, else 3000); with it, the stage's internal API,
 * signed with your AWS credentials. It pages through `POST /internal/reviews/reprocess` (at most
 * 100 revisions a call) until the range is done, repeating a page that failed.
 */
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import {
  commandArguments,
  resolveTarget,
  type Target,
  targetOptionsSchema,
  withRetries,
} from './internal-api-client.js';

export interface ReprocessTotals {
  pages: number;
  examined: number;
  processed: number;
  republished: number;
}

const pageSchema = z.object({
  examined: z.number(),
  processed: z.number(),
  republished: z.number(),
  next: z.string().nullable(),
});

export class ReprocessRefused extends Error {
  override readonly name = 'ReprocessRefused';
}

/** Pages through the range; throws `ReprocessRefused` on a 4xx, or when a page keeps failing. */
export async function reprocessRange(
  target: Target,
  range: { from: string; to: string; republish: boolean },
  onPage: (page: z.infer<typeof pageSchema>, totals: ReprocessTotals) => void = () => {},
): Promise<ReprocessTotals> {
  const totals: ReprocessTotals = { pages: 0, examined: 0, processed: 0, republished: 0 };
  let cursor: string | null = null;
  do {
    const body = { ...range, cursor };
    const answer = await withRetries(() =>
      target.request('POST', '/internal/reviews/reprocess', body),
    );
    if (answer.status !== 200) {
      const detail = (answer.body as { detail?: unknown } | null)?.detail ?? answer.text;
      throw new ReprocessRefused(`HTTP ${answer.status}: ${String(detail)}`);
    }
    const page = pageSchema.parse(answer.body);
    totals.pages++;
    totals.examined += page.examined;
    totals.processed += page.processed;
    totals.republished += page.republished;
    onPage(page, totals);
    cursor = page.next;
  } while (cursor);
  return totals;
}

const argsSchema = targetOptionsSchema.extend({
  from: z.string({ message: 'is required' }),
  to: z.string({ message: 'is required' }),
  republish: z.boolean().default(false),
});

async function main(): Promise<void> {
  const args = commandArguments(
    argsSchema,
    { from: { type: 'string' }, to: { type: 'string' }, republish: { type: 'boolean' } },
    'npm run reprocess -- --from <time> --to <time> [--republish] [--stage dev|prod]',
  );
  try {
    const target = await resolveTarget(args);
    console.error(`reprocessing [${args.from}, ${args.to}) on ${target.description}`);
    const totals = await reprocessRange(
      target,
      { from: args.from, to: args.to, republish: args.republish },
      (page, running) =>
        console.error(
          `  page ${running.pages}: ${page.examined} examined, ${page.processed} processed, ${page.republished} republished`,
        ),
    );
    console.log(JSON.stringify(totals));
  } catch (error) {
    console.error(`reprocess failed: ${(error as Error).message}`);
    process.exit(error instanceof ReprocessRefused ? 2 : 1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
