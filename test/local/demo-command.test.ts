import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');

/** `npm run demo` with arguments, without a stack: only its argument handling is under test. */
async function demo(args: string[]) {
  try {
    await run(resolve(root, 'node_modules/.bin/tsx'), ['local/commands/demo.ts', ...args], {
      cwd: root,
      // A port nothing listens on: were the arguments accepted, the demo would stop at its health check.
      env: { ...process.env, PORT: '9' },
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('npm run demo', () => {
  it.each([
    [['--stat', 'Clean'], "Unknown option '--stat'"],
    [['--status', 'Dirty'], '--status must be Clean'],
    [['Clean'], "Unexpected argument 'Clean'"],
  ])('refuses %j with one line and the usage, no stack trace', async (args, message) => {
    const { code, stderr } = await demo(args);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain('usage: npm run demo --');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
