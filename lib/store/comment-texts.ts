import { isJsonObject, type JsonObject, type JsonValue } from '../reviews/json.js';
import type { ReviewComment, RevisionSource } from '../reviews/review.js';

/**
 * Comment texts are stored once, in the revision's comment list. The raw body is stored with the
 * text of each listed comment replaced by `null` (a value validation never lets through there),
 * and the texts are put back when the revision is read, so readers get the body exactly as
 * received: same keys, same order, same extra fields. Revisions stored before this layout still
 * hold their texts and are read unchanged.
 */

/** The vendor's comment lists, in the order `vendorComments` lists them (webcam first). */
const VENDOR_LISTS = ['webCamComments', 'desktopComments'] as const;

type Rewrite = (value: JsonValue | undefined, position: number) => JsonValue | undefined;

/** A copy of `object` with `key` set to `value`, keeping key order and `__proto__` as data. */
function copyWith(object: JsonObject, key: string, value: JsonValue | undefined): JsonObject {
  const copy: JsonObject = {};
  for (const name of Object.keys(object)) {
    Object.defineProperty(copy, name, {
      value: name === key ? value : object[name],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}

/**
 * `raw` with `rewrite` applied to the text of each comment; `position` is that comment's index in
 * the revision's comment list. Only what changes is copied; `raw` itself is never modified.
 */
function rewriteCommentTexts(source: RevisionSource, raw: JsonObject, rewrite: Rewrite) {
  if (source === 'staff') {
    if (!Object.hasOwn(raw, 'comment')) return raw;
    const next = rewrite(raw.comment, 0);
    return next === raw.comment ? raw : copyWith(raw, 'comment', next);
  }
  let result = raw;
  let position = 0;
  for (const list of VENDOR_LISTS) {
    const items = raw[list];
    if (!Array.isArray(items)) continue;
    let changed = false;
    const rewritten = items.map((item) => {
      const at = position++;
      if (!isJsonObject(item) || !Object.hasOwn(item, 'comments')) return item;
      const next = rewrite(item.comments, at);
      if (next === item.comments) return item;
      changed = true;
      return copyWith(item, 'comments', next);
    });
    if (changed) result = copyWith(result, list, rewritten);
  }
  return result;
}

/** The body to store: each comment text that the comment list also holds replaced by `null`. */
export function detachCommentTexts(
  source: RevisionSource,
  raw: JsonObject,
  comments: readonly ReviewComment[],
): JsonObject {
  return rewriteCommentTexts(source, raw, (value, position) =>
    typeof value === 'string' && comments[position]?.comment === value ? null : value,
  );
}

/** The body as received: the stored body with each detached comment text put back. */
export function attachCommentTexts(
  source: RevisionSource,
  stored: JsonObject,
  comments: readonly ReviewComment[],
): JsonObject {
  return rewriteCommentTexts(source, stored, (value, position) => {
    const listed = comments[position];
    return value === null && listed !== undefined ? listed.comment : value;
  });
}
