import { BadReviewStatus, CallbackAttemptNotFound, SuspiciousLookup } from '../errors.js';
import type { Logger } from '../log.js';
import { decideVendorWrite, type WriteResult, writeRevision } from './append-revision.js';
import { contentHash, withoutKey } from './json.js';
import type { ReviewStore } from './ports.js';
import type { ReviewComment, RevisionDraft } from './review.js';
import { isReviewStatus } from './statuses.js';
import { parseVendorReview, type VendorReview, VIDEO_LINK_FIELD } from './vendor-review.js';
import type { VideoUrlCipher } from './video-url.js';

export interface VendorReviewDependencies {
  store: ReviewStore;
  allowReviewUpdates: boolean;
  allowCallbackSimulation: boolean;
  /** Absent when no video key is configured: the link is then dropped, as edX does. */
  videoUrlCipher: VideoUrlCipher | undefined;
  log: Logger;
  now?: () => Date;
}

/**
 * Accepts a vendor review (edX `AnonymousReviewCallback` + `make_review`).
 *
 * Primary course:
 * 1. validate the fields the service reads (`malformed_payload`);
 * 2. find the attempt, live or archived (`attempt_not_found`);
 * 3. match `ssiRecordLocator` to the attempt's external id, ignoring case, unless simulating
 *    (`suspicious_lookup`);
 * 4. check the review status (`bad_review_status`);
 * 5. drop `videoReviewLink`, keeping it only encrypted;
 * 6. apply the re-delivery and update rules and write the revision with its comments atomically.
 *
 * The attempt's status is not touched here: the stream workflow does that once per revision.
 */
export async function receiveVendorReview(
  deps: VendorReviewDependencies,
  body: unknown,
): Promise<WriteResult> {
  const { review, payload } = parseVendorReview(body);
  const attemptCode = review.examMetaData.examCode;
  // Stryker disable next-line ObjectLiteral: log text only (fields added to every line)
  const log = deps.log.child({ attemptCode });

  const { attempt, head } = await deps.store.getAttemptAndHead(attemptCode);
  if (!attempt) throw new CallbackAttemptNotFound(attemptCode);

  if (!deps.allowCallbackSimulation) {
    const locator = review.examMetaData.ssiRecordLocator.toLowerCase();
    if (attempt.externalId === null || attempt.externalId.toLowerCase() !== locator) {
      throw new SuspiciousLookup(attemptCode);
    }
  }

  const reviewStatus = review.reviewStatus;
  if (!isReviewStatus(reviewStatus)) throw new BadReviewStatus(reviewStatus);

  const videoLink = payload[VIDEO_LINK_FIELD];
  const hash = contentHash(payload);
  const draft: RevisionDraft = {
    source: 'vendor',
    reviewStatus,
    reviewedBy: null,
    rawData: withoutKey(payload, VIDEO_LINK_FIELD),
    contentHash: hash,
    encryptedVideoUrl:
      deps.videoUrlCipher && typeof videoLink === 'string' && videoLink.length > 0
        ? deps.videoUrlCipher.encrypt(videoLink, attemptCode)
        : null,
    comments: vendorComments(review),
    receivedAt: (deps.now?.() ?? new Date()).toISOString(),
  };

  const result = await writeRevision(
    deps.store,
    attemptCode,
    head,
    (current) => decideVendorWrite(attemptCode, current, hash, deps.allowReviewUpdates),
    draft,
  );
  // Stryker disable next-line StringLiteral,ConditionalExpression,EqualityOperator,ObjectLiteral: log text only
  log.info(result.kind === 'stored' ? 'vendor review stored' : 'vendor review re-delivered', {
    revision: result.revision,
    reviewStatus,
    archived: attempt.archived,
    comments: draft.comments.length,
  });
  return result;
}

/** edX saves webcam comments first, then desktop ones, each list in the order received. */
export function vendorComments(review: VendorReview): ReviewComment[] {
  const lists = [
    ['webcam', review.webCamComments ?? []],
    ['desktop', review.desktopComments ?? []],
  ] as const;
  return lists.flatMap(([source, comments]) =>
    comments.map((comment) => ({
      start: comment.eventStart,
      stop: comment.eventFinish,
      duration: comment.duration,
      comment: comment.comments,
      status: comment.eventStatus,
      source,
    })),
  );
}
