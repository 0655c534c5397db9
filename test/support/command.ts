import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * Runs one of the developer commands (`local/commands/<file>`) as `npm run` does, without a
 * stack: for tests of its argument handling. PORT names a port nothing listens on, so a command
 * that accepted its arguments fails at its first request instead of reaching a real stack.
 */
export async function runCommand(
  file: string,
  args: string[],
): Promise<{ code: number; stderr: string }> {
  try {
    await promisify(execFile)(resolve(ROOT, 'node_modules/.bin/tsx'), [file, ...args], {
      cwd: ROOT,
      env: { ...process.env, PORT: '9' },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}
