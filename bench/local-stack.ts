import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalMetrics } from '../lib/local/start.js';
import { REPOSITORY_ROOT } from './bundles.js';
import { BENCH_SECRET, BENCH_VIDEO_URL_KEY } from './fixtures.js';

export type { LocalMetrics } from '../lib/local/start.js';

export interface HttpAnswer {
  status: number;
  text: string;
}

export interface RunningStack {
  url: string;
  /** DynamoDB Local itself, not the counting proxy the functions use. */
  dynamoDbEndpoint: string;
  dataDir: string;
  readyMs: number;
  call(
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer>;
  metrics(): Promise<LocalMetrics>;
  stop(): Promise<void>;
}

/** Java processes still serving DynamoDB Local from this data folder (a crash could leave one). */
function strayDynamoDbLocal(dataDir: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.jar.*${dataDir}`], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * `npm start` (`tsx lib/local/start.ts`) as a child process, in its own temporary data folder, on
 * a free port, with warn-level logs. Resolves once the ready banner is printed.
 */
export async function startStack(options: {
  concurrency: number;
  readyTimeoutMs?: number;
}): Promise<RunningStack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'proctoring-reviews-bench-'));
  const started = Date.now();
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'lib/local/start.ts'], {
    cwd: REPOSITORY_ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      CALLBACK_SECRET: BENCH_SECRET,
      VIDEO_URL_KEY: BENCH_VIDEO_URL_KEY,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (data: Buffer) => {
    // Enough to explain a failure; the functions' warn lines could otherwise pile up.
    output = (output + data.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  const banner = await new Promise<{ url: string; dynamo: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`local stack not ready:\n${output}`)),
      options.readyTimeoutMs ?? 120_000,
    );
    const check = () => {
      const api = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      const dynamo = /DynamoDB\s+(http:\/\/[^\s]+)/.exec(output)?.[1];
      if (api && dynamo) {
        clearTimeout(timer);
        child.stderr?.off('data', check);
        resolve({ url: api, dynamo });
      }
    };
    child.stderr?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`local stack exited with ${code} before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    child.kill('SIGTERM');
    await exited;
    throw error;
  });

  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(options.concurrency, 4) });
  const target = new URL(banner.url);
  const call = (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<HttpAnswer> =>
    new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method,
          path,
          agent,
          headers: {
            ...headers,
            ...(body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) }),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          response.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  let stopped = false;
  return {
    url: banner.url,
    dynamoDbEndpoint: banner.dynamo,
    dataDir,
    readyMs: Date.now() - started,
    call,
    metrics: async () => {
      const answer = await call('GET', '/local/metrics');
      if (answer.status !== 200) throw new Error(`/local/metrics answered ${answer.status}`);
      return JSON.parse(answer.text) as LocalMetrics;
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      agent.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      for (const pid of strayDynamoDbLocal(dataDir)) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
