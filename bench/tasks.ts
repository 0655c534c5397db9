import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './bundles.js';

/**
 * Runs `bench/tasks/<name>.ts` in a fresh node (so earlier sections leave nothing in its heap or
 * JIT state), forwards its progress lines and returns the result it prints.
 */
export function runTask<T>(
  name: string,
  options: {
    nodeFlags?: string[];
    environment?: Record<string, string>;
    progress: (message: string) => void;
  },
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...(options.nodeFlags ?? []), '--import', 'tsx', join('bench', 'tasks', `${name}.ts`)],
      {
        cwd: REPOSITORY_ROOT,
        env: { ...process.env, ...options.environment },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => {
      stdout += data.toString('utf8');
    });
    child.stderr.on('data', (data: Buffer) => {
      const text = data.toString('utf8');
      stderr = (stderr + text).slice(-10_000);
      for (const line of text.split('\n')) if (line.trim()) options.progress(line.trim());
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((candidate) => candidate.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`bench task ${name} exited with ${code}:\n${stderr}`));
        return;
      }
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as T);
    });
  });
}
