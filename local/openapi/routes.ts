import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import { MAX_BODY_BYTES } from '../../lib/http/api-gateway.js';
import {
  Accepted,
  Attempt,
  AttemptCode,
  AttemptPage,
  AttemptQueueQuery,
  AttemptRegistration,
  errorWith,
  Health,
  InternalError,
  ReprocessRequest,
  ReprocessResult,
  ReviewHistory,
  ReviewHistoryQuery,
  StaffReview,
  StaffReviewRecorded,
  Unhealthy,
  VendorReview,
} from './components.js';

/**
 * The route table behind `docs/openapi.json`: one entry per operation, with the zod schemas of its
 * parameters, body and answers. A new route is one more entry here (plus its schemas in
 * `components.ts`); `npm run openapi` then rewrites the document.
 */

export type Method = 'get' | 'put' | 'post' | 'delete';

/** Who may call: the vendor's HMAC signature, IAM (SigV4) in AWS, or anyone. */
export type Authorisation = 'vendor-signature' | 'iam' | 'none';

export interface AnswerSpec {
  description: string;
  /** The JSON body; absent for an answer without one. */
  body?: z.ZodType;
  /** For a refusal: the codes its `{detail, code}` body may carry. */
  codes?: readonly [string, ...string[]];
  headers?: Record<string, { description: string; required?: boolean }>;
}

export interface RouteSpec {
  method: Method;
  /** The path as OpenAPI writes it, e.g. `/internal/attempts/{attemptCode}`. */
  path: string;
  operationId: string;
  tag: 'vendor' | 'internal' | 'operations' | 'local stack';
  summary: string;
  description: string;
  authorisation: Authorisation;
  /** Answered by the local stack only; not part of the deployed API. */
  localOnly?: boolean;
  pathParameters?: Record<string, z.core.$ZodType>;
  /** Each key of the object is one query parameter. */
  query?: z.core.$ZodObject;
  body?: { schema: z.core.$ZodType; description: string; example?: unknown };
  answers: Record<number, AnswerSpec>;
}

const EXAMPLES = resolve(import.meta.dirname, '../../docs/examples');
const example = (name: string): unknown =>
  JSON.parse(readFileSync(resolve(EXAMPLES, name), 'utf8'));

export const refused = (description: string, ...codes: [string, ...string[]]): AnswerSpec => ({
  description,
  body: errorWith(codes),
  codes,
});

const RETRY_AFTER = {
  'Retry-After': { description: 'Seconds to wait before retrying (1).', required: true },
};

/** What any function may answer when something other than the request is wrong. */
const failures = (...codes: [string, ...string[]]): Record<number, AnswerSpec> => ({
  500: { description: 'An unexpected failure; nothing was stored.', body: InternalError },
  503: {
    ...refused(
      'A dependency is throttling or timing out (`service_unavailable`), or, for writes, other requests kept winning the race for the same attempt (`concurrent_update`). Nothing was stored; retry.',
      ...codes,
    ),
    headers: RETRY_AFTER,
  },
});

const TOO_LARGE = refused(
  `The body is larger than ${MAX_BODY_BYTES} bytes (1 MiB).`,
  'payload_too_large',
);

const attemptPath = { attemptCode: AttemptCode };

export const ROUTES: readonly RouteSpec[] = [
  {
    method: 'post',
    path: '/api/edx_proctoring/proctoring_review_callback/',
    operationId: 'receiveVendorReview',
    tag: 'vendor',
    summary: "The vendor's review of an exam attempt",
    description:
      "edX's SoftwareSecure review callback, at edX's path (also served without the trailing slash). The body is parsed as JSON whatever the Content-Type says, must be valid UTF-8, at most 1 MiB and at most 32 levels deep. An accepted review becomes the attempt's next review revision, which the workflow then applies. A callback equal to any review the vendor already sent for the attempt (a re-delivery, a late retry or a replay) is answered 200 and changes nothing. No refused request leaves anything stored.",
    authorisation: 'vendor-signature',
    body: {
      schema: VendorReview,
      description: 'The review, signed over its exact bytes.',
      example: example('review.json'),
    },
    answers: {
      200: {
        description: 'Accepted, or an identical earlier review re-sent (nothing changes then).',
        body: Accepted,
      },
      400: refused(
        "`malformed_payload`: not JSON, not an object, not UTF-8, nested too deep, or a field the service reads is missing or mistyped (the detail names it). `attempt_not_found`: no attempt, live or archived, has this `examCode`. `suspicious_lookup`: `ssiRecordLocator` does not match the attempt's `externalId` (case-insensitive). `bad_review_status`: `reviewStatus` is not exactly one of the four statuses. `review_already_exists`: a different review was already received and `ALLOW_REVIEW_UPDATES` is false.",
        'malformed_payload',
        'attempt_not_found',
        'suspicious_lookup',
        'bad_review_status',
        'review_already_exists',
      ),
      401: refused(
        'The signature headers are missing or malformed, the timestamp is more than 300 s from the current time, or no configured secret produces the signature.',
        'invalid_signature',
      ),
      413: TOO_LARGE,
      ...failures('service_unavailable', 'concurrent_update'),
    },
  },
  {
    method: 'put',
    path: '/internal/attempts/{attemptCode}',
    operationId: 'registerAttempt',
    tag: 'internal',
    summary: 'Register or replace an attempt',
    description:
      'What the LMS calls when it registers the exam attempt with the vendor. Replaces a live attempt of the same code entirely.',
    authorisation: 'iam',
    pathParameters: attemptPath,
    body: {
      schema: AttemptRegistration,
      description: 'The attempt.',
      example: example('attempt.json'),
    },
    answers: {
      200: { description: 'The attempt as stored.', body: Attempt },
      400: refused(
        'The body or the attempt code is malformed; the detail names the field.',
        'malformed_payload',
      ),
      409: refused(
        'The attempt is archived and cannot be replaced; a reset attempt gets a new code.',
        'attempt_archived',
      ),
      413: TOO_LARGE,
      ...failures('service_unavailable'),
    },
  },
  {
    method: 'get',
    path: '/internal/attempts/{attemptCode}',
    operationId: 'readAttempt',
    tag: 'internal',
    summary: 'Read an attempt and its latest review',
    description:
      'The attempt as registered, its current status, whether it is archived, and the latest review revision with its comments.',
    authorisation: 'iam',
    pathParameters: attemptPath,
    answers: {
      200: { description: 'The attempt.', body: Attempt },
      400: refused('The attempt code is malformed.', 'malformed_payload'),
      404: refused('No attempt has this code.', 'attempt_not_found'),
      ...failures('service_unavailable'),
    },
  },
  {
    method: 'delete',
    path: '/internal/attempts/{attemptCode}',
    operationId: 'archiveAttempt',
    tag: 'internal',
    summary: 'Archive an attempt',
    description:
      "edX's reset or removal of an attempt. It keeps its last status; reviews received later are stored and announced (`review_received` with `is_archived: true`) but never change it. Archiving an archived attempt answers the same.",
    authorisation: 'iam',
    pathParameters: attemptPath,
    answers: {
      200: { description: 'The archived attempt.', body: Attempt },
      400: refused('The attempt code is malformed.', 'malformed_payload'),
      404: refused('No attempt has this code.', 'attempt_not_found'),
      ...failures('service_unavailable'),
    },
  },
  {
    method: 'put',
    path: '/internal/attempts/{attemptCode}/review',
    operationId: 'recordStaffReview',
    tag: 'internal',
    summary: 'Record a staff review',
    description:
      "A staff member's review (edX's admin edit). Always accepted, whatever `ALLOW_REVIEW_UPDATES` says: it becomes the next review revision with `reviewedBy` set, and the workflow applies it (a staff `Suspicious` rejects directly and asks support for nothing).",
    authorisation: 'iam',
    pathParameters: attemptPath,
    body: {
      schema: StaffReview,
      description: 'The review.',
      example: {
        reviewStatus: 'Suspicious',
        reviewedBy: 'staff@example.org',
        comment: 'Confirmed after watching the recording',
      },
    },
    answers: {
      200: { description: 'The revision the review became.', body: StaffReviewRecorded },
      400: refused(
        '`malformed_payload`: the body or the attempt code is malformed (the detail names the field). `bad_review_status`: `reviewStatus` is not one of the four statuses.',
        'malformed_payload',
        'bad_review_status',
      ),
      404: refused('No attempt has this code.', 'attempt_not_found'),
      413: TOO_LARGE,
      ...failures('service_unavailable', 'concurrent_update'),
    },
  },
  {
    method: 'get',
    path: '/internal/attempts',
    operationId: 'listAttempts',
    tag: 'internal',
    summary: 'List the attempts with a status (the staff queue)',
    description:
      'The live attempts whose current status is `status`, most recently changed first, in pages read from an index. `status=second_review_required` lists the attempts waiting for a staff review. Archived attempts are not listed. Each item is the attempt as `readAttempt` answers it.',
    authorisation: 'iam',
    query: AttemptQueueQuery,
    answers: {
      200: { description: 'One page.', body: AttemptPage },
      400: refused(
        'An unknown `status`, a `limit` outside 1 to 100, or a `cursor` this service did not issue for this status (or that was changed); the detail names the parameter.',
        'malformed_payload',
      ),
      ...failures('service_unavailable'),
    },
  },
  {
    method: 'get',
    path: '/internal/attempts/{attemptCode}/reviews',
    operationId: 'readReviewHistory',
    tag: 'internal',
    summary: "Read every revision of an attempt's review",
    description:
      "The whole history of the attempt's review, oldest revision first, each with what the workflow did with it (`outcome`, null until it was processed). An attempt without a review answers an empty list. A history too large for one answer (many revisions near the 1 MiB body limit) comes in pages: the answer then carries `next`, to pass as `cursor`.",
    authorisation: 'iam',
    pathParameters: attemptPath,
    query: ReviewHistoryQuery,
    answers: {
      200: { description: 'The history, or its oldest part and `next`.', body: ReviewHistory },
      400: refused(
        'The attempt code is malformed, or the `cursor` was not issued for this attempt (or was changed).',
        'malformed_payload',
      ),
      404: refused('No attempt has this code.', 'attempt_not_found'),
      ...failures('service_unavailable'),
    },
  },
  {
    method: 'get',
    path: '/internal/attempts/{attemptCode}/review/video',
    operationId: 'readReviewVideo',
    tag: 'internal',
    summary: "Go to the vendor's recording",
    description:
      "Redirects to the decrypted `videoReviewLink` of the newest revision that has one (edX's instructor-dashboard link); with `VIDEO_LINK_HTML5`, `DirectLink-Generic` becomes `DirectLink-HTML5`. The log names who asked and for which attempt, never the link.",
    authorisation: 'iam',
    pathParameters: attemptPath,
    answers: {
      302: {
        description: 'To the recording.',
        headers: {
          Location: { description: 'The recording link.', required: true },
          'Cache-Control': {
            description: '`no-store`: no cache may keep the link.',
            required: true,
          },
        },
      },
      400: refused('The attempt code is malformed.', 'malformed_payload'),
      404: refused(
        '`attempt_not_found`: no attempt has this code. `video_not_available`: the attempt is archived, has no review, no revision has a link, or the stored link does not decrypt.',
        'attempt_not_found',
        'video_not_available',
      ),
      ...failures('service_unavailable'),
    },
  },
  {
    method: 'post',
    path: '/internal/reviews/reprocess',
    operationId: 'reprocessReviews',
    tag: 'operations',
    summary: 'Run the review revisions of a time range through the workflow',
    description:
      "edX's `update_attempt_status_from_review`: every revision received in `[from, to)` without a recorded outcome is processed now, exactly as the stream would (same decision, guards and event ids); with `republish`, revisions that have one publish their events again, unchanged. At most 100 revisions per call; call again with `next` as `cursor` until it is null. `npm run reprocess` does the paging.",
    authorisation: 'iam',
    body: {
      schema: ReprocessRequest,
      description: 'The range.',
      example: { from: '2026-03-04T09:00:00Z', to: '2026-03-04T12:00:00Z', republish: false },
    },
    answers: {
      200: { description: 'One page done.', body: ReprocessResult },
      400: refused(
        '`from` not before `to`, a range over 31 days, a time that is not ISO 8601, or a `cursor` not issued for this range and `republish`; the detail names the field.',
        'malformed_payload',
      ),
      413: TOO_LARGE,
      500: { description: 'An unexpected failure.', body: InternalError },
      503: {
        ...refused(
          '`reprocess_incomplete`: a revision of the page could not be processed; `service_unavailable`: a dependency is throttling or timing out. Nothing is applied twice: repeat the same request.',
          'reprocess_incomplete',
          'service_unavailable',
        ),
        headers: RETRY_AFTER,
      },
    },
  },
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    tag: 'local stack',
    summary: 'Is the local pipeline ready?',
    description:
      'Local stack only. 200 once every part of the pipeline works, 503 while one does not.',
    authorisation: 'none',
    localOnly: true,
    answers: {
      200: { description: 'Ready.', body: Health },
      503: { description: 'A part of the pipeline is not working.', body: Unhealthy },
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openApiDocument',
    tag: 'local stack',
    summary: 'This document',
    description: 'Local stack only: `docs/openapi.json` as committed.',
    authorisation: 'none',
    localOnly: true,
    answers: {
      200: { description: 'The OpenAPI document.', body: z.record(z.string(), z.unknown()) },
    },
  },
];
