/**
 * `PutEvents` as the local bus answers it, apart from the HTTP around it: the checks that refuse a
 * whole call, the checks of each entry, and the envelope an accepted entry becomes (see the module
 * comment of `server.ts` for the rules followed).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../lib/log.js';
import type { JsonLinesWriter } from '../json-lines.js';
import { type BusResolver, type CompiledRule, DEFAULT_BUS, deliverToRules } from './rules.js';

export const MAX_ENTRIES_PER_CALL = 10;
/** The guide's limit on the summed size of a call's entries (256 KB). */
export const MAX_ENTRIES_BYTES = 256 * 1024;

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

/** An accepted entry: the envelope and the bus it was put on. */
export interface AcceptedEvent {
  envelope: EventEnvelope;
  bus: string;
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

export interface EventBusStats {
  /** PutEvents calls received, throttled ones included. */
  putEventsCalls: number;
  throttledCalls: number;
  /** Entries in calls that were not refused as a whole, and how many of those failed. */
  entries: number;
  failedEntries: number;
}

export type PutEventsResultEntry =
  | { EventId: string }
  | { ErrorCode: string; ErrorMessage: string };

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: PutEventsResultEntry[];
}

/**
 * A request the bus refuses as a whole, answered the AWS JSON 1.1 way: an HTTP status and
 * `{ "__type": type, "message": message }`.
 */
export class EventBusRequestError extends Error {
  override readonly name = 'EventBusRequestError';
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

/** What one `PutEvents` call needs from the bus it is made on. */
export interface PutEventsTarget {
  account: string;
  region: string;
  resolveBus: BusResolver;
  rules: readonly CompiledRule[];
  /** The log of every accepted envelope. */
  events: JsonLinesWriter;
  stats: EventBusStats;
  faults?: EventBusFaults | undefined;
  log: Logger;
}

/**
 * Answers one `PutEvents` body: every accepted entry is on disk, in the event log and in the file
 * of each rule it matches, before the result resolves.
 *
 * @throws {@link EventBusRequestError} when the call is throttled or refused as a whole.
 */
export async function putEvents(target: PutEventsTarget, body: unknown): Promise<PutEventsResult> {
  const { stats } = target;
  stats.putEventsCalls++;
  if (target.faults?.throttle?.()) {
    stats.throttledCalls++;
    throw new EventBusRequestError('ThrottlingException', 'Rate exceeded');
  }
  const entries = requestEntries(body);

  const now = Date.now();
  const accepted: AcceptedEvent[] = [];
  const results = entries.map((entry, index): PutEventsResultEntry => {
    const outcome = acceptEntry(target, entry, index, now);
    if ('errorCode' in outcome) {
      return { ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage };
    }
    accepted.push(outcome);
    return { EventId: outcome.envelope.id };
  });
  await deliverToRules(accepted, target.rules, target.events);

  const failed = results.length - accepted.length;
  stats.entries += results.length;
  stats.failedEntries += failed;
  target.log.debug('local event bus: PutEvents', { accepted: accepted.length, failed });
  return { FailedEntryCount: failed, Entries: results };
}

/**
 * The entries of a request body: 1 to 10 of them, weighing at most 256 KB together. An entry that
 * is not an object is kept as an empty one, so that it fails on its own.
 *
 * @throws {@link EventBusRequestError} (`ValidationException`) otherwise.
 */
export function requestEntries(body: unknown): PutEventsWireEntry[] {
  const entries = isPlainObject(body) ? body.Entries : undefined;
  if (!Array.isArray(entries)) {
    throw new EventBusRequestError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length < 1 || entries.length > MAX_ENTRIES_PER_CALL) {
    const bound =
      entries.length < 1
        ? 'greater than or equal to 1'
        : `less than or equal to ${MAX_ENTRIES_PER_CALL}`;
    throw new EventBusRequestError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  const wireEntries = entries.map((entry) => (isPlainObject(entry) ? entry : {}));
  const total = wireEntries.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (total > MAX_ENTRIES_BYTES) {
    throw new EventBusRequestError(
      'ValidationException',
      'Total size of the entries in the request is over the limit.',
    );
  }
  return wireEntries;
}

/** Checks one entry on its own; an accepted one becomes an envelope with a fresh id. */
function acceptEntry(
  target: PutEventsTarget,
  entry: PutEventsWireEntry,
  index: number,
  now: number,
): EntryFault | AcceptedEvent {
  const source = requiredString(entry, 'Source');
  if (source === undefined) return invalidArgument('Source', 'Source is a required argument.');
  const detailType = requiredString(entry, 'DetailType');
  if (detailType === undefined) {
    return invalidArgument('DetailType', 'DetailType is a required argument.');
  }
  const detailText = requiredString(entry, 'Detail');
  if (detailText === undefined) return invalidArgument('Detail', 'Detail is a required argument.');
  const detail = jsonObject(detailText);
  if (detail === undefined) {
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
  const bus = typeof busName === 'string' ? target.resolveBus(busName) : undefined;
  if (bus === undefined) {
    return invalidArgument('EventBusName', `Event bus ${String(busName)} does not exist.`);
  }
  const fault = target.faults?.entry?.(entry, index);
  if (fault) return fault;
  return {
    bus,
    envelope: {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: target.account,
      time: envelopeTime(time),
      region: target.region,
      resources: resources as string[],
      detail,
    },
  };
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

/** The JSON object `text` holds, or `undefined` when it is not JSON or not an object. */
function jsonObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isPlainObject(value) ? value : undefined;
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
