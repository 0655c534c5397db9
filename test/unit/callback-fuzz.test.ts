import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../lib/reviews/json.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import {
  apiEvent,
  attemptRegistration,
  signedCallback,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness } from '../support/harness.js';

/**
 * Property-based tests of the vendor callback: whatever arrives, the answer is one of the
 * documented client answers (200, 400, 401, 413), never a 5xx, and nothing is stored unless the
 * answer is 200.
 */
const ATTEMPT_CODE = 'F00D0000-0000-4000-8000-000000000000';
const CLIENT_ANSWERS = [200, 400, 401, 413];

/** Keys that have tripped JavaScript services before, mixed into generated objects. */
const hostileKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
);
const key = fc.oneof(fc.string({ maxLength: 12 }), hostileKey);
const json: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ maxLength: 20 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const paths = [
  [],
  ['examMetaData'],
  ['examMetaData', 'examCode'],
  ['examMetaData', 'ssiRecordLocator'],
  ['reviewStatus'],
  ['videoReviewLink'],
  ['webCamComments'],
  ['webCamComments', 0],
  ['webCamComments', 0, 'eventStart'],
  ['desktopComments', 0, 'comments'],
  ['desktopComments'],
] as const;

/** Replaces (or, with `undefined`, deletes) the value at a path of a valid payload. */
function mutate(
  payload: Record<string, unknown>,
  path: readonly (string | number)[],
  value: unknown,
) {
  if (path.length === 0) return value;
  let node: unknown = payload;
  for (const part of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return payload;
    node = (node as Record<string | number, unknown>)[part];
  }
  if (typeof node !== 'object' || node === null) return payload;
  const last = path[path.length - 1] as string | number;
  if (value === undefined) delete (node as Record<string | number, unknown>)[last];
  else (node as Record<string | number, unknown>)[last] = value;
  return payload;
}

function setup() {
  const store = new MemoryStore();
  const harness = callbackHarness({ store, allowReviewUpdates: false });
  return { ...harness, ready: store.registerAttempt(ATTEMPT_CODE, attemptRegistration()) };
}

describe('review callback under arbitrary input', () => {
  it('answers arbitrary signed JSON with a client answer and stores nothing for a refusal', async () => {
    await fc.assert(
      fc.asyncProperty(json, async (body) => {
        const { invoke, store, ready } = setup();
        await ready;

        const response = await invoke(signedCallback(JSON.stringify(body)));

        expect(CLIENT_ANSWERS).toContain(response.statusCode);
        if (response.statusCode !== 200) expect(await store.getHead(ATTEMPT_CODE)).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('answers mutated valid payloads with a client answer, storing only on 200', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(json, fc.constant(undefined)),
        fc.constantFrom('Clean', 'Suspicious', 'Not Reviewed', 'Rules Violation'),
        async (path, value, reviewStatus) => {
          const { invoke, store, ready } = setup();
          await ready;
          const body = mutate(
            vendorPayload({ attemptCode: ATTEMPT_CODE, reviewStatus }),
            path,
            value,
          );

          const response = await invoke(signedCallback(JSON.stringify(body) ?? 'null'));

          expect(CLIENT_ANSWERS).toContain(response.statusCode);
          const stored = await store.getHead(ATTEMPT_CODE);
          expect(stored !== null).toBe(response.statusCode === 200);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers arbitrary bytes, signed or not, with a client answer', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.boolean(), async (bytes, signed) => {
        const { invoke, store, ready } = setup();
        await ready;
        const body = Buffer.from(bytes);

        const response = await invoke(
          signed ? signedCallback(body.toString('latin1')) : apiEvent({ body, base64: true }),
        );

        expect(CLIENT_ANSWERS).toContain(response.statusCode);
        if (response.statusCode !== 200) expect(await store.getHead(ATTEMPT_CODE)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it('keeps __proto__ and constructor keys as plain data and pollutes nothing', async () => {
    // Prepare
    const { invoke, store, ready } = setup();
    await ready;
    const text = JSON.stringify(vendorPayload({ attemptCode: ATTEMPT_CODE })).replace(
      /^\{/,
      '{"__proto__": {"polluted": true, "reviewStatus": "Clean"}, "constructor": {"prototype": {"polluted": true}},',
    );

    // Act
    const response = await invoke(signedCallback(text));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    const stored = await store.getLatestRevision(ATTEMPT_CODE);
    expect(stored?.reviewStatus).toBe('Suspicious');
    expect(Object.hasOwn(stored?.rawData ?? {}, '__proto__')).toBe(true);
  });
});
