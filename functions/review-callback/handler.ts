import { MethodNotAllowed } from '../../lib/errors.js';
import {
  assertBodySize,
  header,
  jsonResponse,
  parseJsonBody,
  rawBody,
} from '../../lib/http/api-gateway.js';
import { httpFunction } from '../../lib/http/middleware.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../lib/http/signature.js';
import { type Logger, shapeOf } from '../../lib/log.js';
import type { ReviewStore } from '../../lib/reviews/ports.js';
import { receiveVendorReview } from '../../lib/reviews/receive-vendor-review.js';
import type { VideoUrlCipher } from '../../lib/reviews/video-url.js';
import type { SecretListReader } from '../../lib/secrets.js';

export interface ReviewCallbackDependencies {
  store: ReviewStore;
  log: Logger;
  allowReviewUpdates: boolean;
  allowCallbackSimulation: boolean;
  /** Absent when `CALLBACK_AUTH` is `none`. */
  callbackSecrets: SecretListReader | undefined;
  videoUrlCipher: () => Promise<VideoUrlCipher | undefined>;
  now?: () => Date;
}

/**
 * `POST /api/edx_proctoring/proctoring_review_callback/`: the vendor's review callback. Checks run
 * cheapest first and nothing is stored unless every one passes: method, size, signature, JSON, then
 * the review rules of `receiveVendorReview`.
 */
export function createReviewCallbackHandler(deps: ReviewCallbackDependencies) {
  const now = deps.now ?? (() => new Date());
  return httpFunction(async (event, context) => {
    if (event.httpMethod !== 'POST') throw new MethodNotAllowed(event.httpMethod, ['POST']);
    const body = rawBody(event);
    assertBodySize(body);
    if (deps.callbackSecrets) {
      verifySignature(
        {
          timestamp: header(event, TIMESTAMP_HEADER),
          signature: header(event, SIGNATURE_HEADER),
          body,
        },
        await deps.callbackSecrets(),
        Math.floor(now().getTime() / 1000),
      );
    }
    const payload = parseJsonBody(body);
    // Field names and sizes only: comments and the learner's details never reach a log line.
    context.log.debug('vendor review received', { bytes: body.length, fields: shapeOf(payload) });
    await receiveVendorReview(
      {
        store: deps.store,
        allowReviewUpdates: deps.allowReviewUpdates,
        allowCallbackSimulation: deps.allowCallbackSimulation,
        videoUrlCipher: await deps.videoUrlCipher(),
        log: context.log,
        now,
      },
      payload,
    );
    return jsonResponse(200, 'OK');
  }, deps.log);
}
