import type { LogLevel } from './config.js';

/**
 * Structured JSON logs, one object per line. Every field passes through `redact`, so a payload,
 * header map or error can be logged without leaking the video link, a signature or a secret.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): Logger;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export const REDACTED = '[redacted]';

/** Keys whose values never reach a log line, compared case-insensitively. */
const SENSITIVE_KEY =
  /^(videoreviewlink|encryptedvideourl|x-proctoring-signature|authorization|cookie|examPassword|userPhotoBase64String|callback_secret|video_url_key)$|secret|password|signature|token/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12) return '[truncated]';
  if (value instanceof Error) return serializeError(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const field = (value as Record<string, unknown>)[key];
      Object.defineProperty(copy, key, {
        value: SENSITIVE_KEY.test(key) ? REDACTED : redact(field, depth + 1),
        enumerable: true,
      });
    }
    return copy;
  }
  return value;
}

/** How many fields `shapeOf` lists, and how much of each name it keeps. */
const SHAPE_MAX_FIELDS = 50;
const SHAPE_MAX_NAME_CHARS = 64;

function sizeOf(value: unknown): string {
  if (Array.isArray(value)) return `array(${value.length})`;
  if (value === null) return 'null';
  if (typeof value === 'object') return `object(${Object.keys(value).length})`;
  if (typeof value === 'string') return `string(${value.length})`;
  return typeof value;
}

/**
 * What a client's document looks like, without anything it says: its top-level field names (cut
 * to 64 characters, at most 50 of them) with each value's kind and size, e.g.
 * `{ reviewStatus: 'string(10)', webCamComments: 'array(2)' }`. Debug logs show this instead of
 * the document, so no comment text or other learner data reaches a log line at any level.
 */
export function shapeOf(document: unknown): Record<string, string> | string {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    return sizeOf(document);
  }
  const keys = Object.keys(document);
  const shape: Record<string, string> = {};
  for (const key of keys.slice(0, SHAPE_MAX_FIELDS)) {
    const name = key.length > SHAPE_MAX_NAME_CHARS ? `${key.slice(0, SHAPE_MAX_NAME_CHARS)}…` : key;
    Object.defineProperty(shape, name, {
      value: sizeOf((document as Record<string, unknown>)[key]),
      enumerable: true,
      configurable: true,
    });
  }
  if (keys.length > SHAPE_MAX_FIELDS) shape['…'] = `${keys.length - SHAPE_MAX_FIELDS} more fields`;
  return shape;
}

function serializeError(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

export interface LoggerOptions {
  level: LogLevel;
  service?: string;
  /** Where lines go; stdout by default (CloudWatch Logs in Lambda). */
  sink?: (line: string) => void;
  clock?: () => Date;
}

export function createLogger(options: LoggerOptions, base: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level];
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const service = options.service ?? 'proctoring-reviews';
  const redactedBase = redact(base) as Record<string, unknown>;

  const write = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const line = {
      level,
      time: clock().toISOString(),
      service,
      message,
      ...redactedBase,
      ...(fields ? (redact(fields) as Record<string, unknown>) : {}),
    };
    sink(JSON.stringify(line));
  };

  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything, for tests and benchmarks that do not look at logs. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
