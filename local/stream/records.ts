/**
 * DynamoDB Streams records turned into the records Lambda delivers, and the choice of the records
 * a batch carries: those that pass the mapping's filters, up to BatchSize.
 */
import type {
  _Record as StreamApiRecord,
  AttributeValue as StreamAttributeValue,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord } from 'aws-lambda';
import type { EventMatcher } from '../event-bus/pattern.js';

/** DynamoDB Local rounds creation times down to the minute (AWS: to the second). */
const CREATION_TIME_PRECISION_MS = 60_000;

/** A record read from a shard, waiting to be delivered, filtered out or discarded. */
export interface PendingRecord {
  record: DynamoDBRecord;
  sequenceNumber: string;
  /** The checkpoint that leaves this record next to read: its predecessor in the shard. */
  previous: string | null;
  /** When the record was created, as precisely as the stream tells (ms). */
  createdAt: number;
  /** When this runner first read it (ms). */
  readAt: number;
}

/** What Lambda writes into every record about where it came from. */
export interface RecordSource {
  region: string;
  streamArn: string;
}

/**
 * One page of a shard as pending records. `previous` is the sequence number read before the page;
 * each record's predecessor follows on from it.
 */
export function pendingRecords(
  records: readonly StreamApiRecord[],
  previous: string | null,
  readAt: number,
  source: RecordSource,
): PendingRecord[] {
  let last = previous;
  return records.map((record) => {
    const entry = toPendingRecord(record, last, readAt, source);
    last = entry.sequenceNumber;
    return entry;
  });
}

function toPendingRecord(
  record: StreamApiRecord,
  previous: string | null,
  readAt: number,
  source: RecordSource,
): PendingRecord {
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
    awsRegion: source.region,
    dynamodb,
    eventSourceARN: source.streamArn,
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

/**
 * The next batch: up to `batchSize` records that pass the filters (ORed; none lets every record
 * through), and every record consumed to find them, filtered-out ones included, whose checkpoint
 * is settled once the batch is.
 */
export function takeBatch(
  pending: readonly PendingRecord[],
  batchSize: number,
  filters: readonly EventMatcher[],
): { batch: PendingRecord[]; consumed: PendingRecord[] } {
  const batch: PendingRecord[] = [];
  let index = 0;
  while (index < pending.length && batch.length < batchSize) {
    const entry = pending[index] as PendingRecord;
    index++;
    const shape = entry.record as unknown as Record<string, unknown>;
    if (filters.length === 0 || filters.some((matches) => matches(shape))) {
      batch.push(entry);
    }
  }
  return { batch, consumed: pending.slice(0, index) };
}

/** Older than `maximumRecordAgeInSeconds` (-1: records never age out) at `now`. */
export function recordExpired(
  entry: PendingRecord,
  now: number,
  maximumRecordAgeInSeconds: number,
): boolean {
  if (maximumRecordAgeInSeconds < 0) return false;
  // The stream's creation time is rounded down; the first read bounds it from above.
  const createdAt = Math.min(entry.readAt, entry.createdAt + CREATION_TIME_PRECISION_MS);
  return now - createdAt > maximumRecordAgeInSeconds * 1000;
}

/** An ISO 8601 time in whole seconds, as Lambda writes them in on-failure records. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
