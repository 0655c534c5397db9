/**
 * `npm run demo`: against a running local stack (`npm start` in another terminal), registers a demo
 * attempt, sends a signed vendor review for it, and prints the attempt's status change and the
 * events the review produced on the local bus.
 *
 *   npm run demo -- [--status Clean|"Rules Violation"|Suspicious|"Not Reviewed"]
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { signatureFor } from '../../lib/http/signature.js';
import { isReviewStatus } from '../../lib/reviews/statuses.js';
import { LOCAL_CALLBACK_SECRET } from '../settings.js';

const USAGE = `usage: npm run demo -- [--status Clean|"Rules Violation"|Suspicious|"Not Reviewed"]`;

function readArguments(): { status: string } {
  try {
    const { values } = parseArgs({
      options: { status: { type: 'string', default: 'Suspicious' } },
      strict: true,
      allowPositionals: false,
    });
    return { status: values.status ?? 'Suspicious' };
  } catch (error) {
    // A mistyped flag is the user's to fix: one line and the usage, not a stack trace.
    console.error(`${(error as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}

const reviewStatus = readArguments().status;
if (!isReviewStatus(reviewStatus)) {
  console.error(
    `--status must be Clean, "Rules Violation", Suspicious or "Not Reviewed"\n${USAGE}`,
  );
  process.exit(2);
}

const base = `http://127.0.0.1:${process.env.PORT || '3000'}`;
const secret = (process.env.CALLBACK_SECRET || LOCAL_CALLBACK_SECRET).split(',')[0]?.trim() ?? '';
const eventsFile = join(resolve(process.env.DATA_DIR || '.local'), 'events.jsonl');
const attemptCode = randomUUID().toUpperCase();
const externalId = randomUUID().replaceAll('-', '').slice(0, 16);

const EXAMPLES = resolve(import.meta.dirname, '../../docs/examples');

async function example(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(EXAMPLES, name), 'utf8')) as Record<string, unknown>;
}

async function request(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${base}${path}`, { method, headers, ...(body ? { body } : {}) });
  return { status: response.status, body: (await response.json()) as unknown };
}

async function main(): Promise<void> {
  const health = await request('GET', '/health').catch(() => undefined);
  if (health?.status !== 200) {
    console.error(`No local stack answers at ${base}; start one with \`npm start\` first.`);
    process.exit(1);
  }

  // The README's example attempt and review, under a fresh attempt code and vendor locator.
  const registration = { ...(await example('attempt.json')), externalId };
  const registered = await request(
    'PUT',
    `/internal/attempts/${attemptCode}`,
    JSON.stringify(registration),
  );
  console.log(`1. registered attempt ${attemptCode}: ${registered.status}, status "submitted"`);

  const sample = await example('review.json');
  const review = JSON.stringify({
    ...sample,
    reviewStatus,
    examMetaData: {
      ...(sample.examMetaData as Record<string, unknown>),
      examCode: attemptCode,
      ssiRecordLocator: externalId.toUpperCase(),
    },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const callback = await request(
    'POST',
    '/api/edx_proctoring/proctoring_review_callback/',
    review,
    {
      'Content-Type': 'application/json',
      'X-Proctoring-Timestamp': timestamp,
      'X-Proctoring-Signature': signatureFor(secret, timestamp, review),
    },
  );
  console.log(
    `2. vendor review "${reviewStatus}" sent, signed: ${callback.status} ${JSON.stringify(callback.body)}`,
  );
  if (callback.status !== 200) process.exit(1);

  const expected = reviewStatus === 'Suspicious' ? 3 : 2;
  let events: { 'detail-type': string; detail: Record<string, unknown> }[] = [];
  for (let waited = 0; waited < 15_000 && events.length < expected; waited += 200) {
    await sleep(200);
    const text = await readFile(eventsFile, 'utf8').catch(() => '');
    events = text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as (typeof events)[number])
      .filter((event) => event.detail.attempt_code === attemptCode);
  }
  const attempt = (await request('GET', `/internal/attempts/${attemptCode}`)).body as {
    status: string;
  };
  console.log(`3. the workflow moved the attempt: "submitted" -> "${attempt.status}"`);
  console.log(`4. events on the local bus (${eventsFile}):`);
  for (const event of events) console.log(JSON.stringify(event, null, 2));
}

await main();
