/**
 * Amazon EventBridge event-pattern matching for the local stack, following the EventBridge user
 * guide ("Amazon EventBridge event patterns", "Content filtering in Amazon EventBridge event
 * patterns", "Arrays in EventBridge event patterns", "Matching null values and empty strings").
 *
 * A pattern is validated and compiled once into closures; matching an event walks only the fields
 * the pattern names and allocates nothing for ASCII text, JSON numbers and IP addresses.
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

/** An EventBridge event pattern: a JSON object shaped like the events it matches. */
export type EventPattern = JsonObject;

/** A compiled pattern: tells whether a full EventBridge envelope matches. */
export type EventMatcher = (event: Record<string, unknown>) => boolean;

/** The pattern is not one EventBridge would accept; `path` names the offending part. */
export class InvalidEventPattern extends Error {
  override readonly name = 'InvalidEventPattern';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(
      path === ''
        ? `Invalid event pattern: ${reason}`
        : `Invalid event pattern at ${path}: ${reason}`,
    );
  }
}

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

type Scalar = string | number | boolean | null;
/** Tests one scalar of the event against one match expression. */
type Predicate = (value: Scalar) => boolean;
/** Tests the event value found at some path (possibly `undefined`, an object or an array). */
type NodeMatcher = (node: unknown) => boolean;
type Field = { readonly key: string; readonly match: NodeMatcher };

/** Operator names; EventBridge refuses them as field names inside `$or`, where they are a slip. */
const OPERATORS = new Set([
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exists',
  'numeric',
  'prefix',
  'suffix',
  'wildcard',
]);

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidEventPattern('', 'the pattern is not valid JSON');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  const type = typeof value;
  return value === null || type === 'string' || type === 'number' || type === 'boolean';
}

function fail(path: string, reason: string): never {
  throw new InvalidEventPattern(path, reason);
}

function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Objects, nesting and $or

/**
 * Compiles the fields of one pattern object. The result checks the event node at the same level;
 * a node that is not an object simply has none of the fields.
 */
function compileObject(
  pattern: Record<string, unknown>,
  path: string,
  insideOr: boolean,
): NodeMatcher {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(path, 'empty objects are not allowed');

  const leaves: Field[] = [];
  const nested: Field[] = [];
  const alternatives: NodeMatcher[][] = [];
  for (const key of keys) {
    const value = pattern[key];
    const at = fieldPath(path, key);
    if (key === '$or') {
      alternatives.push(compileOr(value, at));
    } else if (insideOr && OPERATORS.has(key)) {
      fail(at, `"${key}" is an operator, not a field name; inside $or wrap it in a field's array`);
    } else if (Array.isArray(value)) {
      leaves.push({ key, match: compileLeaf(value, at) });
    } else if (isPlainObject(value)) {
      nested.push({ key, match: descend(compileObject(value, at, insideOr)) });
    } else {
      fail(at, `must be an array of match values or a nested object, got ${describe(value)}`);
    }
  }
  // Leaves first: they are the cheapest checks and the likeliest to reject an event.
  const fields = [...leaves, ...nested];

  return (node) => {
    const object = isPlainObject(node) ? node : undefined;
    for (const field of fields) {
      const value =
        object !== undefined && Object.hasOwn(object, field.key) ? object[field.key] : undefined;
      if (!field.match(value)) return false;
    }
    for (const group of alternatives) {
      if (!anyMatches(group, node)) return false;
    }
    return true;
  };
}

function anyMatches(group: readonly NodeMatcher[], node: unknown): boolean {
  for (const alternative of group) {
    if (alternative(node)) return true;
  }
  return false;
}

function compileOr(value: unknown, path: string): NodeMatcher[] {
  if (!Array.isArray(value) || value.length < 2) {
    fail(path, 'must be an array of at least two pattern objects');
  }
  return value.map((alternative, index) => {
    const at = `${path}[${index}]`;
    if (!isPlainObject(alternative)) fail(at, 'each $or alternative must be a pattern object');
    return compileObject(alternative, at, true);
  });
}

/**
 * Applies a nested pattern to the event value under a key. An array in the event matches when any
 * of its elements does (nested arrays are flattened); an empty array holds nothing, like a missing
 * field.
 */
function descend(matchHere: NodeMatcher): NodeMatcher {
  const matchNode = (node: unknown): boolean => {
    if (!Array.isArray(node)) return matchHere(node);
    if (node.length === 0) return matchHere(undefined);
    for (const element of node) {
      if (matchNode(element)) return true;
    }
    return false;
  };
  return matchNode;
}

// ---------------------------------------------------------------------------------------------
// Leaves

const NO_LEAF = 0;
const LEAF_SEEN = 1;
const LEAF_MATCHED = 2;

/** Compiles a leaf array: its values and match expressions OR together. */
function compileLeaf(values: readonly unknown[], path: string): NodeMatcher {
  if (values.length === 0) fail(path, 'empty arrays are not allowed');

  const strings = new Set<string>();
  const numbers = new Set<number>();
  const predicates: Predicate[] = [];
  let matchNull = false;
  let matchTrue = false;
  let matchFalse = false;
  let existsTrue = false;
  let existsFalse = false;

  values.forEach((value, index) => {
    const at = `${path}[${index}]`;
    if (value === null) matchNull = true;
    else if (typeof value === 'string') strings.add(value);
    else if (typeof value === 'number') numbers.add(finiteNumber(value, at));
    else if (typeof value === 'boolean') {
      if (value) matchTrue = true;
      else matchFalse = true;
    } else if (isPlainObject(value)) {
      const operator = compileOperator(value, at);
      if (operator === EXISTS) existsTrue = true;
      else if (operator === ABSENT) existsFalse = true;
      else predicates.push(operator);
    } else {
      fail(at, 'match values must be strings, numbers, true, false, null or operator objects');
    }
  });

  const matchScalar = (value: Scalar): boolean => {
    if (typeof value === 'string') {
      if (strings.has(value)) return true;
    } else if (typeof value === 'number') {
      if (numbers.has(value)) return true;
    } else if (value === null) {
      if (matchNull) return true;
    } else if (value ? matchTrue : matchFalse) {
      return true;
    }
    for (const predicate of predicates) {
      if (predicate(value)) return true;
    }
    return false;
  };

  // Walks an event array (and arrays inside it) for scalars; objects in it are not leaves here.
  const scan = (array: readonly unknown[]): number => {
    let result = NO_LEAF;
    for (const element of array) {
      if (isScalar(element)) {
        if (existsTrue || matchScalar(element)) return LEAF_MATCHED;
        result = LEAF_SEEN;
      } else if (Array.isArray(element)) {
        const inner = scan(element);
        if (inner === LEAF_MATCHED) return LEAF_MATCHED;
        if (inner === LEAF_SEEN) result = LEAF_SEEN;
      }
    }
    return result;
  };

  return (value) => {
    if (value === undefined) return existsFalse;
    if (isScalar(value)) return existsTrue || matchScalar(value);
    if (Array.isArray(value)) {
      const result = scan(value);
      return result === NO_LEAF ? existsFalse : result === LEAF_MATCHED;
    }
    // An object is an intermediate node: no leaf value lives at this path.
    return existsFalse;
  };
}

function finiteNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) fail(path, 'numbers must be finite');
  return value;
}

// ---------------------------------------------------------------------------------------------
// Match expressions

const EXISTS = Symbol('exists');
const ABSENT = Symbol('absent');

function compileOperator(
  expression: Record<string, unknown>,
  path: string,
): Predicate | typeof EXISTS | typeof ABSENT {
  const [name, ...others] = Object.keys(expression);
  if (name === undefined || others.length > 0) {
    fail(path, 'a match expression must have exactly one operator');
  }
  const argument = expression[name];
  const at = `${path}.${name}`;
  switch (name) {
    case 'prefix':
      return compileAffix(argument, at, 'prefix');
    case 'suffix':
      return compileAffix(argument, at, 'suffix');
    case 'equals-ignore-case': {
      const equals = caseInsensitive(requireString(argument, at), 'equals');
      return (value) => typeof value === 'string' && equals(value);
    }
    case 'wildcard': {
      const wildcard = compileWildcard(argument, at);
      return (value) => typeof value === 'string' && wildcard(value);
    }
    case 'anything-but':
      return compileAnythingBut(argument, at);
    case 'numeric':
      return compileNumeric(argument, at);
    case 'cidr':
      return compileCidr(argument, at);
    case 'exists':
      if (typeof argument !== 'boolean') fail(at, 'must be true or false');
      return argument ? EXISTS : ABSENT;
    default:
      return fail(path, `unknown operator "${name}"`);
  }
}

function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, `must be a string, got ${describe(value)}`);
  return value;
}

/** `prefix` / `suffix`, either a string or `{ "equals-ignore-case": string }`. */
function compileAffix(argument: unknown, path: string, mode: 'prefix' | 'suffix'): Predicate {
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      fail(path, 'the only operator allowed inside prefix/suffix is "equals-ignore-case"');
    }
    const affix = caseInsensitive(
      requireString(argument['equals-ignore-case'], `${path}.equals-ignore-case`),
      mode,
    );
    return (value) => typeof value === 'string' && affix(value);
  }
  const text = requireString(argument, path);
  return mode === 'prefix'
    ? (value) => typeof value === 'string' && value.startsWith(text)
    : (value) => typeof value === 'string' && value.endsWith(text);
}

/**
 * `anything-but`: matches every present value except the excluded ones, whatever their JSON type
 * (a number is not excluded by a string, and null is excluded by nothing).
 */
function compileAnythingBut(argument: unknown, path: string): Predicate {
  if (typeof argument === 'string') return (value) => value !== argument;
  if (typeof argument === 'number') {
    const excluded = finiteNumber(argument, path);
    return (value) => value !== excluded;
  }
  if (Array.isArray(argument)) {
    const excluded = new Set<Scalar>(anythingButList(argument, path));
    return (value) => !excluded.has(value);
  }
  if (!isPlainObject(argument)) {
    return fail(path, 'must be a string, a number, a list of them, or an operator object');
  }

  const [name, ...others] = Object.keys(argument);
  if (name === undefined || others.length > 0) {
    fail(path, 'an anything-but operator object must have exactly one operator');
  }
  const inner = argument[name];
  const at = `${path}.${name}`;
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const text = requireString(inner, at);
      if (text === '') fail(at, 'must not be empty');
      return name === 'prefix'
        ? (value) => !(typeof value === 'string' && value.startsWith(text))
        : (value) => !(typeof value === 'string' && value.endsWith(text));
    }
    case 'equals-ignore-case': {
      const excluded = stringOrStrings(inner, at).map((text) => caseInsensitive(text, 'equals'));
      return (value) => !(typeof value === 'string' && anyAccepts(excluded, value));
    }
    case 'wildcard': {
      const excluded = stringOrStrings(inner, at).map((text, index) =>
        compileWildcard(text, Array.isArray(inner) ? `${at}[${index}]` : at),
      );
      return (value) => !(typeof value === 'string' && anyAccepts(excluded, value));
    }
    default:
      return fail(path, `unsupported anything-but operator "${name}"`);
  }
}

function anythingButList(values: readonly unknown[], path: string): Scalar[] {
  if (values.length === 0) fail(path, 'empty arrays are not allowed');
  const allStrings = values.every((value) => typeof value === 'string');
  const allNumbers = values.every((value) => typeof value === 'number' && Number.isFinite(value));
  if (!allStrings && !allNumbers) {
    fail(path, 'an anything-but list must hold only strings or only numbers');
  }
  return values as Scalar[];
}

function stringOrStrings(value: unknown, path: string): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
    return value;
  }
  return fail(path, 'must be a string or a non-empty list of strings');
}

function anyAccepts(tests: readonly ((value: string) => boolean)[], value: string): boolean {
  for (const test of tests) {
    if (test(value)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Case-insensitive comparison

const FOLD_DIFFERENT = 0;
const FOLD_EQUAL = 1;
const FOLD_UNICODE = 2;

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 127) return false;
  }
  return true;
}

/**
 * Compares `value` from `offset` with an already lower-cased needle, folding ASCII letters in
 * place so the common case allocates nothing; answers FOLD_UNICODE when it meets non-ASCII text.
 */
function compareFolded(value: string, offset: number, lowerNeedle: string): number {
  for (let index = 0; index < lowerNeedle.length; index++) {
    let actual = value.charCodeAt(offset + index);
    const expected = lowerNeedle.charCodeAt(index);
    if (actual === expected) continue;
    if (actual > 127 || expected > 127) return FOLD_UNICODE;
    if (actual >= 65 && actual <= 90) actual += 32;
    if (actual !== expected) return FOLD_DIFFERENT;
  }
  return FOLD_EQUAL;
}

function caseInsensitive(
  needle: string,
  mode: 'equals' | 'prefix' | 'suffix',
): (value: string) => boolean {
  const lower = needle.toLowerCase();
  const asciiNeedle = isAscii(lower);
  return (value) => {
    const length = lower.length;
    const fits = mode === 'equals' ? value.length === length : value.length >= length;
    if (fits) {
      const result = compareFolded(value, mode === 'suffix' ? value.length - length : 0, lower);
      if (result !== FOLD_UNICODE) return result === FOLD_EQUAL;
    } else if (asciiNeedle && isAscii(value)) {
      return false;
    }
    // Non-ASCII text can change length when lower-cased, so only full lower-casing is exact.
    const folded = value.toLowerCase();
    if (mode === 'equals') return folded === lower;
    return mode === 'prefix' ? folded.startsWith(lower) : folded.endsWith(lower);
  };
}

// ---------------------------------------------------------------------------------------------
// Wildcards

/**
 * `*` matches any run of characters, including none; `\*` is a literal star and `\\` a literal
 * backslash. EventBridge refuses consecutive stars and any other backslash escape.
 */
function compileWildcard(argument: unknown, path: string): (value: string) => boolean {
  const source = requireString(argument, path);
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < source.length; index++) {
    const char = source.charAt(index);
    if (char === '\\') {
      const next = source.charAt(index + 1);
      if (next !== '*' && next !== '\\') {
        fail(path, `the backslash at position ${index} must escape "*" or "\\"`);
      }
      current += next;
      index++;
    } else if (char === '*') {
      if (source.charAt(index + 1) === '*') {
        fail(path, `consecutive wildcard characters at position ${index} are not allowed`);
      }
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);

  const head = parts[0] ?? '';
  if (parts.length === 1) return (value) => value === head;
  const tail = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1);
  const minimum = head.length + tail.length;
  return (value) => {
    if (value.length < minimum || !value.startsWith(head) || !value.endsWith(tail)) return false;
    // Leftmost placement of each middle part is optimal when the only wildcard is `*`.
    let position = head.length;
    const end = value.length - tail.length;
    for (const part of middle) {
      const found = value.indexOf(part, position);
      if (found < 0 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  };
}

// ---------------------------------------------------------------------------------------------
// Numeric

const NUMERIC_OPERATORS = new Set(['=', '<', '<=', '>', '>=']);

/** `numeric`: `[op, n]` or a range `[">" | ">=", low, "<" | "<=", high]`; JSON numbers only. */
function compileNumeric(argument: unknown, path: string): Predicate {
  if (!Array.isArray(argument) || (argument.length !== 2 && argument.length !== 4)) {
    return fail(path, 'must be [operator, number] or [">" or ">=", number, "<" or "<=", number]');
  }
  const [operator, operand, upperOperator, upperOperand] = argument as unknown[];
  if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) {
    fail(`${path}[0]`, `unrecognized numeric operator ${describe(operator)}`);
  }
  const bound = numericOperand(operand, `${path}[1]`);

  let low = Number.NEGATIVE_INFINITY;
  let lowInclusive = false;
  let high = Number.POSITIVE_INFINITY;
  let highInclusive = false;
  if (operator === '=') {
    low = bound;
    high = bound;
    lowInclusive = true;
    highInclusive = true;
  } else if (operator === '<' || operator === '<=') {
    high = bound;
    highInclusive = operator === '<=';
  } else {
    low = bound;
    lowInclusive = operator === '>=';
  }

  if (argument.length === 4) {
    if (operator !== '>' && operator !== '>=') {
      fail(`${path}[0]`, 'a numeric range must start with ">" or ">="');
    }
    if (upperOperator !== '<' && upperOperator !== '<=') {
      fail(
        `${path}[2]`,
        `a numeric range must end with "<" or "<=", got ${describe(upperOperator)}`,
      );
    }
    high = numericOperand(upperOperand, `${path}[3]`);
    highInclusive = upperOperator === '<=';
    if (!(low < high)) fail(path, 'the lower bound must be less than the upper bound');
  }

  return (value) =>
    typeof value === 'number' &&
    (lowInclusive ? value >= low : value > low) &&
    (highInclusive ? value <= high : value < high);
}

function numericOperand(value: unknown, path: string): number {
  if (typeof value !== 'number') fail(path, `must be a number, got ${describe(value)}`);
  return finiteNumber(value, path);
}

// ---------------------------------------------------------------------------------------------
// IP addresses

/** Reused for every IPv6 address parsed while matching, so matching allocates nothing. */
const scratchAddress = new Uint16Array(8);

/** `cidr`: an IPv4 or IPv6 network; matches string values holding an address of the same family. */
function compileCidr(argument: unknown, path: string): Predicate {
  const text = requireString(argument, path);
  const slash = text.indexOf('/');
  if (slash < 0 || slash !== text.lastIndexOf('/')) fail(path, 'a CIDR needs exactly one "/"');
  const maskText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(maskText)) fail(path, `mask bits must be an integer, got "${maskText}"`);
  const bits = Number(maskText);

  if (text.lastIndexOf(':', slash) < 0) {
    const network = parseIPv4(text, 0, slash);
    if (network < 0) fail(path, `"${text.slice(0, slash)}" is not an IPv4 address`);
    if (bits > 32) fail(path, `an IPv4 mask has at most 32 bits, got ${bits}`);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const masked = (network & mask) >>> 0;
    return (value) => {
      if (typeof value !== 'string') return false;
      const address = parseIPv4(value, 0, value.length);
      return address >= 0 && (address & mask) >>> 0 === masked;
    };
  }

  const network = new Uint16Array(8);
  if (!parseIPv6(text, 0, slash, network)) {
    fail(path, `"${text.slice(0, slash)}" is not an IPv6 address`);
  }
  if (bits > 128) fail(path, `an IPv6 mask has at most 128 bits, got ${bits}`);
  const masks = new Uint16Array(8);
  for (let group = 0; group < 8; group++) {
    const groupBits = Math.min(16, Math.max(0, bits - group * 16));
    masks[group] = groupBits === 0 ? 0 : (0xffff << (16 - groupBits)) & 0xffff;
    network[group] = (network[group] ?? 0) & (masks[group] ?? 0);
  }
  return (value) => {
    if (typeof value !== 'string' || !parseIPv6(value, 0, value.length, scratchAddress)) {
      return false;
    }
    for (let group = 0; group < 8; group++) {
      if (((scratchAddress[group] ?? 0) & (masks[group] ?? 0)) !== network[group]) return false;
    }
    return true;
  };
}

/** Dotted-quad IPv4 in `text[start, end)` as an unsigned 32-bit number, or -1. */
function parseIPv4(text: string, start: number, end: number): number {
  let address = 0;
  let octets = 0;
  let octet = 0;
  let digits = 0;
  for (let index = start; index <= end; index++) {
    const code = index < end ? text.charCodeAt(index) : 46; // the end closes the last octet
    if (code === 46) {
      if (digits === 0 || octets === 4) return -1;
      address = address * 256 + octet;
      octets++;
      octet = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57 && digits < 3) {
      octet = octet * 10 + (code - 48);
      digits++;
      if (octet > 255) return -1;
    } else {
      return -1;
    }
  }
  return octets === 4 ? address : -1;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * IPv6 in `text[start, end)` into eight 16-bit groups: hex groups, at most one `::`, and an
 * optional dotted IPv4 tail. Zone identifiers are not addresses and are refused.
 */
function parseIPv6(text: string, start: number, end: number, out: Uint16Array): boolean {
  let group = 0;
  let gapAt = -1;
  let index = start;
  if (end - start >= 2 && text.charCodeAt(index) === 58) {
    if (text.charCodeAt(index + 1) !== 58) return false;
    gapAt = 0;
    index += 2;
  }
  while (index < end) {
    if (group === 8) return false;
    let value = 0;
    let digits = 0;
    let cursor = index;
    while (cursor < end && digits <= 4) {
      const digit = hexDigit(text.charCodeAt(cursor));
      if (digit < 0) break;
      value = value * 16 + digit;
      digits++;
      cursor++;
    }
    if (cursor < end && text.charCodeAt(cursor) === 46) {
      if (group > 6) return false;
      const ipv4 = parseIPv4(text, index, end);
      if (ipv4 < 0) return false;
      out[group++] = Math.floor(ipv4 / 65536);
      out[group++] = ipv4 % 65536;
      index = end;
      break;
    }
    if (digits === 0 || digits > 4) return false;
    out[group++] = value;
    index = cursor;
    if (index === end) break;
    if (text.charCodeAt(index) !== 58) return false;
    index++;
    if (index < end && text.charCodeAt(index) === 58) {
      if (gapAt >= 0) return false;
      gapAt = group;
      index++;
    } else if (index === end) {
      return false;
    }
  }
  if (gapAt < 0) return group === 8;
  if (group === 8) return false;
  // Slide the groups after `::` to the end and zero the gap.
  const after = group - gapAt;
  for (let offset = 1; offset <= after; offset++) out[8 - offset] = out[group - offset] ?? 0;
  for (let position = gapAt; position < 8 - after; position++) out[position] = 0;
  return true;
}
