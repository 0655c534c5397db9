import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, redact } from '../../lib/log.js';

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
