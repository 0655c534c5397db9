import type { AttributeValue as SdkAttributeValue } from '@aws-sdk/client-dynamodb';
import type { _Record as SdkStreamRecord } from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { StoredRevision } from '../../lib/reviews/review.js';
import { HEAD_SK, revisionSk } from '../../lib/store/dynamodb-store.js';
import { REVISION_ITEM_TYPE } from '../../lib/store/item-types.js';

/** Stream records shaped the way Lambda hands them to a DynamoDB stream consumer. */

export const STREAM_ARN =
  'arn:aws:dynamodb:us-east-1:000000000000:table/reviews/stream/2026-01-01T00:00:00.000';

let sequence = 100_000_000_000_000_000_000n;

/** Strictly increasing, like a shard's sequence numbers. */
export function nextSequenceNumber(): string {
  sequence += 1n;
  return String(sequence);
}

type Image = Record<string, AttributeValue>;

function record(
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE',
  keys: Image,
  images: { NewImage?: Image; OldImage?: Image },
  sequenceNumber = nextSequenceNumber(),
): DynamoDBRecord {
  return {
    eventID: sequenceNumber.slice(-12),
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'us-east-1',
    eventSourceARN: STREAM_ARN,
    dynamodb: {
      ApproximateCreationDateTime: 1_767_225_600,
      Keys: keys,
      ...images,
      SequenceNumber: sequenceNumber,
      SizeBytes: 200,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
  };
}

/** The image of a revision item as the DynamoDB store writes it. */
export function revisionImage(attemptCode: string, revision: StoredRevision): Image {
  return {
    attemptCode: { S: attemptCode },
    sk: { S: revisionSk(revision.revision) },
    itemType: { S: REVISION_ITEM_TYPE },
    revision: { N: String(revision.revision) },
    source: { S: revision.source },
    reviewStatus: { S: revision.reviewStatus },
    reviewedBy: revision.reviewedBy === null ? { NULL: true } : { S: revision.reviewedBy },
    contentHash: { S: revision.contentHash },
    encryptedVideoUrl:
      revision.encryptedVideoUrl === null ? { NULL: true } : { S: revision.encryptedVideoUrl },
    receivedAt: { S: revision.receivedAt },
    commentCount: { N: String(revision.comments.length) },
    commentChunks: { N: '1' },
    rawChunks: { N: '1' },
  };
}

/** The INSERT that announces a new revision. */
export function revisionInsert(
  attemptCode: string,
  revision: StoredRevision,
  sequenceNumber?: string,
): DynamoDBRecord {
  const image = revisionImage(attemptCode, revision);
  return record(
    'INSERT',
    { attemptCode: image.attemptCode as AttributeValue, sk: image.sk as AttributeValue },
    { NewImage: image },
    sequenceNumber,
  );
}

/** The MODIFY the workflow's own outcome write causes on a revision item. */
export function revisionModify(attemptCode: string, revision: StoredRevision): DynamoDBRecord {
  const image = revisionImage(attemptCode, revision);
  return record(
    'MODIFY',
    { attemptCode: { S: attemptCode }, sk: { S: revisionSk(revision.revision) } },
    { OldImage: image, NewImage: { ...image, outcome: { M: {} } } },
  );
}

/** An INSERT of the review head, which is not a revision. */
export function headInsert(attemptCode: string, revision: number): DynamoDBRecord {
  const keys = { attemptCode: { S: attemptCode }, sk: { S: HEAD_SK } };
  return record('INSERT', keys, {
    NewImage: { ...keys, revision: { N: String(revision) }, latestVendorHash: { NULL: true } },
  });
}

/** An INSERT of a comments chunk, which is not a revision either. */
export function chunkInsert(attemptCode: string, revision: number): DynamoDBRecord {
  const keys = {
    attemptCode: { S: attemptCode },
    sk: { S: `${revisionSk(revision)}#COMMENTS#0001` },
  };
  return record('INSERT', keys, {
    NewImage: {
      ...keys,
      itemType: { S: 'review_comments_chunk' },
      data: { B: 'H4sIAAAAAAAAA4uOBQApu0wNAgAAAA==' },
    },
  });
}

export function streamEvent(records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}

export function sequenceNumbers(records: DynamoDBRecord[]): string[] {
  return records.map((item) => item.dynamodb?.SequenceNumber ?? '');
}

/** An SDK attribute value in Lambda's JSON form: binary as base64, sets as arrays. */
function toLambdaValue(value: SdkAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString('base64') };
  if (value.BS !== undefined)
    return { BS: value.BS.map((item) => Buffer.from(item).toString('base64')) };
  if (value.M !== undefined) return { M: toLambdaImage(value.M) ?? {} };
  if (value.L !== undefined) return { L: value.L.map(toLambdaValue) };
  return value as AttributeValue;
}

function toLambdaImage(image: Record<string, SdkAttributeValue> | undefined): Image | undefined {
  if (!image) return undefined;
  return Object.fromEntries(
    Object.entries(image).map(([name, value]) => [name, toLambdaValue(value)]),
  );
}

/**
 * A record read with the DynamoDB Streams API, reshaped the way Lambda's event source mapping
 * delivers it: the stream ARN added, the creation time in epoch seconds, binary as base64.
 */
export function toLambdaRecord(item: SdkStreamRecord, streamArn: string): DynamoDBRecord {
  const stream = item.dynamodb ?? {};
  const created = stream.ApproximateCreationDateTime;
  const keys = toLambdaImage(stream.Keys);
  const newImage = toLambdaImage(stream.NewImage);
  const oldImage = toLambdaImage(stream.OldImage);
  return {
    ...(item.eventID ? { eventID: item.eventID } : {}),
    ...(item.eventName ? { eventName: item.eventName } : {}),
    eventVersion: item.eventVersion ?? '1.1',
    eventSource: item.eventSource ?? 'aws:dynamodb',
    awsRegion: item.awsRegion ?? 'us-east-1',
    eventSourceARN: streamArn,
    dynamodb: {
      ...(created ? { ApproximateCreationDateTime: Math.floor(created.getTime() / 1000) } : {}),
      ...(keys ? { Keys: keys } : {}),
      ...(newImage ? { NewImage: newImage } : {}),
      ...(oldImage ? { OldImage: oldImage } : {}),
      ...(stream.SequenceNumber ? { SequenceNumber: stream.SequenceNumber } : {}),
      ...(stream.SizeBytes !== undefined ? { SizeBytes: stream.SizeBytes } : {}),
      ...(stream.StreamViewType ? { StreamViewType: stream.StreamViewType } : {}),
    },
  };
}
