import { join } from 'node:path';
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type EventBusOptions,
  type EventEnvelope,
  entrySize,
  type LocalEventBus,
  MAX_ENTRIES_BYTES,
  startEventBus,
} from '../../local/event-bus/server.js';
import { readJsonLines, readLines, temporaryDataDir } from '../support/local-data.js';

const BUS = 'proctoring-events';
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A running bus with one custom bus and no rules unless told, and an SDK client for it. */
async function localBus(overrides: Partial<EventBusOptions> = {}) {
  const data = await temporaryDataDir();
  cleanups.push(data.remove);
  const bus = await startEventBus({ dataDir: data.dir, buses: [BUS], rules: [], ...overrides });
  cleanups.push(bus.stop);
  const client = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    // Fault tests look at single answers; the SDK would otherwise retry throttling.
    maxAttempts: 1,
  });
  cleanups.push(async () => client.destroy());
  const put = (entries: PutEventsRequestEntry[]) =>
    client.send(new PutEventsCommand({ Entries: entries }));
  return {
    bus,
    client,
    put,
    events: () => readJsonLines<EventEnvelope>(join(data.dir, 'events.jsonl')),
    ruleMatches: (rule: string) =>
      readJsonLines<EventEnvelope>(join(data.dir, 'rules', `${rule}.jsonl`)),
    dataDir: data.dir,
  };
}

function entry(overrides: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry {
  return {
    EventBusName: BUS,
    Source: 'edx.proctoring',
    DetailType: 'review_received',
    Detail: JSON.stringify({ attempt_code: 'A1', review_status: 'Clean' }),
    ...overrides,
  };
}

/** A JSON object of exactly `bytes` UTF-8 bytes, mostly two-byte characters. */
function detailOfBytes(bytes: number): string {
  const filler = bytes - '{"p":""}'.length;
  return `{"p":"${'é'.repeat(Math.floor(filler / 2))}${'a'.repeat(filler % 2)}"}`;
}

/** A raw AWS JSON 1.1 call, for what the SDK hides (status codes, unknown targets). */
async function rawCall(bus: LocalEventBus, target: string, body: unknown) {
  const response = await fetch(bus.endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': target },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('local event bus: accepted events', () => {
  it('appends each accepted entry as the envelope a rule target receives', async () => {
    // Prepare
    const { put, events } = await localBus({ account: '123456789012', region: 'eu-west-1' });

    // Act
    const result = await put([
      entry({
        Time: new Date('2024-03-02T17:05:00.750Z'),
        Resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/reviews'],
      }),
      entry({ DetailType: 'attempt_status_changed', Detail: '{"to_status":"verified"}' }),
    ]);

    // Assess
    expect(result.FailedEntryCount).toBe(0);
    const written = await events();
    expect(written).toEqual([
      {
        version: '0',
        id: result.Entries?.[0]?.EventId,
        'detail-type': 'review_received',
        source: 'edx.proctoring',
        account: '123456789012',
        time: '2024-03-02T17:05:00Z',
        region: 'eu-west-1',
        resources: ['arn:aws:dynamodb:eu-west-1:123456789012:table/reviews'],
        detail: { attempt_code: 'A1', review_status: 'Clean' },
      },
      expect.objectContaining({
        id: result.Entries?.[1]?.EventId,
        'detail-type': 'attempt_status_changed',
        account: '123456789012',
        resources: [],
        detail: { to_status: 'verified' },
      }),
    ]);
    expect(written[1]?.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(written[0]?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-/);
  });

  it('uses account 000000000000 and region us-east-1 by default, and knows the default bus', async () => {
    const { put, events } = await localBus();

    const result = await put([entry({ EventBusName: undefined })]);

    expect(result.FailedEntryCount).toBe(0);
    expect(await events()).toEqual([
      expect.objectContaining({ account: '000000000000', region: 'us-east-1' }),
    ]);
  });

  it('writes each match to the file of every rule of that bus whose pattern matches', async () => {
    // Prepare
    const { put, ruleMatches } = await localBus({
      buses: [BUS, 'other-bus'],
      rules: [
        {
          name: 'suspicious',
          eventBusName: BUS,
          pattern: { detail: { review_status: ['Suspicious'] } },
        },
        {
          name: 'all-reviews',
          eventBusName: `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}`,
          pattern: '{"detail-type":["review_received"]}',
        },
        { name: 'elsewhere', eventBusName: 'other-bus', pattern: { source: ['edx.proctoring'] } },
      ],
    });

    // Act
    const result = await put([
      entry({ Detail: '{"review_status":"Suspicious","n":1}' }),
      entry({ Detail: '{"review_status":"Clean","n":2}' }),
      entry({
        DetailType: 'attempt_status_changed',
        Detail: '{"review_status":"Suspicious","n":3}',
      }),
      entry({ EventBusName: 'other-bus', Detail: '{"n":4}' }),
    ]);

    // Assess
    const ids = result.Entries?.map((item) => item.EventId) ?? [];
    expect((await ruleMatches('suspicious')).map((event) => event.id)).toEqual([ids[0], ids[2]]);
    expect((await ruleMatches('all-reviews')).map((event) => event.id)).toEqual([ids[0], ids[1]]);
    expect((await ruleMatches('elsewhere')).map((event) => event.detail)).toEqual([{ n: 4 }]);
  });

  it('accepts a bus named by its ARN', async () => {
    const { put, events } = await localBus();

    const result = await put([
      entry({ EventBusName: `arn:aws:events:us-east-1:000000000000:event-bus/${BUS}` }),
    ]);

    expect(result.FailedEntryCount).toBe(0);
    expect(await events()).toHaveLength(1);
  });
});

describe('local event bus: per-entry failures', () => {
  it('fails entries without Source, DetailType or Detail, and accepts the others', async () => {
    // Prepare
    const { put, events } = await localBus();

    // Act
    const result = await put([
      entry({ Source: undefined }),
      entry(),
      entry({ DetailType: '' }),
      entry({ Detail: undefined }),
    ]);

    // Assess
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries).toEqual([
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.',
      },
      { EventId: expect.any(String) },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage:
          'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
      },
      {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.',
      },
    ]);
    expect((await events()).map((event) => event.id)).toEqual([result.Entries?.[1]?.EventId]);
  });

  it.each([
    ['text that is not JSON', '{"review_status": Clean}'],
    ['a JSON array', '[{"review_status":"Clean"}]'],
    ['a JSON string', '"Clean"'],
    ['JSON null', 'null'],
  ])('answers MalformedDetail for a Detail that is %s', async (_case, detail) => {
    const { put, events } = await localBus();

    const result = await put([entry({ Detail: detail })]);

    expect(result).toMatchObject({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' }],
    });
    expect(await events()).toEqual([]);
  });

  it.each([
    ['an unknown name', 'no-such-bus'],
    ['an ARN in another account', `arn:aws:events:us-east-1:999999999999:event-bus/${BUS}`],
    ['an ARN in another region', `arn:aws:events:eu-west-1:000000000000:event-bus/${BUS}`],
  ])('fails an entry for an event bus given by %s', async (_case, busName) => {
    const { put, events } = await localBus();

    const result = await put([entry({ EventBusName: busName }), entry()]);

    expect(result.FailedEntryCount).toBe(1);
    expect(result.Entries?.[0]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: `Parameter EventBusName is not valid. Reason: Event bus ${busName} does not exist.`,
    });
    expect(await events()).toHaveLength(1);
  });
});

describe('local event bus: limits of a call', () => {
  it('accepts 10 entries and refuses 11 as a whole with ValidationException', async () => {
    const { put, events } = await localBus();
    const entries = (count: number) => Array.from({ length: count }, () => entry());

    const ten = await put(entries(10));
    const eleven = await put(entries(11)).catch((error: unknown) => error);

    expect(ten.FailedEntryCount).toBe(0);
    expect(eleven).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('less than or equal to 10'),
    });
    expect(await events()).toHaveLength(10);
  });

  it('refuses a call without entries', async () => {
    const { put } = await localBus();

    await expect(put([])).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('counts entry sizes the documented way: Time as 14 bytes, then UTF-8 bytes of the fields', () => {
    const size = entrySize({
      Time: 1_709_399_100,
      Source: 'edx.proctoring',
      DetailType: 'review_received',
      Detail: '{"é":1}',
      Resources: ['r1', 'ré'],
    });

    expect(size).toBe(14 + 14 + 15 + 8 + 2 + 3);
  });

  it('accepts entries totalling exactly 256 KB and refuses one byte more with ValidationException', async () => {
    // Prepare: two entries; the first has a Time and a resource, which count too
    const { put, events } = await localBus();
    const first = entry({
      Source: 'src',
      DetailType: 'type',
      Time: new Date(),
      Resources: ['r1'],
      Detail: detailOfBytes(1_000),
    });
    const firstSize = 14 + 3 + 4 + 2 + 1_000;
    const second = (bytes: number) =>
      entry({ Source: 'src', DetailType: 'type', Detail: detailOfBytes(bytes) });
    const fill = MAX_ENTRIES_BYTES - firstSize - 3 - 4;

    // Act
    const atLimit = await put([first, second(fill)]);
    const overLimit = await put([first, second(fill + 1)]).catch((error: unknown) => error);

    // Assess
    expect(atLimit.FailedEntryCount).toBe(0);
    expect(overLimit).toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
    expect(await events()).toHaveLength(2);
  });
});

describe('local event bus: fault hooks', () => {
  it('fails the entries the entry hook names, with its code and message', async () => {
    // Prepare
    const seen: number[] = [];
    const { put, events } = await localBus({
      faults: {
        entry: (wire, index) => {
          seen.push(index);
          return wire.DetailType === 'attempt_status_changed'
            ? { errorCode: 'InternalFailure', errorMessage: 'injected' }
            : undefined;
        },
      },
    });

    // Act
    const result = await put([
      entry(),
      entry({ DetailType: 'attempt_status_changed' }),
      entry({ Source: undefined }),
    ]);

    // Assess: the hook sees only entries that passed validation
    expect(seen).toEqual([0, 1]);
    expect(result.FailedEntryCount).toBe(2);
    expect(result.Entries?.[1]).toEqual({ ErrorCode: 'InternalFailure', ErrorMessage: 'injected' });
    expect(await events()).toHaveLength(1);
  });

  it('throttles whole calls with ThrottlingException, HTTP 400, while the hook says so', async () => {
    // Prepare
    let throttling = true;
    const { bus, put, events } = await localBus({ faults: { throttle: () => throttling } });

    // Act
    const throttled = await put([entry()]).catch((error: unknown) => error);
    const raw = await rawCall(bus, 'AWSEvents.PutEvents', { Entries: [entry()] });
    throttling = false;
    const accepted = await put([entry()]);

    // Assess
    expect(throttled).toMatchObject({ name: 'ThrottlingException' });
    expect(raw).toEqual({
      status: 400,
      body: { __type: 'ThrottlingException', message: 'Rate exceeded' },
    });
    expect(accepted.FailedEntryCount).toBe(0);
    expect(await events()).toHaveLength(1);
  });
});

describe('local event bus: protocol', () => {
  it('answers other operations with UnknownOperationException', async () => {
    const { bus } = await localBus();

    const response = await rawCall(bus, 'AWSEvents.PutRule', { Name: 'x' });

    expect(response.status).toBe(400);
    expect(response.body.__type).toBe('UnknownOperationException');
  });

  it('answers a body that is not JSON with SerializationException', async () => {
    const { bus } = await localBus();

    const response = await fetch(bus.endpoint, {
      method: 'POST',
      headers: { 'X-Amz-Target': 'AWSEvents.PutEvents' },
      body: '{"Entries": [',
    });

    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: 'SerializationException' });
  });

  it('fails to start, naming the rule, when a rule pattern is invalid or its bus unknown', async () => {
    const data = await temporaryDataDir();
    cleanups.push(data.remove);
    const start = (rule: EventBusOptions['rules'][number]) =>
      startEventBus({ dataDir: data.dir, buses: [BUS], rules: [rule] });

    await expect(
      start({
        name: 'bad-pattern',
        eventBusName: BUS,
        pattern: { detail: { n: [{ numeric: ['>'] }] } },
      }),
    ).rejects.toThrow(/Rule "bad-pattern": Invalid event pattern at detail\.n/);
    await expect(start({ name: 'not-json', eventBusName: BUS, pattern: '{' })).rejects.toThrow(
      /Rule "not-json"/,
    );
    await expect(
      start({ name: 'lost', eventBusName: 'no-such-bus', pattern: { source: ['x'] } }),
    ).rejects.toThrow(/Rule "lost" belongs to an unknown event bus "no-such-bus"/);
  });
});

describe('local event bus: concurrency', () => {
  it('keeps every line whole, and each call’s entries together and in order, under concurrent calls', async () => {
    // Prepare: 40 calls of 10 entries of about 20 KB each, all in flight at once
    const { put, events, ruleMatches, dataDir } = await localBus({
      rules: [{ name: 'even', eventBusName: BUS, pattern: { detail: { even: [true] } } }],
    });
    const padding = 'x'.repeat(20_000);
    const call = (callIndex: number) =>
      Array.from({ length: 10 }, (_, index) =>
        entry({
          Detail: JSON.stringify({ call: callIndex, index, even: index % 2 === 0, padding }),
        }),
      );

    // Act
    const results = await Promise.all(Array.from({ length: 40 }, (_, index) => put(call(index))));

    // Assess
    const lines = await readLines(join(dataDir, 'events.jsonl'));
    expect(lines).toHaveLength(400);
    const written = await events();
    expect(new Set(written.map((event) => event.id))).toEqual(
      new Set(results.flatMap((result) => result.Entries?.map((item) => item.EventId))),
    );
    for (let start = 0; start < written.length; start += 10) {
      const group = written.slice(start, start + 10).map((event) => event.detail);
      expect(group.map((detail) => detail.call)).toEqual(Array(10).fill(group[0]?.call));
      expect(group.map((detail) => detail.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    const even = await ruleMatches('even');
    expect(even).toHaveLength(200);
    expect(even.every((event) => event.detail.padding === padding)).toBe(true);
  });
});
