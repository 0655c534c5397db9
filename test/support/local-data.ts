import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh data folder for one test, and its removal. */
export async function temporaryDataDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'proctoring-local-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The raw lines of a JSON-lines file; none when it does not exist. */
export async function readLines(path: string): Promise<string[]> {
  try {
    const text = await readFile(path, 'utf8');
    return text === '' ? [] : text.replace(/\n$/, '').split('\n');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** The documents of a JSON-lines file, each line parsed on its own. */
export async function readJsonLines<T = Record<string, unknown>>(path: string): Promise<T[]> {
  return (await readLines(path)).map((line) => JSON.parse(line) as T);
}
