import { z } from 'zod';
import { MalformedPayload } from '../errors.js';
import type { JsonObject } from './json.js';
import { isJsonObject } from './json.js';

/**
 * The SoftwareSecure "Reviewer Data Transfer" object: only the fields the service reads are
 * checked here. Everything else is kept as received in the stored raw data.
 */
const vendorComment = z.object({
  eventStart: z.number(),
  eventFinish: z.number(),
  duration: z.number(),
  comments: z.string(),
  eventStatus: z.string(),
});

export const vendorReviewSchema = z.object({
  examMetaData: z.object({
    // The attempt code is edX's uppercase UUID; 255 is edX's column width.
    examCode: z.string().min(1).max(255),
    ssiRecordLocator: z.string(),
  }),
  reviewStatus: z.string(),
  webCamComments: z.array(vendorComment).optional(),
  desktopComments: z.array(vendorComment).optional(),
});

export type VendorReview = z.infer<typeof vendorReviewSchema>;
export type VendorComment = z.infer<typeof vendorComment>;

/** The one field that is never stored, logged or published in plaintext. */
export const VIDEO_LINK_FIELD = 'videoReviewLink';

/** `webCamComments[0].eventStart` style, the way a vendor's engineer would write the path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`,
    )
    .join('');
}

/** A human sentence for a validation issue; `input` is the document that was validated. */
export function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const field = fieldPath(issue.path);
  if (issue.code === 'invalid_type') {
    const missing = valueAt(input, issue.path) === undefined;
    return missing ? `${field} is required` : `${field} must be ${article(issue.expected)}`;
  }
  return `${field}: ${issue.message}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** Validates a parsed JSON body; the error names the first offending field. */
export function parseVendorReview(body: unknown): { review: VendorReview; payload: JsonObject } {
  if (!isJsonObject(body)) {
    throw new MalformedPayload('The request body must be a JSON object');
  }
  const result = vendorReviewSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    if (!issue) throw new MalformedPayload('The review payload is invalid');
    throw new MalformedPayload(
      `Malformed review payload: ${describeIssue(issue, body)}`,
      fieldPath(issue.path),
    );
  }
  return { review: result.data, payload: body };
}
