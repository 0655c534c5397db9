import type {
  _Record,
  DescribeStreamInput,
  DescribeStreamOutput,
  GetRecordsInput,
  GetRecordsOutput,
  GetShardIteratorInput,
  GetShardIteratorOutput,
} from '@aws-sdk/client-dynamodb-streams';
import type { StreamsApi } from '../../local/stream/runner.js';

export const FAKE_STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/fake/stream/2026-01-01T00:00:00.000';

interface FakeShard {
  shardId: string;
  parentShardId: string | undefined;
  records: _Record[];
  closed: boolean;
}

/**
 * An in-memory DynamoDB stream behind the three calls the runner makes, for what DynamoDB Local
 * cannot show: several shards with lineage, closed shards and paged DescribeStream answers.
 * Iterators are `<shard>|<index of the next record>`.
 */
export class FakeDynamoDbStream implements StreamsApi {
  readonly shards: FakeShard[] = [];
  /** Shards per DescribeStream page. */
  pageSize = 1;
  describeCalls = 0;
  #sequence = 0n;

  addShard(shardId: string, parentShardId?: string): this {
    this.shards.push({ shardId, parentShardId, records: [], closed: false });
    return this;
  }

  /** Appends INSERT records keyed by `keys` to a shard, with increasing sequence numbers. */
  append(shardId: string, ...keys: string[]): this {
    const shard = this.#shard(shardId);
    for (const key of keys) {
      this.#sequence += 1n;
      shard.records.push({
        eventID: `event-${this.#sequence}`,
        eventName: 'INSERT',
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: 'ddblocal',
        dynamodb: {
          ApproximateCreationDateTime: new Date(),
          Keys: { pk: { S: key } },
          NewImage: { pk: { S: key } },
          SequenceNumber: String(this.#sequence).padStart(21, '0'),
          SizeBytes: 10,
          StreamViewType: 'NEW_AND_OLD_IMAGES',
        },
      });
    }
    return this;
  }

  close(shardId: string): this {
    this.#shard(shardId).closed = true;
    return this;
  }

  async describeStream(input: DescribeStreamInput): Promise<DescribeStreamOutput> {
    this.describeCalls++;
    const start = input.ExclusiveStartShardId
      ? this.shards.findIndex((shard) => shard.shardId === input.ExclusiveStartShardId) + 1
      : 0;
    const page = this.shards.slice(start, start + this.pageSize);
    const more = start + this.pageSize < this.shards.length;
    return {
      StreamDescription: {
        StreamArn: input.StreamArn,
        StreamStatus: 'ENABLED',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        Shards: page.map((shard) => ({
          ShardId: shard.shardId,
          ...(shard.parentShardId ? { ParentShardId: shard.parentShardId } : {}),
          SequenceNumberRange: {
            StartingSequenceNumber: shard.records[0]?.dynamodb?.SequenceNumber ?? '0',
            ...(shard.closed
              ? { EndingSequenceNumber: shard.records.at(-1)?.dynamodb?.SequenceNumber ?? '0' }
              : {}),
          },
        })),
        ...(more ? { LastEvaluatedShardId: page.at(-1)?.shardId } : {}),
      },
    };
  }

  async getShardIterator(input: GetShardIteratorInput): Promise<GetShardIteratorOutput> {
    const shard = this.#shard(input.ShardId ?? '');
    let position = 0;
    if (input.ShardIteratorType === 'LATEST') position = shard.records.length;
    if (input.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER') {
      position =
        shard.records.findIndex(
          (record) => record.dynamodb?.SequenceNumber === input.SequenceNumber,
        ) + 1;
      if (position === 0)
        throw Object.assign(new Error('no such record'), { name: 'TrimmedDataAccessException' });
    }
    return { ShardIterator: `${shard.shardId}|${position}` };
  }

  async getRecords(input: GetRecordsInput): Promise<GetRecordsOutput> {
    const [shardId = '', from = '0'] = (input.ShardIterator ?? '').split('|');
    const shard = this.#shard(shardId);
    const start = Number(from);
    const records = shard.records.slice(start, start + (input.Limit ?? 1000));
    const next = start + records.length;
    const atEnd = next >= shard.records.length;
    return {
      Records: records,
      ...(shard.closed && atEnd ? {} : { NextShardIterator: `${shard.shardId}|${next}` }),
    };
  }

  #shard(shardId: string): FakeShard {
    const shard = this.shards.find((candidate) => candidate.shardId === shardId);
    if (!shard)
      throw Object.assign(new Error(`no shard ${shardId}`), { name: 'ResourceNotFoundException' });
    return shard;
  }
}
