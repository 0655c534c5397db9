import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStackProcess, startLocalStackProcess } from '../../local/stack-process.js';
import { attemptRegistration, newAttemptCode, vendorPayload } from '../support/factories.js';
import {
  call,
  type Envelope,
  eventually,
  type HttpAnswer,
  readAttempt,
  readJsonLines,
  type StackAddress,
  sendCallback,
} from '../support/local-client.js';

/**
 * The pipeline under injected faults: PutEvents entry failures and throttling, DynamoDB
 * throttling, and a workflow that crashes on a poison record. Every review revision's events must
 * still arrive (duplicates only as exact copies under the same `event_id`), nothing may be applied
 * twice, the poison record must land in the dead letters, and the records after it must proceed.
 */
const FAULTS =
  'putevents_entry_failure=0.3,putevents_throttle=0.2,dynamodb_throttle=0.05,poison=POISON,seed=42';

let running: LocalStackProcess;
let stack: StackAddress;

beforeAll(async () => {
  running = await startLocalStackProcess({ FAULTS });
  stack = { url: running.url, dataDir: running.dataDir };
});

afterAll(async () => {
  await running?.stop();
});

/** A client that retries 5xx answers, as vendors and the LMS do. */
async function withRetries(send: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (answer.status < 500 || attempt === 8) return answer;
    await sleep(100 * attempt);
  }
}

async function register(attemptCode: string): Promise<void> {
  const answer = await withRetries(() =>
    call(stack, 'PUT', `/internal/attempts/${attemptCode}`, JSON.stringify(attemptRegistration())),
  );
  expect(answer.status).toBe(200);
}

function allEvents(): Promise<Envelope[]> {
  return readJsonLines<Envelope>(join(stack.dataDir, 'events.jsonl'));
}

/** Where each vendor status leads a live attempt with second reviews required (the defaults). */
const OUTCOME: Record<string, string> = {
  Clean: 'verified',
  'Rules Violation': 'verified',
  Suspicious: 'second_review_required',
  'Not Reviewed': 'error',
};

interface Expected {
  attemptCode: string;
  revisions: { status: string; kinds: string[] }[];
  finalStatus: string;
}

describe('the pipeline under injected faults', () => {
  // Retries with backoff under every fault at once: a loaded machine needs more than the default minute.
  it('delivers every revision exactly once in effect, and dead-letters only the poison record', async () => {
    // Prepare: attempts with one or two vendor revisions each, and a poison attempt in the middle
    const plans: [string[], string][] = [
      [['Clean'], 'verified'],
      [['Rules Violation'], 'verified'],
      [['Suspicious'], 'second_review_required'],
      [['Not Reviewed'], 'error'],
      [['Clean', 'Suspicious'], 'second_review_required'],
      [['Suspicious', 'Clean'], 'verified'],
    ];
    const expected: Expected[] = [];
    // Not a hex word: generated codes (upper-case UUIDs) can contain DEAD or BEEF, never POISON.
    const poisonCode = `POISON-${newAttemptCode()}`;
    for (const [index, [statuses, finalStatus]] of [...plans, ...plans].entries()) {
      const attemptCode = newAttemptCode();
      await register(attemptCode);
      if (index === 6) await register(poisonCode);
      expected.push({
        attemptCode,
        finalStatus,
        revisions: statuses.map((status, revision) => {
          const fromStatus = revision === 0 ? 'submitted' : OUTCOME[statuses[revision - 1] ?? ''];
          return {
            status,
            kinds: [
              'review_received',
              ...(fromStatus !== OUTCOME[status] ? ['attempt_status_changed'] : []),
              ...(status === 'Suspicious' ? ['support_notification_requested'] : []),
            ],
          };
        }),
      });
    }

    // Act: every revision sent as a vendor would, retrying 5xx answers
    await withRetries(() =>
      sendCallback(stack, vendorPayload({ attemptCode: poisonCode, reviewStatus: 'Clean' })),
    );
    for (const plan of expected) {
      for (const revision of plan.revisions) {
        const answer = await withRetries(() =>
          sendCallback(
            stack,
            vendorPayload({ attemptCode: plan.attemptCode, reviewStatus: revision.status }),
          ),
        );
        expect(answer.status).toBe(200);
      }
    }

    // Assess: every (attempt, revision, kind) arrives
    const wanted = new Set(
      expected.flatMap((plan) =>
        plan.revisions.flatMap((revision, index) =>
          revision.kinds.map((kind) => `${plan.attemptCode}/${index + 1}/${kind}`),
        ),
      ),
    );
    const events = await eventually(async () => {
      const all = await allEvents();
      const seen = new Set(
        all.map(
          (event) =>
            `${event.detail.attempt_code}/${event.detail.review_revision}/${event['detail-type']}`,
        ),
      );
      const missing = [...wanted].filter((key) => !seen.has(key));
      if (missing.length > 0)
        throw new Error(`still missing ${missing.length}: ${missing.slice(0, 3).join(', ')}`);
      return all;
    }, 90_000);

    // Duplicates only as exact copies under the same event id, and no event beyond the wanted ones
    const byId = new Map<string, string>();
    for (const event of events) {
      const detail = JSON.stringify(event.detail);
      const earlier = byId.get(event.detail.event_id);
      if (earlier !== undefined) expect(detail).toBe(earlier);
      byId.set(event.detail.event_id, detail);
    }
    const distinct = new Set(
      [...byId.values()].map((detail) => {
        const parsed = JSON.parse(detail) as Envelope['detail'];
        const kind = events.find((event) => event.detail.event_id === parsed.event_id)?.[
          'detail-type'
        ];
        return `${parsed.attempt_code}/${parsed.review_revision}/${kind}`;
      }),
    );
    expect(distinct).toEqual(wanted);

    // Nothing applied twice: each attempt ends where its last revision leads
    for (const plan of expected) {
      const attempt = await readAttempt(stack, plan.attemptCode);
      expect({ attemptCode: plan.attemptCode, status: attempt.status }).toEqual({
        attemptCode: plan.attemptCode,
        status: plan.finalStatus,
      });
    }

    // The poison record is in the dead letters, and only it
    const deadLetters = await eventually(async () => {
      const letters = await readJsonLines<{
        records: { dynamodb: { Keys: { attemptCode: { S: string } } } }[];
      }>(join(stack.dataDir, 'dead-letters.jsonl'));
      if (letters.length === 0) throw new Error('no dead letters yet');
      return letters;
    }, 60_000);
    const deadCodes = deadLetters.flatMap((letter) =>
      letter.records.map((record) => record.dynamodb.Keys.attemptCode.S),
    );
    expect(new Set(deadCodes)).toEqual(new Set([poisonCode]));
    expect(events.filter((event) => event.detail.attempt_code === poisonCode)).toEqual([]);

    // The faults did happen
    const metrics = (await call(stack, 'GET', '/local/metrics')).body as {
      dynamodb: { throttled: number };
      eventbridge: { throttledCalls: number; failedEntries: number };
    };
    expect(metrics.dynamodb.throttled).toBeGreaterThan(0);
    expect(metrics.eventbridge.throttledCalls).toBeGreaterThan(0);
    expect(metrics.eventbridge.failedEntries).toBeGreaterThan(0);
  }, 180_000);
});
