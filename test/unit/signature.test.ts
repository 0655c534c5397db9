import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidSignature } from '../../lib/errors.js';
import { verifySignature } from '../../lib/http/signature.js';

const SECRET = 'signature-test-secret';
const NOW = 1_767_225_600;
const body = Buffer.from('{"reviewStatus":"Clean"}', 'utf8');

/** The vendor's header computed with node:crypto directly, not with the code under test. */
function vendorHeader(timestamp: string, secret = SECRET): string {
  const hex = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  return `v1=${hex}`;
}

function verify(timestamp: string | undefined, signature: string | undefined, now = NOW) {
  return () => verifySignature({ timestamp, signature, body }, [SECRET], now);
}

describe('verifySignature: headers', () => {
  it.each([
    ['no timestamp', undefined, vendorHeader(String(NOW))],
    ['an empty timestamp', '', vendorHeader(String(NOW))],
    ['no signature', String(NOW), undefined],
    ['an empty signature', String(NOW), ''],
  ])('refuses %s as a missing header', (_case, timestamp, signature) => {
    expect(verify(timestamp, signature)).toThrow(
      new InvalidSignature('Missing X-Proctoring-Timestamp or X-Proctoring-Signature header'),
    );
  });
});

describe('verifySignature: the timestamp', () => {
  // Each of these is signed correctly, so only the format check can refuse it.
  it.each([
    ['a letter before the digits', `x${NOW}`],
    ['a letter after the digits', `${NOW}x`],
    ['a sign', `+${NOW}`],
    ['a fraction', `${NOW}.0`],
    ['white space', ` ${NOW}`],
    ['an exponent', '1.7672256e9'],
    ['13 digits, even zero-padded', `000${NOW}`],
  ])('refuses %s as not unix seconds, however well signed', (_case, timestamp) => {
    expect(verify(timestamp, vendorHeader(timestamp))).toThrow(
      'X-Proctoring-Timestamp must be unix seconds',
    );
  });

  it.each([
    ['one digit', '7', 7],
    ['twelve digits, zero-padded', `00${NOW}`, NOW],
  ])('accepts %s', (_case, timestamp, now) => {
    expect(verify(timestamp, vendorHeader(timestamp), now)).not.toThrow();
  });

  it.each([
    ['exactly 300 s old', NOW - 300, true],
    ['exactly 300 s ahead', NOW + 300, true],
    ['301 s old', NOW - 301, false],
    ['301 s ahead', NOW + 301, false],
  ])('treats a timestamp %s as fresh: %s', (_case, seconds, fresh) => {
    const timestamp = String(seconds);
    const check = verify(timestamp, vendorHeader(timestamp));

    if (fresh) expect(check).not.toThrow();
    else expect(check).toThrow('X-Proctoring-Timestamp is more than 300 s from the current time');
  });
});

describe('verifySignature: the signature header', () => {
  const timestamp = String(NOW);
  const good = vendorHeader(timestamp);
  const hex = good.slice('v1='.length);

  it.each([
    ['upper-case hex', `v1=${hex.toUpperCase()}`],
    ['surrounding white space', ` ${good}\t`],
  ])('accepts %s', (_case, signature) => {
    expect(verify(timestamp, signature)).not.toThrow();
  });

  it.each([
    ['a prefix before v1=', `xv1=${hex}`],
    ['a second value after it', `${good},v1=${hex}`],
    ['a 65th hex character', `${good}0`],
    ['63 hex characters', good.slice(0, -1)],
    ['another version', `v2=${hex}`],
    ['no version', hex],
    ['a non-hex character', `v1=${hex.slice(0, -1)}g`],
  ])('refuses %s as malformed', (_case, signature) => {
    expect(verify(timestamp, signature)).toThrow(
      'X-Proctoring-Signature must be v1=<64 hex characters>',
    );
  });

  it('tries every configured secret', () => {
    const signature = vendorHeader(timestamp, 'second');

    expect(() =>
      verifySignature({ timestamp, signature, body }, ['first', 'second', 'third'], NOW),
    ).not.toThrow();
    expect(() => verifySignature({ timestamp, signature, body }, ['first', 'third'], NOW)).toThrow(
      'Signature does not match',
    );
    expect(() => verifySignature({ timestamp, signature, body }, [], NOW)).toThrow(
      'Signature does not match',
    );
  });
});
