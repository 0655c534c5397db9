/** What the pieces of the pattern compiler share: the error, the compiled shapes and helpers. */

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

export type Scalar = string | number | boolean | null;
/** Tests one scalar of the event against one match expression. */
export type Predicate = (value: Scalar) => boolean;
/** Tests the event value found at some path (possibly `undefined`, an object or an array). */
export type NodeMatcher = (node: unknown) => boolean;
export type Field = { readonly key: string; readonly match: NodeMatcher };

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isScalar(value: unknown): value is Scalar {
  const type = typeof value;
  return value === null || type === 'string' || type === 'number' || type === 'boolean';
}

export function fail(path: string, reason: string): never {
  throw new InvalidEventPattern(path, reason);
}

export function fieldPath(parent: string, key: string): string {
  return parent === '' ? key : `${parent}.${key}`;
}

export function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

export function finiteNumber(value: number, path: string): number {
  if (!Number.isFinite(value)) fail(path, 'numbers must be finite');
  return value;
}

export function requireString(value: unknown, path: string): string {
  if (typeof value !== 'string') fail(path, `must be a string, got ${describe(value)}`);
  return value;
}

export function anyAccepts(tests: readonly ((value: string) => boolean)[], value: string): boolean {
  for (const test of tests) {
    if (test(value)) return true;
  }
  return false;
}
