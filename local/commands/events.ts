/**
 * Reads the events the local bus recorded in `events.jsonl`, keeping those an EventBridge pattern
 * matches, and optionally follows the file as the bus appends to it.
 *
 *   npm run events -- [--pattern '<json>'] [--follow] [--data-dir DIR]
 *
 * prints the matching envelopes, one JSON document per line, from `<DIR>/events.jsonl` (`DIR` is
 * `--data-dir`, else `DATA_DIR`, else `.local`).
 */
import { existsSync, realpathSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compilePattern } from '../event-bus/pattern.js';

export interface TailEventsOptions {
  /** The JSON-lines file the bus writes. */
  file: string;
  /** An EventBridge pattern, as an object or JSON text; every event when absent. */
  pattern?: unknown;
  /** Keep reading what is appended until `signal` aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  /** How often a followed file is checked for growth; 100 ms by default. */
  pollIntervalMs?: number;
  /** Called with each matching event and its line as written. */
  onEvent: (event: Record<string, unknown>, line: string) => void;
  /** Called for a complete line that is not a JSON object. */
  onInvalidLine?: (line: string) => void;
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads the file from its start and hands each matching event to `onEvent`. Without `follow` it
 * resolves at the end of the file; with it, it resolves when `signal` aborts. A missing file is
 * waited for when following, and a file that shrinks or is replaced is read again from its start.
 *
 * @throws {@link InvalidEventPattern} when the pattern is malformed.
 */
export async function tailEvents(options: TailEventsOptions): Promise<void> {
  const matches = options.pattern === undefined ? () => true : compilePattern(options.pattern);
  const pollIntervalMs = options.pollIntervalMs ?? 100;
  const { signal } = options;
  let offset = 0;
  let inode: number | undefined;
  let decoder = new StringDecoder('utf8');
  let partial = '';

  const handleLine = (line: string) => {
    if (line.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      options.onInvalidLine?.(line);
      return;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      options.onInvalidLine?.(line);
      return;
    }
    if (matches(event as Record<string, unknown>)) {
      options.onEvent(event as Record<string, unknown>, line);
    }
  };

  while (!signal?.aborted) {
    let handle: FileHandle | undefined;
    try {
      handle = await open(options.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (handle) {
      try {
        const stats = await handle.stat();
        if (stats.ino !== inode || stats.size < offset) {
          // A new or truncated file (a cleaned data folder) starts over.
          inode = stats.ino;
          offset = 0;
          partial = '';
          decoder = new StringDecoder('utf8');
        }
        const buffer = Buffer.alloc(CHUNK_BYTES);
        while (offset < stats.size && !signal?.aborted) {
          const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          const lines = (partial + decoder.write(buffer.subarray(0, bytesRead))).split('\n');
          // The last piece has no newline yet: a line still being written.
          partial = lines.pop() ?? '';
          for (const line of lines) handleLine(line);
        }
      } finally {
        await handle.close();
      }
    }
    if (!options.follow) {
      // Lines are written whole, so an unterminated last line is kept only if it is complete JSON.
      if (partial.trim() !== '') {
        try {
          JSON.parse(partial);
          handleLine(partial);
        } catch {
          // still being written
        }
      }
      return;
    }
    await sleep(pollIntervalMs, undefined, signal ? { signal } : {}).catch(() => {});
  }
}

export class TailUsageError extends Error {
  override readonly name = 'TailUsageError';
}

export interface TailArguments {
  file: string;
  pattern: unknown;
  follow: boolean;
}

export const TAIL_USAGE =
  "usage: npm run events -- [--pattern '<EventBridge pattern JSON>'] [--follow] [--data-dir DIR]";

/** Reads the command line; the data folder is `--data-dir`, else `DATA_DIR`, else `.local`. */
export function parseTailArguments(
  args: readonly string[],
  env: Record<string, string | undefined> = process.env,
): TailArguments {
  let values: { pattern?: string; follow?: boolean; 'data-dir'?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        pattern: { type: 'string', short: 'p' },
        follow: { type: 'boolean', short: 'f' },
        'data-dir': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new TailUsageError(`${(error as Error).message}\n${TAIL_USAGE}`);
  }
  let pattern: unknown;
  if (values.pattern !== undefined) {
    try {
      pattern = JSON.parse(values.pattern);
    } catch {
      throw new TailUsageError(`--pattern is not valid JSON: ${values.pattern}`);
    }
    // Fails here, with the offending path, rather than after the file has been opened.
    compilePattern(pattern);
  }
  const dataDir = values['data-dir'] ?? (env.DATA_DIR || '.local');
  return { file: join(dataDir, 'events.jsonl'), pattern, follow: values.follow ?? false };
}

async function main(): Promise<number> {
  let parsed: TailArguments;
  try {
    parsed = parseTailArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (!parsed.follow && !existsSync(parsed.file)) {
    process.stderr.write(`No events recorded yet: ${parsed.file} does not exist.\n`);
    return 0;
  }
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // A closed pipe (`| head`) ends the tail quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop();
  });
  await tailEvents({
    file: parsed.file,
    pattern: parsed.pattern,
    follow: parsed.follow,
    signal: controller.signal,
    onEvent: (_event, line) => {
      if (!controller.signal.aborted) process.stdout.write(`${line}\n`);
    },
    onInvalidLine: (line) => {
      process.stderr.write(`skipping a line that is not a JSON object: ${line.slice(0, 200)}\n`);
    },
  });
  return 0;
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(resolve(script)) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${(error as Error).message ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
