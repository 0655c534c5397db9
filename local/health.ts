import { request } from 'node:http';
import type { StreamsApi } from './stream/runner.js';

/**
 * What `GET /health` reports (docs/api.md): 200 `{"status": "ok"}` when every part works, else
 * 503 `{"status": "unavailable", "failing": [...], "parts": {...}}` naming the part and why.
 */
export type PartName = 'engine' | 'stream' | 'bus';

export type HealthReport =
  | { status: 'ok' }
  | { status: 'unavailable'; failing: PartName[]; parts: Record<PartName, string> };

/** Any HTTP answer within the timeout means the server is up; else why not. */
export function probeHttp(url: string, timeoutMs = 1_000): Promise<string | null> {
  return new Promise((resolveProbe) => {
    const probe = request(url, { method: 'GET', timeout: timeoutMs }, (response) => {
      response.resume();
      resolveProbe(null);
    });
    probe.on('timeout', () => {
      probe.destroy();
      resolveProbe(`no answer within ${timeoutMs} ms`);
    });
    probe.on('error', (error: NodeJS.ErrnoException) => resolveProbe(error.code ?? error.message));
    probe.end();
  });
}

/**
 * The stream runner's calls to DynamoDB Streams, watched: the runner retries failures on its own
 * and never stops by itself, so a runner that cannot read its stream shows only here.
 */
export class StreamsWatch {
  private lastSuccess = Date.now();
  private lastFailure: { at: number; name: string } | null = null;
  stopped = false;

  constructor(private readonly now: () => number = Date.now) {}

  wrap(api: StreamsApi): StreamsApi {
    const watched =
      <I, O>(call: (input: I) => Promise<O>) =>
      async (input: I): Promise<O> => {
        try {
          const output = await call(input);
          this.lastSuccess = this.now();
          this.lastFailure = null;
          return output;
        } catch (error) {
          this.lastFailure = { at: this.now(), name: (error as Error).name };
          throw error;
        }
      };
    return {
      describeStream: watched((input) => api.describeStream(input)),
      getShardIterator: watched((input) => api.getShardIterator(input)),
      getRecords: watched((input) => api.getRecords(input)),
    };
  }

  /** Null when reading works; a runner that has failed for `graceMs` and more is down. */
  problem(graceMs = 3_000): string | null {
    if (this.stopped) return 'stopped';
    const failure = this.lastFailure;
    if (failure && failure.at - this.lastSuccess >= graceMs) {
      const seconds = Math.round((failure.at - this.lastSuccess) / 1000);
      return `cannot read the stream for ${seconds} s (${failure.name})`;
    }
    return null;
  }
}

export function healthReport(problems: Record<PartName, string | null>): HealthReport {
  const failing = (Object.keys(problems) as PartName[]).filter((part) => problems[part] !== null);
  const parts = Object.fromEntries(
    (Object.keys(problems) as PartName[]).map((part) => [part, problems[part] ?? 'ok']),
  ) as Record<PartName, string>;
  return failing.length === 0 ? { status: 'ok' } : { status: 'unavailable', failing, parts };
}
