import { randomUUID } from 'node:crypto';
import {
  EventBridgeServiceException,
  PutEventsCommand,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
  type PutEventsResultEntry,
} from '@aws-sdk/client-eventbridge';
import type { PutEventsSender } from '../../lib/events/eventbridge-publisher.js';

/** What a test can read back from an accepted entry. */
export interface PublishedEvent {
  source: string | undefined;
  detailType: string | undefined;
  eventBusName: string | undefined;
  time: string | undefined;
  detail: Record<string, unknown>;
}

type EntrySelector = (detail: Record<string, unknown>, entry: PutEventsRequestEntry) => boolean;

interface FailureRule {
  select: EntrySelector;
  errorCode: string;
  /** Calls left in which the rule may still fail entries. */
  calls: number;
}

/**
 * An in-process stand-in for EventBridge's PutEvents. It enforces the call limits the real
 * service does (10 entries), records every call and every accepted entry, and can be told to
 * throttle whole calls or to fail chosen entries, as PutEvents does with `FailedEntryCount`.
 */
export class FakeEventBridge implements PutEventsSender {
  /** The entries of every call, accepted or not, in call order. */
  readonly calls: PutEventsRequestEntry[][] = [];
  /** Every entry the bus accepted, in order. */
  readonly accepted: PutEventsRequestEntry[] = [];
  private throttledCalls = 0;
  private readonly callErrors: { name: string; status: number }[] = [];
  private readonly rules: FailureRule[] = [];

  /** The next `calls` calls fail as a whole with `ThrottlingException`. */
  throttle(calls = 1): this {
    this.throttledCalls += calls;
    return this;
  }

  /** The next call fails as a whole with the named error and HTTP status. */
  failCall(name: string, status: number): this {
    this.callErrors.push({ name, status });
    return this;
  }

  /**
   * Entries matching `select` fail with `errorCode`, in the next `calls` calls that hold such an
   * entry (default: every call).
   */
  failEntries(select: EntrySelector, options: { errorCode?: string; calls?: number } = {}): this {
    this.rules.push({
      select,
      errorCode: options.errorCode ?? 'InternalFailure',
      calls: options.calls ?? Number.POSITIVE_INFINITY,
    });
    return this;
  }

  /** Stops every failure rule and throttle. */
  heal(): this {
    this.rules.length = 0;
    this.callErrors.length = 0;
    this.throttledCalls = 0;
    return this;
  }

  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    if (!(command instanceof PutEventsCommand))
      throw new Error('FakeEventBridge only does PutEvents');
    const entries = command.input.Entries ?? [];
    this.calls.push(structuredClone(entries));
    if (entries.length === 0 || entries.length > 10) {
      throw serviceError('ValidationException', 'Entries must hold 1 to 10 entries', 400);
    }
    if (this.throttledCalls > 0) {
      this.throttledCalls--;
      throw serviceError('ThrottlingException', 'Rate exceeded', 400, true);
    }
    const callError = this.callErrors.shift();
    if (callError)
      throw serviceError(callError.name, `Injected ${callError.name}`, callError.status);
    const active = this.rules.filter((rule) => rule.calls > 0);
    const used = new Set<FailureRule>();

    let failed = 0;
    const results = entries.map((entry): PutEventsResultEntry => {
      const detail = JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>;
      const rule = active.find((candidate) => candidate.select(detail, entry));
      if (rule) {
        used.add(rule);
        failed++;
        return { ErrorCode: rule.errorCode, ErrorMessage: `Injected ${rule.errorCode}` };
      }
      this.accepted.push(structuredClone(entry));
      return { EventId: randomUUID() };
    });
    for (const rule of used) rule.calls--;
    return { $metadata: { httpStatusCode: 200 }, FailedEntryCount: failed, Entries: results };
  }

  /** The accepted events, parsed, optionally of one detail-type only. */
  published(detailType?: string): PublishedEvent[] {
    return this.accepted
      .filter((entry) => detailType === undefined || entry.DetailType === detailType)
      .map(toPublished);
  }
}

export function toPublished(entry: PutEventsRequestEntry): PublishedEvent {
  return {
    source: entry.Source,
    detailType: entry.DetailType,
    eventBusName: entry.EventBusName,
    time: entry.Time?.toISOString(),
    detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>,
  };
}

function serviceError(name: string, message: string, status: number, throttling = false) {
  const error = new EventBridgeServiceException({
    name,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
  if (throttling) Object.assign(error, { $retryable: { throttling: true } });
  return error;
}
