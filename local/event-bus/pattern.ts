/**
 * Amazon EventBridge event-pattern matching for the local stack, following the EventBridge user
 * guide ("Amazon EventBridge event patterns", "Content filtering in Amazon EventBridge event
 * patterns", "Arrays in EventBridge event patterns", "Matching null values and empty strings").
 *
 * A pattern is validated and compiled once into closures; matching an event walks only the fields
 * the pattern names and allocates nothing for ASCII text and JSON numbers. This module is the entry
 * point; the compiler's pieces live in `pattern/`: `compile.ts` (objects, nesting, `$or`, leaf
 * arrays), `operators.ts` (match expressions), `strings.ts` (case folding, wildcards), `cidr.ts`
 * (IP networks) and `shared.ts`.
 *
 * Where the guide is silent, the behaviour below follows Event Ruler, the matching library
 * EventBridge is built on, and its documented examples:
 * - an event array is a set of candidate values, for every operator (so `anything-but` matches an
 *   array holding at least one value it does not exclude);
 * - `exists` only sees leaf values: an object, or an array with no scalar in it, counts as absent,
 *   so `exists: false` matches it;
 * - a nested pattern is checked against each object of an event array on its own, so fields taken
 *   from two different elements never combine into one match.
 *
 * Known differences from the service: numbers are compared as JavaScript numbers, so 300 and 300.0
 * are equal (the parsed event cannot tell them apart); field names are never split on dots; and
 * the service's limits on numeric magnitude, wildcard complexity and rule combinations are not
 * enforced.
 */
import type { JsonObject } from '../../lib/reviews/json.js';
import { compileObject } from './pattern/compile.js';
import { InvalidEventPattern, isPlainObject } from './pattern/shared.js';

export { InvalidEventPattern } from './pattern/shared.js';

/** An EventBridge event pattern: a JSON object shaped like the events it matches. */
export type EventPattern = JsonObject;

/** A compiled pattern: tells whether a full EventBridge envelope matches. */
export type EventMatcher = (event: Record<string, unknown>) => boolean;

/**
 * Validates an event pattern and compiles it into a matcher.
 *
 * @param pattern - The pattern as a parsed JSON object, or as the JSON text that `PutRule` takes.
 * @returns A function that tells whether an event envelope (`source`, `detail-type`, `detail`,
 *   `resources`, ...) matches. Compile once and reuse it: the returned function does no validation.
 * @throws {@link InvalidEventPattern} when the pattern is malformed, naming the offending path.
 */
export function compilePattern(pattern: unknown): EventMatcher {
  const root = typeof pattern === 'string' ? parseJson(pattern) : pattern;
  if (!isPlainObject(root)) throw new InvalidEventPattern('', 'a pattern must be a JSON object');
  const matchRoot = compileObject(root, '', false);
  return (event) => matchRoot(event);
}

/**
 * Tells whether `event` matches `pattern`. Validates and compiles the pattern on every call; use
 * {@link compilePattern} when the same pattern is checked against many events.
 *
 * @throws {@link InvalidEventPattern} when the pattern is malformed.
 */
export function matchesPattern(pattern: unknown, event: Record<string, unknown>): boolean {
  return compilePattern(pattern)(event);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidEventPattern('', 'the pattern is not valid JSON');
  }
}
