import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import {
  attemptRegistration,
  newAttemptCode,
  signedCallback,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness } from '../support/harness.js';
import { createTestTables } from '../support/tables.js';

/**
 * The callback's fuzz properties against the real store: DynamoDB has limits of its own (key
 * sizes, item sizes, nesting) that an in-memory store would not reveal.
 */
let store: DynamoDbStore;

beforeAll(async () => {
  store = (await createTestTables(inject('dynamoDbEndpoint'))).store;
});

const text = fc.string({ unit: 'binary', maxLength: 300 });
const value = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
  fc.array(text, { maxLength: 3 }),
);

describe('review callback under arbitrary input, DynamoDB store', () => {
  it('answers only client answers and stores only on 200', async () => {
    const { invoke } = callbackHarness({ store });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('examCode', 'ssiRecordLocator', 'reviewStatus', 'comments', 'extra'),
        value,
        async (field, replacement) => {
          // Prepare
          const attemptCode = newAttemptCode();
          await store.registerAttempt(attemptCode, attemptRegistration());
          const payload = vendorPayload({ attemptCode, reviewStatus: 'Clean' });
          const meta = payload.examMetaData as Record<string, unknown>;
          if (field === 'examCode' || field === 'ssiRecordLocator') meta[field] = replacement;
          else if (field === 'comments') {
            (payload.webCamComments as Record<string, unknown>[])[0] = {
              ...(payload.webCamComments as Record<string, unknown>[])[0],
              comments: replacement,
            };
          } else payload[field] = replacement as never;

          // Act
          const response = await invoke(signedCallback(payload));

          // Assess
          expect([200, 400]).toContain(response.statusCode);
          const head = await store.getHead(attemptCode);
          expect(head !== null).toBe(response.statusCode === 200);
        },
      ),
      { numRuns: 60 },
    );
  });
});
