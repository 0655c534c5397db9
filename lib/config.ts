import * as z from 'zod/mini';
import { METRIC_NAMESPACE } from './metrics.js';
import {
  choiceSetting,
  flagSetting,
  integerSetting,
  optionalText,
  readSettings,
  requiredText,
  SETTING_NAMES,
  secretListSetting,
  textSetting,
} from './setting-rules.js';

export { splitList } from './setting-rules.js';

/**
 * Settings, read once from an environment and validated. Each function loads only the settings it
 * uses; a missing or malformed one stops the cold start with a message naming every problem, in
 * the shape every settings reader shares (`setting-rules.ts`). The same names are environment
 * variables locally and CDK deployment parameters in AWS.
 */

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const logLevel = choiceSetting(LOG_LEVELS, 'info');

const tables = {
  ATTEMPTS_TABLE: requiredText(),
  REVIEWS_TABLE: requiredText(),
};

const endpoints = {
  /** Points the DynamoDB client at a local engine. Unset in AWS. */
  DYNAMODB_ENDPOINT: optionalText(),
  /** Points the EventBridge client at the local bus. Unset in AWS. */
  EVENTBRIDGE_ENDPOINT: optionalText(),
};

/** Comma-separated AES-256 keys (64 hex chars each); the first encrypts, all decrypt. */
export const videoUrlKeySetting = secretListSetting({
  pattern: /^[0-9a-fA-F]{64}$/,
  message: 'each key must be 64 hex characters (32 bytes)',
});

const videoKeys = {
  VIDEO_URL_KEY: videoUrlKeySetting,
  /** Secrets Manager secret holding the same key list (used in AWS). */
  VIDEO_URL_KEY_ARN: optionalText(),
};

type VideoKeyEnv = { VIDEO_URL_KEY?: string[] | undefined; VIDEO_URL_KEY_ARN?: string | undefined };

/** The video keys' checks; `required` where they also sign paging cursors. */
function checkVideoKeys(
  env: VideoKeyEnv,
  ctx: z.core.$RefinementCtx<VideoKeyEnv>,
  required: boolean,
): void {
  if (env.VIDEO_URL_KEY && env.VIDEO_URL_KEY_ARN) {
    ctx.addIssue({
      code: 'custom',
      path: ['VIDEO_URL_KEY_ARN'],
      message: 'set either VIDEO_URL_KEY or VIDEO_URL_KEY_ARN, not both',
    });
  }
  if (required && !env.VIDEO_URL_KEY && !env.VIDEO_URL_KEY_ARN) {
    ctx.addIssue({
      code: 'custom',
      path: ['VIDEO_URL_KEY'],
      message: 'is required (or set VIDEO_URL_KEY_ARN): it also signs paging cursors',
    });
  }
}

const callbackSchema = z
  .object({
    ...tables,
    ...endpoints,
    LOG_LEVEL: logLevel,
    ALLOW_REVIEW_UPDATES: flagSetting(true),
    ALLOW_CALLBACK_SIMULATION: flagSetting(false),
    CALLBACK_AUTH: choiceSetting(['hmac', 'none'], 'hmac'),
    /** Comma-separated secrets, any one of which verifies a signature (rotation). */
    CALLBACK_SECRET: secretListSetting(),
    /** Secrets Manager secret holding the same comma-separated list (used in AWS). */
    CALLBACK_SECRET_ARN: optionalText(),
    ...videoKeys,
  })
  .check(
    z.superRefine((env, ctx) => {
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
      checkVideoKeys(env, ctx, false);
    }),
  );

const internalApiSchema = z
  .object({
    ...tables,
    ...endpoints,
    ...videoKeys,
    LOG_LEVEL: logLevel,
    /** edX's waffle switch: the staff video link points at SoftwareSecure's HTML5 player. */
    VIDEO_LINK_HTML5: flagSetting(false),
  })
  .check(z.superRefine((env, ctx) => checkVideoKeys(env, ctx, true)));

const storeOnlySchema = z.object({ ...tables, ...endpoints, LOG_LEVEL: logLevel });

const workflowFields = {
  ...tables,
  ...endpoints,
  LOG_LEVEL: logLevel,
  REQUIRE_FAILURE_SECOND_REVIEWS: flagSetting(true),
  EVENT_BUS_NAME: requiredText(),
  EVENT_SOURCE: textSetting('edx.proctoring'),
  METRICS_NAMESPACE: textSetting(METRIC_NAMESPACE),
};

const workflowSchema = z.object(workflowFields);

const reprocessSchema = z
  .object({ ...workflowFields, ...videoKeys })
  .check(z.superRefine((env, ctx) => checkVideoKeys(env, ctx, true)));

/** The reconciler's settings: how long a revision may wait for the stream before it acts. */
export const RECONCILE_AFTER_SECONDS = { fallback: 300, min: 1, max: 86_400 } as const;
export const RECONCILE_INTERVAL_SECONDS = { fallback: 300, min: 1, max: 86_400 } as const;

const reconcileSchema = z.object({
  ...workflowFields,
  RECONCILE_AFTER_SECONDS: integerSetting(
    RECONCILE_AFTER_SECONDS.fallback,
    RECONCILE_AFTER_SECONDS.min,
    RECONCILE_AFTER_SECONDS.max,
    'must be a whole number of seconds',
  ),
});

export type Environment = Readonly<Record<string, string | undefined>>;

export interface StoreSettings {
  attemptsTable: string;
  reviewsTable: string;
  dynamoDbEndpoint: string | undefined;
}

export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /** Decrypt staff video links and sign paging cursors. */
  videoUrlKeys: SecretSource;
  videoLinkHtml5: boolean;
}

export interface ReprocessSettings extends WorkflowSettings {
  /** Sign paging cursors. */
  videoUrlKeys: SecretSource;
}

export interface ReconcileSettings extends WorkflowSettings {
  reconcileAfterSeconds: number;
}

export interface WorkflowSettings {
  store: StoreSettings;
  logLevel: LogLevel;
  requireFailureSecondReviews: boolean;
  eventBusName: string;
  eventSource: string;
  eventBridgeEndpoint: string | undefined;
  metricsNamespace: string;
}

/**
 * The functions share one process environment with each other in the local stack, so each accepts
 * every name of the service and refuses only near misses.
 */
function parse<S extends z.core.$ZodType>(schema: S, env: Environment): z.infer<S> {
  return readSettings(schema, env, { accepted: SETTING_NAMES, where: 'function environment' });
}

function secretSource(
  inline: string[] | undefined,
  arn: string | undefined,
): SecretSource | undefined {
  if (inline) return { kind: 'inline', values: inline };
  if (arn) return { kind: 'secrets-manager', secretId: arn };
  return undefined;
}

function storeSettings(env: z.infer<typeof storeOnlySchema>): StoreSettings {
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
  return {
    store: storeSettings(parsed),
    logLevel: parsed.LOG_LEVEL,
    videoUrlKeys: requiredSecretSource(parsed.VIDEO_URL_KEY, parsed.VIDEO_URL_KEY_ARN),
    videoLinkHtml5: parsed.VIDEO_LINK_HTML5,
  };
}

function workflowSettings(parsed: z.infer<typeof workflowSchema>): WorkflowSettings {
  return {
    store: storeSettings(parsed),
    logLevel: parsed.LOG_LEVEL,
    requireFailureSecondReviews: parsed.REQUIRE_FAILURE_SECOND_REVIEWS,
    eventBusName: parsed.EVENT_BUS_NAME,
    eventSource: parsed.EVENT_SOURCE,
    eventBridgeEndpoint: parsed.EVENTBRIDGE_ENDPOINT,
    metricsNamespace: parsed.METRICS_NAMESPACE,
  };
}

export function loadWorkflowSettings(env: Environment = process.env): WorkflowSettings {
  return workflowSettings(parse(workflowSchema, env));
}

export function loadReprocessSettings(env: Environment = process.env): ReprocessSettings {
  const parsed = parse(reprocessSchema, env);
  return {
    ...workflowSettings(parsed),
    videoUrlKeys: requiredSecretSource(parsed.VIDEO_URL_KEY, parsed.VIDEO_URL_KEY_ARN),
  };
}

export function loadReconcileSettings(env: Environment = process.env): ReconcileSettings {
  const parsed = parse(reconcileSchema, env);
  return { ...workflowSettings(parsed), reconcileAfterSeconds: parsed.RECONCILE_AFTER_SECONDS };
}

/** For settings whose schema already refused a missing source. */
function requiredSecretSource(inline: string[] | undefined, arn: string | undefined): SecretSource {
  const source = secretSource(inline, arn);
  if (!source) throw new Error('VIDEO_URL_KEY or VIDEO_URL_KEY_ARN is required');
  return source;
}
