import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseTailArguments, TailUsageError, tailEvents } from '../../local/commands/events.js';
import { InvalidEventPattern } from '../../local/event-bus/pattern.js';
import { temporaryDataDir } from '../support/local-data.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function eventsFile(): Promise<string> {
  const data = await temporaryDataDir();
  cleanups.push(data.remove);
  return join(data.dir, 'events.jsonl');
}

function envelope(detailType: string, detail: Record<string, unknown> = {}) {
  return {
    version: '0',
    id: `${detailType}-${JSON.stringify(detail)}`,
    'detail-type': detailType,
    source: 'edx.proctoring',
    account: '000000000000',
    time: '2024-03-02T17:05:00Z',
    region: 'us-east-1',
    resources: [],
    detail,
  };
}

const line = (value: unknown) => `${JSON.stringify(value)}\n`;

/** Collects events and lets a test wait until it has seen `count` of them. */
function collector() {
  const events: Record<string, unknown>[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  return {
    events,
    onEvent: (event: Record<string, unknown>) => {
      events.push(event);
      for (const waiter of waiters.filter((candidate) => events.length >= candidate.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    },
    seen: (count: number) =>
      events.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ count, resolve });
          }),
  };
}

describe('tailEvents', () => {
  it('hands over the events the pattern matches, and reports lines that are not JSON objects', async () => {
    // Prepare
    const file = await eventsFile();
    await writeFile(
      file,
      line(envelope('review_received', { review_status: 'Suspicious' })) +
        'not json\n' +
        line(envelope('attempt_status_changed', { to_status: 'verified' })) +
        line([1, 2]) +
        line(envelope('review_received', { review_status: 'Clean' })),
    );
    const matched = collector();
    const invalid: string[] = [];

    // Act
    await tailEvents({
      file,
      pattern: '{"detail-type":["review_received"],"detail":{"review_status":["Suspicious"]}}',
      onEvent: matched.onEvent,
      onInvalidLine: (text) => invalid.push(text),
    });

    // Assess
    expect(matched.events).toEqual([envelope('review_received', { review_status: 'Suspicious' })]);
    expect(invalid).toEqual(['not json', '[1,2]']);
  });

  it('hands over every event without a pattern, and nothing for a missing file', async () => {
    const file = await eventsFile();
    await writeFile(file, line(envelope('a')) + line(envelope('b')));
    const all = collector();
    const none = collector();

    await tailEvents({ file, onEvent: all.onEvent });
    await tailEvents({ file: `${file}.missing`, onEvent: none.onEvent });

    expect(all.events.map((event) => event['detail-type'])).toEqual(['a', 'b']);
    expect(none.events).toEqual([]);
  });

  it('follows appended events, a line written in two parts included, until aborted', async () => {
    // Prepare: the file does not exist yet when following starts
    const file = await eventsFile();
    const seen = collector();
    const controller = new AbortController();
    const following = tailEvents({
      file,
      follow: true,
      signal: controller.signal,
      pollIntervalMs: 5,
      pattern: { detail: { n: [{ numeric: ['>', 0] }] } },
      onEvent: seen.onEvent,
    });

    // Act: the second event's line arrives in the same write as the first, but unfinished
    const second = line(envelope('x', { n: 2 }));
    await appendFile(file, line(envelope('x', { n: 1 })) + second.slice(0, 20));
    await seen.seen(1);
    await appendFile(file, second.slice(20) + line(envelope('x', { n: 0 })));
    await appendFile(file, line(envelope('x', { n: 3 })));
    await seen.seen(3);
    controller.abort();
    await following;

    // Assess
    expect(seen.events.map((event) => (event.detail as { n: number }).n)).toEqual([1, 2, 3]);
  });

  it('starts over when the followed file is truncated or replaced', async () => {
    const file = await eventsFile();
    await writeFile(file, line(envelope('first', { padding: 'x'.repeat(200) })));
    const seen = collector();
    const controller = new AbortController();
    const following = tailEvents({
      file,
      follow: true,
      signal: controller.signal,
      pollIntervalMs: 5,
      onEvent: seen.onEvent,
    });
    await seen.seen(1);

    await writeFile(file, line(envelope('second')));
    await seen.seen(2);
    controller.abort();
    await following;

    expect(seen.events.map((event) => event['detail-type'])).toEqual(['first', 'second']);
  });

  it('refuses an invalid pattern before reading', async () => {
    const file = await eventsFile();

    const tail = tailEvents({ file, pattern: { detail: 'x' }, onEvent: () => {} });

    await expect(tail).rejects.toBeInstanceOf(InvalidEventPattern);
  });
});

describe('parseTailArguments', () => {
  it('reads .local/events.jsonl by default', () => {
    expect(parseTailArguments([], {})).toEqual({
      file: join('.local', 'events.jsonl'),
      pattern: undefined,
      follow: false,
    });
  });

  it('takes the folder from DATA_DIR, and from --data-dir over it', () => {
    const env = { DATA_DIR: '/var/data' };

    expect(parseTailArguments([], env).file).toBe(join('/var/data', 'events.jsonl'));
    expect(parseTailArguments(['--data-dir', 'other'], env).file).toBe(
      join('other', 'events.jsonl'),
    );
  });

  it('reads --pattern as JSON and --follow as a flag', () => {
    const parsed = parseTailArguments(
      ['--pattern', '{"source":["edx.proctoring"]}', '--follow'],
      {},
    );

    expect(parsed).toMatchObject({ pattern: { source: ['edx.proctoring'] }, follow: true });
  });

  it.each([
    ['an unknown option', ['--since', '1h'], TailUsageError],
    ['a pattern that is not JSON', ['--pattern', '{source'], TailUsageError],
    ['a pattern EventBridge would refuse', ['--pattern', '{"source":"x"}'], InvalidEventPattern],
  ])('refuses %s', (_case, args, type) => {
    expect(() => parseTailArguments(args, {})).toThrow(type);
  });
});
