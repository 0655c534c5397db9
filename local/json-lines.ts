/**
 * Durable JSON-lines files for the local stack: the event bus's event and rule logs and the stream
 * runner's dead letters.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

interface PendingLine {
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Appends JSON documents, one per line, to a file. Lines land whole and in the order `append` was
 * called, and each promise resolves only once its line is on disk: concurrent callers are grouped
 * into one write and one `datasync`, so throughput does not collapse under load.
 */
export class JsonLinesWriter {
  readonly path: string;
  #handle: Promise<FileHandle> | undefined;
  #pending: PendingLine[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;

  constructor(path: string) {
    this.path = path;
  }

  /** Appends one document as one line. */
  append(value: unknown): Promise<void> {
    return this.appendAll([value]);
  }

  /** Appends several documents as adjacent lines: no other caller's line comes between them. */
  appendAll(values: readonly unknown[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`${this.path} is closed`));
    if (values.length === 0) return Promise.resolve();
    const text = values.map((value) => `${JSON.stringify(value)}\n`).join('');
    const written = new Promise<void>((resolve, reject) => {
      this.#pending.push({ text, resolve, reject });
    });
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return written;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#flushing;
    const handle = this.#handle;
    this.#handle = undefined;
    if (handle) await (await handle).close();
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const group = this.#pending;
      this.#pending = [];
      try {
        const handle = await this.#open();
        const bytes = Buffer.from(group.map((line) => line.text).join(''), 'utf8');
        let offset = 0;
        while (offset < bytes.length) {
          const { bytesWritten } = await handle.write(bytes, offset);
          offset += bytesWritten;
        }
        await handle.datasync();
        for (const line of group) line.resolve();
      } catch (error) {
        for (const line of group) line.reject(error);
      }
    }
  }

  #open(): Promise<FileHandle> {
    this.#handle ??= (async () => {
      await mkdir(dirname(this.path), { recursive: true });
      return open(this.path, 'a');
    })();
    return this.#handle;
  }
}
