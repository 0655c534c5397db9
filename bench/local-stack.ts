import { rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { dynamoDbLocalProcesses, startLocalStackProcess } from '../local/stack-process.js';
import type { LocalMetrics } from '../local/start.js';
import { BENCH_SECRET, BENCH_VIDEO_URL_KEY } from './fixtures.js';

export type { LocalMetrics } from '../local/start.js';

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
  /** The stack's Node process and DynamoDB Local's JVM, for CPU accounting. */
  processes(): { stack: number[]; engine: number[] };
  call(
    method: string,
    path: string,
    body?: string,
    headers?: Record<string, string>,
  ): Promise<HttpAnswer>;
  metrics(): Promise<LocalMetrics>;
  stop(): Promise<void>;
}

/**
 * `npm start` as a child process (`local/stack-process.ts`), in its own temporary data folder,
 * with the benchmark's secrets, and a keep-alive client sized for the benchmark's concurrency.
 */
export async function startStack(options: {
  concurrency: number;
  readyTimeoutMs?: number;
}): Promise<RunningStack> {
  const started = Date.now();
  const running = await startLocalStackProcess(
    { CALLBACK_SECRET: BENCH_SECRET, VIDEO_URL_KEY: BENCH_VIDEO_URL_KEY },
    options.readyTimeoutMs ?? 120_000,
  );
  const { dataDir } = running;
  const readyMs = Date.now() - started;

  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(options.concurrency, 4) });
  const target = new URL(running.url);
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
    url: running.url,
    dynamoDbEndpoint: running.dynamoDbEndpoint,
    dataDir,
    readyMs,
    processes: () => ({
      stack: running.process.pid === undefined ? [] : [running.process.pid],
      engine: dynamoDbLocalProcesses(dataDir),
    }),
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
      await running.stop();
      // A crash could leave DynamoDB Local behind; the benchmark must not leave anything running.
      for (const pid of dynamoDbLocalProcesses(dataDir)) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
