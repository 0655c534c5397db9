import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dynamoDbLocalProcesses,
  type LocalStackProcess,
  startLocalStackProcess,
} from '../../local/stack-process.js';
import { vendorPayload } from '../support/factories.js';
import {
  call,
  eventsFor,
  eventually,
  type HttpAnswer,
  readAttempt,
  readJsonLines,
  registerAttempt,
  type StackAddress,
  sendCallback,
} from '../support/local-client.js';

/**
 * The database engine stops for several seconds while vendors keep sending reviews. Vendors
 * retry what is not answered 200; afterwards every review that was accepted must end applied,
 * with its events published once in effect, without anyone running a command: the stream's
 * retries ride out the outage, and the reconciler picks up anything the stream gave up on.
 */
const OUTAGE_MS = 8_000;
const REVIEWS = 24;

let running: LocalStackProcess;
let stack: StackAddress;

beforeAll(async () => {
  running = await startLocalStackProcess({
    RECONCILE_INTERVAL_SECONDS: '2',
    RECONCILE_AFTER_SECONDS: '5',
  });
  stack = { url: running.url, dataDir: running.dataDir };
});

afterAll(async () => {
  // A test that failed half way must not leave the engine frozen.
  for (const pid of dynamoDbLocalProcesses(running?.dataDir ?? '')) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // already gone
    }
  }
  await running?.stop();
});

/** A vendor: retries anything but a 200 for up to a minute. */
async function deliver(payload: unknown): Promise<HttpAnswer> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const answer = await sendCallback(stack, payload).catch(
      (): HttpAnswer => ({ status: 0, headers: new Headers(), body: null, text: '' }),
    );
    if (answer.status === 200 || Date.now() > deadline) return answer;
    await sleep(500);
  }
}

describe('a database outage under traffic', () => {
  it('ends with every accepted review applied, with no operator action', async () => {
    // Prepare: attempts registered while the engine is up
    const codes: string[] = [];
    for (let index = 0; index < REVIEWS; index++) codes.push(await registerAttempt(stack));
    const engine = dynamoDbLocalProcesses(running.dataDir);
    expect(engine.length).toBeGreaterThan(0);

    // Act: reviews arrive every 150 ms; a third of the way in, the engine stops for 8 s
    const started = Date.now();
    const deliveries: Promise<HttpAnswer>[] = [];
    for (const [index, attemptCode] of codes.entries()) {
      if (index === Math.floor(REVIEWS / 3)) {
        for (const pid of engine) process.kill(pid, 'SIGSTOP');
        setTimeout(() => {
          for (const pid of engine) process.kill(pid, 'SIGCONT');
        }, OUTAGE_MS);
      }
      deliveries.push(deliver(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' })));
      await sleep(150);
    }
    const answers = await Promise.all(deliveries);

    // Assess: every review accepted, and every accepted one applied, its events once
    expect(answers.map((answer) => answer.status)).toEqual(codes.map(() => 200));
    await eventually(async () => {
      for (const attemptCode of codes) {
        expect({ attemptCode, status: (await readAttempt(stack, attemptCode)).status }).toEqual({
          attemptCode,
          status: 'second_review_required',
        });
      }
    }, 120_000);
    const settledMs = Date.now() - started;
    await sleep(3000);
    for (const attemptCode of codes) {
      const events = await eventsFor(stack, attemptCode);
      const distinct = new Map(events.map((event) => [event.detail.event_id, event]));
      expect([...distinct.values()].map((event) => event['detail-type']).sort()).toEqual([
        'attempt_status_changed',
        'review_received',
        'support_notification_requested',
      ]);
      const history = (await call(stack, 'GET', `/internal/attempts/${attemptCode}/reviews`))
        .body as { items: { outcome: unknown }[] };
      expect(history.items).toHaveLength(1);
      expect(history.items[0]?.outcome).not.toBeNull();
    }

    // What it took (reported, not asserted): dead letters and the reconciler's repairs
    const letters = await readJsonLines<{ records: unknown[] }>(
      join(running.dataDir, 'dead-letters.jsonl'),
    );
    const metrics = (await call(stack, 'GET', '/local/metrics')).body as {
      schedules: { reconcile: { runs: number } };
    };
    console.info(
      JSON.stringify({
        outageMs: OUTAGE_MS,
        reviews: REVIEWS,
        allAppliedAfterMs: settledMs,
        deadLetteredRecords: letters.flatMap((letter) => letter.records).length,
        reconcilerRuns: metrics.schedules.reconcile.runs,
        repairedByReconciler: running.output().split('repaired by the reconciler').length - 1,
      }),
    );
  }, 240_000);
});
