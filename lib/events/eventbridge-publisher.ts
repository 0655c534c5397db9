import { setTimeout as sleep } from 'node:timers/promises';
import {
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { isTransientAwsError } from '../aws-clients.js';
import type { Logger } from '../log.js';
import { createMetrics, type Metrics } from '../metrics.js';
import type { WorkflowEvent } from './schemas.js';

/** The one call the publisher makes; an `EventBridgeClient` satisfies it, and so can a test fake. */
export interface PutEventsSender {
  send(command: PutEventsCommand): Promise<PutEventsCommandOutput>;
}

export interface EventBridgePublisherOptions {
  client: PutEventsSender;
  eventBusName: string;
  source: string;
  log: Logger;
  metrics?: Metrics;
  /** PutEvents calls per chunk before giving up (the first one included). */
  maxAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** PutEvents limits: 10 entries per call, and a call's entries must total less than 256 KB. */
export const MAX_ENTRIES_PER_CALL = 10;
export const MAX_CALL_BYTES = 256 * 1024;

/** Entries still not accepted when the publisher gave up (the CDK app alarms on it). */
export const FAILED_ENTRIES_METRIC = 'PutEventsFailedEntries';
/** Entries a call did not get accepted and that were retried (throttling, internal failures). */
export const RETRIED_ENTRIES_METRIC = 'PutEventsRetriedEntries';

/** Per-entry error codes that say the same entry may succeed later (PutEvents API reference). */
const RETRYABLE_ENTRY_CODES = new Set(['InternalFailure', 'ThrottlingException']);

/** Per-entry error codes that no retry can fix. Unknown codes are retried. */
const PERMANENT_ENTRY_CODES = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

/** Some events could not be put on the bus; the stream record must fail so it is retried. */
export class EventsNotPublished extends Error {
  override readonly name = 'EventsNotPublished';
  constructor(
    readonly failures: readonly EntryFailure[],
    attempts: number,
  ) {
    const codes = [...new Set(failures.map((failure) => failure.errorCode))].join(', ');
    super(
      `${failures.length} event(s) not accepted by EventBridge after ${attempts} attempt(s): ${codes}`,
    );
  }
}

/** One event is larger than a PutEvents entry may be; no retry can send it. */
export class EventTooLarge extends Error {
  override readonly name = 'EventTooLarge';
  constructor(detailType: string, bytes: number) {
    super(`A ${detailType} event of ${bytes} bytes exceeds the PutEvents entry limit`);
  }
}

export interface EntryFailure {
  detailType: string;
  eventId: string;
  errorCode: string;
  errorMessage: string | undefined;
}

interface Pending {
  entry: PutEventsRequestEntry;
  event: WorkflowEvent;
  /** Which group (a revision's events) the entry belongs to. */
  group: number;
}

/** An entry that was not accepted, and whether sending it again may help. */
interface Rejection {
  item: Pending;
  failure: EntryFailure;
  retryable: boolean;
}

/** What `publishGroups` could not publish: each failed group's index, and why. */
export type GroupFailures = ReadonlyMap<number, EventsNotPublished>;

const utf8Bytes = (text: string | undefined) => (text ? Buffer.byteLength(text, 'utf8') : 0);

/** An entry's size as EventBridge counts it ("Calculating PutEvents event entry size"). */
export function entrySize(entry: PutEventsRequestEntry): number {
  return (
    (entry.Time ? 14 : 0) +
    utf8Bytes(entry.Source) +
    utf8Bytes(entry.DetailType) +
    utf8Bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((total, resource) => total + utf8Bytes(resource), 0)
  );
}

export function toEntry(
  event: WorkflowEvent,
  target: { source: string; eventBusName: string },
): PutEventsRequestEntry {
  return {
    EventBusName: target.eventBusName,
    Source: target.source,
    DetailType: event.detailType,
    Detail: JSON.stringify(event.detail),
    Time: new Date(event.time),
  };
}

/** Splits entries, in order, into calls of at most 10 entries and less than 256 KB each. */
export function chunkEntries<T>(items: readonly T[], entryOf: (item: T) => PutEventsRequestEntry) {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const entry = entryOf(item);
    const size = entrySize(entry);
    if (size >= MAX_CALL_BYTES) throw new EventTooLarge(entry.DetailType ?? 'unknown', size);
    if (current.length === MAX_ENTRIES_PER_CALL || bytes + size >= MAX_CALL_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function isRetryableEntryCode(code: string): boolean {
  return RETRYABLE_ENTRY_CODES.has(code) || !PERMANENT_ENTRY_CODES.has(code);
}

/**
 * Puts workflow events on an EventBridge bus, packing the events of many revisions into as few
 * PutEvents calls as the limits allow (10 entries, 256 KB), in the order given, one call at a
 * time so that an attempt's events reach the bus in revision order. Entries that fail
 * (`FailedEntryCount`, a per-entry `ErrorCode`) and calls that fail as a whole with a throttling or
 * transient error are sent again, together, with capped exponential backoff and full jitter;
 * whatever still fails, or fails permanently, fails its group. Every round that leaves entries
 * unaccepted is logged and counted: in `PutEventsRetriedEntries` while a retry follows, in
 * `PutEventsFailedEntries` when the publisher gives up.
 *
 * It is the workflow's `EventPublisher` by shape: `lib/events` does not import the workflow.
 */
export class EventBridgePublisher {
  private readonly options: EventBridgePublisherOptions;
  private readonly metrics: Metrics;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(options: EventBridgePublisherOptions) {
    this.options = options;
    this.metrics = options.metrics ?? createMetrics();
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 4);
    this.baseDelayMs = options.baseDelayMs ?? 100;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
    this.random = options.random ?? Math.random;
  }

  /** Publishes one revision's events; resolves once every one was accepted, throws otherwise. */
  async publish(events: readonly WorkflowEvent[]): Promise<void> {
    for (const event of events) {
      const size = entrySize(toEntry(event, this.options));
      if (size >= MAX_CALL_BYTES) throw new EventTooLarge(event.detailType, size);
    }
    const failed = (await this.publishGroups([events])).get(0);
    if (failed) throw failed;
  }

  /**
   * Publishes the events of several groups (one per revision) together. Never rejects for events
   * EventBridge refused: the answer maps each group that has an event not accepted to the error
   * that says which and why. Once a group has failed for good, its other entries are not sent
   * again (the group will be retried as a whole).
   */
  async publishGroups(groups: readonly (readonly WorkflowEvent[])[]): Promise<GroupFailures> {
    const failures = new Map<number, EntryFailure[]>();
    const attemptsOf = new Map<number, number>();
    let pending: Pending[] = [];
    groups.forEach((events, group) => {
      for (const event of events) {
        const entry = toEntry(event, this.options);
        const size = entrySize(entry);
        if (size >= MAX_CALL_BYTES) {
          const tooLarge = new EventTooLarge(event.detailType, size);
          const failure = failureOf({ entry, event, group }, tooLarge.name, tooLarge.message);
          failures.set(group, [...(failures.get(group) ?? []), failure]);
          attemptsOf.set(group, 0);
        } else {
          pending.push({ entry, event, group });
        }
      }
    });
    pending = pending.filter((item) => !failures.has(item.group));

    for (let attempt = 1; pending.length > 0; attempt++) {
      const rejected: Rejection[] = [];
      for (const chunk of chunkEntries(pending, (item) => item.entry)) {
        rejected.push(...(await this.put(chunk)));
      }
      if (rejected.length === 0) break;

      const lastAttempt = attempt >= this.maxAttempts;
      // A group with an entry that cannot succeed (or out of attempts) fails as a whole, with
      // every entry of it that was refused; it is retried as a whole later, so none is resent.
      const failing = new Set(
        rejected
          .filter((rejection) => lastAttempt || !rejection.retryable)
          .map((rejection) => rejection.item.group),
      );
      const givingUp = rejected.filter((rejection) => failing.has(rejection.item.group));
      const retrying = rejected.filter((rejection) => !failing.has(rejection.item.group));
      for (const { item, failure } of givingUp) {
        failures.set(item.group, [...(failures.get(item.group) ?? []), failure]);
        attemptsOf.set(item.group, attempt);
      }
      this.report(
        attempt,
        givingUp,
        FAILED_ENTRIES_METRIC,
        // Stryker disable next-line StringLiteral: log text only
        'events not accepted by EventBridge; giving up',
      );
      this.report(
        attempt,
        retrying,
        RETRIED_ENTRIES_METRIC,
        // Stryker disable next-line StringLiteral: log text only
        'events not accepted by EventBridge; retrying',
      );
      if (retrying.length === 0) break;
      await this.sleep(this.backoff(attempt));
      pending = retrying.map((rejection) => rejection.item);
    }

    return new Map(
      [...failures].map(([group, groupFailures]) => [
        group,
        new EventsNotPublished(groupFailures, attemptsOf.get(group) ?? 0),
      ]),
    );
  }

  private report(attempt: number, rejections: Rejection[], metric: string, message: string) {
    if (rejections.length === 0) return;
    const failures = rejections.map((rejection) => rejection.failure);
    this.metrics.count(metric, rejections.length, {
      eventBusName: this.options.eventBusName,
      errorCodes: [...new Set(failures.map((failure) => failure.errorCode))],
    });
    const fields = { attempt, failures, eventBusName: this.options.eventBusName };
    if (metric === FAILED_ENTRIES_METRIC) this.options.log.error(message, fields);
    else this.options.log.warn(message, fields);
  }

  /** One PutEvents call: the entries it did not get accepted, and why. */
  private async put(chunk: Pending[]): Promise<Rejection[]> {
    let output: PutEventsCommandOutput;
    try {
      output = await this.options.client.send(
        new PutEventsCommand({ Entries: chunk.map((item) => item.entry) }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      const message = error instanceof Error ? error.message : String(error);
      const retryable = isTransientAwsError(error);
      return chunk.map((item) => ({ item, failure: failureOf(item, name, message), retryable }));
    }
    const results = output.Entries ?? [];
    const rejected: Rejection[] = [];
    chunk.forEach((item, index) => {
      const result = results[index];
      // Results come back in request order; one without an event id was not accepted, whatever
      // FailedEntryCount says, so it is never dropped silently.
      if (result?.EventId && !result.ErrorCode) return;
      const errorCode = result?.ErrorCode ?? 'MissingResult';
      rejected.push({
        item,
        failure: failureOf(item, errorCode, result?.ErrorMessage),
        retryable: isRetryableEntryCode(errorCode),
      });
    });
    return rejected;
  }

  /** Full jitter: a random pause up to the capped exponential bound. */
  private backoff(attempt: number): number {
    const bound = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * bound);
  }
}

function failureOf(
  item: Pending,
  errorCode: string,
  errorMessage: string | undefined,
): EntryFailure {
  return {
    detailType: item.event.detailType,
    eventId: item.event.detail.event_id,
    errorCode,
    errorMessage,
  };
}
