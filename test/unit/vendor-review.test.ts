import { describe, expect, it } from 'vitest';
import { MalformedPayload } from '../../lib/errors.js';
import { parseVendorReview } from '../../lib/reviews/vendor-review.js';
import { vendorPayload } from '../support/factories.js';

describe('parseVendorReview', () => {
  it.each([
    ['one character', 'A'],
    ['255 characters', 'A'.repeat(255)],
  ])('accepts an attempt code of %s', (_case, attemptCode) => {
    const { review } = parseVendorReview(vendorPayload({ attemptCode }));

    expect(review.examMetaData.examCode).toBe(attemptCode);
  });

  it.each([
    ['empty', ''],
    ['256 characters long', 'A'.repeat(256)],
  ])('refuses an attempt code that is %s, naming the field', (_case, attemptCode) => {
    const parsing = () => parseVendorReview(vendorPayload({ attemptCode }));

    expect(parsing).toThrow(MalformedPayload);
    expect(parsing).toThrow(expect.objectContaining({ field: 'examMetaData.examCode' }));
  });

  it('keeps the whole body as the payload, fields it does not read included', () => {
    const body = vendorPayload({ attemptCode: 'A' });

    const { payload } = parseVendorReview(body);

    expect(payload).toBe(body);
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'review'],
  ])('refuses %s as not a JSON object', (_case, body) => {
    expect(() => parseVendorReview(body)).toThrow(
      new MalformedPayload('The request body must be a JSON object'),
    );
  });
});

describe('parseVendorReview: error messages', () => {
  it('says the review payload is malformed and why, naming the field', () => {
    const payload = vendorPayload({ attemptCode: 'A' });
    payload.reviewStatus = 3;

    expect(() => parseVendorReview(payload)).toThrow(/^Malformed review payload: .*reviewStatus/);
  });
});
