/** Match expressions: the operator objects of a leaf array (`prefix`, `numeric`, `cidr`, ...). */
import { compileCidr } from './cidr.js';
import {
  anyAccepts,
  describe,
  fail,
  finiteNumber,
  isPlainObject,
  type Predicate,
  requireString,
  type Scalar,
} from './shared.js';
import { caseInsensitive, compileWildcard } from './strings.js';

/** Operator names; EventBridge refuses them as field names inside `$or`, where they are a slip. */
export const OPERATORS = new Set([
  'anything-but',
  'cidr',
  'equals-ignore-case',
  'exists',
  'numeric',
  'prefix',
  'suffix',
  'wildcard',
]);

export const EXISTS = Symbol('exists');
export const ABSENT = Symbol('absent');

export function compileOperator(
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
