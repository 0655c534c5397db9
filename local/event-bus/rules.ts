/**
 * The buses and rules of the local event bus: checked once at start, then matched against every
 * accepted event.
 */
import { join } from 'node:path';
import { JsonLinesWriter } from '../json-lines.js';
import { compilePattern, type EventMatcher } from './pattern.js';
import type { AcceptedEvent } from './put-events.js';

/** The bus every AWS account has. */
export const DEFAULT_BUS = 'default';
/** EventBridge's rule-name characters; longer than its 64 so template logical ids fit too. */
const RULE_NAME = /^[.\-_A-Za-z0-9]{1,200}$/;

export interface EventRule {
  /** The rule name; its matches go to `rules/<name>.jsonl`. */
  name: string;
  /** The bus the rule belongs to, by name or ARN. */
  eventBusName: string;
  /** The event pattern, as an object or as the JSON text `PutRule` takes. */
  pattern: unknown;
}

/** The buses or rules given at start are not ones EventBridge would accept. */
export class EventBusConfigError extends Error {
  override readonly name = 'EventBusConfigError';
}

/** A rule ready to match: its resolved bus, its compiled pattern and the file of its matches. */
export interface CompiledRule {
  name: string;
  bus: string;
  matches: EventMatcher;
  writer: JsonLinesWriter;
}

/** Answers the bus a name or ARN refers to, or `undefined` when there is no such bus here. */
export type BusResolver = (nameOrArn: string) => string | undefined;

/** Resolves names and ARNs of this account and region; `default` always exists. */
export function busResolver(
  account: string,
  region: string,
  customBuses: readonly string[],
): BusResolver {
  const buses = new Set([DEFAULT_BUS, ...customBuses]);
  const busArnPrefix = `arn:aws:events:${region}:${account}:event-bus/`;
  return (nameOrArn) => {
    const name = nameOrArn.startsWith('arn:')
      ? nameOrArn.startsWith(busArnPrefix)
        ? nameOrArn.slice(busArnPrefix.length)
        : undefined
      : nameOrArn;
    return name !== undefined && buses.has(name) ? name : undefined;
  };
}

/**
 * Checks and compiles the rules, each writing to `<dataDir>/rules/<name>.jsonl`.
 *
 * @throws {@link EventBusConfigError} naming the rule, for a bad name, a name used twice, an
 *   unknown bus or a pattern EventBridge would refuse.
 */
export function compileRules(
  rules: readonly EventRule[],
  resolveBus: BusResolver,
  dataDir: string,
): CompiledRule[] {
  const seenRules = new Set<string>();
  return rules.map((rule) => {
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
      writer: new JsonLinesWriter(join(dataDir, 'rules', `${rule.name}.jsonl`)),
    };
  });
}

/**
 * Appends the accepted envelopes to the event log, and to each rule's file those of its bus that
 * it matches. Resolves once every line is on disk.
 */
export async function deliverToRules(
  accepted: readonly AcceptedEvent[],
  rules: readonly CompiledRule[],
  events: JsonLinesWriter,
): Promise<void> {
  const writes = [events.appendAll(accepted.map(({ envelope }) => envelope))];
  for (const rule of rules) {
    const matched = accepted
      .filter(({ envelope, bus }) => bus === rule.bus && rule.matches(envelope))
      .map(({ envelope }) => envelope);
    if (matched.length > 0) writes.push(rule.writer.appendAll(matched));
  }
  await Promise.all(writes);
}
