/**
 * Errors that carry their HTTP meaning. `functions/` turns them into responses in one place
 * (`lib/http/errors-to-http.ts`); anything that is not a `ServiceError` becomes a bare 500.
 */
export abstract class ServiceError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  override readonly name: string = this.constructor.name;
}

/** The body is not JSON, not an object, or misses or mistypes a field the service reads. */
export class MalformedPayload extends ServiceError {
  readonly status = 400;
  readonly code = 'malformed_payload';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Raised by the vendor callback: edX answers 400 when a callback names an attempt it does not know
 * (the vendor's request is wrong, not the route).
 */
export class CallbackAttemptNotFound extends ServiceError {
  readonly status = 400;
  readonly code = 'attempt_not_found';
  constructor(attemptCode: string) {
    super(`Could not locate attempt_code=${attemptCode}`);
  }
}

/** Raised by the internal API: the attempt named in the path does not exist, a 404. */
export class InternalAttemptNotFound extends ServiceError {
  readonly status = 404;
  readonly code = 'attempt_not_found';
  constructor(attemptCode: string) {
    super(`No attempt has attempt_code=${attemptCode}`);
  }
}

/**
 * Raised by the internal API's video link route: the attempt is archived, has no review, no
 * revision carries a link, or the stored link does not decrypt. One answer for all of them, so
 * the route does not tell which.
 */
export class VideoNotAvailable extends ServiceError {
  readonly status = 404;
  readonly code = 'video_not_available';
  constructor(attemptCode: string) {
    super(`No review video is available for attempt_code=${attemptCode}`);
  }
}

export class SuspiciousLookup extends ServiceError {
  readonly status = 400;
  readonly code = 'suspicious_lookup';
  constructor(attemptCode: string) {
    // The recorded external id is not echoed back: the caller does not know it and should not learn it.
    super(
      `Found attempt_code ${attemptCode}, but the recorded external_id did not match the ssiRecordLocator that had been recorded previously`,
    );
  }
}

/** The most characters of a client's value that an answer or log line repeats back. */
export const ECHO_MAX_CHARS = 64;

/** A client's value, cut to `max` characters (whole code points) so echoing it costs little. */
export function echoed(value: string, max = ECHO_MAX_CHARS): string {
  if (value.length <= max) return value;
  let kept = '';
  let count = 0;
  for (const character of value) {
    if (count++ === max) break;
    kept += character;
  }
  return `${kept}… (${value.length} characters)`;
}

export class BadReviewStatus extends ServiceError {
  readonly status = 400;
  readonly code = 'bad_review_status';
  constructor(received: string) {
    super(`Received unexpected reviewStatus field value from payload. Was ${echoed(received)}.`);
  }
}

export class ReviewAlreadyExists extends ServiceError {
  readonly status = 400;
  readonly code = 'review_already_exists';
  constructor(attemptCode: string) {
    super(
      `We already have a review submitted regarding attempt_code=${attemptCode}. We do not allow for updates!`,
    );
  }
}

export class InvalidSignature extends ServiceError {
  readonly status = 401;
  readonly code = 'invalid_signature';
}

export class RouteNotFound extends ServiceError {
  readonly status = 404;
  readonly code = 'not_found';
  constructor() {
    super('Not found.');
  }
}

export class MethodNotAllowed extends ServiceError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  constructor(
    method: string,
    readonly allowed: readonly string[],
  ) {
    super(`Method "${method}" not allowed.`);
  }
}

export class AttemptArchived extends ServiceError {
  readonly status = 409;
  readonly code = 'attempt_archived';
  constructor(attemptCode: string) {
    super(
      `Attempt ${attemptCode} is archived and cannot be replaced; register the new attempt under a new code`,
    );
  }
}

export class PayloadTooLarge extends ServiceError {
  readonly status = 413;
  readonly code = 'payload_too_large';
  constructor(limitBytes: number) {
    super(`Request body exceeds ${limitBytes} bytes.`);
  }
}

/**
 * Too many writers raced for the same attempt and this one kept losing. A 503 asks the caller to
 * retry, which is what a vendor does anyway.
 */
export class ConcurrentUpdate extends ServiceError {
  readonly status = 503;
  readonly code = 'concurrent_update';
  constructor(attemptCode: string) {
    super(`The review of attempt ${attemptCode} is being updated concurrently; retry shortly`);
  }
}

/**
 * Raised by reprocessing: some revisions of the page failed (a dependency down, a write race).
 * Nothing is applied twice, so the caller repeats the same request, cursor included.
 */
export class ReprocessIncomplete extends ServiceError {
  readonly status = 503;
  readonly code = 'reprocess_incomplete';
  constructor(failed: number) {
    super(`${failed} review revision(s) of this page could not be processed; repeat the request`);
  }
}

/** A setting is missing or invalid. Thrown at start-up, never answered to a caller. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
