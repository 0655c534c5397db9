import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { CursorCodec } from '../../lib/cursor.js';
import { MethodNotAllowed, RouteNotFound } from '../../lib/errors.js';
import {
  assertBodySize,
  jsonResponse,
  parseJsonBody,
  rawBody,
} from '../../lib/http/api-gateway.js';
import { httpFunction } from '../../lib/http/middleware.js';
import type { Logger } from '../../lib/log.js';
import { listAttemptQueue } from '../../lib/reviews/attempt-queue.js';
import {
  type AttemptRecord,
  archiveAttempt,
  parseAttemptCode,
  readAttempt,
  registerAttempt,
} from '../../lib/reviews/attempts.js';
import type { AttemptStore, ReviewHistoryStore, ReviewStore } from '../../lib/reviews/ports.js';
import { readReviewHistoryPage, readVideoLink } from '../../lib/reviews/review-history.js';
import { recordStaffReview } from '../../lib/reviews/staff-review.js';
import type { VideoUrlCipher } from '../../lib/reviews/video-url.js';
import {
  attemptView,
  bytesInAnswer,
  HISTORY_ANSWER_MAX_BYTES,
  historyView,
} from './attempt-view.js';

export interface InternalApiDependencies {
  store: AttemptStore & ReviewStore & ReviewHistoryStore;
  log: Logger;
  /** Signs and checks the paging cursors of the staff queue and of long review histories. */
  cursors: () => Promise<CursorCodec>;
  /** Decrypts stored video links; undefined when no key is configured. */
  videoUrlCipher: () => Promise<VideoUrlCipher | undefined>;
  videoLinkHtml5: boolean;
  now?: () => Date;
}

const QUEUE_ROUTE = /^\/internal\/attempts\/?$/;
const ATTEMPT_ROUTE = /^\/internal\/attempts\/([^/]+)\/?$/;
const REVIEW_ROUTE = /^\/internal\/attempts\/([^/]+)\/review\/?$/;
const HISTORY_ROUTE = /^\/internal\/attempts\/([^/]+)\/reviews\/?$/;
const VIDEO_ROUTE = /^\/internal\/attempts\/([^/]+)\/review\/video\/?$/;

function jsonBody(event: APIGatewayProxyEvent): unknown {
  const body = rawBody(event);
  assertBodySize(body);
  return parseJsonBody(body);
}

function attemptCodeFrom(event: APIGatewayProxyEvent, match: RegExpExecArray): string {
  const fromGateway = event.pathParameters?.attemptCode;
  if (fromGateway) return parseAttemptCode(fromGateway);
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(match[1] ?? '');
  } catch {
    decoded = undefined;
  }
  return parseAttemptCode(decoded);
}

function attemptResponse(record: AttemptRecord) {
  return jsonResponse(200, attemptView(record.attempt, record.latest));
}

/** Who called: the IAM principal behind the SigV4 signature in AWS, the address locally. */
function caller(event: APIGatewayProxyEvent): string {
  const identity = event.requestContext?.identity;
  return identity?.userArn ?? identity?.caller ?? `unsigned caller at ${identity?.sourceIp}`;
}

function only(method: string, allowed: string): void {
  if (method !== allowed) throw new MethodNotAllowed(method, [allowed]);
}

/**
 * The internal API (docs/api.md) used by the LMS and support staff: register, read and
 * archive attempts, record staff reviews, list the staff queue, read a review's history and
 * follow its video link. IAM-authorised in AWS.
 */
export function createInternalApiHandler(deps: InternalApiDependencies) {
  return httpFunction(async (event, context) => {
    const method = event.httpMethod;
    const path = event.path;

    if (QUEUE_ROUTE.test(path)) {
      only(method, 'GET');
      const page = await listAttemptQueue(
        { store: deps.store, cursors: await deps.cursors() },
        event.queryStringParameters,
      );
      return jsonResponse(200, {
        items: page.records.map((record) => attemptView(record.attempt, record.latest)),
        next: page.next,
      });
    }

    const history = HISTORY_ROUTE.exec(path);
    if (history) {
      only(method, 'GET');
      const page = await readReviewHistoryPage(
        deps,
        attemptCodeFrom(event, history),
        event.queryStringParameters,
        {
          render: historyView,
          // Each item and the comma after it.
          sizeOf: (item) => bytesInAnswer(item) + 1,
          budgetBytes: HISTORY_ANSWER_MAX_BYTES,
        },
      );
      return jsonResponse(
        200,
        page.next ? { items: page.items, next: page.next } : { items: page.items },
      );
    }

    const video = VIDEO_ROUTE.exec(path);
    if (video) {
      only(method, 'GET');
      const link = await readVideoLink(
        {
          store: deps.store,
          videoUrlCipher: await deps.videoUrlCipher(),
          html5: deps.videoLinkHtml5,
          log: context.log,
        },
        attemptCodeFrom(event, video),
        caller(event),
      );
      // The link is a bearer credential for the recording: no cache may keep it.
      return {
        statusCode: 302,
        headers: { Location: link, 'Cache-Control': 'no-store' },
        body: '',
      };
    }

    const review = REVIEW_ROUTE.exec(path);
    if (review) {
      only(method, 'PUT');
      const attemptCode = attemptCodeFrom(event, review);
      const stored = await recordStaffReview(
        { store: deps.store, log: deps.log, ...(deps.now ? { now: deps.now } : {}) },
        attemptCode,
        jsonBody(event),
      );
      return jsonResponse(200, {
        attemptCode,
        revision: stored.revision,
        reviewStatus: stored.reviewStatus,
        reviewedBy: stored.reviewedBy,
        receivedAt: stored.receivedAt,
      });
    }

    const attempt = ATTEMPT_ROUTE.exec(path);
    if (!attempt) throw new RouteNotFound();
    switch (method) {
      case 'GET':
        return attemptResponse(await readAttempt(deps, attemptCodeFrom(event, attempt)));
      case 'PUT': {
        const attemptCode = attemptCodeFrom(event, attempt);
        return attemptResponse(await registerAttempt(deps, attemptCode, jsonBody(event)));
      }
      case 'DELETE':
        return attemptResponse(await archiveAttempt(deps, attemptCodeFrom(event, attempt)));
      default:
        throw new MethodNotAllowed(method, ['GET', 'PUT', 'DELETE']);
    }
  }, deps.log);
}
