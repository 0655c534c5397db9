import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { probePort } from '../ports.js';

/**
 * DynamoDB Local 1.25.1 (the only offline engine with transactions and Streams), taken from the
 * npm package that ships its jar, verified against a pinned integrity, and run as a child process
 * that listens on 127.0.0.1 only.
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

/**
 * DynamoDB Local's command line has no option for the address, and its `ServerRunner` listens on
 * every interface. So the engine is started through Jetty's `XmlConfiguration` (shipped in
 * `DynamoDBLocal_lib`) with this file, which builds the same handler and database on a connector
 * bound to the loopback address only. No compiled code of ours, nothing beyond `java`.
 */
export const ENGINE_CONFIGURATION = resolve(import.meta.dirname, 'loopback-engine.xml');
const ENGINE_HOST = '127.0.0.1';
/** Starts of an engine on a port found free that another process took in the meantime. */
const PORT_RACE_RETRIES = 3;

export interface DynamoDbLocalOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep data in this folder across restarts; in memory when absent. */
  dataDir?: string;
  cacheDir?: string;
  /** How long to wait for the engine to answer; a JVM on a busy machine can take a minute. */
  readyTimeoutMs?: number;
}

export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  process: ChildProcess;
  /** Settles when the engine's process ends, for whatever reason. */
  exited: Promise<EngineExit>;
  stop(): Promise<void>;
}

/** Files the engine writes are for this user only, whatever the shell's umask. */
async function restrictModes(folder: string): Promise<void> {
  await chmod(folder, 0o700);
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.isFile()) await chmod(join(folder, entry.name), 0o600);
  }
}

function spawnEngine(home: string, port: number, dataDir: string | undefined): ChildProcess {
  const storage = dataDir ? [`dbPath=${dataDir}`] : ['inMemory=true'];
  // The umask is inherited at spawn: the database file and its journals are created 0600.
  let previousMask: number | undefined;
  try {
    previousMask = process.umask(0o077);
  } catch {
    // Worker threads cannot change the umask; the modes are corrected once the engine is up.
  }
  try {
    return spawn(
      'java',
      [
        '-XX:+UseSerialGC',
        `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
        '-Dorg.eclipse.jetty.util.log.announce=false',
        '-Dorg.eclipse.jetty.LEVEL=WARN',
        '-cp',
        join(home, 'DynamoDBLocal.jar'),
        'org.eclipse.jetty.xml.XmlConfiguration',
        ENGINE_CONFIGURATION,
        `host=${ENGINE_HOST}`,
        `port=${port}`,
        ...storage,
        // Stops the engine when this process ends, however it ends (no orphan holding the data).
        `ownerPid=${process.pid}`,
      ],
      {
        cwd: home,
        stdio: ['ignore', 'pipe', 'pipe'],
        // DynamoDB Local sends usage telemetry unless this says 0.
        env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
      },
    );
  } finally {
    if (previousMask !== undefined) process.umask(previousMask);
  }
}

export async function startDynamoDbLocal(
  options: DynamoDbLocalOptions = {},
): Promise<DynamoDbLocal> {
  await assertJava();
  const home = await ensureDynamoDbLocal(options.cacheDir);
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  for (let round = 1; ; round++) {
    const port = await probePort(options.port ?? 0, ENGINE_HOST);
    if (port === null) {
      throw new DynamoDbLocalError(
        `Port ${options.port} is already in use; choose another for DynamoDB Local`,
      );
    }
    try {
      return await startOnPort(home, port, options);
    } catch (error) {
      const raced = error instanceof PortTaken && (options.port ?? 0) === 0;
      if (!raced || round >= PORT_RACE_RETRIES) throw error;
    }
  }
}

class PortTaken extends DynamoDbLocalError {}

async function startOnPort(
  home: string,
  port: number,
  options: DynamoDbLocalOptions,
): Promise<DynamoDbLocal> {
  const child = spawnEngine(home, port, options.dataDir);
  let output = '';
  const collect = (data: Buffer) => {
    output = (output + data.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let hasExited = false;
  const exited = new Promise<EngineExit>((resolveExit) =>
    child.once('exit', (code, signal) => {
      hasExited = true;
      resolveExit({ code, signal });
    }),
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (hasExited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };

  const endpoint = `http://${ENGINE_HOST}:${port}`;
  const client = createDynamoDbClient({ endpoint });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  try {
    for (;;) {
      if (hasExited) {
        const ErrorClass = /Address already in use|BindException/.test(output)
          ? PortTaken
          : DynamoDbLocalError;
        throw new ErrorClass(`DynamoDB Local exited during start:\n${output}`);
      }
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
    if (options.dataDir) await restrictModes(options.dataDir);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, port, process: child, exited, stop };
}
