/**
 * Re-drives stream batches that exhausted their retries: each failure names a shard, a range of
 * sequence numbers and when its records arrived. For each one this reads the revisions from the
 * stream while it still holds them, reprocesses the time range the failure covers (which applies
 * every unprocessed revision in it, these included), checks that each revision now has an
 * outcome, and only then deletes the failure.
 *
 *   npm run redrive -- [--stage dev|prod [--region <region>]] [--url <URL>] [--data-dir <DIR>]
 *
 * With `--stage` the failures come from the stage's stream-failure queue (SQS), read and deleted
 * with your AWS credentials. Without it they come from the local stack's dead letters
 * (`<DATA_DIR>/dead-letters.jsonl`, which carries the records themselves); a re-driven letter is
 * recorded in `<DATA_DIR>/dead-letters-redriven.jsonl`, because the running stack owns the file.
 */
import { appendFile, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import * as z from 'zod';
import { REVISION_ITEM_TYPE } from '../../lib/store/item-types.js';
import { deleteMessage, receiveMessages } from './aws.js';
import {
  commandArguments,
  resolveTarget,
  type Target,
  targetOptionsSchema,
  withRetries,
} from './internal-api-client.js';
import { type ReprocessTotals, reprocessRange } from './reprocess.js';

/** Lambda's on-failure record for a DynamoDB stream batch (the part the redrive reads). */
const failureSchema = z.object({
  DDBStreamBatchInfo: z.object({
    shardId: z.string(),
    startSequenceNumber: z.string(),
    endSequenceNumber: z.string(),
    approximateArrivalOfFirstRecord: z.string(),
    approximateArrivalOfLastRecord: z.string(),
    streamArn: z.string(),
  }),
});
export type StreamFailure = z.infer<typeof failureSchema>['DDBStreamBatchInfo'];

export interface RevisionKey {
  attemptCode: string;
  revision: number;
}

/**
 * A revision is received (`receivedAt`) before its record reaches the stream, and the local
 * engine rounds arrival times down to the minute: the window reaches back and forward enough.
 */
const BEFORE_FIRST_MS = 5 * 60_000;
const AFTER_LAST_MS = 2 * 60_000;

export interface FailureOutcome {
  totals: ReprocessTotals;
  /** Revisions of the failure still without an outcome (empty: the failure is settled). */
  unapplied: RevisionKey[];
}

/** The revision a stream record announces, or null for any other record. */
export function revisionOfRecord(record: {
  eventName?: string | undefined;
  dynamodb?: { NewImage?: Record<string, { S?: string; N?: string } | undefined> } | undefined;
}): RevisionKey | null {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || image?.itemType?.S !== REVISION_ITEM_TYPE) return null;
  const attemptCode = image.attemptCode?.S;
  const revision = Number(image.revision?.N);
  return attemptCode && Number.isInteger(revision) ? { attemptCode, revision } : null;
}

/** Whether each revision has a recorded outcome, from the review history route. */
async function unappliedOf(target: Target, revisions: RevisionKey[]): Promise<RevisionKey[]> {
  const unapplied: RevisionKey[] = [];
  for (const key of revisions) {
    const answer = await withRetries(() =>
      target.request('GET', `/internal/attempts/${encodeURIComponent(key.attemptCode)}/reviews`),
    );
    // An attempt removed by hand: the workflow skips its revisions, and so does the redrive.
    if (answer.status === 404) continue;
    const items = (answer.body as { items?: { revision: number; outcome: unknown }[] }).items;
    const entry = items?.find((item) => item.revision === key.revision);
    if (answer.status !== 200 || (entry && entry.outcome === null)) unapplied.push(key);
  }
  return unapplied;
}

/** Reprocesses the failure's time range and reports which of its revisions are still unapplied. */
export async function redriveFailure(
  target: Target,
  failure: StreamFailure,
  revisions: RevisionKey[],
): Promise<FailureOutcome> {
  const from = new Date(Date.parse(failure.approximateArrivalOfFirstRecord) - BEFORE_FIRST_MS);
  const to = new Date(Date.parse(failure.approximateArrivalOfLastRecord) + AFTER_LAST_MS);
  const totals = await reprocessRange(target, {
    from: from.toISOString(),
    to: to.toISOString(),
    republish: false,
  });
  return { totals, unapplied: await unappliedOf(target, revisions) };
}

export interface RedriveSummary {
  failures: number;
  redriven: number;
  /** Failures left in place because a revision is still unapplied. */
  left: number;
  revisionsProcessed: number;
}

// The local stack's dead letters

function letterId(failure: StreamFailure): string {
  return `${failure.streamArn}/${failure.shardId}/${failure.startSequenceNumber}-${failure.endSequenceNumber}`;
}

async function jsonLines(file: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown);
}

export async function redriveDeadLetters(
  target: Target,
  dataDir: string,
  log: (line: string) => void = () => {},
): Promise<RedriveSummary> {
  const ledger = join(dataDir, 'dead-letters-redriven.jsonl');
  const done = new Set(
    (await jsonLines(ledger)).map((entry) => (entry as { id?: string }).id ?? ''),
  );
  const summary: RedriveSummary = { failures: 0, redriven: 0, left: 0, revisionsProcessed: 0 };
  for (const letter of await jsonLines(join(dataDir, 'dead-letters.jsonl'))) {
    const parsed = failureSchema.safeParse(letter);
    if (!parsed.success) continue;
    const failure = parsed.data.DDBStreamBatchInfo;
    const id = letterId(failure);
    if (done.has(id)) continue;
    summary.failures++;
    const records = (letter as { records?: Parameters<typeof revisionOfRecord>[0][] }).records;
    const revisions = (records ?? []).map(revisionOfRecord).filter((key) => key !== null);
    const outcome = await redriveFailure(target, failure, revisions);
    summary.revisionsProcessed += outcome.totals.processed;
    if (outcome.unapplied.length > 0) {
      summary.left++;
      log(`  left ${id}: ${outcome.unapplied.length} revision(s) still unapplied`);
      continue;
    }
    await appendFile(
      ledger,
      `${JSON.stringify({ id, redrivenAt: new Date().toISOString(), revisions })}\n`,
    );
    done.add(id);
    summary.redriven++;
    log(`  re-drove ${id}: ${revisions.length} revision(s)`);
  }
  return summary;
}

// A deployed stage's stream-failure queue

/** The revisions of the failed range, while the stream still holds them (24 hours); else null. */
export async function revisionsFromStream(
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  failure: StreamFailure,
): Promise<RevisionKey[] | null> {
  const end = BigInt(failure.endSequenceNumber);
  try {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: failure.streamArn,
        ShardId: failure.shardId,
        ShardIteratorType: 'AT_SEQUENCE_NUMBER',
        SequenceNumber: failure.startSequenceNumber,
      }),
    );
    const revisions: RevisionKey[] = [];
    for (let emptyPages = 0; iterator && emptyPages < 10; ) {
      const page = await streams.send(
        new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }),
      );
      const records = page.Records ?? [];
      emptyPages = records.length === 0 ? emptyPages + 1 : 0;
      for (const record of records) {
        if (BigInt(record.dynamodb?.SequenceNumber ?? '0') > end) return revisions;
        const key = revisionOfRecord(record as unknown as Parameters<typeof revisionOfRecord>[0]);
        if (key) revisions.push(key);
      }
      iterator = page.NextShardIterator;
    }
    return revisions;
  } catch {
    // Trimmed (older than 24 hours), or a shard that no longer exists: the time range remains.
    return null;
  }
}

export async function redriveQueue(
  target: Target,
  streams: Pick<DynamoDBStreamsClient, 'send'>,
  log: (line: string) => void = () => {},
): Promise<RedriveSummary> {
  const access = target.aws?.access;
  const queueUrl = target.aws?.outputs.StreamFailureQueueUrl;
  if (!access || !queueUrl) throw new Error('The stage has no StreamFailureQueueUrl output');
  const summary: RedriveSummary = { failures: 0, redriven: 0, left: 0, revisionsProcessed: 0 };
  // Messages being worked on stay hidden for 15 minutes; one left in place comes back after that.
  for (;;) {
    const messages = await receiveMessages(access, queueUrl, 900);
    if (messages.length === 0) return summary;
    for (const message of messages) {
      const parsed = failureSchema.safeParse(JSON.parse(message.body));
      if (!parsed.success) {
        log(`  skipped message ${message.messageId}: not a stream failure record`);
        continue;
      }
      summary.failures++;
      const failure = parsed.data.DDBStreamBatchInfo;
      const revisions = await revisionsFromStream(streams, failure);
      if (revisions === null) log(`  ${message.messageId}: stream trimmed, by time range only`);
      const outcome = await redriveFailure(target, failure, revisions ?? []);
      summary.revisionsProcessed += outcome.totals.processed;
      if (outcome.unapplied.length > 0) {
        summary.left++;
        log(`  left ${message.messageId}: ${outcome.unapplied.length} revision(s) unapplied`);
        continue;
      }
      await deleteMessage(access, queueUrl, message.receiptHandle);
      summary.redriven++;
      log(`  re-drove ${message.messageId}: ${revisions?.length ?? 'unknown'} revision(s)`);
    }
  }
}

const argsSchema = targetOptionsSchema.extend({ 'data-dir': z.string().min(1).optional() });

async function main(): Promise<void> {
  const args = commandArguments(
    argsSchema,
    { 'data-dir': { type: 'string' } },
    'npm run redrive -- [--stage dev|prod]',
  );
  const log = (line: string) => console.error(line);
  try {
    const target = await resolveTarget(args);
    let summary: RedriveSummary;
    if (target.aws) {
      log(`re-driving the stream-failure queue of ${target.description}`);
      summary = await redriveQueue(
        target,
        new DynamoDBStreamsClient({ region: target.aws.access.region }),
        log,
      );
    } else {
      const dataDir = resolve(args['data-dir'] ?? process.env.DATA_DIR ?? '.local');
      log(`re-driving the dead letters in ${dataDir} through ${target.description}`);
      summary = await redriveDeadLetters(target, dataDir, log);
    }
    console.log(JSON.stringify(summary));
    if (summary.left > 0) process.exit(1);
  } catch (error) {
    console.error(`redrive failed: ${(error as Error).message}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
