import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Only one local stack may use a data folder at a time: two would run two engines on one
 * database and two stream runners on one stream, publishing every event twice. The first stack
 * creates `stack.lock` exclusively; a second one finds it, sees that its owner still runs and
 * stops with a message naming it. A lock whose owner is gone (the stack crashed or was killed)
 * is stale and taken over.
 */

export const LOCK_FILE = 'stack.lock';

export interface LockOwner {
  pid: number;
  hostname: string;
  /** When the owner process started, where the system tells (Linux): a reused pid is not it. */
  processStart: string | null;
  startedAt: string;
  /** The API's address, once it listens. */
  url: string | null;
  token: string;
}

export class DataDirInUse extends Error {
  override readonly name = 'DataDirInUse';
  constructor(
    dataDir: string,
    readonly owner: LockOwner,
  ) {
    const where = owner.url ? `, API ${owner.url}` : '';
    const host = owner.hostname === hostname() ? '' : ` on host ${owner.hostname}`;
    super(
      `DATA_DIR ${dataDir} is in use by another local stack (pid ${owner.pid}${host}${where}, started ${owner.startedAt}). Stop that one (Ctrl-C in its terminal, or kill ${owner.pid}) or set DATA_DIR to another folder.`,
    );
  }
}

export interface DataDirLock {
  path: string;
  owner: LockOwner;
  /** Records the API's address, for the message a second stack prints. */
  setUrl(url: string): Promise<void>;
  /** Removes the lock if it is still this stack's. */
  release(): Promise<void>;
}

/** The start time of a process as the kernel records it (Linux), or null where unknown. */
function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after its closing parenthesis;
    // the start time is field 22 of the whole line, the 20th after the name.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function isRunning(owner: LockOwner): boolean {
  if (owner.hostname !== hostname()) return true; // Cannot tell: another host's process.
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    // ESRCH: no such process. EPERM: it exists (another user's), so the lock is not stale.
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = processStart(owner.pid);
  return owner.processStart === null || started === null || started === owner.processStart;
}

async function readOwner(path: string): Promise<LockOwner | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.token === 'string' ? owner : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

async function write(path: string, owner: LockOwner, flag: 'wx' | 'w'): Promise<void> {
  const handle = await open(path, flag, 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(owner, null, 2)}\n`);
  } finally {
    await handle.close();
  }
}

/** A lock file that cannot be read is one being written; after this long, a crashed writer's. */
const UNREADABLE_GRACE_MS = 2_000;

/**
 * Takes over a stale lock. Only one process may do so at a time (the `.takeover` file, created
 * exclusively), and only if the lock is still the stale one it read, so two stacks recovering the
 * same crash cannot both win.
 */
async function removeStale(path: string, stale: LockOwner | 'unreadable'): Promise<void> {
  const takeover = `${path}.takeover`;
  try {
    await writeFile(takeover, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another process is taking over; a takeover file left by a crash expires.
    const age = Date.now() - (await stat(takeover).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
    if (age > UNREADABLE_GRACE_MS) await rm(takeover, { force: true });
    return;
  }
  try {
    const current = await readOwner(path);
    const same =
      stale === 'unreadable'
        ? current === 'unreadable'
        : typeof current === 'object' && current.token === stale.token;
    if (same) {
      // Renamed, not deleted, so a stale lock can still be looked at after the fact.
      await rename(path, `${path}.stale`);
    }
  } finally {
    await rm(takeover, { force: true });
  }
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE);
  const owner: LockOwner = {
    pid: process.pid,
    hostname: hostname(),
    processStart: processStart(process.pid),
    startedAt: new Date().toISOString(),
    url: null,
    token: randomUUID(),
  };
  for (let round = 0; round < 100; round++) {
    try {
      await write(path, owner, 'wx');
      return lockHandle(path, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(path);
    if (holder === 'missing') continue;
    if (holder === 'unreadable') {
      const age = Date.now() - (await stat(path).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age < UNREADABLE_GRACE_MS) {
        await sleep(50);
        continue;
      }
    } else if (isRunning(holder)) {
      throw new DataDirInUse(dataDir, holder);
    }
    await removeStale(path, holder);
    await sleep(10);
  }
  throw new Error(`Could not lock DATA_DIR ${dataDir}: ${path} keeps changing`);
}

function lockHandle(path: string, owner: LockOwner): DataDirLock {
  const isStillOurs = async () => {
    const current = await readOwner(path);
    return typeof current === 'object' && current.token === owner.token;
  };
  return {
    path,
    owner,
    setUrl: async (url) => {
      owner.url = url;
      if (await isStillOurs()) await write(path, owner, 'w');
    },
    release: async () => {
      if (await isStillOurs()) await unlink(path).catch(() => {});
    },
  };
}
