import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUse, LOCK_FILE, type LockOwner, lockDataDir } from '../../local/data-dir-lock.js';
import { restrictDataDir } from '../../local/start.js';

/** The data folder's modes and its lock, without a stack (stack-safety.test.ts runs stacks). */

const fresh = () => mkdtemp(join(tmpdir(), 'proctoring-reviews-data-'));
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** A pid that no process has any more. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('data folder modes', () => {
  it('tightens what an older stack left readable, and leaves other files alone', async () => {
    // Prepare
    const dataDir = await fresh();
    await mkdir(join(dataDir, 'rules'), { mode: 0o755 });
    await writeFile(join(dataDir, 'events.jsonl'), '', { mode: 0o644 });
    await writeFile(join(dataDir, 'rules', 'analytics.jsonl'), '', { mode: 0o644 });
    await writeFile(join(dataDir, 'notes.txt'), '', { mode: 0o644 });

    // Act
    await restrictDataDir(dataDir);

    // Assess
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, 'rules'))).toBe(0o700);
    expect(await modeOf(join(dataDir, 'events.jsonl'))).toBe(0o600);
    expect(await modeOf(join(dataDir, 'rules', 'analytics.jsonl'))).toBe(0o600);
    expect(await modeOf(join(dataDir, 'notes.txt'))).toBe(0o644);
  });
});

describe('data folder lock', () => {
  it('is exclusive, names its holder, and is free again once released', async () => {
    const dataDir = await fresh();
    const lock = await lockDataDir(dataDir);
    await lock.setUrl('http://127.0.0.1:3000');

    const second = lockDataDir(dataDir);

    await expect(second).rejects.toThrow(DataDirInUse);
    await expect(second).rejects.toThrow(
      `DATA_DIR ${dataDir} is in use by another local stack (pid ${process.pid}, API http://127.0.0.1:3000`,
    );
    expect(await modeOf(join(dataDir, LOCK_FILE))).toBe(0o600);
    await lock.release();
    const again = await lockDataDir(dataDir);
    await again.release();
  });

  it('takes over a lock whose process is gone', async () => {
    const dataDir = await fresh();
    const stale: LockOwner = {
      pid: deadPid(),
      hostname: hostname(),
      processStart: null,
      startedAt: '2026-01-01T00:00:00.000Z',
      url: 'http://127.0.0.1:3000',
      token: 'crashed',
    };
    await writeFile(join(dataDir, LOCK_FILE), JSON.stringify(stale));

    const lock = await lockDataDir(dataDir);

    expect(lock.owner.pid).toBe(process.pid);
    expect(JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
    });
    expect(JSON.parse(await readFile(join(dataDir, `${LOCK_FILE}.stale`), 'utf8'))).toEqual(stale);
    await lock.release();
  });

  it('takes over a lock whose pid now belongs to another process', async () => {
    const dataDir = await fresh();
    await writeFile(
      join(dataDir, LOCK_FILE),
      JSON.stringify({
        pid: process.pid,
        hostname: hostname(),
        processStart: 'not-this-process',
        startedAt: '2026-01-01T00:00:00.000Z',
        url: null,
        token: 'reused-pid',
      }),
    );

    const lock = await lockDataDir(dataDir);

    expect(lock.owner.token).not.toBe('reused-pid');
    await lock.release();
  });

  it('lets exactly one of many stacks recovering the same crash win', async () => {
    const dataDir = await fresh();
    await writeFile(
      join(dataDir, LOCK_FILE),
      JSON.stringify({
        pid: deadPid(),
        hostname: hostname(),
        processStart: null,
        startedAt: '2026-01-01T00:00:00.000Z',
        url: null,
        token: 'crashed',
      }),
    );

    const results = await Promise.allSettled(Array.from({ length: 8 }, () => lockDataDir(dataDir)));

    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    expect(results.filter((result) => result.status === 'rejected')).toHaveLength(7);
  });
});
