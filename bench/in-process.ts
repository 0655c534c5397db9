import type { APIGatewayProxyResult, DynamoDBRecord } from 'aws-lambda';
import { createFinishReviewHandler } from '../functions/finish-review/handler.js';
import { createReviewCallbackHandler } from '../functions/review-callback/handler.js';
import type { WorkflowEvent } from '../lib/events/schemas.js';
import { createLogger } from '../lib/log.js';
import { videoUrlCipherReader } from '../lib/reviews/video-url.js';
import { secretListReader } from '../lib/secrets.js';
import { revisionSk } from '../lib/store/dynamodb-store.js';
import { REVISION_ITEM_TYPE } from '../lib/store/item-types.js';
import type { MemoryStore } from '../lib/store/memory-store.js';
import type { BatchEventPublisher } from '../lib/workflow/ports.js';
import {
  BENCH_SECRET,
  BENCH_VIDEO_URL_KEY,
  callbackEvent,
  newAttemptCode,
  registration,
  signed,
  vendorPayload,
} from './fixtures.js';

/**
 * The real handler factories wired to in-memory adapters, as the functions' entry points wire
 * them to AWS: deployed log level (info), HMAC secrets and a video URL key.
 */

/** Counts what the functions log, without keeping it. */
export class LogCounter {
  lines = 0;
  bytes = 0;
  readonly sink = (line: string): void => {
    this.lines++;
    // CloudWatch stores each line as an event; the newline is the writer's, not the event's.
    this.bytes += Buffer.byteLength(line, 'utf8');
  };
}

/** Accepts every event and remembers only how many there were. */
export class CountingPublisher implements BatchEventPublisher {
  events = 0;
  calls = 0;
  async publish(events: readonly WorkflowEvent[]): Promise<void> {
    this.calls++;
    this.events += events.length;
  }
  async publishGroups(groups: readonly (readonly WorkflowEvent[])[]) {
    const events = groups.reduce((total, group) => total + group.length, 0);
    this.calls += Math.ceil(events / 10);
    this.events += events;
    return new Map<number, Error>();
  }
}

export function callbackHandler(store: MemoryStore, logs: LogCounter) {
  const log = createLogger({ level: 'info', sink: logs.sink }, { function: 'review-callback' });
  return createReviewCallbackHandler({
    store,
    log,
    allowReviewUpdates: true,
    allowCallbackSimulation: false,
    callbackSecrets: secretListReader({ kind: 'inline', values: [BENCH_SECRET] }, { log }),
    videoUrlCipher: videoUrlCipherReader(
      secretListReader({ kind: 'inline', values: [BENCH_VIDEO_URL_KEY] }, { log }),
    ),
  });
}

export function finishReviewHandler(
  store: MemoryStore,
  publisher: BatchEventPublisher,
  logs: LogCounter,
) {
  const log = createLogger({ level: 'info', sink: logs.sink }, { function: 'finish-review' });
  return createFinishReviewHandler({ store, publisher, log, requireFailureSecondReviews: true });
}

/** A registered attempt and its signed callback, ready to invoke. */
export async function preparedReview(store: MemoryStore, index: number) {
  const attemptCode = newAttemptCode();
  await store.registerAttempt(attemptCode, registration(index));
  return {
    attemptCode,
    event: callbackEvent(signed(vendorPayload(attemptCode, index), BENCH_SECRET)),
  };
}

export function assertAccepted(result: APIGatewayProxyResult, attemptCode: string): void {
  if (result.statusCode !== 200) {
    throw new Error(`callback for ${attemptCode} answered ${result.statusCode}: ${result.body}`);
  }
}

let sequence = 0;

/** The stream record DynamoDB writes for the revision item (an INSERT, new and old images). */
export function revisionRecord(store: MemoryStore, attemptCode: string): DynamoDBRecord {
  const stored = store.revisions.get(attemptCode)?.at(-1);
  if (!stored) throw new Error(`no revision stored for ${attemptCode}`);
  sequence++;
  const nullable = (value: string | null) => (value === null ? { NULL: true } : { S: value });
  return {
    eventID: `bench-${sequence}`,
    eventName: 'INSERT',
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    dynamodb: {
      ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
      Keys: { attemptCode: { S: attemptCode }, sk: { S: revisionSk(stored.revision) } },
      NewImage: {
        attemptCode: { S: attemptCode },
        sk: { S: revisionSk(stored.revision) },
        itemType: { S: REVISION_ITEM_TYPE },
        revision: { N: String(stored.revision) },
        source: { S: stored.source },
        reviewStatus: { S: stored.reviewStatus },
        reviewedBy: nullable(stored.reviewedBy),
        contentHash: { S: stored.contentHash },
        encryptedVideoUrl: nullable(stored.encryptedVideoUrl),
        receivedAt: { S: stored.receivedAt },
        commentCount: { N: String(stored.comments.length) },
        commentChunks: { N: '1' },
        rawChunks: { N: '1' },
      },
      SequenceNumber: String(1_000_000_000 + sequence),
      SizeBytes: 600,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN:
      'arn:aws:dynamodb:us-east-1:000000000000:table/bench-reviews/stream/2026-11-26T00:00:00.000',
  };
}

/** Drops everything the store holds about an attempt (the "does not retain" store). */
export function forget(store: MemoryStore, attemptCode: string): void {
  store.attempts.delete(attemptCode);
  store.heads.delete(attemptCode);
  store.revisions.delete(attemptCode);
  store.applied.delete(attemptCode);
  store.outcomes.delete(attemptCode);
}

/** Prints a task's result as the last stdout line, for `runTask` to read. */
export function reportResult(result: unknown): void {
  process.stdout.write(`\nBENCH_RESULT ${JSON.stringify(result)}\n`);
}

export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}
