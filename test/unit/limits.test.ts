import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { RAW_DATA_ANSWER_MAX_BYTES } from '../../functions/internal-api/attempt-view.js';
import { entrySize, MAX_CALL_BYTES } from '../../lib/events/eventbridge-publisher.js';
import { MAX_BODY_BYTES } from '../../lib/http/api-gateway.js';
import { type AttemptRegistration, attemptRegistrationSchema } from '../../lib/reviews/attempt.js';
import { FIELD_LIMITS } from '../../lib/reviews/field-limits.js';
import type { JsonObject } from '../../lib/reviews/json.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import {
  apiEvent,
  attemptRegistration,
  signedCallback,
  vendorComment,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness, internalApiHarness } from '../support/harness.js';
import { revisionInsert, streamEvent } from '../support/streams.js';
import { workflowHarness } from '../support/workflow-harness.js';

/**
 * Worst cases, computed: whatever the service accepts, what it stores, answers and publishes stays
 * within AWS's limits (DynamoDB items 400 KB, Lambda answers 6 MB, PutEvents entries 256 KB).
 */

/** The character whose JSON costs the most bytes per UTF-16 unit: a control character, `\u0001`. */
const COSTLY = '\u0001';
const costly = (length: number) => COSTLY.repeat(length);
/** Deployment parameters bound `EVENT_SOURCE` to 256 characters. */
const LONGEST_EVENT_SOURCE = 'e'.repeat(256);

/** A registration with every bounded string at its limit, as validation accepts it. */
function largestRegistration(): AttemptRegistration {
  const base = attemptRegistration();
  return attemptRegistrationSchema.parse({
    ...base,
    externalId: costly(FIELD_LIMITS.externalId),
    user: {
      ...base.user,
      username: costly(FIELD_LIMITS.username),
      email: costly(FIELD_LIMITS.email),
    },
    exam: {
      ...base.exam,
      courseId: costly(FIELD_LIMITS.courseId),
      contentId: costly(FIELD_LIMITS.contentId),
      name: costly(FIELD_LIMITS.examName),
    },
  });
}

/** The longest attempt code: printable ASCII, and `\` costs two bytes in JSON. */
const LONGEST_ATTEMPT_CODE = '\\'.repeat(FIELD_LIMITS.attemptCode);

describe('worst cases', () => {
  it('an attempt item of the largest registration is far below DynamoDB’s 400 KB', () => {
    const item = marshall(
      { attemptCode: LONGEST_ATTEMPT_CODE, registration: largestRegistration() },
      { removeUndefinedValues: true },
    );

    // Every UTF-16 unit takes at most 3 bytes in UTF-8; names and numbers are counted generously.
    const bytes = Buffer.byteLength(JSON.stringify(item), 'utf8') * 3;

    expect(bytes).toBeLessThan(400 * 1024);
  });

  it('every event of the largest registration, vendor and staff revisions, is below 256 KB', async () => {
    // Prepare: the largest attempt, a Suspicious vendor review (all three events) and a staff review.
    const store = new MemoryStore();
    await store.registerAttempt(LONGEST_ATTEMPT_CODE, largestRegistration());
    const callback = callbackHarness({ store, allowCallbackSimulation: true });
    const vendor = await callback.invoke(
      signedCallback(
        vendorPayload({ attemptCode: LONGEST_ATTEMPT_CODE, reviewStatus: 'Suspicious' }),
      ),
    );
    expect(vendor.statusCode).toBe(200);
    const api = internalApiHarness(store);
    const staff = await api.invoke(
      apiEvent({
        method: 'PUT',
        path: `/internal/attempts/${encodeURIComponent(LONGEST_ATTEMPT_CODE)}/review`,
        body: JSON.stringify({
          reviewStatus: 'Rules Violation',
          reviewedBy: costly(FIELD_LIMITS.reviewedBy),
        }),
      }),
    );
    expect(staff.statusCode).toBe(200);
    const { eventBridge, invoke } = workflowHarness({ store });

    // Act
    for (const revision of store.revisions.get(LONGEST_ATTEMPT_CODE) ?? []) {
      await invoke(streamEvent([revisionInsert(LONGEST_ATTEMPT_CODE, revision)]));
    }

    // Assess
    const entries = eventBridge.accepted.map((entry) => ({
      ...entry,
      Source: LONGEST_EVENT_SOURCE,
    }));
    expect(new Set(entries.map((entry) => entry.DetailType))).toEqual(
      new Set(['review_received', 'attempt_status_changed', 'support_notification_requested']),
    );
    const largest = Math.max(...entries.map(entrySize));
    // About 12 KB: a twentieth of what PutEvents allows.
    expect(largest).toBeLessThan(MAX_CALL_BYTES / 10);
  });

  it('the answer about a 1 MiB review is far below Lambda’s 6 MB, rawData replaced by its size', async () => {
    // Prepare: the body that makes the longest comment list (numbers such as 1e20 grow to 21
    // characters when written back) and the longest rawData, at the 1 MiB limit.
    const store = new MemoryStore();
    const attemptCode = 'WORST-CASE-ANSWER';
    await store.registerAttempt(attemptCode, largestRegistration());
    const comment =
      '{"eventStart":1e20,"eventFinish":1e20,"duration":1e20,"comments":"","eventStatus":""}';
    const empty = JSON.stringify(
      vendorPayload({ attemptCode, webCamComments: [], desktopComments: [] }),
    );
    expect(empty.endsWith('"webCamComments":[]}')).toBe(true);
    const head = empty.slice(0, -2);
    const count = Math.floor((MAX_BODY_BYTES - head.length - 2) / (comment.length + 1));
    const body = `${head}${Array(count).fill(comment).join(',')}]}`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_BODY_BYTES);
    const callback = callbackHarness({ store, allowCallbackSimulation: true });
    expect((await callback.invoke(signedCallback(body))).statusCode).toBe(200);
    const { invoke } = internalApiHarness(store);

    // Act
    const response = await invoke(
      apiEvent({ method: 'GET', path: `/internal/attempts/${attemptCode}` }),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    const answerBytes = Buffer.byteLength(response.body, 'utf8');
    expect(answerBytes).toBeLessThan(2 * MAX_BODY_BYTES);
    const review = (JSON.parse(response.body) as { review: { rawData: unknown; comments: [] } })
      .review;
    expect(review.comments).toHaveLength(count);
    expect(review.rawData).toEqual({
      omitted: true,
      bytes: expect.any(Number),
      limitBytes: RAW_DATA_ANSWER_MAX_BYTES,
    });
  });

  it('keeps rawData in the answer up to 256 KiB: every ordinary review fits', async () => {
    const store = new MemoryStore();
    const attemptCode = 'LARGE-BUT-KEPT';
    await store.registerAttempt(attemptCode, attemptRegistration());
    const payload: JsonObject = vendorPayload({
      attemptCode,
      webCamComments: Array.from({ length: 1_500 }, (_, index) =>
        vendorComment(`Comment number ${index} about what the reviewer saw`),
      ),
    });
    const callback = callbackHarness({ store });
    expect((await callback.invoke(signedCallback(payload))).statusCode).toBe(200);
    const { invoke } = internalApiHarness(store);

    const response = await invoke(
      apiEvent({ method: 'GET', path: `/internal/attempts/${attemptCode}` }),
    );

    const { videoReviewLink: _link, ...expected } = payload;
    const bytes = Buffer.byteLength(JSON.stringify(expected));
    expect(bytes).toBeGreaterThan(64 * 1024);
    expect(bytes).toBeLessThan(RAW_DATA_ANSWER_MAX_BYTES);
    expect((JSON.parse(response.body) as { review: { rawData: unknown } }).review.rawData).toEqual(
      expected,
    );
  });
});
