/**
 * A local Amazon EventBridge for the local stack: an HTTP server that speaks the AWS JSON 1.1
 * protocol, so the stock `EventBridgeClient({ endpoint })` sends to it unchanged.
 *
 * Only `PutEvents` is implemented, following the EventBridge API reference (`PutEvents`,
 * `PutEventsRequestEntry`, `PutEventsResultEntry`) and the user guide ("Calculating PutEvents event
 * entry size"):
 * - a call carries 1 to 10 entries, and the entries together may weigh at most 256 KB, counted the
 *   guide's way; otherwise the whole call fails with `ValidationException`;
 * - each entry is checked on its own (`InvalidArgument` for a missing Source, DetailType or Detail,
 *   `MalformedDetail` when Detail is not a JSON object), and a failed entry never fails the others;
 * - each accepted entry becomes the envelope a rule target receives. It is appended to
 *   `<dataDir>/events.jsonl`, matched against the rules of its bus, and appended once more to
 *   `<dataDir>/rules/<rule>.jsonl` for every rule it matches, all on disk before the call answers.
 *
 * One deliberate difference: AWS accepts entries for an event bus that does not exist and drops
 * them silently (aws/aws-sdk#186, aws/aws-cli#9186). Here such an entry fails with
 * `InvalidArgument`, so a misspelt bus name shows up at once instead of as missing events.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../../lib/log.js';
import { JsonLinesWriter } from '../json-lines.js';
import { compilePattern, type EventMatcher } from './pattern.js';

export const MAX_ENTRIES_PER_CALL = 10;
/** The guide's limit on the summed size of a call's entries (256 KB). */
export const MAX_ENTRIES_BYTES = 256 * 1024;
/** A request body larger than this cannot hold a valid call, even with JSON escaping. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const DEFAULT_BUS = 'default';
/** EventBridge's rule-name characters; longer than its 64 so template logical ids fit too. */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,200}$/;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

/** One `PutEvents` entry as it arrives on the wire (`Time` is epoch seconds there). */
export interface PutEventsWireEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Resources?: unknown;
  Time?: unknown;
  TraceHeader?: unknown;
}

/** The EventBridge envelope a rule target receives. */
export type EventEnvelope = {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
};

export interface EventRule {
  /** The rule name; its matches go to `rules/<name>.jsonl`. */
  name: string;
  /** The bus the rule belongs to, by name or ARN. */
  eventBusName: string;
  /** The event pattern, as an object or as the JSON text `PutRule` takes. */
  pattern: unknown;
}

export interface EntryFault {
  errorCode: string;
  errorMessage: string;
}

/** Hooks for fault injection; both default to no faults. */
export interface EventBusFaults {
  /** Fails one entry that passed validation; `undefined` lets it through. */
  entry?: (entry: PutEventsWireEntry, index: number) => EntryFault | undefined;
  /** Throttles the whole call with `ThrottlingException` when it answers true. */
  throttle?: () => boolean;
}

export interface EventBusOptions {
  dataDir: string;
  /** Names of the custom buses; the `default` bus always exists, as in every AWS account. */
  buses: readonly string[];
  rules: readonly EventRule[];
  /** 12 digits; `000000000000` by default. */
  account?: string;
  region?: string;
  /** 0 (the default) picks a free port on 127.0.0.1. */
  port?: number;
  faults?: EventBusFaults;
  log?: Logger;
}

export interface EventBusStats {
  /** PutEvents calls received, throttled ones included. */
  putEventsCalls: number;
  throttledCalls: number;
  /** Entries in calls that were not refused as a whole, and how many of those failed. */
  entries: number;
  failedEntries: number;
}

export interface LocalEventBus {
  endpoint: string;
  port: number;
  stats(): EventBusStats;
  stop(): Promise<void>;
}

/** The buses or rules given at start are not ones EventBridge would accept. */
export class EventBusConfigError extends Error {
  override readonly name = 'EventBusConfigError';
}

// ---------------------------------------------------------------------------------------------
// PutEvents

/** An error answered the AWS JSON 1.1 way: an HTTP status and `{ "__type", "message" }`. */
class ServiceError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

/**
 * An entry's size as EventBridge counts it: 14 bytes for a Time, then the UTF-8 bytes of Source,
 * DetailType, Detail and each Resources element. Field names and JSON syntax are not counted.
 */
export function entrySize(entry: PutEventsWireEntry): number {
  const bytes = (value: unknown) =>
    typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : 0;
  let size = entry.Time !== undefined && entry.Time !== null ? 14 : 0;
  size += bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail);
  if (Array.isArray(entry.Resources)) {
    for (const resource of entry.Resources) size += bytes(resource);
  }
  return size;
}

function invalidArgument(parameter: string, reason: string): EntryFault {
  return {
    errorCode: 'InvalidArgument',
    errorMessage: `Parameter ${parameter} is not valid. Reason: ${reason}`,
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requiredString(entry: PutEventsWireEntry, field: 'Source' | 'DetailType' | 'Detail') {
  const value = entry[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Envelope times have whole seconds, as EventBridge writes them (`2024-03-02T17:05:00Z`). */
function envelopeTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** `Time` arrives as epoch seconds from the SDK; an ISO 8601 string is accepted as well. */
function entryTimeMs(time: unknown): number | undefined {
  if (typeof time === 'number' && Number.isFinite(time)) return time * 1000;
  if (typeof time === 'string' && time.trim() !== '') {
    const parsed = /^\d+(\.\d+)?$/.test(time) ? Number(time) * 1000 : Date.parse(time);
    if (Number.isFinite(parsed)) return parsed;
  }
  return undefined;
}

interface CompiledRule {
  name: string;
  bus: string;
  matches: EventMatcher;
  writer: JsonLinesWriter;
}

/**
 * Starts the local bus. Rules are validated here, so a bad pattern or an unknown bus fails the
 * start with the rule's name in the message.
 */
export async function startEventBus(options: EventBusOptions): Promise<LocalEventBus> {
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? silentLogger;
  if (!/^\d{12}$/.test(account)) {
    throw new EventBusConfigError(`The account must be 12 digits, got "${account}"`);
  }
  const buses = new Set([DEFAULT_BUS, ...options.buses]);
  const busArnPrefix = `arn:aws:events:${region}:${account}:event-bus/`;
  const resolveBus = (nameOrArn: string): string | undefined => {
    const name = nameOrArn.startsWith('arn:')
      ? nameOrArn.startsWith(busArnPrefix)
        ? nameOrArn.slice(busArnPrefix.length)
        : undefined
      : nameOrArn;
    return name !== undefined && buses.has(name) ? name : undefined;
  };

  const seenRules = new Set<string>();
  const rules: CompiledRule[] = options.rules.map((rule) => {
    if (!RULE_NAME.test(rule.name)) {
      throw new EventBusConfigError(
        `Rule "${rule.name}": a rule name has 1 to 200 letters, digits, ".", "-" or "_"`,
      );
    }
    if (seenRules.has(rule.name)) {
      // Names are unique per bus in AWS, but here they also name the match files.
      throw new EventBusConfigError(`Rule "${rule.name}" is defined twice`);
    }
    seenRules.add(rule.name);
    const bus = resolveBus(rule.eventBusName);
    if (bus === undefined) {
      throw new EventBusConfigError(
        `Rule "${rule.name}" belongs to an unknown event bus "${rule.eventBusName}"`,
      );
    }
    let matches: EventMatcher;
    try {
      matches = compilePattern(rule.pattern);
    } catch (error) {
      throw new EventBusConfigError(`Rule "${rule.name}": ${(error as Error).message}`);
    }
    return {
      name: rule.name,
      bus,
      matches,
      writer: new JsonLinesWriter(join(options.dataDir, 'rules', `${rule.name}.jsonl`)),
    };
  });
  const events = new JsonLinesWriter(join(options.dataDir, 'events.jsonl'));

  const stats: EventBusStats = {
    putEventsCalls: 0,
    throttledCalls: 0,
    entries: 0,
    failedEntries: 0,
  };

  const putEvents = async (body: unknown) => {
    stats.putEventsCalls++;
    if (options.faults?.throttle?.()) {
      stats.throttledCalls++;
      throw new ServiceError('ThrottlingException', 'Rate exceeded');
    }
    const entries = isPlainObject(body) ? body.Entries : undefined;
    if (!Array.isArray(entries)) {
      throw new ServiceError(
        'ValidationException',
        "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
      );
    }
    if (entries.length < 1 || entries.length > MAX_ENTRIES_PER_CALL) {
      const bound =
        entries.length < 1
          ? 'greater than or equal to 1'
          : `less than or equal to ${MAX_ENTRIES_PER_CALL}`;
      throw new ServiceError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
      );
    }
    const wireEntries = entries.map((entry) => (isPlainObject(entry) ? entry : {}));
    const total = wireEntries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (total > MAX_ENTRIES_BYTES) {
      throw new ServiceError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    }

    const now = Date.now();
    const accepted: { envelope: EventEnvelope; bus: string }[] = [];
    const results = wireEntries.map((entry, index) => {
      const outcome = acceptEntry(entry, index, now);
      if ('errorCode' in outcome) {
        return { ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage };
      }
      accepted.push(outcome);
      return { EventId: outcome.envelope.id };
    });

    const writes = [events.appendAll(accepted.map(({ envelope }) => envelope))];
    for (const rule of rules) {
      const matched = accepted
        .filter(({ envelope, bus }) => bus === rule.bus && rule.matches(envelope))
        .map(({ envelope }) => envelope);
      if (matched.length > 0) writes.push(rule.writer.appendAll(matched));
    }
    await Promise.all(writes);

    const failed = results.length - accepted.length;
    stats.entries += results.length;
    stats.failedEntries += failed;
    log.debug('local event bus: PutEvents', { accepted: accepted.length, failed });
    return { FailedEntryCount: failed, Entries: results };
  };

  const acceptEntry = (
    entry: PutEventsWireEntry,
    index: number,
    now: number,
  ): EntryFault | { envelope: EventEnvelope; bus: string } => {
    const source = requiredString(entry, 'Source');
    if (source === undefined) return invalidArgument('Source', 'Source is a required argument.');
    const detailType = requiredString(entry, 'DetailType');
    if (detailType === undefined) {
      return invalidArgument('DetailType', 'DetailType is a required argument.');
    }
    const detailText = requiredString(entry, 'Detail');
    if (detailText === undefined)
      return invalidArgument('Detail', 'Detail is a required argument.');
    let detail: unknown;
    try {
      detail = JSON.parse(detailText);
    } catch {
      detail = undefined;
    }
    if (!isPlainObject(detail)) {
      return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
    }
    const resources = entry.Resources ?? [];
    if (!Array.isArray(resources) || !resources.every((item) => typeof item === 'string')) {
      return invalidArgument('Resources', 'Resources must be a list of strings.');
    }
    let time = now;
    if (entry.Time !== undefined && entry.Time !== null) {
      const parsed = entryTimeMs(entry.Time);
      if (parsed === undefined) return invalidArgument('Time', 'Time is not a valid timestamp.');
      time = parsed;
    }
    const busName = entry.EventBusName ?? DEFAULT_BUS;
    const bus = typeof busName === 'string' ? resolveBus(busName) : undefined;
    if (bus === undefined) {
      return invalidArgument('EventBusName', `Event bus ${String(busName)} does not exist.`);
    }
    const fault = options.faults?.entry?.(entry, index);
    if (fault) return fault;
    return {
      bus,
      envelope: {
        version: '0',
        id: randomUUID(),
        'detail-type': detailType,
        source,
        account,
        time: envelopeTime(time),
        region,
        resources: resources as string[],
        detail,
      },
    };
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log.error('local event bus: request failed', { error });
      if (!response.headersSent) {
        sendError(response, new ServiceError('InternalException', 'Internal error', 500));
      } else {
        response.destroy();
      }
    });
  });

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      await drain(request);
      const operation = typeof target === 'string' ? target : `${request.method} ${request.url}`;
      sendError(
        response,
        new ServiceError(
          'UnknownOperationException',
          `The local event bus only implements AWSEvents.PutEvents, not ${operation}`,
        ),
      );
      return;
    }
    let body: unknown;
    try {
      const text = await readBody(request);
      body = JSON.parse(text === '' ? '{}' : text);
    } catch (error) {
      sendError(
        response,
        error instanceof ServiceError
          ? error
          : new ServiceError('SerializationException', 'The request body is not valid JSON'),
      );
      return;
    }
    try {
      sendJson(response, 200, await putEvents(body));
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      sendError(response, error);
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([events.close(), ...rules.map((rule) => rule.writer.close())]);
    })();
    return stopped;
  };

  return { endpoint: `http://127.0.0.1:${port}`, port, stats: () => ({ ...stats }), stop };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        reject(new ServiceError('ValidationException', 'The request is too large', 413));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function drain(request: IncomingMessage): Promise<void> {
  request.resume();
  await new Promise<void>((resolve) => {
    request.on('end', resolve);
    request.on('error', () => resolve());
  });
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: ServiceError): void {
  response.setHeader('x-amzn-ErrorType', error.type);
  sendJson(response, error.statusCode, { __type: error.type, message: error.message });
}
