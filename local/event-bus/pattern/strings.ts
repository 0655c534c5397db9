/** String operators: case-insensitive comparison without allocating for ASCII, and wildcards. */
import { fail, requireString } from './shared.js';

const FOLD_DIFFERENT = 0;
const FOLD_EQUAL = 1;
const FOLD_UNICODE = 2;

function isAscii(text: string): boolean {
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) > 127) return false;
  }
  return true;
}

/**
 * Compares `value` from `offset` with an already lower-cased needle, folding ASCII letters in
 * place so the common case allocates nothing; answers FOLD_UNICODE when it meets non-ASCII text.
 */
function compareFolded(value: string, offset: number, lowerNeedle: string): number {
  for (let index = 0; index < lowerNeedle.length; index++) {
    let actual = value.charCodeAt(offset + index);
    const expected = lowerNeedle.charCodeAt(index);
    if (actual === expected) continue;
    if (actual > 127 || expected > 127) return FOLD_UNICODE;
    if (actual >= 65 && actual <= 90) actual += 32;
    if (actual !== expected) return FOLD_DIFFERENT;
  }
  return FOLD_EQUAL;
}

export function caseInsensitive(
  needle: string,
  mode: 'equals' | 'prefix' | 'suffix',
): (value: string) => boolean {
  const lower = needle.toLowerCase();
  const asciiNeedle = isAscii(lower);
  return (value) => {
    const length = lower.length;
    const fits = mode === 'equals' ? value.length === length : value.length >= length;
    if (fits) {
      const result = compareFolded(value, mode === 'suffix' ? value.length - length : 0, lower);
      if (result !== FOLD_UNICODE) return result === FOLD_EQUAL;
    } else if (asciiNeedle && isAscii(value)) {
      return false;
    }
    // Non-ASCII text can change length when lower-cased, so only full lower-casing is exact.
    const folded = value.toLowerCase();
    if (mode === 'equals') return folded === lower;
    return mode === 'prefix' ? folded.startsWith(lower) : folded.endsWith(lower);
  };
}

/**
 * `*` matches any run of characters, including none; `\*` is a literal star and `\\` a literal
 * backslash. EventBridge refuses consecutive stars and any other backslash escape.
 */
export function compileWildcard(argument: unknown, path: string): (value: string) => boolean {
  const source = requireString(argument, path);
  const parts: string[] = [];
  let current = '';
  for (let index = 0; index < source.length; index++) {
    const char = source.charAt(index);
    if (char === '\\') {
      const next = source.charAt(index + 1);
      if (next !== '*' && next !== '\\') {
        fail(path, `the backslash at position ${index} must escape "*" or "\\"`);
      }
      current += next;
      index++;
    } else if (char === '*') {
      if (source.charAt(index + 1) === '*') {
        fail(path, `consecutive wildcard characters at position ${index} are not allowed`);
      }
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);

  const head = parts[0] ?? '';
  if (parts.length === 1) return (value) => value === head;
  const tail = parts[parts.length - 1] ?? '';
  const middle = parts.slice(1, -1);
  const minimum = head.length + tail.length;
  return (value) => {
    if (value.length < minimum || !value.startsWith(head) || !value.endsWith(tail)) return false;
    // Leftmost placement of each middle part is optimal when the only wildcard is `*`.
    let position = head.length;
    const end = value.length - tail.length;
    for (const part of middle) {
      const found = value.indexOf(part, position);
      if (found < 0 || found + part.length > end) return false;
      position = found + part.length;
    }
    return true;
  };
}
