/**
 * Delivering one batch to the handler until every record in it is processed or discarded: partial
 * batch responses, bisection, retries with backoff, record age, and the dead letters of what is
 * discarded (see the module comment of `runner.ts` for the rules followed).
 */
import { randomUUID } from 'node:crypto';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { Logger } from '../../lib/log.js';
import { lambdaContext } from '../api/lambda-context.js';
import type { JsonLinesWriter } from '../json-lines.js';
import type { StreamMapping } from './mapping.js';
import { isoSeconds, type PendingRecord, recordExpired } from './records.js';

/** A batch response, or nothing (which reports the whole batch as processed). */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler declared to return Promise<void> is a valid stream handler
export type StreamHandlerResult = DynamoDBBatchResponse | void;

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<StreamHandlerResult>;

const ACCOUNT = '000000000000';
/** The longest wait between retries, of a batch or of a shard read. */
export const MAX_BACKOFF_MS = 5000;

/** What one invocation says about its batch. */
export type Outcome =
  | { kind: 'success'; requestId: string }
  | { kind: 'partial'; requestId: string; index: number }
  | { kind: 'failure'; requestId: string; thrown: boolean; reason: string };

/** A run of consecutive records that is delivered, retried and discarded as one batch. */
interface Segment {
  records: PendingRecord[];
  /** Failed invocations since the first record last moved (retries used is this minus one). */
  failures: number;
  /** Invocations that carried these records, for `approximateInvokeCount`. */
  invocations: number;
  last?: Outcome;
}

type DiscardCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface BatchDeliveryOptions {
  streamArn: string;
  region: string;
  functionName: string;
  mapping: StreamMapping;
  handler: StreamHandler;
  deadLetters: JsonLinesWriter;
  log: Logger;
  now: () => number;
  /** First retry delay, doubled for each further retry up to 5 s. */
  retryBackoffMs: number;
  /** True once the runner is stopping: delivery gives up before the next invocation. */
  stopping: () => boolean;
  /** Sleeps, or returns early when the runner stops. */
  pause: (ms: number) => Promise<void>;
}

export class BatchDelivery {
  readonly #options: BatchDeliveryOptions;
  readonly #functionArn: string;

  constructor(options: BatchDeliveryOptions) {
    this.#options = options;
    this.#functionArn = `arn:aws:lambda:${options.region}:${ACCOUNT}:function:${options.functionName}`;
  }

  /**
   * Delivers one batch until every record in it is processed or discarded, calling `settle` with
   * the records whose fate is decided, in order, as they settle. Returns false when the runner
   * stopped first; the unsettled records are then left for the next start.
   *
   * Retries are counted per segment, the run of records that is retried together. Following
   * "Splitting batches doesn't consume the retry quota", a bisected batch becomes two segments
   * with fresh counts, so a poison record is isolated first and then retried on its own up to
   * MaximumRetryAttempts. A partial response that moves the checkpoint forward also starts a
   * fresh count, in which the new first record has already failed once.
   */
  async deliver(
    shardId: string,
    records: PendingRecord[],
    settle: (records: PendingRecord[]) => Promise<void>,
    log: Logger,
  ): Promise<boolean> {
    const { mapping } = this.#options;
    const queue: Segment[] = [{ records, failures: 0, invocations: 0 }];

    while (queue.length > 0) {
      if (this.#options.stopping()) return false;
      const segment = queue[0] as Segment;

      const expired = this.#expiredHead(segment);
      if (expired.length > 0) {
        await this.#discard(shardId, segment, expired, 'RecordAgeExceeded');
        await settle(expired);
        segment.records = segment.records.slice(expired.length);
        if (segment.records.length === 0) queue.shift();
        continue;
      }

      const outcome = await this.#invoke(segment.records);
      segment.invocations++;
      segment.last = outcome;
      if (outcome.kind === 'success') {
        await settle(segment.records);
        queue.shift();
        continue;
      }

      if (outcome.kind === 'partial' && outcome.index > 0) {
        await settle(segment.records.slice(0, outcome.index));
        segment.records = segment.records.slice(outcome.index);
        segment.failures = 0;
      } else if (
        outcome.kind === 'failure' &&
        mapping.bisectBatchOnFunctionError &&
        segment.records.length > 1
      ) {
        log.warn('stream runner: batch failed; bisecting', {
          reason: outcome.reason,
          size: segment.records.length,
        });
        queue.splice(0, 1, ...bisect(segment, outcome));
        continue;
      }

      if (await this.#retryOrDiscard(shardId, segment, outcome, log)) continue;
      await settle(segment.records);
      queue.shift();
    }
    return true;
  }

  /** The records at the head of the segment that are older than MaximumRecordAgeInSeconds. */
  #expiredHead(segment: Segment): PendingRecord[] {
    const now = this.#options.now();
    const maxAge = this.#options.mapping.maximumRecordAgeInSeconds;
    const fresh = segment.records.findIndex((entry) => !recordExpired(entry, now, maxAge));
    return segment.records.slice(0, fresh < 0 ? segment.records.length : fresh);
  }

  /**
   * Counts a failure. Returns true after waiting out the backoff when the segment has retries
   * left; otherwise dead-letters it and returns false, and the caller moves past it.
   */
  async #retryOrDiscard(
    shardId: string,
    segment: Segment,
    outcome: Outcome,
    log: Logger,
  ): Promise<boolean> {
    const maxRetries = this.#options.mapping.maximumRetryAttempts;
    segment.failures++;
    if (maxRetries >= 0 && segment.failures > maxRetries) {
      await this.#discard(shardId, segment, segment.records, 'RetryAttemptsExhausted');
      return false;
    }
    log.warn('stream runner: batch failed; retrying', {
      reason: outcome.kind === 'failure' ? outcome.reason : 'partial batch failure',
      size: segment.records.length,
      retry: segment.failures,
    });
    const backoff = this.#options.retryBackoffMs * 2 ** (segment.failures - 1);
    await this.#options.pause(Math.min(MAX_BACKOFF_MS, backoff));
    return true;
  }

  async #invoke(records: PendingRecord[]): Promise<Outcome> {
    const { handler, functionName, region, mapping } = this.#options;
    const context = lambdaContext(functionName, {
      timeoutMs: 900_000,
      memoryLimitInMB: 128,
      region,
    });
    const requestId = context.awsRequestId;
    const event: DynamoDBStreamEvent = {
      Records: records.map((entry) => structuredClone(entry.record)),
    };
    let response: unknown;
    try {
      response = await handler(event, context);
    } catch (error) {
      return { kind: 'failure', requestId, thrown: true, reason: describeError(error) };
    }
    if (!mapping.reportBatchItemFailures) return { kind: 'success', requestId };
    return readBatchResponse(response, records, requestId);
  }

  /** One dead letter: Lambda's on-failure record for the batch, plus the records themselves. */
  async #discard(
    shardId: string,
    segment: Segment,
    records: PendingRecord[],
    condition: DiscardCondition,
  ): Promise<void> {
    const { streamArn, now, deadLetters } = this.#options;
    const first = records[0] as PendingRecord;
    const last = records.at(-1) as PendingRecord;
    const outcome = segment.last;
    await deadLetters.append({
      requestContext: {
        requestId: outcome?.requestId ?? randomUUID(),
        functionArn: this.#functionArn,
        condition,
        approximateInvokeCount: segment.invocations,
      },
      responseContext: {
        statusCode: 200,
        executedVersion: '$LATEST',
        functionError: outcome?.kind === 'failure' && outcome.thrown ? 'Unhandled' : null,
      },
      version: '1.0',
      timestamp: new Date(now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.createdAt),
        approximateArrivalOfLastRecord: isoSeconds(last.createdAt),
        batchSize: records.length,
        streamArn,
      },
      error: outcomeError(outcome),
      records: records.map((entry) => entry.record),
    });
    this.#options.log.error('stream runner: discarded a batch', {
      shardId,
      condition,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      batchSize: records.length,
    });
  }
}

/** Halves a failed segment; each half starts a fresh retry count. */
function bisect(segment: Segment, outcome: Outcome): [Segment, Segment] {
  const half = Math.ceil(segment.records.length / 2);
  const split = (part: PendingRecord[]): Segment => ({
    records: part,
    failures: 0,
    invocations: segment.invocations,
    last: outcome,
  });
  return [split(segment.records.slice(0, half)), split(segment.records.slice(half))];
}

/**
 * What a handler's response means when `ReportBatchItemFailures` is on: success for an absent,
 * null or empty `batchItemFailures`; a partial failure from the lowest sequence number it names;
 * a failure of the whole batch when the response is invalid.
 */
export function readBatchResponse(
  response: unknown,
  records: readonly PendingRecord[],
  requestId: string,
): Outcome {
  if (response === undefined || response === null) return { kind: 'success', requestId };
  const failure = (reason: string): Outcome => ({
    kind: 'failure',
    requestId,
    thrown: false,
    reason,
  });
  if (typeof response !== 'object' || Array.isArray(response)) {
    return failure('the response is not an object');
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success', requestId };
  if (!Array.isArray(failures)) return failure('batchItemFailures is not a list');
  if (failures.length === 0) return { kind: 'success', requestId };
  let lowest = records.length;
  for (const item of failures) {
    const identifier = (item as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof identifier === 'string' && identifier !== ''
        ? records.findIndex((entry) => entry.sequenceNumber === identifier)
        : -1;
    if (index < 0) {
      return failure(
        `batchItemFailures names ${JSON.stringify(identifier)}, not a sequence number of the batch`,
      );
    }
    lowest = Math.min(lowest, index);
  }
  return { kind: 'partial', requestId, index: lowest };
}

function outcomeError(outcome: Outcome | undefined): string | null {
  if (outcome === undefined || outcome.kind === 'success') return null;
  return outcome.kind === 'failure' ? outcome.reason : 'partial batch failure';
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
