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

/** The deepest nesting of arrays and objects a request body may have (`{}` is one level). */
export const MAX_JSON_DEPTH = 32;

/**
 * How deeply the arrays and objects of JSON text nest, found by one pass over the characters
 * (brackets inside strings do not count). It stops as soon as `limit` is exceeded, so a hostile
 * body costs no more than its length, and it runs before `JSON.parse` or any recursive walk.
 */
export function jsonNestingDepth(text: string, limit = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c /* \ */) index++;
      else if (code === 0x22 /* " */) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b /* [ */ || code === 0x7b /* { */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (code === 0x5d /* ] */ || code === 0x7d /* } */) depth--;
  }
  return deepest;
}

type CanonicalTask = { value: JsonValue } | { text: string };

/**
 * JSON with object keys sorted at every depth, so two documents that differ only in key order or
 * white space serialize the same. Written out directly rather than by rebuilding objects, so
 * keys such as `__proto__` are plain data here; and with an explicit stack rather than recursion,
 * so no document, however deep, can exhaust the call stack.
 */
export function canonicalJson(root: JsonValue): string {
  const parts: string[] = [];
  const tasks: CanonicalTask[] = [{ value: root }];
  for (let task = tasks.pop(); task !== undefined; task = tasks.pop()) {
    if ('text' in task) {
      parts.push(task.text);
      continue;
    }
    const { value } = task;
    // Tasks are pushed in reverse, so they are written out in order.
    if (Array.isArray(value)) {
      tasks.push({ text: ']' });
      for (let index = value.length - 1; index >= 0; index--) {
        tasks.push({ value: value[index] as JsonValue });
        if (index > 0) tasks.push({ text: ',' });
      }
      parts.push('[');
    } else if (isJsonObject(value)) {
      const keys = Object.keys(value).sort();
      tasks.push({ text: '}' });
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index] as string;
        tasks.push({ value: value[key] as JsonValue });
        tasks.push({ text: `${index > 0 ? ',' : ''}${JSON.stringify(key)}:` });
      }
      parts.push('{');
    } else {
      parts.push(JSON.stringify(value));
    }
  }
  return parts.join('');
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
