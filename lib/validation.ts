import * as z from 'zod/mini';
import { MalformedPayload } from './errors.js';
import './zod-messages.js';

/** `webCamComments[0].eventStart` style, the way a client's engineer would write the path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** A human sentence for a validation issue; `input` is the document that was validated. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = fieldPath(issue.path);
  if (issue.code === 'invalid_type') {
    const missing = valueAt(input, issue.path) === undefined;
    return missing ? `${field} is required` : `${field} must be ${article(issue.expected)}`;
  }
  return `${field}: ${issue.message}`;
}

/**
 * Validates input at the edge: the result is typed, and a failure is a 400 `malformed_payload`
 * whose detail names the first offending field (never a 500).
 */
export function parseWith<S extends z.core.$ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.infer<S> {
  const result = z.safeParse(schema, input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new MalformedPayload(`Malformed ${what}`);
  throw new MalformedPayload(
    `Malformed ${what}: ${describeIssue(issue, input)}`,
    fieldPath(issue.path),
  );
}

/**
 * A value built on first use. Module scope runs at every cold start, so what a function may never
 * need (a schema only one code path reads) waits until it is asked for.
 */
export function lazy<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => {
    built ??= { value: build() };
    return built.value;
  };
}
