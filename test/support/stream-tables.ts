import { randomUUID } from 'node:crypto';
import {
  type AttributeValue,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  PutItemCommand,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import type { StreamHandler } from '../../local/stream/runner.js';

/**
 * A table of its own, with a stream, on the shared DynamoDB Local: items are keyed by `pk`, and
 * every write lands in the stream in the order it was made.
 */
export async function createStreamTable(
  endpoint: string,
  streamViewType: StreamViewType = 'NEW_AND_OLD_IMAGES',
) {
  const client = createDynamoDbClient({ endpoint });
  const tableName = `stream-runner-${randomUUID().slice(0, 8)}`;
  const { TableDescription } = await client.send(
    new CreateTableCommand({
      TableName: tableName,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: streamViewType },
    }),
  );
  const streamArn = TableDescription?.LatestStreamArn;
  if (!streamArn) throw new Error(`${tableName} was created without a stream`);

  /** Writes `pk` with `attributes`, one write after another, so the stream keeps this order. */
  const put = async (...items: (string | [string, Record<string, AttributeValue>])[]) => {
    for (const item of items) {
      const [pk, attributes] = typeof item === 'string' ? [item, {}] : item;
      await client.send(
        new PutItemCommand({ TableName: tableName, Item: { pk: { S: pk }, ...attributes } }),
      );
    }
  };
  const remove = async (pk: string) => {
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: { S: pk } } }));
  };
  const drop = async () => {
    await client.send(new DeleteTableCommand({ TableName: tableName }));
    client.destroy();
  };
  return { tableName, streamArn, put, remove, drop };
}

export type StreamTable = Awaited<ReturnType<typeof createStreamTable>>;

/** The partition keys of a batch, in delivery order. */
export function keysOf(records: readonly DynamoDBRecord[]): (string | undefined)[] {
  return records.map((record) => record.dynamodb?.Keys?.pk?.S);
}

/**
 * A handler that records every batch it is given and answers with `behaviour` (success when
 * absent). `invocations` counts handler calls, including ones that threw.
 */
export function recordingHandler(
  behaviour?: (
    records: DynamoDBRecord[],
    call: number,
  ) => DynamoDBBatchResponse | undefined | Promise<DynamoDBBatchResponse | undefined>,
) {
  const batches: DynamoDBRecord[][] = [];
  const contexts: Parameters<StreamHandler>[1][] = [];
  const handler: StreamHandler = async (event, context) => {
    batches.push(event.Records);
    contexts.push(context);
    return behaviour?.(event.Records, batches.length);
  };
  return {
    handler,
    batches,
    contexts,
    /** The keys of each batch delivered so far. */
    keys: () => batches.map(keysOf),
    /** Every key delivered so far, flattened. */
    delivered: () => batches.flatMap(keysOf),
  };
}
