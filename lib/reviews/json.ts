import { createHash } from 'node:crypto';

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON with object keys sorted at every depth, so two documents that differ only in key order or
 * white space serialize the same. Written out directly rather than by rebuilding objects, so
 * keys such as `__proto__` are plain data here.
 */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** SHA-256 of the canonical form: equal for JSON documents that are equal as values. */
export function contentHash(value: JsonValue): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** A shallow copy without one key, keeping `__proto__` and friends as ordinary own properties. */
export function withoutKey(object: JsonObject, omitted: string): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(object)) {
    if (key === omitted) continue;
    Object.defineProperty(copy, key, {
      value: object[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
