import { ConfigError } from '../lib/errors.js';
import type { EventBusFaults } from './event-bus/server.js';

/**
 * Fault injection for the local stack (`FAULTS`, off by default), to prove the pipeline's retry
 * and idempotency design under the failures AWS produces:
 *
 *   FAULTS=putevents_entry_failure=0.2,putevents_throttle=0.1,dynamodb_throttle=0.05,poison=POISON,seed=7
 *
 * - `putevents_entry_failure`: probability that the bus fails an entry with `InternalFailure`;
 * - `putevents_throttle`: probability that the bus throttles a whole PutEvents call;
 * - `dynamodb_throttle`: probability that a function's DynamoDB request is throttled
 *   (`ProvisionedThroughputExceededException`, which the SDK retries);
 * - `poison`: the workflow crashes on any batch holding a review of an attempt whose code contains
 *   this text, so the record exhausts its retries and goes to the dead letters;
 * - `seed`: makes the random choices repeatable.
 */
export interface Faults {
  putEventsEntryFailure: number;
  putEventsThrottle: number;
  dynamoDbThrottle: number;
  poison: string | undefined;
  random: () => number;
}

export const NO_FAULTS: Faults = {
  putEventsEntryFailure: 0,
  putEventsThrottle: 0,
  dynamoDbThrottle: 0,
  poison: undefined,
  random: Math.random,
};

const PROBABILITIES = {
  putevents_entry_failure: 'putEventsEntryFailure',
  putevents_throttle: 'putEventsThrottle',
  dynamodb_throttle: 'dynamoDbThrottle',
} as const;

/** A small seeded generator (mulberry32): repeatable runs without a dependency. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseFaults(value: string | undefined): Faults {
  if (!value || value.trim() === '' || value.trim() === 'none') return NO_FAULTS;
  const faults = { ...NO_FAULTS };
  for (const part of value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)) {
    const [name = '', setting = ''] = part.split('=', 2).map((item) => item.trim());
    if (name in PROBABILITIES) {
      const probability = Number(setting);
      if (setting === '' || !Number.isFinite(probability) || probability < 0 || probability > 1) {
        throw new ConfigError(`FAULTS ${name} must be a probability from 0 to 1, got "${setting}"`);
      }
      faults[PROBABILITIES[name as keyof typeof PROBABILITIES]] = probability;
    } else if (name === 'poison') {
      if (!setting)
        throw new ConfigError('FAULTS poison needs the text that marks a poison attempt code');
      faults.poison = setting;
    } else if (name === 'seed') {
      if (!/^\d+$/.test(setting))
        throw new ConfigError(`FAULTS seed must be a whole number, got "${setting}"`);
      faults.random = seededRandom(Number(setting));
    } else {
      throw new ConfigError(
        `FAULTS has an unknown fault "${name}" (known: ${[...Object.keys(PROBABILITIES), 'poison', 'seed'].join(', ')})`,
      );
    }
  }
  return faults;
}

export function faultsActive(faults: Faults): boolean {
  return (
    faults.putEventsEntryFailure > 0 ||
    faults.putEventsThrottle > 0 ||
    faults.dynamoDbThrottle > 0 ||
    faults.poison !== undefined
  );
}

/** The local event bus's hooks for the `putevents_*` faults. */
export function eventBusFaults(faults: Faults): EventBusFaults {
  return {
    entry: () =>
      faults.putEventsEntryFailure > 0 && faults.random() < faults.putEventsEntryFailure
        ? { errorCode: 'InternalFailure', errorMessage: 'Injected fault: internal failure' }
        : undefined,
    throttle: () => faults.putEventsThrottle > 0 && faults.random() < faults.putEventsThrottle,
  };
}
