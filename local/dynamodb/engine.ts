import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { probePort } from '../ports.js';

/**
 * DynamoDB Local 1.25.1 (the only offline engine with transactions and Streams), taken from the
 * npm package that ships its jar, verified against a pinned integrity, and run as a child process.
 */
const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const PACKAGE_INTEGRITY =
  'sha512-xTeeRLvzEfqyd5lh3bH4c0kHvSHHmmhD5ZDsHFKAQ5g2Zl6JqlFdutaQhCLHzxEp6Ry1o7TB6niIoXuQAnSewQ==';

const run = promisify(execFile);

export const DEFAULT_CACHE_DIR = resolve(import.meta.dirname, '../../.cache');

export class DynamoDbLocalError extends Error {
  override readonly name = 'DynamoDbLocalError';
}

async function sha512(path: string): Promise<string> {
  const hash = createHash('sha512');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return `sha512-${hash.digest('base64')}`;
}

/** The folder holding `DynamoDBLocal.jar`, fetched through npm on first use. */
export async function ensureDynamoDbLocal(cacheDir = DEFAULT_CACHE_DIR): Promise<string> {
  const home = join(cacheDir, 'dynamodb-local-1.25.1');
  if (existsSync(join(home, 'DynamoDBLocal.jar'))) return home;

  await mkdir(cacheDir, { recursive: true });
  const work = await mkdtemp(join(tmpdir(), 'dynamodb-local-'));
  try {
    const { stdout } = await run('npm', ['pack', PACKAGE, '--json', '--pack-destination', work], {
      cwd: work,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    if (!packed) throw new DynamoDbLocalError(`npm pack ${PACKAGE} returned nothing`);
    const tarball = join(work, packed.filename);
    const integrity = await sha512(tarball);
    if (integrity !== PACKAGE_INTEGRITY) {
      throw new DynamoDbLocalError(`${PACKAGE} does not match its pinned integrity`);
    }
    await run('tar', ['-xzf', tarball, '-C', work, 'package/emulator']);
    // Another process may have finished first; either copy is the same verified jar.
    if (!existsSync(join(home, 'DynamoDBLocal.jar'))) {
      await rm(home, { recursive: true, force: true });
      await rename(join(work, 'package', 'emulator'), home);
    }
  } catch (error) {
    if (error instanceof DynamoDbLocalError) throw error;
    throw new DynamoDbLocalError(
      `Could not fetch DynamoDB Local from the npm registry (${PACKAGE}): ${(error as Error).message}`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return home;
}

async function assertJava(): Promise<void> {
  try {
    await run('java', ['-version']);
  } catch {
    throw new DynamoDbLocalError(
      'DynamoDB Local needs Java 17 or newer on the PATH (Debian: apt-get install -y openjdk-17-jre-headless)',
    );
  }
}

export interface DynamoDbLocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep data in this folder across restarts; in memory when absent. */
  dataDir?: string;
  cacheDir?: string;
  /** How long to wait for the engine to answer. */
  readyTimeoutMs?: number;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  await assertJava();
  const home = await ensureDynamoDbLocal(options.cacheDir);
  // DynamoDB Local binds all interfaces, so the port is probed on all of them.
  const port = await probePort(options.port ?? 0);
  if (port === null) {
    throw new DynamoDbLocalError(
      `Port ${options.port} is already in use; choose another for DynamoDB Local`,
    );
  }
  const storage = options.dataDir ? ['-sharedDb', '-dbPath', options.dataDir] : ['-inMemory'];
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });

  const child = spawn(
    'java',
    [
      '-XX:+UseSerialGC',
      `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(home, 'DynamoDBLocal.jar'),
      '-port',
      String(port),
      '-disableTelemetry',
      ...storage,
    ],
    { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (data: Buffer) => {
    output = (output + data.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolveExit) =>
    child.once('exit', () => {
      exited = true;
      resolveExit();
    }),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(timer);
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const client = createDynamoDbClient({ endpoint });
  // The JVM can take a minute to answer on a loaded machine (two stacks starting at once, a
  // shared CI runner); a dead engine still fails the start, by exiting.
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  try {
    for (;;) {
      if (exited) throw new DynamoDbLocalError(`DynamoDB Local exited during start:\n${output}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline) {
          throw new DynamoDbLocalError(`DynamoDB Local did not answer on ${endpoint}:\n${output}`);
        }
        await sleep(100);
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, process: child, stop };
}
