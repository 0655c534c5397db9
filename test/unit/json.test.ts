import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash, isJsonObject, withoutKey } from '../../lib/reviews/json.js';

describe('contentHash', () => {
  it('is equal for documents that differ only in key order and white space', () => {
    // Prepare
    const first = JSON.parse('{"b": [1, {"y": 2, "x": 1}], "a": "t"}');
    const second = JSON.parse('{"a":"t","b":[1,{"x":1,"y":2}]}');

    // Act & Assess
    expect(contentHash(first)).toBe(contentHash(second));
  });

  it('differs when a value or the order of an array differs', () => {
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(contentHash({ a: '1' })).not.toBe(contentHash({ a: 1 }));
  });

  it('treats a __proto__ key as data', () => {
    const document = JSON.parse('{"__proto__": {"x": 1}, "a": 1}');
    expect(canonicalJson(document)).toBe('{"__proto__":{"x":1},"a":1}');
  });
});

describe('withoutKey', () => {
  it('drops the key and keeps the rest in order without touching prototypes', () => {
    const document = JSON.parse(
      '{"z": 1, "__proto__": {"polluted": true}, "videoReviewLink": "u", "a": 2}',
    );

    const copy = withoutKey(document, 'videoReviewLink');

    expect(JSON.stringify(copy)).toBe('{"z":1,"__proto__":{"polluted":true},"a":2}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('withoutKey: the copy', () => {
  it('holds ordinary own properties that can be changed and removed like any other', () => {
    const copy = withoutKey({ a: 1, b: 2 }, 'b');

    expect(Object.getOwnPropertyDescriptor(copy, 'a')).toEqual({
      value: 1,
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(copy).toEqual({ a: 1 });
  });

  it('is a new object, leaving the original as it was', () => {
    const original = { a: 1, videoReviewLink: 'u' };

    const copy = withoutKey(original, 'videoReviewLink');

    expect(copy).not.toBe(original);
    expect(original).toEqual({ a: 1, videoReviewLink: 'u' });
  });
});

describe('isJsonObject', () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [[], false],
    [null, false],
    ['{}', false],
    [1, false],
    [undefined, false],
  ])('%j is a JSON object: %s', (value, expected) => {
    expect(isJsonObject(value)).toBe(expected);
  });
});
