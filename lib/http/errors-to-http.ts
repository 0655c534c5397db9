import type { APIGatewayProxyResult } from 'aws-lambda';
import { isTransientAwsError } from '../aws-clients.js';
import { MethodNotAllowed, ServiceError } from '../errors.js';
import type { Logger } from '../log.js';
import { jsonResponse } from './api-gateway.js';

/**
 * The one place errors become HTTP answers:
 * - a `ServiceError` answers its own status with `{detail, code}`;
 * - a failing dependency answers 503 so the vendor retries;
 * - anything else is a bare 500 that never carries the internal message.
 */
export function errorToResponse(error: unknown, log: Logger): APIGatewayProxyResult {
  if (error instanceof ServiceError) {
    const headers: Record<string, string> = {};
    if (error instanceof MethodNotAllowed) headers.Allow = error.allowed.join(', ');
    // Every 503 of the service asks the caller to repeat the request.
    if (error.status === 503) headers['Retry-After'] = '1';
    const level = error.status >= 500 ? 'warn' : 'info';
    // Stryker disable next-line StringLiteral: log text only
    log[level]('request refused', {
      status: error.status,
      code: error.code,
      detail: error.message,
    });
    return jsonResponse(error.status, { detail: error.message, code: error.code }, headers);
  }
  if (isTransientAwsError(error)) {
    // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
    log.error('dependency failed', { error });
    return jsonResponse(
      503,
      { detail: 'Service Unavailable', code: 'service_unavailable' },
      { 'Retry-After': '1' },
    );
  }
  // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
  log.error('unexpected failure', { error });
  return jsonResponse(500, { detail: 'Internal Server Error' });
}
