import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPENAPI_FILE } from '../../local/openapi/document.js';
import { newAttemptCode, vendorPayload } from '../support/factories.js';
import { call, registerAttempt } from '../support/local-client.js';

/** The documents' shell and Node snippets, run as written against the local stack. */
const run = promisify(execFile);
const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');
const { standard } = inject('localStacks');

/** The first code block of `language` (optionally tagged) after `heading` in `file`. */
async function snippet(file: string, heading: string, fence: string): Promise<string> {
  const text = await readFile(resolve(REPOSITORY_ROOT, file), 'utf8');
  const start = text.indexOf(heading);
  if (start < 0) throw new Error(`${file} has no "${heading}"`);
  const match = new RegExp(`\`\`\`${fence}\\n([\\s\\S]*?)\`\`\``).exec(text.slice(start));
  if (!match?.[1]) throw new Error(`${file} has no \`\`\`${fence} block under "${heading}"`);
  return match[1];
}

interface TryItRun {
  lines: string[];
  code: string;
}

async function tryIt(script: string): Promise<TryItRun> {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
    cwd: REPOSITORY_ROOT,
    env: { ...process.env, API: standard.url, DATA_DIR: standard.dataDir },
  });
  const lines = stdout.split('\n').filter(Boolean);
  const registered = JSON.parse(lines[0] ?? '{}') as { attemptCode?: string };
  return { lines, code: registered.attemptCode ?? '' };
}

describe('the README', () => {
  it('"Try it" gives the promised answers, one per line, twice in a row on one stack', async () => {
    // Prepare
    const script = await snippet('README.md', '## Try it', 'sh');

    // Act
    const runs = [await tryIt(script), await tryIt(script)];

    // Assess
    const [first, second] = runs;
    expect(first?.code).not.toBe(second?.code);
    for (const { lines, code } of runs) {
      expect(lines).toHaveLength(6);
      const [registered, accepted, applied, ...events] = lines.map(
        (line) => JSON.parse(line) as Record<string, unknown>,
      );
      expect(registered).toMatchObject({ attemptCode: code, status: 'submitted', review: null });
      expect(accepted).toBe('OK');
      expect(applied).toMatchObject({
        attemptCode: code,
        status: 'second_review_required',
        review: { reviewStatus: 'Suspicious', revision: 1 },
      });
      expect(events.map((event) => event['detail-type'])).toEqual([
        'review_received',
        'attempt_status_changed',
        'support_notification_requested',
      ]);
      expect(
        events.map((event) => (event.detail as { attempt_code: string }).attempt_code),
      ).toEqual([code, code, code]);
    }
  });
});

describe('docs/api.md', () => {
  let folder: string;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'api-doc-'));
  });

  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  /** A registered attempt and a review of it in `review.json`, as the snippets expect. */
  async function reviewFile(reviewStatus: string): Promise<string> {
    const attemptCode = await registerAttempt(standard);
    await writeFile(
      join(folder, 'review.json'),
      `${JSON.stringify(vendorPayload({ attemptCode, reviewStatus }), null, 2)}\n`,
    );
    return attemptCode;
  }

  it('signs and sends a callback in a shell, as written', async () => {
    const script = await snippet('docs/api.md', '## Signing a callback', 'sh sign-shell');
    await reviewFile('Clean');

    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: folder,
      env: { ...process.env, API: standard.url },
    });

    expect(stdout).toBe('"OK"\n');
  });

  it('signs and sends a callback in Node.js, as written', async () => {
    const source = await snippet('docs/api.md', '## Signing a callback', 'js sign-node');
    await writeFile(join(folder, 'send-review.mjs'), source);
    await reviewFile('Rules Violation');

    const { stdout } = await run(process.execPath, ['send-review.mjs', 'review.json'], {
      cwd: folder,
      env: { ...process.env, API: standard.url },
    });

    expect(stdout).toBe('200 "OK"\n');
  });

  it('is answered for an unregistered attempt as documented', async () => {
    const script = await snippet('docs/api.md', '## Signing a callback', 'sh sign-shell');
    await writeFile(
      join(folder, 'review.json'),
      JSON.stringify(vendorPayload({ attemptCode: newAttemptCode() })),
    );

    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: folder,
      env: { ...process.env, API: standard.url },
    });

    expect(JSON.parse(stdout)).toMatchObject({ code: 'attempt_not_found' });
  });
});

describe('GET /openapi.json', () => {
  it('serves the committed OpenAPI document', async () => {
    const committed = JSON.parse(await readFile(resolve(REPOSITORY_ROOT, OPENAPI_FILE), 'utf8'));

    const answer = await call(standard, 'GET', '/openapi.json');

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(committed);
  });
});
