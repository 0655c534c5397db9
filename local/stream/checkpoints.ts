/**
 * Persisted shard positions (`<dataDir>/stream-checkpoints.json`): where each mapping resumes
 * reading each shard of a stream after a restart.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from '../../lib/log.js';

export interface ShardCheckpoint {
  /** The last sequence number whose fate is settled; null: read from the start of the shard. */
  sequenceNumber: string | null;
  /** The shard is closed and has been read to its end. */
  finished: boolean;
}

export type ShardCheckpoints = Record<string, ShardCheckpoint>;
/** `{ [mapping name]: { [stream ARN]: { [shard id]: checkpoint } } }` */
type CheckpointFile = Record<string, Record<string, ShardCheckpoints>>;

/** Writes to one checkpoint file never overlap within a process. */
const fileQueues = new Map<string, Promise<unknown>>();

function serialized<T>(path: string, task: () => Promise<T>): Promise<T> {
  const previous = fileQueues.get(path) ?? Promise.resolve();
  const next = previous.then(task, task);
  fileQueues.set(path, next);
  const forget = () => {
    if (fileQueues.get(path) === next) fileQueues.delete(path);
  };
  next.then(forget, forget);
  return next;
}

async function readCheckpointFile(path: string, log: Logger): Promise<CheckpointFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed as CheckpointFile;
    }
  } catch {
    // fall through: an unreadable file restarts the mapping from its starting position
  }
  log.warn('stream runner: ignoring an unreadable checkpoint file', { path });
  return {};
}

/**
 * One mapping's checkpoints for one stream, kept in a file shared with other mappings. Saves
 * replace the file atomically and never overlap within a process.
 */
export class CheckpointStore {
  #queued: Promise<void> | undefined;

  constructor(
    readonly path: string,
    readonly name: string,
    readonly streamArn: string,
    readonly shards: ShardCheckpoints,
    readonly log: Logger,
  ) {}

  static async load(path: string, name: string, streamArn: string, log: Logger) {
    const file = await serialized(path, () => readCheckpointFile(path, log));
    const shards = { ...(file[name]?.[streamArn] ?? {}) };
    return new CheckpointStore(path, name, streamArn, shards, log);
  }

  /** Persists the current state; saves asked for while one waits are merged into it. */
  save(): Promise<void> {
    this.#queued ??= serialized(this.path, async () => {
      this.#queued = undefined;
      const snapshot = structuredClone(this.shards);
      const file = await readCheckpointFile(this.path, this.log);
      file[this.name] = { ...file[this.name], [this.streamArn]: snapshot };
      const temporary = `${this.path}.${process.pid}.tmp`;
      await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`);
      // rename is atomic: a crash leaves the old checkpoints or the new ones, never half of each.
      await rename(temporary, this.path);
    });
    return this.#queued;
  }
}
