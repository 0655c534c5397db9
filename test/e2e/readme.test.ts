import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';

/** The README's signed curl, run as written against the local stack, so the docs stay true. */
const run = promisify(execFile);
const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');
const { standard } = inject('localStacks');

async function readmeSnippet(): Promise<string> {
  const readme = await readFile(resolve(REPOSITORY_ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Try it'));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no shell snippet under "Try it"');
  return match[1];
}

describe('the README', () => {
  it('registers an attempt, signs a callback and shows its three events', async () => {
    // Prepare
    const snippet = await readmeSnippet();

    // Act
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', snippet], {
      cwd: REPOSITORY_ROOT,
      env: { ...process.env, API: standard.url, DATA_DIR: standard.dataDir },
    });

    // Assess
    expect(stdout).toContain('"OK"');
    const events = stdout
      .split('\n')
      .filter((line) => line.startsWith('{"version":"0"'))
      .map((line) => JSON.parse(line) as { 'detail-type': string });
    expect(events.map((event) => event['detail-type'])).toEqual([
      'review_received',
      'attempt_status_changed',
      'support_notification_requested',
    ]);
  });
});
