import { isIPv4, isIPv6 } from 'node:net';
import type { Construct } from 'constructs';
import * as z from 'zod/mini';
import { RECONCILE_AFTER_SECONDS, RECONCILE_INTERVAL_SECONDS } from '../lib/config.js';
import {
  choiceSetting,
  flagSetting,
  integerSetting,
  readSettings,
  textSetting,
} from '../lib/setting-rules.js';

/**
 * Deployment parameters, read from CDK context (`-c NAME=value` or `cdk.json`). The service
 * settings carry the same names as the local stack's environment variables; the rest exist only
 * for deployment. A bad value stops synth with a message naming the parameter, in the shape every
 * settings reader of the service shares (`lib/setting-rules.ts`).
 */
export interface DeploymentSettings {
  /** `prod` retains data, protects tables from deletion and keeps logs for a year. */
  stage: Stage;
  allowReviewUpdates: boolean;
  requireFailureSecondReviews: boolean;
  allowCallbackSimulation: boolean;
  callbackAuth: 'hmac' | 'none';
  eventSource: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** CIDRs allowed to call the vendor callback; empty means any address (HMAC only). */
  vendorIpAllowList: string[];
  /** Where alarm notifications are e-mailed, if anywhere. */
  alarmEmail: string | undefined;
  /** Accounts allowed to manage their own rules on the event bus. */
  consumerAccounts: string[];
  /** Reserved concurrency of the callback function. */
  callbackReservedConcurrency: number;
  /** Requests per 5 minutes from one IP address before the WAF blocks it. */
  wafRateLimit: number;
  /** How often the reconciler runs (whole minutes: schedules count in minutes). */
  reconcileIntervalSeconds: number;
  /** How long a revision may wait for the stream before the reconciler applies it. */
  reconcileAfterSeconds: number;
  /** edX's waffle switch: staff video links point at SoftwareSecure's HTML5 player. */
  videoLinkHtml5: boolean;
}

export type Stage = 'dev' | 'prod';

/** The app's parameters. Upper-case context keys are all ours, so an unknown one is refused. */
export const SETTING_KEYS = [
  'stage',
  'ALLOW_REVIEW_UPDATES',
  'REQUIRE_FAILURE_SECOND_REVIEWS',
  'ALLOW_CALLBACK_SIMULATION',
  'CALLBACK_AUTH',
  'EVENT_SOURCE',
  'LOG_LEVEL',
  'VENDOR_IP_ALLOW_LIST',
  'ALARM_EMAIL',
  'CONSUMER_ACCOUNTS',
  'CALLBACK_RESERVED_CONCURRENCY',
  'WAF_RATE_LIMIT',
  'RECONCILE_INTERVAL_SECONDS',
  'RECONCILE_AFTER_SECONDS',
  'VIDEO_LINK_HTML5',
] as const;

const list = z.pipe(
  z.optional(
    z.union([z.string(), z.array(z.string())], {
      message: 'must be a comma-separated list or a JSON array of strings',
    }),
  ),
  z.transform((value) =>
    (typeof value === 'string' ? value.split(',') : (value ?? []))
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  ),
);

function isCidr(value: string): boolean {
  const [address, prefix, ...rest] = value.split('/');
  if (!address || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) {
    return false;
  }
  const bits = Number(prefix);
  // WAF IP sets accept prefixes from /1; /0 would allow everyone and defeat the list.
  if (isIPv4(address)) return bits >= 1 && bits <= 32;
  if (isIPv6(address)) return bits >= 1 && bits <= 128;
  return false;
}

const schema = z.object({
  stage: z.enum(['dev', 'prod'], {
    message: 'is required and must be dev or prod (pass -c stage=dev or -c stage=prod)',
  }),
  ALLOW_REVIEW_UPDATES: flagSetting(true),
  REQUIRE_FAILURE_SECOND_REVIEWS: flagSetting(true),
  ALLOW_CALLBACK_SIMULATION: flagSetting(false),
  CALLBACK_AUTH: choiceSetting(['hmac', 'none'], 'hmac'),
  EVENT_SOURCE: textSetting('edx.proctoring').check(
    // EventBridge rejects PutEvents whose source starts with "aws.".
    z.refine((value) => !value.startsWith('aws.'), { message: 'must not start with "aws."' }),
  ),
  LOG_LEVEL: choiceSetting(['debug', 'info', 'warn', 'error'], 'info'),
  VENDOR_IP_ALLOW_LIST: list.check(
    z.refine((items) => items.every(isCidr), {
      message: 'must list CIDR blocks such as 203.0.113.7/32 or 2001:db8::/48',
    }),
  ),
  ALARM_EMAIL: z.optional(
    z
      .string({ message: 'must be an e-mail address' })
      .check(
        z.trim(),
        z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, { message: 'must be an e-mail address' }),
      ),
  ),
  CONSUMER_ACCOUNTS: list.check(
    z.refine((items) => items.every((item) => /^\d{12}$/.test(item)), {
      message: 'must list 12-digit AWS account ids',
    }),
  ),
  CALLBACK_RESERVED_CONCURRENCY: integerSetting(20, 1, 1000),
  // WAF's rate-based rules accept limits from 10 to 2,000,000,000 per evaluation window.
  WAF_RATE_LIMIT: integerSetting(1000, 10, 2_000_000_000),
  // A schedule's rate is whole minutes; the local stack's timer may run faster.
  RECONCILE_INTERVAL_SECONDS: integerSetting(
    RECONCILE_INTERVAL_SECONDS.fallback,
    60,
    RECONCILE_INTERVAL_SECONDS.max,
  ).check(
    z.refine((value) => value % 60 === 0, {
      message: 'must be a whole number of minutes (60, 120, …)',
    }),
  ),
  RECONCILE_AFTER_SECONDS: integerSetting(
    RECONCILE_AFTER_SECONDS.fallback,
    RECONCILE_AFTER_SECONDS.min,
    RECONCILE_AFTER_SECONDS.max,
  ),
  VIDEO_LINK_HTML5: flagSetting(false),
});

/** Checked apart from the schema, so it is reported together with any other problem. */
function combinationProblems(context: Record<string, unknown>): string[] {
  const allowList = list.safeParse(context.VENDOR_IP_ALLOW_LIST);
  if (context.CALLBACK_AUTH === 'none' && allowList.success && allowList.data.length === 0) {
    return [
      'VENDOR_IP_ALLOW_LIST is required when CALLBACK_AUTH is none: unsigned callbacks must be limited to the vendor addresses',
    ];
  }
  return [];
}

/** Parses parameters from plain values (as CDK context holds them). */
export function parseDeploymentSettings(context: Record<string, unknown>): DeploymentSettings {
  const raw = readSettings(schema, context, {
    accepted: SETTING_KEYS,
    refuseUnknownUpperCase: true,
    where: 'CDK context, -c NAME=value',
    extraProblems: combinationProblems,
  });
  return {
    stage: raw.stage,
    allowReviewUpdates: raw.ALLOW_REVIEW_UPDATES,
    requireFailureSecondReviews: raw.REQUIRE_FAILURE_SECOND_REVIEWS,
    allowCallbackSimulation: raw.ALLOW_CALLBACK_SIMULATION,
    callbackAuth: raw.CALLBACK_AUTH,
    eventSource: raw.EVENT_SOURCE,
    logLevel: raw.LOG_LEVEL,
    vendorIpAllowList: raw.VENDOR_IP_ALLOW_LIST,
    alarmEmail: raw.ALARM_EMAIL,
    consumerAccounts: raw.CONSUMER_ACCOUNTS,
    callbackReservedConcurrency: raw.CALLBACK_RESERVED_CONCURRENCY,
    wafRateLimit: raw.WAF_RATE_LIMIT,
    reconcileIntervalSeconds: raw.RECONCILE_INTERVAL_SECONDS,
    reconcileAfterSeconds: raw.RECONCILE_AFTER_SECONDS,
    videoLinkHtml5: raw.VIDEO_LINK_HTML5,
  };
}

/** Reads the parameters from the app's CDK context. */
export function readDeploymentSettings(scope: Construct): DeploymentSettings {
  return parseDeploymentSettings(scope.node.getAllContext() as Record<string, unknown>);
}
