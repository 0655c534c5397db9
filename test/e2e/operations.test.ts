import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { type LocalStackProcess, startLocalStackProcess } from '../../local/stack-process.js';
import { newAttemptCode, vendorPayload } from '../support/factories.js';
import {
  call,
  type Envelope,
  eventsFor,
  eventually,
  readAttempt,
  readJsonLines,
  registerAttempt,
  type StackAddress,
  sendCallback,
} from '../support/local-client.js';

/**
 * Nothing stays unapplied (reconciler, reprocess, redrive), through `npm start` and the
 * operator commands, in one data folder across restarts:
 * 1. with a poison fault and the reconciler slowed right down, poisoned revisions reach the
 *    dead letters;
 * 2. restarted without the fault they stay unapplied; `npm run reprocess` over a range applies
 *    exactly the unprocessed revisions received in it, and `--republish` re-sends identical
 *    events;
 * 3. restarted with a short interval, the reconciler applies the rest by itself, once;
 * 4. `npm run redrive` then settles every dead letter, and finds nothing the second time.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const SLOW = { RECONCILE_INTERVAL_SECONDS: '3600', RECONCILE_AFTER_SECONDS: '1' };
const FAST = { RECONCILE_INTERVAL_SECONDS: '1', RECONCILE_AFTER_SECONDS: '1' };

let running: LocalStackProcess | undefined;

afterAll(async () => {
  await running?.stop();
});

async function restart(dataDir: string, environment: Record<string, string>) {
  await running?.stop();
  running = await startLocalStackProcess({ ...environment, DATA_DIR: dataDir });
  return { url: running.url, dataDir } satisfies StackAddress;
}

/** Runs an operator command as `npm run <name> -- …` does, and parses its JSON summary. */
async function command(name: 'reprocess' | 'redrive', args: string[]) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', `local/commands/${name}.ts`, ...args],
    {
      cwd: ROOT,
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

const kinds = (events: Envelope[]) => events.map((event) => event['detail-type']);

describe('nothing stays unapplied', () => {
  it('dead-letters poisoned revisions, then reprocess, republish, the reconciler and redrive apply each once', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'proctoring-reviews-operations-'));

    // 1. A poison fault, the reconciler slowed right down
    let stack = await restart(dataDir, { ...SLOW, FAULTS: 'poison=POISON' });
    const processedEarly = await registerAttempt(stack);
    const inRange = await registerAttempt(stack, {}, `POISON-${newAttemptCode()}`);
    const afterRange = await registerAttempt(stack, {}, `POISON-${newAttemptCode()}`);
    const from = new Date(Date.now() - 1000).toISOString();
    await sendCallback(
      stack,
      vendorPayload({ attemptCode: processedEarly, reviewStatus: 'Clean' }),
    );
    await sendCallback(stack, vendorPayload({ attemptCode: inRange, reviewStatus: 'Clean' }));
    await sleep(50);
    const to = new Date().toISOString();
    await sleep(50);
    await sendCallback(
      stack,
      vendorPayload({ attemptCode: afterRange, reviewStatus: 'Suspicious' }),
    );
    const letters = await eventually(async () => {
      const found = await readJsonLines<{ records: unknown[] }>(
        join(dataDir, 'dead-letters.jsonl'),
      );
      if (found.length < 2) throw new Error(`${found.length} dead letters so far`);
      return found;
    }, 150_000);
    expect(letters.flatMap((letter) => letter.records)).toHaveLength(2);
    await eventually(async () => {
      expect((await readAttempt(stack, processedEarly)).status).toBe('verified');
    });

    // 2. Restarted without the fault: the stream has moved on, the revisions stay unapplied
    stack = await restart(dataDir, SLOW);
    await sleep(3000);
    for (const code of [inRange, afterRange]) {
      expect((await readAttempt(stack, code)).status).toBe('submitted');
      expect(await eventsFor(stack, code)).toEqual([]);
    }

    const reprocessed = await command('reprocess', [
      '--url',
      stack.url,
      '--from',
      from,
      '--to',
      to,
    ]);
    expect(reprocessed).toEqual({ pages: 1, examined: 2, processed: 1, republished: 0 });
    expect((await readAttempt(stack, inRange)).status).toBe('verified');
    expect((await readAttempt(stack, afterRange)).status).toBe('submitted');
    const applied = await eventsFor(stack, inRange);
    expect(kinds(applied)).toEqual(['review_received', 'attempt_status_changed']);

    const republished = await command('reprocess', [
      '--url',
      stack.url,
      '--from',
      from,
      '--to',
      to,
      '--republish',
    ]);
    expect(republished).toEqual({ pages: 1, examined: 2, processed: 0, republished: 2 });
    const again = (await eventsFor(stack, inRange)).slice(applied.length);
    expect(again.map((event) => [event['detail-type'], event.detail])).toEqual(
      applied.map((event) => [event['detail-type'], event.detail]),
    );

    // 3. A short interval: the reconciler applies the rest by itself, once
    stack = await restart(dataDir, FAST);
    await eventually(async () => {
      expect((await readAttempt(stack, afterRange)).status).toBe('second_review_required');
    }, 30_000);
    await sleep(3000);
    const rest = await eventsFor(stack, afterRange);
    expect(kinds(rest)).toEqual([
      'review_received',
      'attempt_status_changed',
      'support_notification_requested',
    ]);
    expect(await eventsFor(stack, inRange)).toHaveLength(4);
    const metrics = (await call(stack, 'GET', '/local/metrics')).body as {
      schedules: { reconcile: { runs: number; failedRuns: number } };
    };
    expect(metrics.schedules.reconcile.runs).toBeGreaterThanOrEqual(2);
    expect(metrics.schedules.reconcile.failedRuns).toBe(0);

    // 4. Redrive settles the dead letters (their revisions are applied) and then finds none
    const args = ['--url', stack.url, '--data-dir', dataDir];
    expect(await command('redrive', args)).toEqual({
      failures: 2,
      redriven: 2,
      left: 0,
      revisionsProcessed: 0,
    });
    expect(await command('redrive', args)).toEqual({
      failures: 0,
      redriven: 0,
      left: 0,
      revisionsProcessed: 0,
    });
  }, 420_000);
});
