/**
 * The structure of a pattern: objects, nesting into event arrays, `$or`, and the leaf arrays whose
 * values and match expressions OR together.
 */
import { ABSENT, compileOperator, EXISTS, OPERATORS } from './operators.js';
import {
  describe,
  type Field,
  fail,
  fieldPath,
  finiteNumber,
  isPlainObject,
  isScalar,
  type NodeMatcher,
  type Predicate,
  type Scalar,
} from './shared.js';

/**
 * Compiles the fields of one pattern object. The result checks the event node at the same level;
 * a node that is not an object simply has none of the fields.
 */
export function compileObject(
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
