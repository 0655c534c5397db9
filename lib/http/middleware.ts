import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { Logger } from '../log.js';
import { errorToResponse } from './errors-to-http.js';

/** The Lambda context plus a logger that already carries the request's identifiers. */
export type HttpContext = Context & { log: Logger };

export type HttpHandler = (
  event: APIGatewayProxyEvent,
  context: HttpContext,
) => Promise<APIGatewayProxyResult>;

/** Adds `context.log` with the request id and route, and writes one access line per request. */
function requestLogging(
  log: Logger,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, HttpContext> {
  const started = new WeakMap<object, number>();
  const accessLine = (request: {
    event: APIGatewayProxyEvent;
    context: HttpContext;
    response: APIGatewayProxyResult | null;
  }) => {
    request.context.log.info('request handled', {
      status: request.response?.statusCode,
      durationMs: Date.now() - (started.get(request.event) ?? Date.now()),
    });
  };
  return {
    before: (request) => {
      started.set(request.event, Date.now());
      request.context.log = log.child({
        requestId: request.event.requestContext?.requestId ?? request.context.awsRequestId,
        method: request.event.httpMethod,
        path: request.event.path,
      });
    },
    after: accessLine,
    onError: accessLine,
  };
}

/** Turns any error into the documented answer. Registered first, so its `onError` runs last. */
function errorResponses(): MiddlewareObj<
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  Error,
  HttpContext
> {
  return {
    onError: (request) => {
      request.response = errorToResponse(request.error, request.context.log);
    },
  };
}

/**
 * The fixed middleware order for every HTTP function: errors are mapped first, then the access
 * line sees the final status code.
 */
export function httpFunction(
  handler: HttpHandler,
  log: Logger,
): (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult> {
  const wrapped = middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, HttpContext>(handler)
    .use(requestLogging(log))
    .use(errorResponses());
  // Lambda passes a plain context; `requestLogging` adds `log` before the handler runs.
  return (event, context) => wrapped(event, context as HttpContext);
}
