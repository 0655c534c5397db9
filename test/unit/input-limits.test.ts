import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../lib/http/api-gateway.js';
import { signatureFor } from '../../lib/http/signature.js';
import { FIELD_LIMITS } from '../../lib/reviews/field-limits.js';
import { canonicalJson, jsonNestingDepth, MAX_JSON_DEPTH } from '../../lib/reviews/json.js';
import {
  apiEvent,
  attemptRegistration,
  newAttemptCode,
  signedCallback,
  TEST_SECRET,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness, internalApiHarness } from '../support/harness.js';

/** Input limits (docs/api.md): every refusal is a 400 naming the problem, never a 500. */

function json(response: { body: string }) {
  return JSON.parse(response.body) as { detail: string; code: string };
}

/** `levels` nested arrays around a zero, e.g. 2 → `[[0]]`. */
function nestedArrays(levels: number): string {
  return `${'['.repeat(levels)}0${']'.repeat(levels)}`;
}

/** A valid vendor payload with one extra field holding `extra` (raw JSON text). */
function payloadWithExtraField(attemptCode: string, extra: string): string {
  const text = JSON.stringify(vendorPayload({ attemptCode }));
  return `${text.slice(0, -1)},"vendorExtra":${extra}}`;
}

/** A callback whose body is these exact bytes, signed. */
function signedBytes(body: Buffer) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return apiEvent({
    body,
    headers: {
      'X-Proctoring-Timestamp': timestamp,
      'X-Proctoring-Signature': signatureFor(TEST_SECRET, timestamp, body),
    },
  });
}

async function callbackSetup() {
  const harness = callbackHarness();
  const attemptCode = newAttemptCode();
  await harness.store.registerAttempt(attemptCode, attemptRegistration());
  return { ...harness, attemptCode };
}

describe('callback body: nesting', () => {
  it('refuses a 20,000-deep array in an extra field with 400 malformed_payload, storing nothing', async () => {
    // Prepare
    const { invoke, store, attemptCode } = await callbackSetup();
    const body = payloadWithExtraField(attemptCode, nestedArrays(20_000));

    // Act
    const response = await invoke(signedCallback(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      code: 'malformed_payload',
      detail: `The request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep`,
    });
    expect(await store.getLatestRevision(attemptCode)).toBeNull();
  });

  it('accepts exactly 32 levels and refuses 33', async () => {
    const { invoke, store, attemptCode } = await callbackSetup();
    // The payload object itself is the first level.
    const atLimit = payloadWithExtraField(attemptCode, nestedArrays(MAX_JSON_DEPTH - 1));
    const overLimit = payloadWithExtraField(attemptCode, nestedArrays(MAX_JSON_DEPTH));

    const refused = await invoke(signedCallback(overLimit));
    const accepted = await invoke(signedCallback(atLimit));

    expect(refused.statusCode).toBe(400);
    expect(json(refused).code).toBe('malformed_payload');
    expect(accepted.statusCode).toBe(200);
    expect((await store.getLatestRevision(attemptCode))?.rawData.vendorExtra).toEqual(
      JSON.parse(nestedArrays(MAX_JSON_DEPTH - 1)),
    );
  });

  it('does not count brackets inside strings', async () => {
    const { invoke, attemptCode } = await callbackSetup();
    const body = payloadWithExtraField(attemptCode, JSON.stringify(`\\"${'['.repeat(100)}`));

    const response = await invoke(signedCallback(body));

    expect(response.statusCode).toBe(200);
  });

  it('refuses deep nesting in the internal API bodies too', async () => {
    const { invoke } = internalApiHarness();
    const code = newAttemptCode();
    const body = `${JSON.stringify(attemptRegistration()).slice(0, -1)},"x":${nestedArrays(20_000)}}`;

    const response = await invoke(
      apiEvent({ method: 'PUT', path: `/internal/attempts/${code}`, body }),
    );

    expect(response.statusCode).toBe(400);
    expect(json(response).code).toBe('malformed_payload');
  });
});

describe('callback body: UTF-8', () => {
  it('refuses a 1 MiB body of invalid UTF-8 with 400 malformed_payload, storing nothing', async () => {
    // Prepare: valid JSON around a string of bytes that are not UTF-8, exactly at the size limit.
    const { invoke, store, attemptCode } = await callbackSetup();
    const head = Buffer.from(`${payloadWithExtraField(attemptCode, '"').slice(0, -1)}`, 'utf8');
    const tail = Buffer.from('"}', 'utf8');
    const invalid = Buffer.alloc(MAX_BODY_BYTES - head.length - tail.length, 0xff);
    const body = Buffer.concat([head, invalid, tail]);
    expect(body.length).toBe(MAX_BODY_BYTES);

    // Act
    const response = await invoke(signedBytes(body));

    // Assess
    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      code: 'malformed_payload',
      detail: 'The request body is not valid UTF-8',
    });
    expect(await store.getLatestRevision(attemptCode)).toBeNull();
  });

  it('refuses a single overlong or truncated sequence', async () => {
    const { invoke, attemptCode } = await callbackSetup();
    for (const bad of [
      [0xc0, 0xaf],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
    ]) {
      const text = payloadWithExtraField(attemptCode, '"x"');
      const at = text.indexOf('"x"') + 1;
      const body = Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from(bad),
        Buffer.from(text.slice(at)),
      ]);

      const response = await invoke(signedBytes(body));

      expect(response.statusCode).toBe(400);
    }
  });

  it('accepts multi-byte characters', async () => {
    const { invoke, store, attemptCode } = await callbackSetup();
    const body = payloadWithExtraField(attemptCode, JSON.stringify('Prüfung 試験 🎓'));

    const response = await invoke(signedCallback(body));

    expect(response.statusCode).toBe(200);
    expect((await store.getLatestRevision(attemptCode))?.rawData.vendorExtra).toBe(
      'Prüfung 試験 🎓',
    );
  });
});

describe('echoed values', () => {
  it('cuts an unknown reviewStatus in the answer and the log to a few dozen characters', async () => {
    const { invoke, logs, attemptCode } = await callbackSetup();
    const reviewStatus = `Clean${'x'.repeat(200_000)}`;

    const response = await invoke(signedCallback(vendorPayload({ attemptCode, reviewStatus })));

    expect(response.statusCode).toBe(400);
    const { code, detail } = json(response);
    expect(code).toBe('bad_review_status');
    expect(detail).toContain('Was Cleanxxx');
    expect(detail).toContain('(200005 characters)');
    expect(detail.length).toBeLessThan(200);
    const refusal = logs.entries().find((entry) => entry.message === 'request refused');
    expect(String(refusal?.detail).length).toBeLessThan(200);
  });
});

describe('registration: bounded strings', () => {
  const register = (body: unknown) => {
    const { invoke } = internalApiHarness();
    return invoke(
      apiEvent({
        method: 'PUT',
        path: `/internal/attempts/${newAttemptCode()}`,
        body: JSON.stringify(body),
      }),
    );
  };
  const base = attemptRegistration();
  const withField = (field: string, length: number) => {
    const value = 'n'.repeat(length);
    switch (field) {
      case 'externalId':
        return { ...base, externalId: value };
      case 'user.username':
      case 'user.email':
        return { ...base, user: { ...base.user, [field.slice(5)]: value } };
      default:
        return { ...base, exam: { ...base.exam, [field.slice(5)]: value } };
    }
  };
  const cases = [
    ['externalId', FIELD_LIMITS.externalId],
    ['user.username', FIELD_LIMITS.username],
    ['user.email', FIELD_LIMITS.email],
    ['exam.courseId', FIELD_LIMITS.courseId],
    ['exam.contentId', FIELD_LIMITS.contentId],
    ['exam.name', FIELD_LIMITS.examName],
  ] as const;

  it('refuses an exam name of 300,000 characters with 400 naming the field', async () => {
    const response = await register(withField('exam.name', 300_000));

    expect(response.statusCode).toBe(400);
    expect(json(response)).toEqual({
      code: 'malformed_payload',
      detail: `Malformed attempt: exam.name: must be at most ${FIELD_LIMITS.examName} characters`,
    });
  });

  it.each(cases)('bounds %s at %i characters', async (field, limit) => {
    const atLimit = await register(withField(field, limit));
    const overLimit = await register(withField(field, limit + 1));

    expect(atLimit.statusCode).toBe(200);
    expect(overLimit.statusCode).toBe(400);
    expect(json(overLimit).detail).toContain(`${field}: must be at most ${limit} characters`);
  });
});

describe('staff review: bounded strings', () => {
  async function staffReview(body: unknown) {
    const { invoke, store } = internalApiHarness();
    const code = newAttemptCode();
    await store.registerAttempt(code, attemptRegistration());
    return invoke(
      apiEvent({
        method: 'PUT',
        path: `/internal/attempts/${code}/review`,
        body: JSON.stringify(body),
      }),
    );
  }

  it('bounds the comment and the reviewer', async () => {
    const ok = { reviewStatus: 'Clean', reviewedBy: 'staff@example.org' };

    const longComment = await staffReview({
      ...ok,
      comment: 'c'.repeat(FIELD_LIMITS.staffComment + 1),
    });
    const longReviewer = await staffReview({
      ...ok,
      reviewedBy: 'r'.repeat(FIELD_LIMITS.reviewedBy + 1),
    });
    const atLimit = await staffReview({ ...ok, comment: 'c'.repeat(FIELD_LIMITS.staffComment) });

    expect(longComment.statusCode).toBe(400);
    expect(json(longComment).detail).toContain('comment: must be at most');
    expect(longReviewer.statusCode).toBe(400);
    expect(json(longReviewer).detail).toContain('reviewedBy: must be at most');
    expect(atLimit.statusCode).toBe(200);
  });
});

describe('canonical JSON without recursion', () => {
  it('hashes a 100,000-deep document without exhausting the stack', () => {
    const deep = JSON.parse(nestedArrays(100_000));

    const text = canonicalJson(deep);

    expect(text).toBe(nestedArrays(100_000));
  });

  it('measures nesting without counting brackets in strings or escaped quotes', () => {
    expect(jsonNestingDepth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(jsonNestingDepth('["[[[\\"[[["]')).toBe(1);
    expect(jsonNestingDepth('"{{{"')).toBe(0);
    // the deepest point counts, not the last one
    expect(jsonNestingDepth('[[[]],[]]')).toBe(3);
    expect(jsonNestingDepth(nestedArrays(1_000_000), 32)).toBe(33);
  });
});
