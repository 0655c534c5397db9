import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { laneOf } from '../../local/stream/lanes.js';
import {
  mappingFromTemplate,
  type StartingPosition,
  StreamMappingError,
  type StreamMappingInput,
  startStreamRunner,
} from '../../local/stream/runner.js';
import { FAKE_STREAM_ARN, FakeDynamoDbStream } from '../support/fake-dynamodb-stream.js';
import { temporaryDataDir } from '../support/local-data.js';
import { recordingHandler } from '../support/stream-tables.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The properties CDK synthesizes for a `DynamoEventSource` with every setting used. */
function eventSourceMappingProperties(overrides: Record<string, unknown> = {}) {
  return {
    BatchSize: 10,
    BisectBatchOnFunctionError: true,
    DestinationConfig: {
      OnFailure: { Destination: 'arn:aws:sqs:us-east-1:111122223333:finish-review-dlq' },
    },
    EventSourceArn: { 'Fn::GetAtt': ['ReviewsTable', 'StreamArn'] },
    FilterCriteria: {
      Filters: [
        {
          Pattern:
            '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"itemType":{"S":["revision"]}}}}',
        },
      ],
    },
    FunctionName: { Ref: 'FinishReviewFunction' },
    FunctionResponseTypes: ['ReportBatchItemFailures'],
    MaximumRecordAgeInSeconds: 3600,
    MaximumRetryAttempts: 5,
    MaximumBatchingWindowInSeconds: 1,
    ParallelizationFactor: 4,
    StartingPosition: 'LATEST',
    ...overrides,
  };
}

describe('mappingFromTemplate', () => {
  it('reads every emulated setting of an AWS::Lambda::EventSourceMapping', () => {
    const mapping = mappingFromTemplate(eventSourceMappingProperties());

    expect(mapping).toEqual({
      batchSize: 10,
      startingPosition: 'LATEST',
      filterPatterns: [
        '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"itemType":{"S":["revision"]}}}}',
      ],
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 5,
      maximumRecordAgeInSeconds: 3600,
      reportBatchItemFailures: true,
      onFailureDestination: 'arn:aws:sqs:us-east-1:111122223333:finish-review-dlq',
      parallelizationFactor: 4,
      maximumBatchingWindowInSeconds: 1,
    });
  });

  it('fills in the service defaults for absent settings', () => {
    const mapping = mappingFromTemplate({ StartingPosition: 'TRIM_HORIZON' });

    expect(mapping).toEqual({
      batchSize: 100,
      startingPosition: 'TRIM_HORIZON',
      filterPatterns: [],
      bisectBatchOnFunctionError: false,
      maximumRetryAttempts: -1,
      maximumRecordAgeInSeconds: -1,
      reportBatchItemFailures: false,
      parallelizationFactor: 1,
      maximumBatchingWindowInSeconds: 0,
    });
  });

  it('accepts numbers and booleans written as strings, as CloudFormation does', () => {
    const mapping = mappingFromTemplate(
      eventSourceMappingProperties({ BatchSize: '25', BisectBatchOnFunctionError: 'false' }),
    );

    expect(mapping).toMatchObject({ batchSize: 25, bisectBatchOnFunctionError: false });
  });

  it.each([
    ['BatchSize 0', { BatchSize: 0 }, /BatchSize must be an integer from 1 to 10000/],
    ['BatchSize 10001', { BatchSize: 10_001 }, /BatchSize/],
    ['MaximumRetryAttempts -2', { MaximumRetryAttempts: -2 }, /MaximumRetryAttempts/],
    ['a record age over 7 days', { MaximumRecordAgeInSeconds: 604_801 }, /MaximumRecordAge/],
    ['ParallelizationFactor 11', { ParallelizationFactor: 11 }, /ParallelizationFactor/],
    ['a window over 300 s', { MaximumBatchingWindowInSeconds: 301 }, /BatchingWindow/],
    ['AT_TIMESTAMP', { StartingPosition: 'AT_TIMESTAMP' }, /StartingPosition must be/],
    ['no StartingPosition', { StartingPosition: undefined }, /StartingPosition must be/],
    ['a BatchSize that is no number', { BatchSize: 'ten' }, /BatchSize must be a number/],
    [
      'an invalid second filter',
      {
        FilterCriteria: {
          Filters: [{ Pattern: '{"eventName":["INSERT"]}' }, { Pattern: '{"x":1}' }],
        },
      },
      /FilterCriteria\.Filters\[1\]\.Pattern: Invalid event pattern at x/,
    ],
  ])('refuses %s', (_case, overrides, message) => {
    const properties = eventSourceMappingProperties(overrides);

    const parse = () => mappingFromTemplate(properties);

    expect(parse).toThrow(StreamMappingError);
    expect(parse).toThrow(message);
  });
});

async function fakeRunner(
  stream: FakeDynamoDbStream,
  startingPosition: StartingPosition,
  options: {
    mapping?: Partial<StreamMappingInput>;
    behaviour?: Parameters<typeof recordingHandler>[0];
  } = {},
) {
  const data = await temporaryDataDir();
  cleanups.push(data.remove);
  const recorder = recordingHandler(options.behaviour);
  const runner = await startStreamRunner({
    streams: stream,
    streamArn: FAKE_STREAM_ARN,
    mapping: { startingPosition, batchSize: 2, ...options.mapping },
    handler: recorder.handler,
    dataDir: data.dir,
    pollIntervalMs: 5,
  });
  cleanups.push(runner.stop);
  const checkpoints = async () =>
    JSON.parse(await readFile(join(data.dir, 'stream-checkpoints.json'), 'utf8'))['local-function'][
      FAKE_STREAM_ARN
    ] as Record<string, { sequenceNumber: string | null; finished: boolean }>;
  return { runner, recorder, checkpoints };
}

describe('stream runner: shards', () => {
  it('reads a parent shard to its end before its child, and other shards alongside', async () => {
    // Prepare: the child is listed first, and DescribeStream answers one shard per page
    const stream = new FakeDynamoDbStream()
      .addShard('shard-child', 'shard-parent')
      .addShard('shard-parent')
      .addShard('shard-other')
      .append('shard-parent', 'p1', 'p2', 'p3')
      .append('shard-child', 'c1', 'c2')
      .append('shard-other', 'o1')
      .close('shard-parent');

    // Act
    const { runner, recorder, checkpoints } = await fakeRunner(stream, 'TRIM_HORIZON');
    await runner.drained();
    await runner.stop();

    // Assess
    const delivered = recorder.delivered();
    expect([...delivered].sort()).toEqual(['c1', 'c2', 'o1', 'p1', 'p2', 'p3']);
    expect(delivered.filter((key) => key?.startsWith('p') || key?.startsWith('c'))).toEqual([
      'p1',
      'p2',
      'p3',
      'c1',
      'c2',
    ]);
    expect(await checkpoints()).toMatchObject({
      'shard-parent': { finished: true },
      'shard-child': { finished: false, sequenceNumber: expect.any(String) },
    });
  });

  it('follows a shard that closes and the child that replaces it while running', async () => {
    const stream = new FakeDynamoDbStream().addShard('shard-1').append('shard-1', 'a1');
    const { runner, recorder } = await fakeRunner(stream, 'TRIM_HORIZON');
    await runner.drained();

    stream.append('shard-1', 'a2').close('shard-1').addShard('shard-2', 'shard-1');
    stream.append('shard-2', 'b1');
    await runner.drained();

    expect(recorder.delivered()).toEqual(['a1', 'a2', 'b1']);
  });

  it('at LATEST, passes over closed shards and present records, then reads new shards from their start', async () => {
    // Prepare
    const stream = new FakeDynamoDbStream()
      .addShard('shard-old')
      .append('shard-old', 'old-1')
      .close('shard-old')
      .addShard('shard-now', 'shard-old')
      .append('shard-now', 'now-1');

    // Act
    const { runner, recorder } = await fakeRunner(stream, 'LATEST');
    stream.append('shard-now', 'now-2').close('shard-now').addShard('shard-next', 'shard-now');
    stream.append('shard-next', 'next-1');
    await runner.drained();

    // Assess
    expect(recorder.delivered()).toEqual(['now-2', 'next-1']);
  });
});

describe('stream runner: parallel batches and the batching window', () => {
  const laneOfKey = (key: string, lanes: number) => laneOf(JSON.stringify({ S: key }), lanes);

  it('runs the batches of different partition keys at once, each key in order, and checkpoints only settled records', async () => {
    // Prepare: "held" and two keys in other lanes, interleaved in the shard.
    const factor = 4;
    const [first, second] = ['k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'].filter(
      (key) => laneOfKey(key, factor) !== laneOfKey('held', factor),
    ) as [string, string];
    const stream = new FakeDynamoDbStream().addShard('shard-1');
    for (let round = 0; round < 3; round++) stream.append('shard-1', 'held', first, second);
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    cleanups.push(async () => release());
    let inFlight = 0;
    let mostInFlight = 0;

    // Act
    const { runner, recorder, checkpoints } = await fakeRunner(stream, 'TRIM_HORIZON', {
      mapping: { batchSize: 1, parallelizationFactor: factor },
      behaviour: async (records) => {
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        if (records[0]?.dynamodb?.Keys?.pk?.S === 'held') await released;
        inFlight--;
        return undefined;
      },
    });
    await vi.waitFor(() => {
      expect(recorder.delivered().filter((key) => key !== 'held')).toHaveLength(6);
    });
    const whileHeld = {
      delivered: recorder.delivered(),
      // No file yet means no checkpoint was ever saved.
      checkpoints: await checkpoints().catch(() => ({}) as Awaited<ReturnType<typeof checkpoints>>),
    };
    release();
    await runner.drained();
    await runner.stop();

    // Assess
    expect(whileHeld.delivered.filter((key) => key === 'held')).toEqual(['held']);
    // The first record is still in flight: nothing after it counts as processed yet.
    expect(whileHeld.checkpoints['shard-1']?.sequenceNumber ?? null).toBeNull();
    expect(mostInFlight).toBeGreaterThan(1);
    const delivered = recorder.delivered();
    for (const key of ['held', first, second]) {
      expect(delivered.filter((item) => item === key)).toHaveLength(3);
    }
    expect((await checkpoints())['shard-1']?.sequenceNumber).toBe(
      stream.shards[0]?.records.at(-1)?.dynamodb?.SequenceNumber,
    );
  });

  it('keeps one partition key in order when its batches fail and are retried', async () => {
    const stream = new FakeDynamoDbStream().addShard('shard-1');
    stream.append('shard-1', 'a', 'b', 'a', 'b', 'a', 'b');
    let failures = 0;

    const { runner, recorder } = await fakeRunner(stream, 'TRIM_HORIZON', {
      mapping: { batchSize: 1, parallelizationFactor: 10, reportBatchItemFailures: true },
      behaviour: (records) => {
        const record = records[0];
        if (record?.dynamodb?.Keys?.pk?.S === 'a' && failures < 2) {
          failures++;
          return { batchItemFailures: [{ itemIdentifier: record.dynamodb.SequenceNumber ?? '' }] };
        }
        return undefined;
      },
    });
    await runner.drained();
    await runner.stop();

    const sequencesOf = (key: string) =>
      recorder.batches
        .flat()
        .filter((record) => record.dynamodb?.Keys?.pk?.S === key)
        .map((record) => record.dynamodb?.SequenceNumber);
    const expected = (key: string) =>
      stream.shards[0]?.records
        .filter((record) => record.dynamodb?.Keys?.pk?.S === key)
        .map((record) => record.dynamodb?.SequenceNumber) ?? [];
    const [a1, a2, a3] = expected('a');
    expect(sequencesOf('a')).toEqual([a1, a1, a1, a2, a3]);
    expect(sequencesOf('b')).toEqual(expected('b'));
  });

  it('waits up to the batching window for a batch to fill', async () => {
    // Prepare
    const stream = new FakeDynamoDbStream().addShard('shard-1');
    const { runner, recorder } = await fakeRunner(stream, 'TRIM_HORIZON', {
      mapping: { batchSize: 10, maximumBatchingWindowInSeconds: 1 },
    });

    // Act: records arrive a little apart, well within the window.
    stream.append('shard-1', 'w1');
    await new Promise((resolve) => setTimeout(resolve, 150));
    stream.append('shard-1', 'w2', 'w3');
    await runner.drained();

    // Assess
    expect(recorder.keys()).toEqual([['w1', 'w2', 'w3']]);
  });

  it('sends a full batch without waiting for the window', async () => {
    const stream = new FakeDynamoDbStream().addShard('shard-1').append('shard-1', 'f1', 'f2');
    const started = Date.now();

    const { runner, recorder } = await fakeRunner(stream, 'TRIM_HORIZON', {
      mapping: { batchSize: 2, maximumBatchingWindowInSeconds: 300 },
    });
    await runner.drained();

    expect(recorder.keys()).toEqual([['f1', 'f2']]);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
