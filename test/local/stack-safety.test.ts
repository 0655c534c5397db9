import { readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE, type LockOwner } from '../../local/data-dir-lock.js';
import {
  dynamoDbLocalProcesses,
  type LocalStackProcess,
  startLocalStackProcess,
} from '../../local/stack-process.js';
import { vendorPayload } from '../support/factories.js';
import {
  eventually,
  readAttempt,
  registerAttempt,
  sendCallback,
  settledEvents,
} from '../support/local-client.js';
import {
  canListSockets,
  isLoopback,
  listeningSockets,
  nonLoopbackAddresses,
  processTree,
  tcpAnswer,
} from '../support/sockets.js';

/**
 * The local stack as an attacker on the network and a careless developer meet it: nothing it
 * opens answers another host, its data is its user's alone, one stack per data folder (a crashed
 * one's lock is taken over), and a dead engine stops it loudly. One stack's life, in order.
 */

const others = nonLoopbackAddresses();
const started: LocalStackProcess[] = [];
let first: LocalStackProcess;

afterAll(async () => {
  await Promise.all(started.map((stack) => stack.stop()));
});

async function start(environment: Record<string, string> = {}) {
  const stack = await startLocalStackProcess(environment);
  started.push(stack);
  return stack;
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Every file and folder below `root`, with its permission bits. */
async function modes(root: string): Promise<{ path: string; dir: boolean; mode: number }[]> {
  const found = [{ path: root, dir: true, mode: (await stat(root)).mode & 0o777 }];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    found.push({ path, dir: entry.isDirectory(), mode: (await stat(path)).mode & 0o777 });
  }
  return found;
}

describe.sequential('local stack: isolation, data, one stack per folder, a dead engine', () => {
  // Skipped only on a machine without any address but loopback: there is no other host to be.
  it.skipIf(others.length === 0)(
    'answers no other host on any port it opened, DynamoDB Local included',
    async () => {
      // Prepare: a stack, and proof that a port listening on every interface is reachable here.
      first = await start();
      const control: Server = createServer();
      await new Promise<void>((resolve) => control.listen(0, '::', () => resolve()));
      const controlPort = (control.address() as { port: number }).port;
      const controlAnswers = await Promise.all(others.map((host) => tcpAnswer(host, controlPort)));
      control.close();
      expect(controlAnswers.every((answer) => answer === 'connected')).toBe(true);

      // Act: every port the stack's processes listen on (the API, DynamoDB Local, its proxy, the
      // bus), tried from each of this machine's other addresses.
      const ports = new Set([portOf(first.url), portOf(first.dynamoDbEndpoint)]);
      const sockets = canListSockets ? listeningSockets(processTree(first.process.pid ?? 0)) : [];
      for (const socket of sockets) ports.add(socket.port);
      const answers = [];
      for (const port of ports) {
        for (const host of others)
          answers.push({ host, port, answer: await tcpAnswer(host, port) });
      }

      // Assess
      if (canListSockets) {
        expect(sockets.length).toBeGreaterThanOrEqual(4);
        expect(sockets.filter((socket) => !isLoopback(socket.address))).toEqual([]);
      }
      expect(answers.filter(({ answer }) => answer === 'connected')).toEqual([]);
    },
    120_000,
  );

  it('keeps its data folder for its user only: folders 0700, files 0600', async () => {
    first ??= await start();
    const stack = { url: first.url, dataDir: first.dataDir };
    const attemptCode = await registerAttempt(stack);
    await sendCallback(stack, vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    await settledEvents(stack, attemptCode, 3);

    const found = await modes(first.dataDir);

    expect(found.map((entry) => entry.path)).toEqual(
      expect.arrayContaining([
        join(first.dataDir, 'events.jsonl'),
        join(first.dataDir, 'stream-checkpoints.json'),
        join(first.dataDir, 'video-url.key'),
        join(first.dataDir, LOCK_FILE),
        join(first.dataDir, 'dynamodb', 'shared-local-instance.db'),
      ]),
    );
    const wrong = found.filter((entry) => entry.mode !== (entry.dir ? 0o700 : 0o600));
    expect(wrong.map((entry) => `${entry.path} ${entry.mode.toString(8)}`)).toEqual([]);
  }, 120_000);

  it('refuses a second stack on the same folder, naming the one that holds it', async () => {
    first ??= await start();

    const second = start({ DATA_DIR: first.dataDir });

    await expect(second).rejects.toThrow(
      new RegExp(
        `exited with 1 before it was ready:[\\s\\S]*DATA_DIR ${first.dataDir} is in use by another local stack \\(pid ${first.process.pid}, API ${first.url.replaceAll('.', '\\.')}`,
      ),
    );
  }, 120_000);

  it('takes over the lock of a stack that was killed, with its data', async () => {
    // Prepare: the first stack dies without cleaning up; its engine follows it.
    first ??= await start();
    const stack = { url: first.url, dataDir: first.dataDir };
    const attemptCode = await registerAttempt(stack);
    first.process.kill('SIGKILL');
    await eventually(async () => {
      if (dynamoDbLocalProcesses(first.dataDir).length > 0) throw new Error('engine still runs');
    }, 30_000);
    const stale = JSON.parse(await readFile(join(first.dataDir, LOCK_FILE), 'utf8')) as LockOwner;

    // Act
    const next = await start({ DATA_DIR: first.dataDir });

    // Assess
    expect(stale.pid).toBe(first.process.pid);
    const owner = JSON.parse(await readFile(join(first.dataDir, LOCK_FILE), 'utf8')) as LockOwner;
    expect(owner).toMatchObject({ pid: next.process.pid, url: next.url });
    expect(await readAttempt({ url: next.url, dataDir: first.dataDir }, attemptCode)).toMatchObject(
      { attemptCode },
    );
  }, 120_000);

  it('stops with a clear message and a non-zero exit when DynamoDB Local dies', async () => {
    const stack = started.at(-1) ?? (await start());
    const [engine] = dynamoDbLocalProcesses(stack.dataDir);
    expect(engine).toBeDefined();
    const exit = new Promise<number | null>((resolve) => stack.process.once('exit', resolve));

    process.kill(engine ?? 0, 'SIGKILL');
    const code = await exit;

    expect(code).toBe(1);
    expect(stack.output()).toContain(
      `DynamoDB Local (pid ${engine}) exited (signal SIGKILL); the local stack cannot work without it and stops.`,
    );
    expect(dynamoDbLocalProcesses(stack.dataDir)).toEqual([]);
  }, 120_000);
});
