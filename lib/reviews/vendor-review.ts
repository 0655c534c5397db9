import * as z from 'zod/mini';
import { MalformedPayload } from '../errors.js';
import { parseWith } from '../validation.js';
import { FIELD_LIMITS } from './field-limits.js';
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
    // The attempt code is edX's uppercase UUID, stored in a column of this width.
    examCode: z.string().check(z.minLength(1), z.maxLength(FIELD_LIMITS.attemptCode)),
    ssiRecordLocator: z.string(),
  }),
  reviewStatus: z.string(),
  webCamComments: z.optional(z.array(vendorComment)),
  desktopComments: z.optional(z.array(vendorComment)),
});

export type VendorReview = z.infer<typeof vendorReviewSchema>;
export type VendorComment = z.infer<typeof vendorComment>;

/** The one field that is never stored, logged or published in plaintext. */
export const VIDEO_LINK_FIELD = 'videoReviewLink';

/** Validates a parsed JSON body; the error names the first offending field. */
export function parseVendorReview(body: unknown): { review: VendorReview; payload: JsonObject } {
  if (!isJsonObject(body)) {
    throw new MalformedPayload('The request body must be a JSON object');
  }
  return { review: parseWith(vendorReviewSchema, body, 'review payload'), payload: body };
}
