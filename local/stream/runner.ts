/**
 * A local Lambda event source mapping for a DynamoDB stream: polls the stream the way Lambda does
 * and invokes a handler with `DynamoDBStreamEvent`s, driven by the settings of a CloudFormation
 * `AWS::Lambda::EventSourceMapping`.
 *
 * Semantics follow the Lambda developer guide ("Using Lambda with DynamoDB", "Lambda parameters
 * for Amazon DynamoDB event source mappings", "Configuring partial batch response with DynamoDB and
 * Lambda", "Retain discarded records for a DynamoDB event source", "Lambda event filtering"):
 * - records are delivered in order per shard, a parent shard before its children, in batches of
 *   at most `BatchSize`, as soon as they are available;
 * - filters (EventBridge pattern syntax, ORed) are matched against the record as delivered;
 *   records that match none are never sent and are checkpointed like processed ones;
 * - a thrown error, or a partial batch response that is invalid (an `itemIdentifier` that is
 *   empty, missing or not a sequence number of the batch), fails the whole batch; a valid partial
 *   response checkpoints before the lowest failed sequence number and retries from there, and
 *   success is an absent, empty or null `batchItemFailures` (responses are ignored entirely
 *   unless `ReportBatchItemFailures` is on);
 * - `BisectBatchOnFunctionError` halves a failed batch and retries each half; a partial response
 *   instead splits the batch at the returned sequence number;
 * - `MaximumRetryAttempts` and `MaximumRecordAgeInSeconds` (-1 = unbounded) bound the retries;
 *   records that exhaust them are discarded, one line per discarded batch in
 *   `<dataDir>/dead-letters.jsonl` carrying Lambda's on-failure record plus the records, and
 *   processing moves on;
 * - delivery is at least once: a restart resumes from the persisted checkpoint
 *   (`<dataDir>/stream-checkpoints.json`), and an unfinished batch is delivered again.
 *
 * Not emulated: `ParallelizationFactor` (one batch per shard at a time, which keeps the per-key
 * order the service guarantees), `MaximumBatchingWindowInSeconds` (the default of 0 is used),
 * tumbling windows, function timeouts, and the 6 MB invocation payload limit. Retry counts live in
 * memory, so a restart gives a failing batch a fresh budget.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  type DescribeStreamInput,
  type DescribeStreamOutput,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsInput,
  type GetRecordsOutput,
  GetShardIteratorCommand,
  type GetShardIteratorInput,
  type GetShardIteratorOutput,
  type _Record as StreamApiRecord,
  type AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  AttributeValue,
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import { endpointConfig } from '../../lib/aws-clients.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { lambdaContext } from '../api/lambda-context.js';
import { compilePattern, type EventMatcher } from '../event-bus/pattern.js';
import { JsonLinesWriter } from '../json-lines.js';

// ---------------------------------------------------------------------------------------------
// Mapping settings

export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/** The settings of an `AWS::Lambda::EventSourceMapping` that the runner emulates. */
export interface StreamMapping {
  /** 1 to 10,000; 100 by default. */
  batchSize: number;
  startingPosition: StartingPosition;
  /** `FilterCriteria.Filters[].Pattern`: EventBridge patterns, ORed; none means every record. */
  filterPatterns: readonly unknown[];
  bisectBatchOnFunctionError: boolean;
  /** -1 (the default) retries until the record ages out; 0 to 10,000 otherwise. */
  maximumRetryAttempts: number;
  /** -1 (the default) never ages records out; up to 604,800 otherwise. */
  maximumRecordAgeInSeconds: number;
  /** `FunctionResponseTypes` includes `ReportBatchItemFailures`. */
  reportBatchItemFailures: boolean;
  /** The on-failure destination in AWS; locally discarded batches always go to the dead letters. */
  onFailureDestination?: string | undefined;
}

export type StreamMappingInput = Partial<StreamMapping> & Pick<StreamMapping, 'startingPosition'>;

export class StreamMappingError extends Error {
  override readonly name = 'StreamMappingError';
}

const MAPPING_DEFAULTS = {
  batchSize: 100,
  filterPatterns: [],
  bisectBatchOnFunctionError: false,
  maximumRetryAttempts: -1,
  maximumRecordAgeInSeconds: -1,
  reportBatchItemFailures: false,
} satisfies Omit<StreamMapping, 'startingPosition'>;

function checkRange(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new StreamMappingError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Fills in the service defaults and checks the ranges the service enforces. */
export function normalizeMapping(input: StreamMappingInput): StreamMapping {
  const mapping: StreamMapping = {
    ...MAPPING_DEFAULTS,
    ...stripUndefined(input),
    startingPosition: input.startingPosition,
  };
  checkRange('BatchSize', mapping.batchSize, 1, 10_000);
  checkRange('MaximumRetryAttempts', mapping.maximumRetryAttempts, -1, 10_000);
  checkRange('MaximumRecordAgeInSeconds', mapping.maximumRecordAgeInSeconds, -1, 604_800);
  if (mapping.startingPosition !== 'TRIM_HORIZON' && mapping.startingPosition !== 'LATEST') {
    throw new StreamMappingError(
      `StartingPosition must be TRIM_HORIZON or LATEST for a DynamoDB stream, got ${String(mapping.startingPosition)}`,
    );
  }
  compileFilters(mapping.filterPatterns);
  return mapping;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, field]) => field !== undefined),
  ) as Partial<T>;
}

function compileFilters(patterns: readonly unknown[]): EventMatcher[] {
  return patterns.map((pattern, index) => {
    try {
      return compilePattern(pattern);
    } catch (error) {
      throw new StreamMappingError(
        `FilterCriteria.Filters[${index}].Pattern: ${(error as Error).message}`,
      );
    }
  });
}

/** CloudFormation accepts numbers and booleans as strings too. */
function templateNumber(properties: Record<string, unknown>, name: string): number | undefined {
  const value = properties[name];
  if (value === undefined) return undefined;
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new StreamMappingError(`${name} must be a number, got ${JSON.stringify(value)}`);
  }
  return number;
}

function templateBoolean(properties: Record<string, unknown>, name: string): boolean | undefined {
  const value = properties[name];
  if (value === undefined) return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new StreamMappingError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * Reads the properties of an `AWS::Lambda::EventSourceMapping` from a synthesized template.
 * Properties the runner does not emulate (see the module comment) are ignored.
 *
 * @throws {@link StreamMappingError} when a property has a value the service would refuse.
 */
export function mappingFromTemplate(properties: Record<string, unknown>): StreamMapping {
  const filterCriteria = properties.FilterCriteria as { Filters?: unknown } | undefined;
  const filters = filterCriteria?.Filters ?? [];
  if (!Array.isArray(filters)) {
    throw new StreamMappingError('FilterCriteria.Filters must be a list');
  }
  const responseTypes = properties.FunctionResponseTypes ?? [];
  if (!Array.isArray(responseTypes)) {
    throw new StreamMappingError('FunctionResponseTypes must be a list');
  }
  const destination = (properties.DestinationConfig as { OnFailure?: { Destination?: unknown } })
    ?.OnFailure?.Destination;
  return normalizeMapping({
    startingPosition: properties.StartingPosition as StartingPosition,
    batchSize: templateNumber(properties, 'BatchSize'),
    filterPatterns: filters.map((filter: { Pattern?: unknown } | null) => filter?.Pattern),
    bisectBatchOnFunctionError: templateBoolean(properties, 'BisectBatchOnFunctionError'),
    maximumRetryAttempts: templateNumber(properties, 'MaximumRetryAttempts'),
    maximumRecordAgeInSeconds: templateNumber(properties, 'MaximumRecordAgeInSeconds'),
    reportBatchItemFailures: responseTypes.includes('ReportBatchItemFailures'),
    onFailureDestination: typeof destination === 'string' ? destination : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// Runner options

/** The three DynamoDB Streams calls the runner makes. */
export interface StreamsApi {
  describeStream(input: DescribeStreamInput): Promise<DescribeStreamOutput>;
  getShardIterator(input: GetShardIteratorInput): Promise<GetShardIteratorOutput>;
  getRecords(input: GetRecordsInput): Promise<GetRecordsOutput>;
}

/** A batch response, or nothing (which reports the whole batch as processed). */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler declared to return Promise<void> is a valid stream handler
export type StreamHandlerResult = DynamoDBBatchResponse | void;

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Context,
) => Promise<StreamHandlerResult>;

export interface StreamRunnerOptions {
  /** The DynamoDB Local endpoint; required unless `streams` is given. */
  dynamoDbEndpoint?: string;
  /** The table whose latest stream to read; or give `streamArn`. */
  tableName?: string;
  streamArn?: string;
  mapping: StreamMappingInput;
  handler: StreamHandler;
  dataDir: string;
  /** The region in records and ARNs; `us-east-1` by default. */
  region?: string;
  /** Names the function in the Lambda context and the dead letters; `local-function` by default. */
  functionName?: string;
  /** Keys this mapping's checkpoints, so several mappings can share a data folder. */
  name?: string;
  log?: Logger;
  /** Sleep between polls of a shard that had no new records; 50 ms by default. */
  pollIntervalMs?: number;
  /** First retry delay, doubled for each further retry up to 5 s; 100 ms by default. */
  retryBackoffMs?: number;
  /** Milliseconds since the epoch, for record ages; `Date.now` by default. */
  now?: () => number;
  /** Reads this instead of a client built for `dynamoDbEndpoint`. */
  streams?: StreamsApi;
}

export interface StreamRunner {
  streamArn: string;
  /** Stops polling after the batch in flight, and persists the checkpoints. */
  stop(): Promise<void>;
  /**
   * Resolves once every record that was in the stream when it was called has been delivered,
   * filtered out or dead-lettered. Rejects if the runner stops first.
   */
  drained(): Promise<void>;
}

const ACCOUNT = '000000000000';
const GET_RECORDS_LIMIT = 1000;
const SHARD_REFRESH_MS = 1000;
const MAX_BACKOFF_MS = 5000;
/** DynamoDB Local rounds creation times down to the minute (AWS: to the second). */
const CREATION_TIME_PRECISION_MS = 60_000;

// ---------------------------------------------------------------------------------------------
// Records

/** DynamoDB JSON as Lambda delivers it: binary values as base64 text. */
function toLambdaAttribute(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined) {
    return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  }
  if (value.M !== undefined) return { M: toLambdaImage(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toLambdaAttribute) };
  return { ...value } as AttributeValue;
}

function toLambdaImage(
  image: Record<string, StreamAttributeValue> | undefined,
): Record<string, AttributeValue> {
  const result: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(image ?? {})) {
    Object.defineProperty(result, key, {
      value: toLambdaAttribute(value),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return result;
}

interface PendingRecord {
  record: DynamoDBRecord;
  sequenceNumber: string;
  /** The checkpoint that leaves this record next to read: its predecessor in the shard. */
  previous: string | null;
  /** When the record was created, as precisely as the stream tells (ms). */
  createdAt: number;
  /** When this runner first read it (ms). */
  readAt: number;
}

function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------------------------
// Checkpoints

interface ShardCheckpoint {
  /** The last sequence number whose fate is settled; null: read from the start of the shard. */
  sequenceNumber: string | null;
  /** The shard is closed and has been read to its end. */
  finished: boolean;
}

type ShardCheckpoints = Record<string, ShardCheckpoint>;
/** `{ [mapping name]: { [stream ARN]: { [shard id]: checkpoint } } }` */
type CheckpointFile = Record<string, Record<string, ShardCheckpoints>>;

/** Writes to one checkpoint file never overlap within a process. */
const fileQueues = new Map<string, Promise<unknown>>();

function serialized<T>(path: string, task: () => Promise<T>): Promise<T> {
  const previous = fileQueues.get(path) ?? Promise.resolve();
  const next = previous.then(task, task);
  fileQueues.set(path, next);
  const forget = () => {
    if (fileQueues.get(path) === next) fileQueues.delete(path);
  };
  next.then(forget, forget);
  return next;
}

async function readCheckpointFile(path: string, log: Logger): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as CheckpointFile;
    }
  } catch {
    // fall through: an unreadable file restarts the mapping from its starting position
  }
  log.warn('stream runner: ignoring an unreadable checkpoint file', { path });
  return {};
}

class CheckpointStore {
  #queued: Promise<void> | undefined;

  constructor(
    readonly path: string,
    readonly name: string,
    readonly streamArn: string,
    readonly shards: ShardCheckpoints,
    readonly log: Logger,
  ) {}

  static async load(path: string, name: string, streamArn: string, log: Logger) {
    const file = await serialized(path, () => readCheckpointFile(path, log));
    const shards = { ...(file[name]?.[streamArn] ?? {}) };
    return new CheckpointStore(path, name, streamArn, shards, log);
  }

  /** Persists the current state; saves asked for while one waits are merged into it. */
  save(): Promise<void> {
    this.#queued ??= serialized(this.path, async () => {
      this.#queued = undefined;
      const snapshot = structuredClone(this.shards);
      const file = await readCheckpointFile(this.path, this.log);
      file[this.name] = { ...file[this.name], [this.streamArn]: snapshot };
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`);
      // rename is atomic: a crash leaves the old checkpoints or the new ones, never half of each.
      await rename(temporary, this.path);
    });
    return this.#queued;
  }
}

// ---------------------------------------------------------------------------------------------
// Invocation outcomes and dead letters

type Outcome =
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

// ---------------------------------------------------------------------------------------------
// The runner

interface ShardInfo {
  shardId: string;
  parentShardId: string | undefined;
  closed: boolean;
}

class StreamRunnerImpl {
  readonly #mapping: StreamMapping;
  readonly #filters: EventMatcher[];
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #pollIntervalMs: number;
  readonly #backoffMs: number;
  readonly #region: string;
  readonly #functionName: string;
  readonly #functionArn: string;
  readonly #abort = new AbortController();
  readonly #workers = new Map<string, { idleMark: number; done: Promise<void> }>();
  readonly #waiters = new Set<{ check: () => boolean; settle: (error?: Error) => void }>();
  #tick = 0;
  #supervisor: Promise<void> | undefined;
  #wakeSupervisor: (() => void) | undefined;
  /** A wake that came while the supervisor was listing shards rather than sleeping. */
  #wakeRequested = false;
  #stopped: Promise<void> | undefined;

  constructor(
    readonly streamArn: string,
    readonly streams: StreamsApi,
    readonly checkpoints: CheckpointStore,
    readonly deadLetters: JsonLinesWriter,
    readonly handler: StreamHandler,
    options: StreamRunnerOptions,
    private readonly onStop: () => void,
  ) {
    this.#mapping = normalizeMapping(options.mapping);
    this.#filters = compileFilters(this.#mapping.filterPatterns);
    this.#log = (options.log ?? silentLogger).child({ streamArn });
    this.#now = options.now ?? Date.now;
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#backoffMs = options.retryBackoffMs ?? 100;
    this.#region = options.region ?? 'us-east-1';
    this.#functionName = options.functionName ?? 'local-function';
    this.#functionArn = `arn:aws:lambda:${this.#region}:${ACCOUNT}:function:${this.#functionName}`;
  }

  get #stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  async start(): Promise<void> {
    const shards = await this.#listShards();
    // LATEST means "what is written from now on", so the records present now are passed over
    // once and the position is persisted: a restart then resumes instead of skipping again.
    if (this.#mapping.startingPosition === 'LATEST') {
      for (const shard of shards) {
        if (this.checkpoints.shards[shard.shardId]) continue;
        this.checkpoints.shards[shard.shardId] = await this.#skipToEnd(shard);
      }
      await this.checkpoints.save();
    }
    this.#startEligible(shards);
    this.#supervisor = this.#supervise();
  }

  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#abort.abort();
      this.#wake();
      await this.#supervisor;
      await Promise.all([...this.#workers.values()].map((worker) => worker.done));
      await this.checkpoints.save();
      await this.deadLetters.close();
      for (const waiter of this.#waiters) {
        waiter.settle(new Error('The stream runner stopped before the stream was drained'));
      }
      this.#waiters.clear();
      this.onStop();
    })();
    return this.#stopped;
  }

  async drained(): Promise<void> {
    if (this.#stopping) throw new Error('The stream runner is stopped');
    const mark = ++this.#tick;
    const shards = await this.#listShards();
    if (this.#stopping) throw new Error('The stream runner stopped before the stream was drained');
    this.#startEligible(shards);
    const check = () =>
      shards.every(({ shardId }) => {
        if (this.checkpoints.shards[shardId]?.finished) return true;
        const worker = this.#workers.get(shardId);
        return worker !== undefined && worker.idleMark > mark;
      });
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        check,
        settle: (error?: Error) => {
          this.#waiters.delete(waiter);
          if (error) reject(error);
          else resolve();
        },
      };
      this.#waiters.add(waiter);
    });
  }

  #wake(): void {
    this.#wakeRequested = true;
    this.#wakeSupervisor?.();
  }

  #notify(): void {
    for (const waiter of this.#waiters) {
      if (waiter.check()) waiter.settle();
    }
  }

  async #pause(ms: number): Promise<void> {
    if (this.#stopping) return;
    await sleep(ms, undefined, { signal: this.#abort.signal }).catch(() => {});
  }

  async #listShards(): Promise<ShardInfo[]> {
    const shards: ShardInfo[] = [];
    let exclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await this.streams.describeStream({
        StreamArn: this.streamArn,
        ...(exclusiveStartShardId ? { ExclusiveStartShardId: exclusiveStartShardId } : {}),
      });
      for (const shard of StreamDescription?.Shards ?? []) {
        if (!shard.ShardId) continue;
        shards.push({
          shardId: shard.ShardId,
          parentShardId: shard.ParentShardId,
          closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
        });
      }
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** Starts a worker for every unfinished shard whose parent is finished or gone. */
  #startEligible(shards: ShardInfo[]): void {
    if (this.#stopping) return;
    const known = new Set(shards.map((shard) => shard.shardId));
    for (const shard of shards) {
      if (this.#workers.has(shard.shardId)) continue;
      if (this.checkpoints.shards[shard.shardId]?.finished) continue;
      const parent = shard.parentShardId;
      if (parent && known.has(parent) && !this.checkpoints.shards[parent]?.finished) continue;
      const worker = { idleMark: 0, done: Promise.resolve() };
      this.#workers.set(shard.shardId, worker);
      worker.done = this.#readShard(shard.shardId, worker).catch((error: unknown) => {
        // The shard is read again from its checkpoint on the next refresh.
        this.#log.error('stream runner: shard reader failed', { shardId: shard.shardId, error });
        this.#workers.delete(shard.shardId);
      });
    }
  }

  /** Lists the shards every second, or at once when a closed shard is finished. */
  async #supervise(): Promise<void> {
    while (!this.#stopping) {
      if (!this.#wakeRequested) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, SHARD_REFRESH_MS);
          this.#wakeSupervisor = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wakeSupervisor = undefined;
      }
      this.#wakeRequested = false;
      if (this.#stopping) return;
      try {
        this.#startEligible(await this.#listShards());
      } catch (error) {
        this.#log.warn('stream runner: DescribeStream failed', { error });
      }
    }
  }

  async #skipToEnd(shard: ShardInfo): Promise<ShardCheckpoint> {
    if (shard.closed) return { sequenceNumber: null, finished: true };
    let sequenceNumber: string | null = null;
    let iterator = await this.#iterator(shard.shardId, null);
    while (iterator) {
      const page = await this.streams.getRecords({
        ShardIterator: iterator,
        Limit: GET_RECORDS_LIMIT,
      });
      const records = page.Records ?? [];
      if (records.length === 0) break;
      sequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? sequenceNumber;
      iterator = page.NextShardIterator;
    }
    return { sequenceNumber, finished: false };
  }

  async #iterator(shardId: string, after: string | null): Promise<string | undefined> {
    if (after !== null) {
      try {
        const { ShardIterator } = await this.streams.getShardIterator({
          StreamArn: this.streamArn,
          ShardId: shardId,
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          SequenceNumber: after,
        });
        return ShardIterator;
      } catch (error) {
        const name = (error as Error).name;
        if (name !== 'TrimmedDataAccessException' && name !== 'ValidationException') throw error;
        this.#log.warn(
          'stream runner: checkpoint no longer in the stream; reading from the start',
          {
            shardId,
            sequenceNumber: after,
          },
        );
      }
    }
    const { ShardIterator } = await this.streams.getShardIterator({
      StreamArn: this.streamArn,
      ShardId: shardId,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    return ShardIterator;
  }

  async #readShard(shardId: string, worker: { idleMark: number }): Promise<void> {
    const log = this.#log.child({ shardId });
    const checkpoint = this.checkpoints.shards[shardId] ?? {
      sequenceNumber: null,
      finished: false,
    };
    this.checkpoints.shards[shardId] = checkpoint;
    let lastRead = checkpoint.sequenceNumber;
    let iterator: string | undefined;
    let needIterator = true;
    let pending: PendingRecord[] = [];
    let errors = 0;

    while (!this.#stopping) {
      if (pending.length === 0) {
        const tick = ++this.#tick;
        let page: GetRecordsOutput;
        try {
          if (needIterator) {
            iterator = await this.#iterator(shardId, lastRead);
            needIterator = false;
          }
          if (iterator === undefined) {
            checkpoint.finished = true;
            await this.checkpoints.save();
            log.debug('stream runner: finished a closed shard');
            this.#workers.delete(shardId);
            this.#wake();
            this.#notify();
            return;
          }
          page = await this.streams.getRecords({
            ShardIterator: iterator,
            Limit: GET_RECORDS_LIMIT,
          });
          errors = 0;
        } catch (error) {
          if (this.#stopping) return;
          if ((error as Error).name === 'ExpiredIteratorException') {
            needIterator = true;
            continue;
          }
          errors++;
          log.warn('stream runner: reading the shard failed; retrying', { error });
          await this.#pause(Math.min(MAX_BACKOFF_MS, this.#pollIntervalMs * 2 ** errors));
          needIterator = true;
          continue;
        }
        iterator = page.NextShardIterator;
        const records = page.Records ?? [];
        if (records.length === 0) {
          if (iterator !== undefined) {
            worker.idleMark = tick;
            this.#notify();
            await this.#pause(this.#pollIntervalMs);
          }
          continue;
        }
        const readAt = this.#now();
        pending = records.map((record) => {
          const entry = this.#pending(record, lastRead, readAt);
          lastRead = entry.sequenceNumber;
          return entry;
        });
      }

      const { batch, consumed } = this.#takeBatch(pending);
      pending = pending.slice(consumed.length);
      if (batch.length > 0 && !(await this.#deliver(shardId, batch, checkpoint, log))) return;
      const settled = consumed.at(-1);
      if (settled) {
        checkpoint.sequenceNumber = settled.sequenceNumber;
        await this.checkpoints.save();
      }
    }
  }

  #pending(record: StreamApiRecord, previous: string | null, readAt: number): PendingRecord {
    const stream = record.dynamodb ?? {};
    const sequenceNumber = stream.SequenceNumber ?? '';
    const createdAt = stream.ApproximateCreationDateTime?.getTime() ?? readAt;
    const dynamodb: NonNullable<DynamoDBRecord['dynamodb']> = {
      ApproximateCreationDateTime: Math.floor(createdAt / 1000),
      Keys: toLambdaImage(stream.Keys),
      ...(stream.NewImage ? { NewImage: toLambdaImage(stream.NewImage) } : {}),
      ...(stream.OldImage ? { OldImage: toLambdaImage(stream.OldImage) } : {}),
      SequenceNumber: sequenceNumber,
      SizeBytes: stream.SizeBytes ?? 0,
      StreamViewType: stream.StreamViewType,
    };
    const lambdaRecord: DynamoDBRecord = {
      eventID: record.eventID,
      eventName: record.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.#region,
      dynamodb,
      eventSourceARN: this.streamArn,
      // TTL deletions carry the service as their author, in Lambda's lower-case field names.
      ...(record.userIdentity
        ? {
            userIdentity: {
              type: record.userIdentity.Type,
              principalId: record.userIdentity.PrincipalId,
            },
          }
        : {}),
    };
    return { record: lambdaRecord, sequenceNumber, previous, createdAt, readAt };
  }

  /**
   * The next batch: up to BatchSize records that pass the filters, and every record consumed to
   * find them (filtered-out ones included), whose checkpoint is settled once the batch is.
   */
  #takeBatch(pending: PendingRecord[]): { batch: PendingRecord[]; consumed: PendingRecord[] } {
    const batch: PendingRecord[] = [];
    let index = 0;
    while (index < pending.length && batch.length < this.#mapping.batchSize) {
      const entry = pending[index] as PendingRecord;
      index++;
      const shape = entry.record as unknown as Record<string, unknown>;
      if (this.#filters.length === 0 || this.#filters.some((matches) => matches(shape))) {
        batch.push(entry);
      }
    }
    return { batch, consumed: pending.slice(0, index) };
  }

  #expired(entry: PendingRecord, now: number): boolean {
    const maxAge = this.#mapping.maximumRecordAgeInSeconds;
    if (maxAge < 0) return false;
    // The stream's creation time is rounded down; the first read bounds it from above.
    const createdAt = Math.min(entry.readAt, entry.createdAt + CREATION_TIME_PRECISION_MS);
    return now - createdAt > maxAge * 1000;
  }

  /**
   * Delivers one batch until every record in it is processed or discarded. Returns false when the
   * runner stopped first; the caller then leaves the checkpoint where it is.
   *
   * Retries are counted per segment, the run of records that is retried together. Following
   * "Splitting batches doesn't consume the retry quota", a bisected batch becomes two segments
   * with fresh counts, so a poison record is isolated first and then retried on its own up to
   * MaximumRetryAttempts. A partial response that moves the checkpoint forward also starts a
   * fresh count, in which the new first record has already failed once.
   */
  async #deliver(
    shardId: string,
    records: PendingRecord[],
    checkpoint: ShardCheckpoint,
    log: Logger,
  ): Promise<boolean> {
    const queue: Segment[] = [{ records, failures: 0, invocations: 0 }];
    const settle = async (sequenceNumber: string | null) => {
      checkpoint.sequenceNumber = sequenceNumber;
      await this.checkpoints.save();
    };
    const maxRetries = this.#mapping.maximumRetryAttempts;

    while (queue.length > 0) {
      if (this.#stopping) return false;
      const segment = queue[0] as Segment;

      const now = this.#now();
      const expired = segment.records.findIndex((entry) => !this.#expired(entry, now));
      const expiredCount = expired < 0 ? segment.records.length : expired;
      if (expiredCount > 0) {
        const discarded = segment.records.slice(0, expiredCount);
        await this.#discard(shardId, segment, discarded, 'RecordAgeExceeded');
        await settle((discarded.at(-1) as PendingRecord).sequenceNumber);
        segment.records = segment.records.slice(expiredCount);
        if (segment.records.length === 0) queue.shift();
        continue;
      }

      const outcome = await this.#invoke(segment.records);
      segment.invocations++;
      segment.last = outcome;
      if (outcome.kind === 'success') {
        await settle((segment.records.at(-1) as PendingRecord).sequenceNumber);
        queue.shift();
        continue;
      }

      if (outcome.kind === 'partial' && outcome.index > 0) {
        const failed = segment.records[outcome.index] as PendingRecord;
        await settle(failed.previous);
        segment.records = segment.records.slice(outcome.index);
        segment.failures = 0;
      } else if (
        outcome.kind === 'failure' &&
        this.#mapping.bisectBatchOnFunctionError &&
        segment.records.length > 1
      ) {
        const half = Math.ceil(segment.records.length / 2);
        const split = (part: PendingRecord[]): Segment => ({
          records: part,
          failures: 0,
          invocations: segment.invocations,
          last: outcome,
        });
        log.warn('stream runner: batch failed; bisecting', {
          reason: outcome.reason,
          size: segment.records.length,
        });
        queue.splice(
          0,
          1,
          split(segment.records.slice(0, half)),
          split(segment.records.slice(half)),
        );
        continue;
      }

      segment.failures++;
      if (maxRetries >= 0 && segment.failures > maxRetries) {
        await this.#discard(shardId, segment, segment.records, 'RetryAttemptsExhausted');
        await settle((segment.records.at(-1) as PendingRecord).sequenceNumber);
        queue.shift();
        continue;
      }
      log.warn('stream runner: batch failed; retrying', {
        reason: outcome.kind === 'failure' ? outcome.reason : 'partial batch failure',
        size: segment.records.length,
        retry: segment.failures,
      });
      await this.#pause(Math.min(MAX_BACKOFF_MS, this.#backoffMs * 2 ** (segment.failures - 1)));
    }
    return true;
  }

  async #invoke(records: PendingRecord[]): Promise<Outcome> {
    const context = this.#context();
    const requestId = context.awsRequestId;
    const event: DynamoDBStreamEvent = {
      Records: records.map((entry) => structuredClone(entry.record)),
    };
    let response: unknown;
    try {
      response = await this.handler(event, context);
    } catch (error) {
      return { kind: 'failure', requestId, thrown: true, reason: describeError(error) };
    }
    if (!this.#mapping.reportBatchItemFailures || response === undefined || response === null) {
      return { kind: 'success', requestId };
    }
    if (typeof response !== 'object' || Array.isArray(response)) {
      return { kind: 'failure', requestId, thrown: false, reason: 'the response is not an object' };
    }
    const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
    if (failures === undefined || failures === null) return { kind: 'success', requestId };
    if (!Array.isArray(failures)) {
      return {
        kind: 'failure',
        requestId,
        thrown: false,
        reason: 'batchItemFailures is not a list',
      };
    }
    if (failures.length === 0) return { kind: 'success', requestId };
    let lowest = records.length;
    for (const failure of failures) {
      const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
      const index =
        typeof identifier === 'string' && identifier !== ''
          ? records.findIndex((entry) => entry.sequenceNumber === identifier)
          : -1;
      if (index < 0) {
        return {
          kind: 'failure',
          requestId,
          thrown: false,
          reason: `batchItemFailures names ${JSON.stringify(identifier)}, not a sequence number of the batch`,
        };
      }
      lowest = Math.min(lowest, index);
    }
    return { kind: 'partial', requestId, index: lowest };
  }

  #context(): Context {
    return lambdaContext(this.#functionName, {
      timeoutMs: 900_000,
      memoryLimitInMB: 128,
      region: this.#region,
    });
  }

  /** One dead letter: Lambda's on-failure record for the batch, plus the records themselves. */
  async #discard(
    shardId: string,
    segment: Segment,
    records: PendingRecord[],
    condition: DiscardCondition,
  ): Promise<void> {
    const first = records[0] as PendingRecord;
    const last = records.at(-1) as PendingRecord;
    const outcome = segment.last;
    await this.deadLetters.append({
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
      timestamp: new Date(this.#now()).toISOString(),
      DDBStreamBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: isoSeconds(first.createdAt),
        approximateArrivalOfLastRecord: isoSeconds(last.createdAt),
        batchSize: records.length,
        streamArn: this.streamArn,
      },
      error:
        outcome === undefined || outcome.kind === 'success'
          ? null
          : outcome.kind === 'failure'
            ? outcome.reason
            : 'partial batch failure',
      records: records.map((entry) => entry.record),
    });
    this.#log.error('stream runner: discarded a batch', {
      shardId,
      condition,
      startSequenceNumber: first.sequenceNumber,
      endSequenceNumber: last.sequenceNumber,
      batchSize: records.length,
    });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * A client that reaches the same database as `createDynamoDbClient`: DynamoDB Local keeps one
 * database per access key and region unless started with `-sharedDb`, so the reader must present
 * the same ones as the writers, whatever region the records are labelled with.
 */
function clientApi(endpoint: string): { api: StreamsApi; destroy: () => void } {
  const client = new DynamoDBStreamsClient({ ...endpointConfig(endpoint), maxAttempts: 3 });
  return {
    api: {
      describeStream: (input) => client.send(new DescribeStreamCommand(input)),
      getShardIterator: (input) => client.send(new GetShardIteratorCommand(input)),
      getRecords: (input) => client.send(new GetRecordsCommand(input)),
    },
    destroy: () => client.destroy(),
  };
}

async function latestStreamArn(endpoint: string, tableName: string): Promise<string> {
  const client = createDynamoDbClient({ endpoint });
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (!Table?.LatestStreamArn || Table.StreamSpecification?.StreamEnabled === false) {
      throw new StreamMappingError(`Table ${tableName} has no stream enabled`);
    }
    return Table.LatestStreamArn;
  } finally {
    client.destroy();
  }
}

/**
 * Starts polling. Resolves once the shards are known and, for LATEST, the starting positions are
 * fixed, so everything written after this resolves is delivered.
 */
export async function startStreamRunner(options: StreamRunnerOptions): Promise<StreamRunner> {
  const log = options.log ?? silentLogger;
  normalizeMapping(options.mapping);
  if (!options.streams && !options.dynamoDbEndpoint) {
    throw new StreamMappingError('dynamoDbEndpoint is required unless streams is given');
  }
  let streamArn = options.streamArn;
  if (!streamArn) {
    if (!options.tableName || !options.dynamoDbEndpoint) {
      throw new StreamMappingError('Give streamArn, or tableName with dynamoDbEndpoint');
    }
    streamArn = await latestStreamArn(options.dynamoDbEndpoint, options.tableName);
  }
  const client = options.streams
    ? { api: options.streams, destroy: () => {} }
    : clientApi(options.dynamoDbEndpoint as string);

  try {
    await mkdir(options.dataDir, { recursive: true });
    const checkpoints = await CheckpointStore.load(
      join(options.dataDir, 'stream-checkpoints.json'),
      options.name ?? options.functionName ?? 'local-function',
      streamArn,
      log,
    );
    const runner = new StreamRunnerImpl(
      streamArn,
      client.api,
      checkpoints,
      new JsonLinesWriter(join(options.dataDir, 'dead-letters.jsonl')),
      options.handler,
      options,
      client.destroy,
    );
    await runner.start();
    return {
      streamArn,
      stop: () => runner.stop(),
      drained: () => runner.drained(),
    };
  } catch (error) {
    client.destroy();
    throw error;
  }
}
