import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  type StreamHandler,
  type StreamMappingInput,
  type StreamRunnerOptions,
  startStreamRunner,
} from '../../local/stream/runner.js';
import { readJsonLines, temporaryDataDir } from '../support/local-data.js';
import {
  createStreamTable,
  keysOf,
  recordingHandler,
  type StreamTable,
} from '../support/stream-tables.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function streamTable(): Promise<StreamTable> {
  const table = await createStreamTable(inject('dynamoDbEndpoint'));
  cleanups.push(table.drop);
  return table;
}

async function dataDir(): Promise<string> {
  const data = await temporaryDataDir();
  cleanups.push(data.remove);
  return data.dir;
}

/** A runner on `table` reading from the start, polling and retrying quickly. */
async function startRunner(
  table: StreamTable,
  handler: StreamHandler,
  mapping: Partial<StreamMappingInput> = {},
  options: Partial<StreamRunnerOptions> = {},
) {
  const runner = await startStreamRunner({
    dynamoDbEndpoint: inject('dynamoDbEndpoint'),
    streamArn: table.streamArn,
    mapping: { startingPosition: 'TRIM_HORIZON', ...mapping },
    handler,
    dataDir: options.dataDir ?? (await dataDir()),
    pollIntervalMs: 10,
    retryBackoffMs: 1,
    ...options,
  });
  cleanups.push(runner.stop);
  return runner;
}

interface DeadLetter {
  requestContext: Record<string, unknown>;
  responseContext: Record<string, unknown>;
  version: string;
  timestamp: string;
  DDBStreamBatchInfo: Record<string, unknown>;
  records: DynamoDBRecord[];
}

const deadLetters = (dir: string) => readJsonLines<DeadLetter>(join(dir, 'dead-letters.jsonl'));

/** The checkpoint of the stream's only shard, as persisted. */
async function persistedCheckpoint(dir: string, name: string, streamArn: string) {
  const file = JSON.parse(await readFile(join(dir, 'stream-checkpoints.json'), 'utf8'));
  const shards = Object.values(file[name][streamArn]) as { sequenceNumber: string | null }[];
  expect(shards).toHaveLength(1);
  return shards[0]?.sequenceNumber;
}

const sequenceOf = (record: DynamoDBRecord | undefined) => record?.dynamodb?.SequenceNumber ?? '';

describe('stream runner: delivery', () => {
  it('delivers every record in order, in batches of BatchSize, shaped as Lambda delivers them', async () => {
    // Prepare: eight changes, written before the runner starts so the batches are predictable
    const table = await streamTable();
    await table.put(
      ['item-0', { photo: { B: new Uint8Array([1, 2, 3]) } }],
      'item-1',
      'item-2',
      'item-3',
      'item-4',
      'item-5',
      ['item-0', { status: { S: 'changed' } }],
    );
    await table.remove('item-1');
    const recorder = recordingHandler();
    const before = Math.floor(Date.now() / 1000);

    // Act
    const runner = await startRunner(
      table,
      recorder.handler,
      { batchSize: 3 },
      {
        tableName: table.tableName,
        streamArn: undefined,
        region: 'eu-west-1',
        functionName: 'finish-review',
      },
    );
    await runner.drained();

    // Assess
    expect(runner.streamArn).toBe(table.streamArn);
    expect(recorder.keys()).toEqual([
      ['item-0', 'item-1', 'item-2'],
      ['item-3', 'item-4', 'item-5'],
      ['item-0', 'item-1'],
    ]);
    const records = recorder.batches.flat();
    expect(records.map((record) => record.eventName)).toEqual([
      ...Array(6).fill('INSERT'),
      'MODIFY',
      'REMOVE',
    ]);
    const sequenceNumbers = records.map((record) => BigInt(sequenceOf(record)));
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => (a < b ? -1 : 1)));
    expect(records[0]).toEqual({
      eventID: expect.any(String),
      eventName: 'INSERT',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'eu-west-1',
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { pk: { S: 'item-0' } },
        NewImage: { pk: { S: 'item-0' }, photo: { B: 'AQID' } },
        SequenceNumber: expect.stringMatching(/^\d+$/),
        SizeBytes: expect.any(Number),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
      eventSourceARN: table.streamArn,
    });
    const created = records[0]?.dynamodb?.ApproximateCreationDateTime ?? 0;
    expect(Number.isInteger(created)).toBe(true);
    // DynamoDB Local rounds creation times down to the minute.
    expect(created).toBeGreaterThan(before - 120);
    expect(created).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(records[6]?.dynamodb).toMatchObject({
      OldImage: { pk: { S: 'item-0' }, photo: { B: 'AQID' } },
      NewImage: { pk: { S: 'item-0' }, status: { S: 'changed' } },
    });
    expect(records[7]?.dynamodb?.OldImage).toEqual({ pk: { S: 'item-1' } });
    expect(records[7]?.dynamodb?.NewImage).toBeUndefined();
    expect(recorder.contexts[0]).toMatchObject({
      functionName: 'finish-review',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:finish-review',
      awsRequestId: expect.any(String),
    });
    expect(recorder.contexts[0]?.getRemainingTimeInMillis()).toBeGreaterThan(0);
  });

  it('sends only records that match a filter, and checkpoints the others as processed', async () => {
    // Prepare: filters as CloudFormation carries them, JSON text, ORed
    const table = await streamTable();
    const dir = await dataDir();
    const keep = { status: { S: 'keep' } };
    const drop = { status: { S: 'drop' } };
    await table.put(['a', keep], ['b', drop], ['c', keep], ['a', drop]);
    await table.remove('b');
    await table.put(['d', drop]);
    const recorder = recordingHandler();

    // Act
    const runner = await startRunner(
      table,
      recorder.handler,
      {
        filterPatterns: [
          '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":["keep"]}}}}',
          '{"eventName":["REMOVE"]}',
        ],
      },
      { dataDir: dir, name: 'filtered' },
    );
    await runner.drained();

    // Assess
    expect(recorder.delivered()).toEqual(['a', 'c', 'b']);
    expect(recorder.batches.flat().map((record) => record.eventName)).toEqual([
      'INSERT',
      'INSERT',
      'REMOVE',
    ]);
    await runner.stop();
    const lastInStream = await lastSequenceNumber(table, dir);
    expect(await persistedCheckpoint(dir, 'filtered', table.streamArn)).toBe(lastInStream);
  });
});

/** The sequence number of the stream's newest record, read by a runner of its own. */
async function lastSequenceNumber(table: StreamTable, dir: string): Promise<string> {
  const recorder = recordingHandler();
  const reader = await startRunner(table, recorder.handler, {}, { dataDir: dir, name: 'probe' });
  await reader.drained();
  await reader.stop();
  return sequenceOf(recorder.batches.flat().at(-1));
}

describe('stream runner: partial batch responses', () => {
  it('retries from the lowest reported failure, and redelivers nothing before it', async () => {
    // Prepare
    const table = await streamTable();
    await table.put('r0', 'r1', 'r2', 'r3', 'r4');
    const recorder = recordingHandler((records, call) =>
      call === 1
        ? {
            batchItemFailures: [
              { itemIdentifier: sequenceOf(records[3]) },
              { itemIdentifier: sequenceOf(records[1]) },
            ],
          }
        : undefined,
    );

    // Act
    const runner = await startRunner(table, recorder.handler, {
      batchSize: 10,
      reportBatchItemFailures: true,
    });
    await runner.drained();

    // Assess
    expect(recorder.keys()).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4'],
      ['r1', 'r2', 'r3', 'r4'],
    ]);
  });

  it.each([
    ['an unknown sequence number', { itemIdentifier: '1' }],
    ['an empty itemIdentifier', { itemIdentifier: '' }],
    ['a missing itemIdentifier', {}],
  ])('treats a response naming %s as a failure of the whole batch', async (_case, failure) => {
    const table = await streamTable();
    await table.put('r0', 'r1', 'r2');
    const recorder = recordingHandler((_records, call) =>
      call === 1 ? { batchItemFailures: [failure as { itemIdentifier: string }] } : undefined,
    );

    const runner = await startRunner(table, recorder.handler, { reportBatchItemFailures: true });
    await runner.drained();

    expect(recorder.keys()).toEqual([
      ['r0', 'r1', 'r2'],
      ['r0', 'r1', 'r2'],
    ]);
  });

  it('ignores batch item failures unless ReportBatchItemFailures is on', async () => {
    const table = await streamTable();
    await table.put('r0', 'r1');
    const recorder = recordingHandler((records) => ({
      batchItemFailures: [{ itemIdentifier: sequenceOf(records[0]) }],
    }));

    const runner = await startRunner(table, recorder.handler);
    await runner.drained();

    expect(recorder.keys()).toEqual([['r0', 'r1']]);
  });
});

describe('stream runner: failures and dead letters', () => {
  it('bisects a batch that throws until the poison record is alone, then discards only it', async () => {
    // Prepare
    const table = await streamTable();
    const dir = await dataDir();
    await table.put('a', 'b', 'poison', 'd');
    const recorder = recordingHandler((records) => {
      if (keysOf(records).includes('poison')) throw new Error('cannot process poison');
      return undefined;
    });

    // Act
    const runner = await startRunner(
      table,
      recorder.handler,
      { batchSize: 4, bisectBatchOnFunctionError: true, maximumRetryAttempts: 0 },
      { dataDir: dir },
    );
    await runner.drained();

    // Assess: bisecting uses no retries; the lone poison record then has none left
    expect(recorder.keys()).toEqual([
      ['a', 'b', 'poison', 'd'],
      ['a', 'b'],
      ['poison', 'd'],
      ['poison'],
      ['d'],
    ]);
    const letters = await deadLetters(dir);
    expect(letters).toHaveLength(1);
    expect(keysOf(letters[0]?.records ?? [])).toEqual(['poison']);
    expect(letters[0]?.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
    });
  });

  it('dead-letters a poison record after its retries, with its records, and moves on', async () => {
    // Prepare
    const table = await streamTable();
    const dir = await dataDir();
    await table.put('before', ['poison', { bad: { BOOL: true } }], 'after-1', 'after-2');
    const recorder = recordingHandler((records) => {
      if (records.some((record) => record.dynamodb?.NewImage?.bad?.BOOL)) {
        throw new Error('cannot process poison');
      }
      return undefined;
    });

    // Act
    const runner = await startRunner(
      table,
      recorder.handler,
      { batchSize: 1, maximumRetryAttempts: 2 },
      { dataDir: dir, functionName: 'finish-review' },
    );
    await runner.drained();

    // Assess
    expect(recorder.delivered()).toEqual([
      'before',
      'poison',
      'poison',
      'poison',
      'after-1',
      'after-2',
    ]);
    const letters = await deadLetters(dir);
    expect(letters).toHaveLength(1);
    const poison = recorder.batches[1]?.[0];
    const arrival = new Date((poison?.dynamodb?.ApproximateCreationDateTime ?? 0) * 1000)
      .toISOString()
      .replace('.000Z', 'Z');
    expect(letters[0]).toEqual({
      requestContext: {
        requestId: expect.any(String),
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:finish-review',
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      DDBStreamBatchInfo: {
        shardId: expect.stringMatching(/^shardId-/),
        startSequenceNumber: sequenceOf(poison),
        endSequenceNumber: sequenceOf(poison),
        approximateArrivalOfFirstRecord: arrival,
        approximateArrivalOfLastRecord: arrival,
        batchSize: 1,
        streamArn: table.streamArn,
      },
      error: 'Error: cannot process poison',
      records: [poison],
    });
  });

  it('dead-letters a batch that is still failing when the retries of a partial response run out', async () => {
    const table = await streamTable();
    const dir = await dataDir();
    await table.put('ok', 'stuck', 'later');
    const recorder = recordingHandler((records) => {
      const stuck = records.find((record) => keysOf([record])[0] === 'stuck');
      return stuck ? { batchItemFailures: [{ itemIdentifier: sequenceOf(stuck) }] } : undefined;
    });

    const runner = await startRunner(
      table,
      recorder.handler,
      { reportBatchItemFailures: true, maximumRetryAttempts: 1 },
      { dataDir: dir },
    );
    await runner.drained();

    // The first call fails "stuck" once; one retry of what remains, then the rest is discarded.
    expect(recorder.keys()).toEqual([
      ['ok', 'stuck', 'later'],
      ['stuck', 'later'],
    ]);
    const letters = await deadLetters(dir);
    expect(keysOf(letters[0]?.records ?? [])).toEqual(['stuck', 'later']);
    expect(letters[0]?.requestContext.approximateInvokeCount).toBe(2);
    expect(letters[0]?.responseContext.functionError).toBeNull();
  });

  it('dead-letters a record older than MaximumRecordAgeInSeconds instead of retrying it again', async () => {
    // Prepare: the handler moves the runner's clock past the maximum age as it fails
    const table = await streamTable();
    const dir = await dataDir();
    let offsetMs = 0;
    await table.put('poison');
    const recorder = recordingHandler((records) => {
      if (keysOf(records).includes('poison')) {
        offsetMs += 61_000;
        throw new Error('cannot process poison');
      }
      return undefined;
    });

    // Act
    const runner = await startRunner(
      table,
      recorder.handler,
      { maximumRecordAgeInSeconds: 60 },
      { dataDir: dir, now: () => Date.now() + offsetMs },
    );
    await runner.drained();
    await table.put('next');
    await runner.drained();

    // Assess
    expect(recorder.delivered()).toEqual(['poison', 'next']);
    const letters = await deadLetters(dir);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 1,
    });
    expect(keysOf(letters[0]?.records ?? [])).toEqual(['poison']);
  });
});

describe('stream runner: checkpoints and starting positions', () => {
  it('resumes after a restart from the persisted checkpoint, without replaying', async () => {
    // Prepare
    const table = await streamTable();
    const dir = await dataDir();
    await table.put('one', 'two', 'three');
    const first = recordingHandler();
    const firstRunner = await startRunner(table, first.handler, {}, { dataDir: dir });
    await firstRunner.drained();
    await firstRunner.stop();

    // Act
    await table.put('four', 'five');
    const second = recordingHandler();
    const secondRunner = await startRunner(table, second.handler, {}, { dataDir: dir });
    await secondRunner.drained();

    // Assess
    expect(first.delivered()).toEqual(['one', 'two', 'three']);
    expect(second.delivered()).toEqual(['four', 'five']);
  });

  it('starts at LATEST with what is written after the start, and keeps that position across restarts', async () => {
    // Prepare
    const table = await streamTable();
    const dir = await dataDir();
    await table.put('old-1', 'old-2');
    const first = recordingHandler();

    // Act
    const firstRunner = await startRunner(
      table,
      first.handler,
      { startingPosition: 'LATEST' },
      { dataDir: dir },
    );
    await table.put('new-1');
    await firstRunner.drained();
    await firstRunner.stop();
    await table.put('while-stopped');
    const second = recordingHandler();
    const secondRunner = await startRunner(
      table,
      second.handler,
      { startingPosition: 'LATEST' },
      { dataDir: dir },
    );
    await secondRunner.drained();

    // Assess
    expect(first.delivered()).toEqual(['new-1']);
    expect(second.delivered()).toEqual(['while-stopped']);
  });

  it('keeps separate checkpoints for mappings that share a data folder', async () => {
    const table = await streamTable();
    const dir = await dataDir();
    await table.put('x', 'y');
    const left = recordingHandler();
    const right = recordingHandler();

    const leftRunner = await startRunner(table, left.handler, {}, { dataDir: dir, name: 'left' });
    const rightRunner = await startRunner(
      table,
      right.handler,
      {},
      { dataDir: dir, name: 'right' },
    );
    await Promise.all([leftRunner.drained(), rightRunner.drained()]);
    await Promise.all([leftRunner.stop(), rightRunner.stop()]);

    expect(left.delivered()).toEqual(['x', 'y']);
    expect(right.delivered()).toEqual(['x', 'y']);
    const last = sequenceOf(left.batches.flat().at(-1));
    expect(await persistedCheckpoint(dir, 'left', table.streamArn)).toBe(last);
    expect(await persistedCheckpoint(dir, 'right', table.streamArn)).toBe(last);
  });
});

describe('stream runner: drained()', () => {
  it('resolves at once for an empty stream', async () => {
    const table = await streamTable();
    const recorder = recordingHandler();
    const runner = await startRunner(table, recorder.handler);

    await runner.drained();

    expect(recorder.batches).toEqual([]);
  });

  it('waits for the batch in flight, and covers records written before it was called', async () => {
    // Prepare: the handler holds its first batch until the test releases it
    const table = await streamTable();
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = () => {};
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const recorder = recordingHandler(async (_records, call) => {
      if (call === 1) {
        entered();
        await held;
      }
      return undefined;
    });
    const runner = await startRunner(table, recorder.handler, { batchSize: 1 });
    await table.put('first');
    await handlerEntered;

    // Act
    await table.put('second', 'third');
    let drainedResolved = false;
    const drained = runner.drained().then(() => {
      drainedResolved = true;
    });
    await Promise.resolve();
    const resolvedWhileHeld = drainedResolved;
    release();
    await drained;

    // Assess
    expect(resolvedWhileHeld).toBe(false);
    expect(recorder.delivered()).toEqual(['first', 'second', 'third']);
  });

  it('rejects when the runner stops before the stream is drained', async () => {
    const table = await streamTable();
    let entered = () => {};
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const recorder = recordingHandler(async () => {
      entered();
      throw new Error('always failing');
    });
    const runner = await startRunner(table, recorder.handler);
    await table.put('stuck');
    // Asked once the record is in flight: before the runner has read it, the stream looks drained.
    await handlerEntered;
    const drained = runner.drained().catch((error: unknown) => error);

    await runner.stop();

    expect(await drained).toBeInstanceOf(Error);
  });
});
