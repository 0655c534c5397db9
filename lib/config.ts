import * as z from 'zod';
import { ConfigError } from './errors.js';

/**
 * Settings, read once from an environment and validated. Each function loads only the settings it
 * uses; a missing or malformed one stops the cold start with a message naming every problem.
 * The same names are environment variables locally and CDK deployment parameters in AWS.
 */

const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

const resourceName = z.string({ message: 'is required' }).trim().min(1, { message: 'is required' });

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value ? value : undefined));

const logLevel = z.enum(['debug', 'info', 'warn', 'error']).default('info');

const tables = {
  ATTEMPTS_TABLE: resourceName,
  REVIEWS_TABLE: resourceName,
};

const endpoints = {
  /** Points the DynamoDB client at a local engine. Unset in AWS. */
  DYNAMODB_ENDPOINT: optionalText,
  /** Points the EventBridge client at the local bus. Unset in AWS. */
  EVENTBRIDGE_ENDPOINT: optionalText,
};

const callbackSchema = z
  .object({
    ...tables,
    ...endpoints,
    LOG_LEVEL: logLevel,
    ALLOW_REVIEW_UPDATES: flag(true),
    ALLOW_CALLBACK_SIMULATION: flag(false),
    CALLBACK_AUTH: z.enum(['hmac', 'none']).default('hmac'),
    /** Comma-separated secrets, any one of which verifies a signature (rotation). */
    CALLBACK_SECRET: optionalText,
    /** Secrets Manager secret holding the same comma-separated list (used in AWS). */
    CALLBACK_SECRET_ARN: optionalText,
    /** Comma-separated AES-256 keys (64 hex chars each); the first encrypts, all decrypt. */
    VIDEO_URL_KEY: optionalText,
    /** Secrets Manager secret holding the same key list (used in AWS). */
    VIDEO_URL_KEY_ARN: optionalText,
  })
  .superRefine((env, ctx) => {
    if (env.CALLBACK_AUTH === 'hmac' && !env.CALLBACK_SECRET && !env.CALLBACK_SECRET_ARN) {
      ctx.addIssue({
        code: 'custom',
        path: ['CALLBACK_SECRET'],
        message: 'is required when CALLBACK_AUTH is hmac (or set CALLBACK_SECRET_ARN)',
      });
    }
    if (env.CALLBACK_SECRET && env.CALLBACK_SECRET_ARN) {
      ctx.addIssue({
        code: 'custom',
        path: ['CALLBACK_SECRET_ARN'],
        message: 'set either CALLBACK_SECRET or CALLBACK_SECRET_ARN, not both',
      });
    }
    if (env.VIDEO_URL_KEY && env.VIDEO_URL_KEY_ARN) {
      ctx.addIssue({
        code: 'custom',
        path: ['VIDEO_URL_KEY_ARN'],
        message: 'set either VIDEO_URL_KEY or VIDEO_URL_KEY_ARN, not both',
      });
    }
    if (env.VIDEO_URL_KEY) {
      for (const key of splitList(env.VIDEO_URL_KEY)) {
        if (!/^[0-9a-fA-F]{64}$/.test(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['VIDEO_URL_KEY'],
            message: 'each key must be 64 hex characters (32 bytes)',
          });
        }
      }
    }
  });

const internalApiSchema = z.object({ ...tables, ...endpoints, LOG_LEVEL: logLevel });

const workflowSchema = z.object({
  ...tables,
  ...endpoints,
  LOG_LEVEL: logLevel,
  REQUIRE_FAILURE_SECOND_REVIEWS: flag(true),
  EVENT_BUS_NAME: resourceName,
  EVENT_SOURCE: z.string().trim().min(1).default('edx.proctoring'),
});

export type Environment = Readonly<Record<string, string | undefined>>;

export interface StoreSettings {
  attemptsTable: string;
  reviewsTable: string;
  dynamoDbEndpoint: string | undefined;
}

export type LogLevel = z.infer<typeof logLevel>;

/** Where a secret list comes from: the environment (local) or Secrets Manager (AWS). */
export type SecretSource =
  | { kind: 'inline'; values: string[] }
  | { kind: 'secrets-manager'; secretId: string };

export interface CallbackSettings {
  store: StoreSettings;
  logLevel: LogLevel;
  allowReviewUpdates: boolean;
  allowCallbackSimulation: boolean;
  callbackAuth: 'hmac' | 'none';
  callbackSecrets: SecretSource | undefined;
  videoUrlKeys: SecretSource | undefined;
}

export interface InternalApiSettings {
  store: StoreSettings;
  logLevel: LogLevel;
}

export interface WorkflowSettings {
  store: StoreSettings;
  logLevel: LogLevel;
  requireFailureSecondReviews: boolean;
  eventBusName: string;
  eventSource: string;
  eventBridgeEndpoint: string | undefined;
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

function parse<S extends z.ZodType>(schema: S, env: Environment): z.infer<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid settings: ${problems.join('; ')}`);
  }
  return result.data;
}

function secretSource(
  inline: string | undefined,
  arn: string | undefined,
): SecretSource | undefined {
  if (inline) return { kind: 'inline', values: splitList(inline) };
  if (arn) return { kind: 'secrets-manager', secretId: arn };
  return undefined;
}

function storeSettings(env: z.infer<typeof internalApiSchema>): StoreSettings {
  return {
    attemptsTable: env.ATTEMPTS_TABLE,
    reviewsTable: env.REVIEWS_TABLE,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
  };
}

export function loadCallbackSettings(env: Environment = process.env): CallbackSettings {
  const parsed = parse(callbackSchema, env);
  return {
    store: storeSettings(parsed),
    logLevel: parsed.LOG_LEVEL,
    allowReviewUpdates: parsed.ALLOW_REVIEW_UPDATES,
    allowCallbackSimulation: parsed.ALLOW_CALLBACK_SIMULATION,
    callbackAuth: parsed.CALLBACK_AUTH,
    callbackSecrets:
      parsed.CALLBACK_AUTH === 'hmac'
        ? secretSource(parsed.CALLBACK_SECRET, parsed.CALLBACK_SECRET_ARN)
        : undefined,
    videoUrlKeys: secretSource(parsed.VIDEO_URL_KEY, parsed.VIDEO_URL_KEY_ARN),
  };
}

export function loadInternalApiSettings(env: Environment = process.env): InternalApiSettings {
  const parsed = parse(internalApiSchema, env);
  return { store: storeSettings(parsed), logLevel: parsed.LOG_LEVEL };
}

export function loadWorkflowSettings(env: Environment = process.env): WorkflowSettings {
  const parsed = parse(workflowSchema, env);
  return {
    store: storeSettings(parsed),
    logLevel: parsed.LOG_LEVEL,
    requireFailureSecondReviews: parsed.REQUIRE_FAILURE_SECOND_REVIEWS,
    eventBusName: parsed.EVENT_BUS_NAME,
    eventSource: parsed.EVENT_SOURCE,
    eventBridgeEndpoint: parsed.EVENTBRIDGE_ENDPOINT,
  };
}
