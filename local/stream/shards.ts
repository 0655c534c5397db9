/**
 * Reading a DynamoDB stream's shards: listing them, placing iterators, and paging through one
 * shard from a checkpoint.
 */
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
} from '@aws-sdk/client-dynamodb-streams';
import { endpointConfig } from '../../lib/aws-clients.js';
import type { Logger } from '../../lib/log.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import type { ShardCheckpoint } from './checkpoints.js';
import { StreamMappingError } from './mapping.js';

/** The three DynamoDB Streams calls the runner makes. */
export interface StreamsApi {
  describeStream(input: DescribeStreamInput): Promise<DescribeStreamOutput>;
  getShardIterator(input: GetShardIteratorInput): Promise<GetShardIteratorOutput>;
  getRecords(input: GetRecordsInput): Promise<GetRecordsOutput>;
}

export interface ShardInfo {
  shardId: string;
  parentShardId: string | undefined;
  closed: boolean;
}

export const GET_RECORDS_LIMIT = 1000;

/**
 * A client that reaches the same database as `createDynamoDbClient`: DynamoDB Local keeps one
 * database per access key and region unless started with `-sharedDb`, so the reader must present
 * the same ones as the writers, whatever region the records are labelled with.
 */
export function streamsClient(endpoint: string): { api: StreamsApi; destroy: () => void } {
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

/** The ARN of the table's current stream. */
export async function latestStreamArn(endpoint: string, tableName: string): Promise<string> {
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

/** Every shard of the stream, following DescribeStream's pages. */
export async function listShards(streams: StreamsApi, streamArn: string): Promise<ShardInfo[]> {
  const shards: ShardInfo[] = [];
  let exclusiveStartShardId: string | undefined;
  do {
    const { StreamDescription } = await streams.describeStream({
      StreamArn: streamArn,
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

/** The table's partition key attribute, as DescribeStream tells it (undefined if it does not). */
export async function streamPartitionKey(
  streams: StreamsApi,
  streamArn: string,
): Promise<string | undefined> {
  const { StreamDescription } = await streams.describeStream({ StreamArn: streamArn });
  return StreamDescription?.KeySchema?.find((key) => key.KeyType === 'HASH')?.AttributeName;
}

/**
 * An iterator just after `after`, or at the start of the shard when `after` is null or no longer
 * in the stream. `undefined` when the shard is closed and has nothing left.
 */
export async function shardIterator(
  streams: StreamsApi,
  streamArn: string,
  shardId: string,
  after: string | null,
  log: Logger,
): Promise<string | undefined> {
  if (after !== null) {
    try {
      const { ShardIterator } = await streams.getShardIterator({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        SequenceNumber: after,
      });
      return ShardIterator;
    } catch (error) {
      const name = (error as Error).name;
      if (name !== 'TrimmedDataAccessException' && name !== 'ValidationException') throw error;
      log.warn('stream runner: checkpoint no longer in the stream; reading from the start', {
        shardId,
        sequenceNumber: after,
      });
    }
  }
  const { ShardIterator } = await streams.getShardIterator({
    StreamArn: streamArn,
    ShardId: shardId,
    ShardIteratorType: 'TRIM_HORIZON',
  });
  return ShardIterator;
}

/** The checkpoint that passes over everything the shard holds now (StartingPosition LATEST). */
export async function checkpointAtEnd(
  streams: StreamsApi,
  streamArn: string,
  shard: ShardInfo,
  log: Logger,
): Promise<ShardCheckpoint> {
  if (shard.closed) return { sequenceNumber: null, finished: true };
  let sequenceNumber: string | null = null;
  let iterator = await shardIterator(streams, streamArn, shard.shardId, null, log);
  while (iterator) {
    const page = await streams.getRecords({ ShardIterator: iterator, Limit: GET_RECORDS_LIMIT });
    const records = page.Records ?? [];
    if (records.length === 0) break;
    sequenceNumber = records.at(-1)?.dynamodb?.SequenceNumber ?? sequenceNumber;
    iterator = page.NextShardIterator;
  }
  return { sequenceNumber, finished: false };
}

export interface ShardPage {
  records: StreamApiRecord[];
  /** The sequence number read before this page (null: none yet). */
  previous: string | null;
  /** The shard may hold more records later; false once a closed shard has been read out. */
  open: boolean;
}

/** Pages through one shard from a checkpoint, keeping its iterator. */
export class ShardReader {
  #iterator: string | undefined;
  #needIterator = true;
  /** Reads that failed in a row, for the caller's backoff; a successful read resets it. */
  failures = 0;

  constructor(
    private readonly streams: StreamsApi,
    private readonly streamArn: string,
    readonly shardId: string,
    /** The last sequence number read; the next iterator starts after it. */
    private lastRead: string | null,
    private readonly log: Logger,
  ) {}

  /** The next page, or `closed` once the shard has ended and been read to its end. */
  async next(): Promise<ShardPage | 'closed'> {
    if (this.#needIterator) {
      this.#iterator = await shardIterator(
        this.streams,
        this.streamArn,
        this.shardId,
        this.lastRead,
        this.log,
      );
      this.#needIterator = false;
    }
    if (this.#iterator === undefined) return 'closed';
    const page = await this.streams.getRecords({
      ShardIterator: this.#iterator,
      Limit: GET_RECORDS_LIMIT,
    });
    this.failures = 0;
    this.#iterator = page.NextShardIterator;
    const records = page.Records ?? [];
    const previous = this.lastRead;
    if (records.length > 0) this.lastRead = records.at(-1)?.dynamodb?.SequenceNumber ?? '';
    return { records, previous, open: this.#iterator !== undefined };
  }

  /** Asks for a fresh iterator after the last record read, at the next read. */
  renewIterator(): void {
    this.#needIterator = true;
  }
}
