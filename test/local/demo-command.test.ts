import { describe, expect, it } from 'vitest';
import { runCommand } from '../support/command.js';

/** `npm run demo` with arguments, without a stack: only its argument handling is under test. */
const demo = (args: string[]) => runCommand('local/commands/demo.ts', args);

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
