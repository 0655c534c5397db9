import { mkdtemp, symlink } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { dynamoDbLocalProcesses, startLocalStackProcess } from '../../local/stack-process.js';
import { vendorPayload } from '../support/factories.js';
import {
  readAttempt,
  registerAttempt,
  sendCallback,
  settledEvents,
} from '../support/local-client.js';

/** Start, restart and stop, as a developer does them. */
describe('local stack lifecycle', () => {
  it('keeps data across a restart and leaves no process behind on SIGTERM', async () => {
    // Prepare: a stack with one reviewed attempt
    const first = await startLocalStackProcess();
    const stack = { url: first.url, dataDir: first.dataDir };
    const attemptCode = await registerAttempt(stack);
    await sendCallback(stack, vendorPayload({ attemptCode, reviewStatus: 'Clean' }));
    await settledEvents(stack, attemptCode, 2);

    // Act
    const firstExit = await first.stop();
    await sleep(500);
    const leftAfterStop = dynamoDbLocalProcesses(first.dataDir);
    const second = await startLocalStackProcess({ DATA_DIR: first.dataDir });
    const restarted = { url: second.url, dataDir: first.dataDir };
    const attempt = await readAttempt(restarted, attemptCode);
    await sleep(1000);
    const eventsAfterRestart = await settledEvents(restarted, attemptCode, 2);
    const secondExit = await second.stop();

    // Assess
    expect(firstExit).toBe(0);
    expect(secondExit).toBe(0);
    expect(leftAfterStop).toEqual([]);
    expect(dynamoDbLocalProcesses(first.dataDir)).toEqual([]);
    expect(attempt).toMatchObject({ status: 'verified', review: { revision: 1 } });
    // The stream runner resumed from its checkpoint instead of replaying the review.
    expect(eventsAfterRestart).toHaveLength(2);
    // Two starts in one test: on a loaded two-core machine each can take half a minute.
  }, 180_000);

  it('refuses to start on a port that is taken, with a clear message', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', () => resolve()));
    const { port } = occupant.address() as AddressInfo;
    try {
      await expect(startLocalStackProcess({ PORT: String(port) })).rejects.toThrow(
        /Port \d+ is already in use/,
      );
    } finally {
      occupant.close();
    }
  });

  it('explains that Java is needed when it is missing', async () => {
    // A PATH holding only node itself: no java.
    const bin = await mkdtemp(join(tmpdir(), 'no-java-'));
    await symlink(process.execPath, join(bin, 'node'));

    await expect(startLocalStackProcess({ PATH: bin })).rejects.toThrow(/needs Java 17 or newer/);
  });
});
