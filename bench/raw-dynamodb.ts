import { performance } from 'node:perf_hooks';
import {
  type AttributeValue,
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  QueryCommand,
  type TableDescription,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { REVISION_ITEM_TYPE } from '../lib/store/item-types.js';
import { newAttemptCode } from './fixtures.js';
import type { OperationCounts } from './pipeline.js';
import { pool } from './pipeline.js';
import { type CpuShares, startCpuMeter } from './process-cpu.js';
import { type Spread, spread } from './stats.js';

type Item = Record<string, AttributeValue>;

/** One review as the pipeline left it in DynamoDB Local: the attempt and every reviews item. */
export interface StoredReview {
  attemptCode: string;
  attempt: Item;
  head: Item;
  /** The revision item, with the workflow's `outcome`. */
  revision: Item;
  chunks: Item[];
}

export interface ServiceTables {
  attempts: TableDescription;
  reviews: TableDescription;
}

export function engineClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** The service's two tables, told apart by their keys (the reviews table has a sort key). */
export async function serviceTables(client: DynamoDBClient): Promise<ServiceTables> {
  const { TableNames = [] } = await client.send(new ListTablesCommand({}));
  const described = await Promise.all(
    TableNames.map(async (TableName) => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName }));
      if (!Table) throw new Error(`DescribeTable ${TableName} returned nothing`);
      return Table;
    }),
  );
  const attempts = described.find((table) => table.KeySchema?.length === 1);
  const reviews = described.find((table) => table.KeySchema?.length === 2);
  if (!attempts || !reviews)
    throw new Error(`cannot tell the tables apart: ${TableNames.join(', ')}`);
  return { attempts, reviews };
}

export async function readStoredReviews(
  client: DynamoDBClient,
  tables: ServiceTables,
  attemptCodes: readonly string[],
): Promise<StoredReview[]> {
  const reviews: StoredReview[] = [];
  for (const attemptCode of attemptCodes) {
    const { Item: attempt } = await client.send(
      new GetItemCommand({
        TableName: tables.attempts.TableName,
        Key: { attemptCode: { S: attemptCode } },
        ConsistentRead: true,
      }),
    );
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tables.reviews.TableName,
        KeyConditionExpression: 'attemptCode = :code',
        ExpressionAttributeValues: { ':code': { S: attemptCode } },
        ConsistentRead: true,
      }),
    );
    const head = Items.find((item) => item.sk?.S === 'HEAD');
    const revision = Items.find((item) => item.itemType?.S === REVISION_ITEM_TYPE);
    if (!attempt || !head || !revision) throw new Error(`review of ${attemptCode} is incomplete`);
    reviews.push({
      attemptCode,
      attempt,
      head,
      revision,
      chunks: Items.filter((item) => item !== head && item !== revision),
    });
  }
  return reviews;
}

function rekeyed(item: Item, attemptCode: string, drop: readonly string[] = []): Item {
  const copy: Item = { ...item, attemptCode: { S: attemptCode } };
  for (const name of drop) delete copy[name];
  return copy;
}

/** As long as `REVISION_ITEM_TYPE`, so the item is as large, but not what the stream filter passes. */
export const REPLAY_ITEM_TYPE = 'replay_revision';

const WORKFLOW_ATTRIBUTES = ['appliedRevision', 'statusAttributedTo', 'statusUpdatedAt'];

type Operation = (attemptCode: string) => Promise<unknown>;

/**
 * The requests the service makes per review, issued with the SDK directly on copies of a stored
 * review under a fresh key: the same items, conditions, projections and consistency.
 */
function operations(
  client: DynamoDBClient,
  names: { attempts: string; reviews: string },
  sample: StoredReview,
): Record<string, Operation> {
  const outcome = sample.revision.outcome;
  const fromStatus = outcome?.M?.fromStatus?.S;
  const toStatus = outcome?.M?.toStatus?.S;
  if (!outcome || !fromStatus || !toStatus) throw new Error('the sample revision has no outcome');
  const revisionSk = sample.revision.sk as AttributeValue;
  const key = (attemptCode: string) => ({ attemptCode: { S: attemptCode } });
  return {
    'callback:BatchGetItem': (attemptCode) =>
      client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [names.attempts]: { Keys: [key(attemptCode)], ConsistentRead: true },
            [names.reviews]: {
              Keys: [{ ...key(attemptCode), sk: { S: 'HEAD' } }],
              ConsistentRead: true,
            },
          },
        }),
      ),
    'callback:TransactWriteItems': (attemptCode) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: names.reviews,
                Item: rekeyed(sample.head, attemptCode),
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
            {
              Put: {
                TableName: names.reviews,
                Item: {
                  ...rekeyed(sample.revision, attemptCode, ['outcome']),
                  itemType: { S: REPLAY_ITEM_TYPE },
                },
                ConditionExpression: 'attribute_not_exists(sk)',
              },
            },
            ...sample.chunks.map((chunk) => ({
              Put: { TableName: names.reviews, Item: rekeyed(chunk, attemptCode) },
            })),
          ],
        }),
      ),
    'workflow:BatchGetItem': (attemptCode) =>
      client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [names.attempts]: { Keys: [key(attemptCode)], ConsistentRead: true },
            [names.reviews]: {
              Keys: [{ ...key(attemptCode), sk: revisionSk }],
              ConsistentRead: true,
              ProjectionExpression: '#sk, #outcome',
              ExpressionAttributeNames: { '#sk': 'sk', '#outcome': 'outcome' },
            },
          },
        }),
      ),
    'workflow:TransactWriteItems': (attemptCode) =>
      client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: outcomeUpdate(names.reviews, attemptCode, revisionSk, outcome) },
            {
              Update: {
                TableName: names.attempts,
                Key: key(attemptCode),
                UpdateExpression:
                  'SET #status = :to, appliedRevision = :revision, statusAttributedTo = :by, statusUpdatedAt = :at',
                ConditionExpression:
                  'archived = :false AND #status = :from AND (attribute_not_exists(appliedRevision) OR appliedRevision < :revision)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':to': { S: toStatus },
                  ':from': { S: fromStatus },
                  ':revision': sample.revision.revision as AttributeValue,
                  ':by': { NULL: true },
                  ':at': { S: new Date().toISOString() },
                  ':false': { BOOL: false },
                },
              },
            },
          ],
        }),
      ),
    'workflow:UpdateItem': (attemptCode) =>
      client.send(
        new UpdateItemCommand(outcomeUpdate(names.reviews, attemptCode, revisionSk, outcome)),
      ),
  };
}

function outcomeUpdate(
  table: string,
  attemptCode: string,
  sk: AttributeValue,
  outcome: AttributeValue,
) {
  return {
    TableName: table,
    Key: { attemptCode: { S: attemptCode }, sk },
    UpdateExpression: 'SET #outcome = :outcome',
    ConditionExpression: 'attribute_exists(sk) AND attribute_not_exists(#outcome)',
    ExpressionAttributeNames: { '#outcome': 'outcome' },
    ExpressionAttributeValues: { ':outcome': outcome },
  };
}

/** The per-review sequence: the callback's requests, then the workflow's, rounded to whole ones. */
export function replayPlan(counts: {
  callback: OperationCounts;
  workflow: OperationCounts;
}): string[] {
  const order = ['BatchGetItem', 'GetItem', 'Query', 'TransactWriteItems', 'UpdateItem'];
  const plan: string[] = [];
  for (const side of ['callback', 'workflow'] as const) {
    const entries = Object.entries(counts[side]).sort(
      ([left], [right]) => order.indexOf(left) - order.indexOf(right),
    );
    for (const [operation, count] of entries) {
      for (let index = 0; index < Math.round(count); index++) plan.push(`${side}:${operation}`);
    }
  }
  return plan;
}

export interface RawResult {
  reviews: number;
  concurrency: number;
  plan: string[];
  elapsedMs: number;
  reviewsPerSecond: number;
  reviewMs: Spread;
  /** Where the machine's CPU went during the timed replay. */
  cpu: CpuShares;
  operationMs: Record<string, Spread>;
}

/**
 * Replays the plan for `reviews` fresh attempts at `concurrency`, straight against DynamoDB Local
 * (no proxy, no functions), into the service's own tables, so the engine does the same work: the
 * same table sizes, and every write lands on the same stream. Replayed revision items carry an
 * `itemType` of the same length that the stream runner's filter drops, as it drops heads and
 * chunks, so the workflow never runs for them. (A fresh table would not do: DynamoDB Local writes
 * to a stream-enabled table created next to a long stream many times slower.)
 */
export async function replayRaw(
  client: DynamoDBClient,
  tables: ServiceTables,
  sample: StoredReview,
  plan: string[],
  options: {
    reviews: number;
    warmup: number;
    concurrency: number;
    /** Whose CPU to account for while the replay is timed (the stack idles meanwhile). */
    processes: Record<string, number[]>;
    progress: (message: string) => void;
  },
): Promise<RawResult> {
  const names = {
    attempts: tables.attempts.TableName ?? '',
    reviews: tables.reviews.TableName ?? '',
  };

  const fromStatus = sample.revision.outcome?.M?.fromStatus;
  const warmupCodes = Array.from({ length: options.warmup }, () => newAttemptCode());
  const codes = Array.from({ length: options.reviews }, () => newAttemptCode());
  const allCodes = [...warmupCodes, ...codes];
  // The attempts exist before the callbacks, as registered ones do; seeding is not timed.
  for (let start = 0; start < allCodes.length; start += 25) {
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [names.attempts]: allCodes.slice(start, start + 25).map((code) => ({
            PutRequest: {
              Item: {
                ...rekeyed(sample.attempt, code, WORKFLOW_ATTRIBUTES),
                ...(fromStatus ? { status: fromStatus } : {}),
              },
            },
          })),
        },
      }),
    );
  }

  const available = operations(client, names, sample);
  const steps = plan.map((name) => {
    const operation = available[name];
    if (!operation) throw new Error(`no raw equivalent for ${name}`);
    return { name, operation };
  });
  options.progress(
    `raw DynamoDB: replaying ${plan.join(' → ')} for ${options.warmup} + ${codes.length} reviews`,
  );

  const reviewMs: number[] = [];
  const operationMs = new Map<string, number[]>();
  const replay = async (code: string, timed: boolean) => {
    const reviewStarted = performance.now();
    for (const { name, operation } of steps) {
      const opStarted = performance.now();
      await operation(code);
      if (!timed) continue;
      const list = operationMs.get(name) ?? [];
      list.push(performance.now() - opStarted);
      operationMs.set(name, list);
    }
    if (timed) reviewMs.push(performance.now() - reviewStarted);
  };
  // The bench's own SDK client warms up first, as the functions' clients did during their warm-up.
  await pool(warmupCodes, options.concurrency, (code) => replay(code, false));
  const stopCpuMeter = startCpuMeter(options.processes);
  const started = performance.now();
  await pool(codes, options.concurrency, (code) => replay(code, true));
  const elapsedMs = performance.now() - started;
  const cpu = stopCpuMeter();
  return {
    reviews: codes.length,
    concurrency: options.concurrency,
    plan,
    elapsedMs,
    reviewsPerSecond: codes.length / (elapsedMs / 1000),
    reviewMs: spread(reviewMs),
    cpu,
    operationMs: Object.fromEntries(
      [...operationMs].map(([name, values]) => [name, spread(values)]),
    ),
  };
}
