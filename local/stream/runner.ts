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
 *   (`<dataDir>/stream-checkpoints.json`), and an unfinished batch is delivered again;
 * - `ParallelizationFactor` batches of a shard may be in flight at once; the records of one
 *   partition key always share a lane and keep their order (see `lanes.ts`); the shard's
 *   checkpoint never passes a record that is not settled;
 * - `MaximumBatchingWindowInSeconds`: a batch waits for that long to fill unless it is full.
 *
 * Not emulated: tumbling windows, function timeouts, and the 6 MB invocation payload limit. Retry
 * counts live in memory, so a restart gives a failing batch a fresh budget.
 *
 * This module runs the shards' workers; the rest lives beside it: `mapping.ts` (the mapping's
 * settings), `shards.ts` (reading shards), `records.ts` (Lambda's record shape, filters, batches),
 * `lanes.ts` (parallel batches per shard, the batching window, the checkpoint),
 * `delivery.ts` (invocations, retries, bisection, dead letters) and `checkpoints.ts`.
 */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, silentLogger } from '../../lib/log.js';
import type { EventMatcher } from '../event-bus/pattern.js';
import { JsonLinesWriter } from '../json-lines.js';
import { CheckpointStore, type ShardCheckpoint } from './checkpoints.js';
import { BatchDelivery, MAX_BACKOFF_MS, type StreamHandler } from './delivery.js';
import { ShardLanes } from './lanes.js';
import {
  compileFilters,
  normalizeMapping,
  type StreamMapping,
  StreamMappingError,
  type StreamMappingInput,
} from './mapping.js';
import { pendingRecords, type RecordSource } from './records.js';
import {
  checkpointAtEnd,
  GET_RECORDS_LIMIT,
  latestStreamArn,
  listShards,
  type ShardInfo,
  type ShardPage,
  ShardReader,
  type StreamsApi,
  streamPartitionKey,
  streamsClient,
} from './shards.js';

export type { StreamHandler, StreamHandlerResult } from './delivery.js';
export {
  mappingFromTemplate,
  normalizeMapping,
  type StartingPosition,
  type StreamMapping,
  StreamMappingError,
  type StreamMappingInput,
} from './mapping.js';
export type { StreamsApi } from './shards.js';

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
  /**
   * The table's partition key attribute, which keeps records in order across parallel batches;
   * read from DescribeStream when not given.
   */
  partitionKey?: string;
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

const SHARD_REFRESH_MS = 1000;

/**
 * Runs one mapping: a worker per shard that can be read (a parent shard before its children), a
 * supervisor that lists the shards every second, and `drained` waiters.
 */
class StreamRunnerImpl {
  readonly #mapping: StreamMapping;
  readonly #filters: EventMatcher[];
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #pollIntervalMs: number;
  readonly #source: RecordSource;
  readonly #delivery: BatchDelivery;
  readonly #partitionKey: string | undefined;
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
    handler: StreamHandler,
    options: StreamRunnerOptions,
    private readonly onStop: () => void,
  ) {
    this.#mapping = normalizeMapping(options.mapping);
    this.#filters = compileFilters(this.#mapping.filterPatterns);
    this.#log = (options.log ?? silentLogger).child({ streamArn });
    this.#now = options.now ?? Date.now;
    this.#pollIntervalMs = options.pollIntervalMs ?? 50;
    this.#partitionKey = options.partitionKey;
    const region = options.region ?? 'us-east-1';
    this.#source = { region, streamArn };
    this.#delivery = new BatchDelivery({
      streamArn,
      region,
      functionName: options.functionName ?? 'local-function',
      mapping: this.#mapping,
      handler,
      deadLetters,
      log: this.#log,
      now: this.#now,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      stopping: () => this.#stopping,
      pause: (ms) => this.#pause(ms),
    });
  }

  get #stopping(): boolean {
    return this.#abort.signal.aborted;
  }

  async start(): Promise<void> {
    const shards = await listShards(this.streams, this.streamArn);
    // LATEST means "what is written from now on", so the records present now are passed over
    // once and the position is persisted: a restart then resumes instead of skipping again.
    if (this.#mapping.startingPosition === 'LATEST') {
      for (const shard of shards) {
        if (this.checkpoints.shards[shard.shardId]) continue;
        this.checkpoints.shards[shard.shardId] = await checkpointAtEnd(
          this.streams,
          this.streamArn,
          shard,
          this.#log,
        );
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
    const shards = await listShards(this.streams, this.streamArn);
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
        this.#startEligible(await listShards(this.streams, this.streamArn));
      } catch (error) {
        this.#log.warn('stream runner: DescribeStream failed', { error });
      }
    }
  }

  async #readShard(shardId: string, worker: { idleMark: number }): Promise<void> {
    const log = this.#log.child({ shardId });
    const checkpoint = this.checkpoints.shards[shardId] ?? {
      sequenceNumber: null,
      finished: false,
    };
    this.checkpoints.shards[shardId] = checkpoint;
    const reader = new ShardReader(
      this.streams,
      this.streamArn,
      shardId,
      checkpoint.sequenceNumber,
      log,
    );
    const lanes = new ShardLanes(this.#mapping, this.#filters, checkpoint, this.#partitionKey);
    // Enough read ahead to keep every lane's next batch ready, and one page at least.
    const readAhead = Math.max(
      GET_RECORDS_LIMIT,
      2 * this.#mapping.parallelizationFactor * this.#mapping.batchSize,
    );
    const deliveries = new Set<Promise<void>>();
    let change = signal();
    let stopped = false;
    let closed = false;
    const save = async (moved: boolean) => {
      if (moved) await this.checkpoints.save();
    };

    const startDue = () => {
      for (const { lane, batch } of lanes.due(this.#now())) {
        const delivery = this.#delivery
          .deliver(shardId, batch, (records) => save(lanes.settle(records)), log)
          .then(
            (completed) => {
              if (!completed) stopped = true;
            },
            (error: unknown) => {
              // The records stay unsettled: a restart delivers them again.
              stopped = true;
              log.error('stream runner: delivery failed', { error });
            },
          )
          .finally(() => {
            lanes.finish(lane);
            deliveries.delete(delivery);
            change.resolve();
          });
        deliveries.add(delivery);
      }
    };
    /** Waits for a delivery to end, a window to run out, or `ms`, whichever comes first. */
    const wait = async (ms: number) => {
      const due = lanes.nextDue();
      const until = due === undefined ? ms : Math.max(0, Math.min(ms, due - this.#now()));
      await Promise.race([change.promise, this.#pause(until)]);
      change = signal();
    };

    try {
      while (!this.#stopping && !stopped) {
        startDue();
        if (closed) {
          if (lanes.idle) {
            this.#finishShard(reader, checkpoint, log);
            await this.checkpoints.save();
            return;
          }
          await wait(this.#pollIntervalMs);
          continue;
        }
        if (lanes.unsettled >= readAhead) {
          await wait(this.#pollIntervalMs);
          continue;
        }
        const tick = ++this.#tick;
        const page = await this.#readPage(reader, log);
        if (page === 'again') continue;
        if (page === 'closed') {
          closed = true;
          continue;
        }
        if (page.records.length > 0) {
          await save(
            lanes.add(
              pendingRecords(page.records, page.previous, this.#now(), this.#source),
              this.#now(),
            ),
          );
          continue;
        }
        if (!page.open) continue;
        if (lanes.idle) {
          worker.idleMark = tick;
          this.#notify();
        }
        await wait(this.#pollIntervalMs);
      }
    } finally {
      await Promise.all(deliveries);
    }
  }

  /** A closed shard read to its end with every record settled: its children may start. */
  #finishShard(reader: ShardReader, checkpoint: ShardCheckpoint, log: Logger): void {
    checkpoint.finished = true;
    log.debug('stream runner: finished a closed shard');
    this.#workers.delete(reader.shardId);
    this.#wake();
    this.#notify();
  }

  /** Reads the shard's next page; `closed` once the shard has ended and been read to its end. */
  async #readPage(reader: ShardReader, log: Logger): Promise<ShardPage | 'closed' | 'again'> {
    try {
      return await reader.next();
    } catch (error) {
      if (this.#stopping) return 'again';
      reader.renewIterator();
      if ((error as Error).name === 'ExpiredIteratorException') return 'again';
      reader.failures++;
      log.warn('stream runner: reading the shard failed; retrying', { error });
      await this.#pause(Math.min(MAX_BACKOFF_MS, this.#pollIntervalMs * 2 ** reader.failures));
      return 'again';
    }
  }
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
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
    : streamsClient(options.dynamoDbEndpoint as string);

  try {
    await mkdir(options.dataDir, { recursive: true });
    const checkpoints = await CheckpointStore.load(
      join(options.dataDir, 'stream-checkpoints.json'),
      options.name ?? options.functionName ?? 'local-function',
      streamArn,
      log,
    );
    const partitionKey = options.partitionKey ?? (await streamPartitionKey(client.api, streamArn));
    const runner = new StreamRunnerImpl(
      streamArn,
      client.api,
      checkpoints,
      new JsonLinesWriter(join(options.dataDir, 'dead-letters.jsonl')),
      options.handler,
      { ...options, ...(partitionKey ? { partitionKey } : {}) },
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
