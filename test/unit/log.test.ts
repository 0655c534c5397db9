import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, redact, shapeOf } from '../../lib/log.js';
import {
  attemptRegistration,
  newAttemptCode,
  signedCallback,
  vendorComment,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness } from '../support/harness.js';

describe('redact', () => {
  it('hides sensitive keys at any depth and keeps the rest', () => {
    const value = {
      payload: {
        videoReviewLink: 'https://video',
        examApiData: { examPassword: 'p', examName: 'Midterm' },
        examMetaData: { ssiExamToken: 't', examCode: 'C' },
        userPhotoBase64String: 'AAAA',
      },
      headers: {
        'X-Proctoring-Signature': 'v1=abc',
        Authorization: 'AWS4 x',
        'Content-Type': 'json',
      },
      list: [{ callbackSecret: 's' }],
    };

    expect(redact(value)).toEqual({
      payload: {
        videoReviewLink: REDACTED,
        examApiData: { examPassword: REDACTED, examName: 'Midterm' },
        examMetaData: { ssiExamToken: REDACTED, examCode: 'C' },
        userPhotoBase64String: REDACTED,
      },
      headers: {
        'X-Proctoring-Signature': REDACTED,
        Authorization: REDACTED,
        'Content-Type': 'json',
      },
      list: [{ callbackSecret: REDACTED }],
    });
  });

  it('serializes errors and does not follow __proto__ into the prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"videoReviewLink": "x"}}');

    const result = redact({ error: new TypeError('boom'), parsed }) as Record<
      string,
      Record<string, unknown>
    >;

    expect(result.error).toMatchObject({ name: 'TypeError', message: 'boom' });
    expect(JSON.stringify(result.parsed)).toBe('{"__proto__":{"videoReviewLink":"[redacted]"}}');
    expect(({} as Record<string, unknown>).videoReviewLink).toBeUndefined();
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line, above the threshold only, with base fields', () => {
    const lines: string[] = [];
    const log = createLogger(
      {
        level: 'info',
        sink: (line) => lines.push(line),
        clock: () => new Date('2026-01-01T00:00:00Z'),
      },
      { function: 'test' },
    ).child({ requestId: 'r1' });

    log.debug('hidden');
    log.info('shown', { secret: 'x', count: 2 });

    expect(lines.map((line) => JSON.parse(line))).toEqual([
      {
        level: 'info',
        time: '2026-01-01T00:00:00.000Z',
        service: 'proctoring-reviews',
        message: 'shown',
        function: 'test',
        requestId: 'r1',
        secret: REDACTED,
        count: 2,
      },
    ]);
  });
});

describe('debug logs of a callback', () => {
  it('show field names and sizes, never comment text or learner data', async () => {
    // Prepare
    const { store, invoke, logs } = callbackHarness();
    const attemptCode = newAttemptCode();
    await store.registerAttempt(attemptCode, attemptRegistration());
    const payload = vendorPayload({
      attemptCode,
      webCamComments: [vendorComment('Learner held up a note reading SECRET-NOTE-TEXT')],
    });

    // Act
    const response = await invoke(signedCallback(payload));

    // Assess
    expect(response.statusCode).toBe(200);
    const everything = logs.lines.join('\n');
    for (const learnerData of [
      'SECRET-NOTE-TEXT',
      'Browsing other websites',
      'learner@example.org',
      'Lovelace',
      'Second person visible',
    ]) {
      expect(everything).not.toContain(learnerData);
    }
    const received = logs.entries().find((entry) => entry.message === 'vendor review received');
    expect(received).toMatchObject({
      level: 'debug',
      bytes: Buffer.byteLength(JSON.stringify(payload)),
      fields: {
        webCamComments: 'array(1)',
        desktopComments: 'array(1)',
        examTakerEmail: 'string(19)',
        examMetaData: 'object(10)',
        reviewStatus: 'string(10)',
        videoReviewLink: REDACTED,
      },
    });
  });

  it('keep a hostile document small: names cut, at most 50 fields', () => {
    const document = Object.fromEntries(
      Array.from({ length: 500 }, (_, index) => [`${'k'.repeat(10_000)}${index}`, 'v'.repeat(1e5)]),
    );

    const shape = shapeOf(document);

    expect(JSON.stringify(shape).length).toBeLessThan(5_000);
    expect(Object.keys(shape).length).toBeLessThanOrEqual(51);
  });
});
