import type { APIGatewayProxyEvent } from 'aws-lambda';
import { MethodNotAllowed, RouteNotFound } from '../../lib/errors.js';
import {
  assertBodySize,
  jsonResponse,
  parseJsonBody,
  rawBody,
} from '../../lib/http/api-gateway.js';
import { httpFunction } from '../../lib/http/middleware.js';
import type { Logger } from '../../lib/log.js';
import {
  type AttemptRecord,
  archiveAttempt,
  parseAttemptCode,
  readAttempt,
  registerAttempt,
} from '../../lib/reviews/attempts.js';
import type { AttemptStore, ReviewStore } from '../../lib/reviews/ports.js';
import { recordStaffReview } from '../../lib/reviews/staff-review.js';
import { attemptView } from './attempt-view.js';

export interface InternalApiDependencies {
  store: AttemptStore & ReviewStore;
  log: Logger;
  now?: () => Date;
}

const ATTEMPT_ROUTE = /^\/internal\/attempts\/([^/]+)\/?$/;
const REVIEW_ROUTE = /^\/internal\/attempts\/([^/]+)\/review\/?$/;

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

/**
 * The internal API (CONTRACT 1.2) used by the LMS and support staff: register, read and archive
 * attempts, and record staff reviews. IAM-authorised in AWS.
 */
export function createInternalApiHandler(deps: InternalApiDependencies) {
  return httpFunction(async (event) => {
    const method = event.httpMethod;
    const review = REVIEW_ROUTE.exec(event.path);
    if (review) {
      if (method !== 'PUT') throw new MethodNotAllowed(method, ['PUT']);
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

    const attempt = ATTEMPT_ROUTE.exec(event.path);
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
