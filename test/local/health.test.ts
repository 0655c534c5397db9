import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.js';
import { readLocalSettings } from '../../local/settings.js';
import { type LocalStack, startLocalStack } from '../../local/start.js';
import { eventually } from '../support/local-client.js';

/**
 * `GET /health` tells which part is down (docs/api.md), and a dead engine is fatal. The stack
 * runs in this process so the test can take its parts down one by one; `onFatal` is recorded
 * instead of exiting (`npm start` exits 1 there, see stack-safety.test.ts).
 */

let stack: LocalStack;
const fatal: string[] = [];

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'proctoring-reviews-health-'));
  stack = await startLocalStack(readLocalSettings({ PORT: '0', DATA_DIR: dataDir }), silentLogger, {
    onFatal: (message) => fatal.push(message),
  });
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

async function health() {
  const response = await fetch(`${stack.url}/health`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.sequential('GET /health', () => {
  it('answers 200 ok while every part works', async () => {
    expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('answers 503 naming the bus when the bus is down', async () => {
    await stack.parts.bus.stop();

    const answer = await health();

    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      status: 'unavailable',
      failing: ['bus'],
      parts: { engine: 'ok', stream: 'ok', bus: 'ECONNREFUSED' },
    });
  });

  it('answers 503 naming the engine, then the stream, after DynamoDB Local is killed', async () => {
    // Act
    const engine = stack.parts.engine;
    engine.process.kill('SIGKILL');
    await engine.exited;

    // Assess: at once for the engine; the stream runner fails its reads within seconds.
    const answer = await health();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({
      status: 'unavailable',
      parts: { engine: 'exited (signal SIGKILL)' },
    });
    expect(answer.body.failing).toContain('engine');
    expect(fatal).toEqual([
      expect.stringMatching(
        /^DynamoDB Local \(pid \d+\) exited \(signal SIGKILL\); the local stack cannot work without it and stops\./,
      ),
    ]);
    const later = await eventually(async () => {
      const next = await health();
      if (!(next.body.failing as string[]).includes('stream')) throw new Error('stream still ok');
      return next;
    }, 30_000);
    expect((later.body.parts as Record<string, string>).stream).toMatch(
      /^cannot read the stream for \d+ s/,
    );
  }, 60_000);
});
