import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * The local stack as `npm start` runs it, in a child process: for end-to-end tests and the
 * benchmark, which must see the stack from outside, over HTTP and through its data folder.
 */
const REPOSITORY_ROOT = resolve(import.meta.dirname, '..');
/** Enough of the stack's output to explain a failure, without piling up function logs. */
const KEPT_OUTPUT_CHARS = 64_000;

export interface LocalStackProcess {
  url: string;
  /** DynamoDB Local itself, not the counting proxy the functions use. */
  dynamoDbEndpoint: string;
  dataDir: string;
  process: ChildProcess;
  /** The latest of what the stack wrote to stdout (function logs) and stderr (its own messages). */
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

/** Process ids of Java processes still running DynamoDB Local on this data folder. */
export function dynamoDbLocalProcesses(dataDir: string): number[] {
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
 * Starts `local/start.ts` on a free port with warn-level logs, in the data folder that
 * `environment.DATA_DIR` names or a fresh temporary one, and resolves once it prints that it is
 * ready (rejecting with its output if it exits first or takes too long).
 */
export async function startLocalStackProcess(
  environment: Record<string, string> = {},
  readyTimeoutMs = 180_000,
): Promise<LocalStackProcess> {
  const dataDir = environment.DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'proctoring-reviews-')));
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...environment, DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (data: Buffer) => {
    output = (output + data.toString('utf8')).slice(-KEPT_OUTPUT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );

  const banner = await new Promise<{ url: string; dynamoDbEndpoint: string }>(
    (resolveBanner, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`local stack not ready:\n${output}`)),
        readyTimeoutMs,
      );
      const check = () => {
        const url = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
        const dynamoDbEndpoint = /DynamoDB\s+(http:\/\/\S+)/.exec(output)?.[1];
        if (url && dynamoDbEndpoint) {
          clearTimeout(timer);
          child.stderr?.off('data', check);
          resolveBanner({ url, dynamoDbEndpoint });
        }
      };
      child.stderr?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`local stack exited with ${code} before it was ready:\n${output}`));
      });
    },
  ).catch(async (error: unknown) => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    throw error;
  });

  return {
    ...banner,
    dataDir,
    process: child,
    output: () => output,
    stop: async (graceMs = 20_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
