import type { JsonObject } from './json.js';
import type { AttemptStatus, ReviewOutcomeStatus, ReviewStatus } from './statuses.js';

/**
 * A review is a sequence of revisions per attempt: every accepted vendor callback or staff review
 * appends one. The stream workflow runs once per revision.
 */

/** Where a comment came from: the vendor's two comment lists, or a staff member. */
export const COMMENT_SOURCES = ['webcam', 'desktop', 'staff'] as const;
export type CommentSource = (typeof COMMENT_SOURCES)[number];

export interface ReviewComment {
  start: number;
  stop: number;
  duration: number;
  comment: string;
  /** The reviewer's judgement of this moment, stored as sent (edX does not validate it). */
  status: string;
  source: CommentSource;
}

export const REVISION_SOURCES = ['vendor', 'staff'] as const;
export type RevisionSource = (typeof REVISION_SOURCES)[number];

/** A revision as written: everything but its number, which the store assigns under a guard. */
export interface RevisionDraft {
  source: RevisionSource;
  reviewStatus: ReviewStatus;
  /** The staff member who reviewed, or null for the vendor. */
  reviewedBy: string | null;
  /** The request body of this revision; for a vendor revision, without `videoReviewLink`. */
  rawData: JsonObject;
  /** SHA-256 of the canonical JSON of the whole request body as received. */
  contentHash: string;
  /** The encrypted `videoReviewLink`, when the vendor sent one and a key is configured. */
  encryptedVideoUrl: string | null;
  /** Webcam comments first, then desktop, each in the order received. */
  comments: ReviewComment[];
  receivedAt: string;
}

export interface StoredRevision extends RevisionDraft {
  revision: number;
}

/** What the store keeps per attempt to settle re-deliveries and races. */
export interface ReviewHead {
  /** The latest revision number (vendor or staff). */
  revision: number;
  /**
   * The content hash of every vendor revision so far, mapped to its revision number: a callback
   * equal to any of them is a re-send, however old (docs/api.md).
   */
  vendorHashes: Readonly<Record<string, number>>;
}

/**
 * What the workflow did with a revision:
 * - `applied`: the attempt was live and this revision was newer than any applied before; the
 *   attempt now carries `toStatus` (which may equal `fromStatus`);
 * - `archived`: the attempt was archived, so its status was left alone;
 * - `superseded`: a newer revision had already been applied (this one arrived late), so the
 *   attempt was left alone.
 */
export const DISPOSITIONS = ['applied', 'archived', 'superseded'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/** The part of a revision's recorded outcome that staff see in the review history. */
export interface RevisionOutcomeSummary {
  decidedStatus: ReviewOutcomeStatus;
  fromStatus: AttemptStatus;
  toStatus: AttemptStatus;
  disposition: Disposition;
  processedAt: string;
}

/** A revision with what the workflow did with it: null while it has not processed it. */
export interface RevisionWithOutcome extends StoredRevision {
  outcome: RevisionOutcomeSummary | null;
}
