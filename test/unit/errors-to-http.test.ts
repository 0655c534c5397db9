import { describe, expect, it } from 'vitest';
import { isTransientAwsError } from '../../lib/aws-clients.js';
import {
  AttemptArchived,
  ConcurrentUpdate,
  InvalidSignature,
  MethodNotAllowed,
  ServiceError,
} from '../../lib/errors.js';
import { errorToResponse } from '../../lib/http/errors-to-http.js';
import { capturedLog } from '../support/harness.js';

/** An AWS SDK v3 service exception as the SDK throws it: `$metadata` marks it. */
function awsError(name: string, fields: { $fault?: string; $retryable?: unknown } = {}) {
  return Object.assign(new Error(`${name} from AWS`), {
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    ...fields,
  });
}

/** A Node.js system error (socket, DNS): a `code`, no `$metadata`. */
function networkError(code: string) {
  return Object.assign(new Error(`connect ${code}`), { code });
}

const SERVICE_UNAVAILABLE = {
  statusCode: 503,
  headers: { 'Content-Type': 'application/json', 'Retry-After': '1' },
  body: JSON.stringify({ detail: 'Service Unavailable', code: 'service_unavailable' }),
};

const INTERNAL_ERROR = {
  statusCode: 500,
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ detail: 'Internal Server Error' }),
};

describe('errorToResponse: service errors', () => {
  it('answers a service error with its own status, detail and code', () => {
    const { log, entries } = capturedLog();

    const response = errorToResponse(new AttemptArchived('CODE-1'), log);

    expect(response).toEqual({
      statusCode: 409,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        detail:
          'Attempt CODE-1 is archived and cannot be replaced; register the new attempt under a new code',
        code: 'attempt_archived',
      }),
    });
    expect(entries()).toEqual([
      expect.objectContaining({ level: 'info', status: 409, code: 'attempt_archived' }),
    ]);
  });

  it('lists the allowed methods of a 405', () => {
    const response = errorToResponse(
      new MethodNotAllowed('GET', ['POST', 'PUT']),
      capturedLog().log,
    );

    expect(response.statusCode).toBe(405);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', Allow: 'POST, PUT' });
  });

  it('answers a lost write race with a retryable 503, logged as a warning', () => {
    const { log, entries } = capturedLog();

    const response = errorToResponse(new ConcurrentUpdate('CODE-1'), log);

    expect(response).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/json', 'Retry-After': '1' },
      body: JSON.stringify({
        detail: 'The review of attempt CODE-1 is being updated concurrently; retry shortly',
        code: 'concurrent_update',
      }),
    });
    expect(entries().map((entry) => entry.level)).toEqual(['warn']);
  });

  it('logs a service error of status 500 as a warning and one below 500 as information', () => {
    class Teapot extends ServiceError {
      constructor(readonly status: number) {
        super('short and stout');
      }
      readonly code = 'teapot';
    }
    const { log, entries } = capturedLog();

    errorToResponse(new Teapot(500), log);
    errorToResponse(new Teapot(499), log);
    errorToResponse(new InvalidSignature('no'), log);

    expect(entries().map((entry) => [entry.level, entry.status])).toEqual([
      ['warn', 500],
      ['info', 499],
      ['info', 401],
    ]);
  });
});

describe('errorToResponse: failing dependencies', () => {
  it.each([
    ['an AWS server fault', awsError('InternalServerError', { $fault: 'server' })],
    ['a retryable AWS error', awsError('SomethingNew', { $retryable: { throttling: false } })],
    ['ThrottlingException', awsError('ThrottlingException')],
    ['ProvisionedThroughputExceededException', awsError('ProvisionedThroughputExceededException')],
    ['RequestLimitExceeded', awsError('RequestLimitExceeded')],
    ['TooManyRequestsException', awsError('TooManyRequestsException')],
    ['LimitExceededException', awsError('LimitExceededException')],
    ['an SDK timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['ECONNREFUSED', networkError('ECONNREFUSED')],
    ['ECONNRESET', networkError('ECONNRESET')],
    ['ETIMEDOUT', networkError('ETIMEDOUT')],
    ['EPIPE', networkError('EPIPE')],
    ['EAI_AGAIN', networkError('EAI_AGAIN')],
    // The SDK's classification: its timeout name and a server fault mean "retry" wherever they come from.
    ['an AWS error named like a network error', awsError('TimeoutError')],
    ['a server fault outside the SDK', { name: 'Oops', $fault: 'server' }],
    [
      'an HTTP 503 from AWS',
      Object.assign(awsError('Unknown'), { $metadata: { httpStatusCode: 503 } }),
    ],
    ['a 429 from AWS', Object.assign(awsError('Unknown'), { $metadata: { httpStatusCode: 429 } })],
  ])('answers %s with a retryable 503', (_case, error) => {
    const { log, entries } = capturedLog();

    expect(errorToResponse(error, log)).toEqual(SERVICE_UNAVAILABLE);
    expect(isTransientAwsError(error)).toBe(true);
    expect(entries().map((entry) => entry.level)).toEqual(['error']);
  });

  it.each([
    ['a plain error', new Error('bug')],
    ['an AWS client error', awsError('ValidationException')],
    ['an AWS client error without a name', { $metadata: {}, $fault: 'client' }],
    ['another system error', networkError('ENOENT')],
    ['a thrown string', 'ECONNRESET'],
    ['null', null],
    ['undefined', undefined],
  ])('answers %s with a bare 500', (_case, error) => {
    const { log, entries } = capturedLog();

    expect(errorToResponse(error, log)).toEqual(INTERNAL_ERROR);
    expect(isTransientAwsError(error)).toBe(false);
    expect(entries().map((entry) => entry.level)).toEqual(['error']);
  });
});
