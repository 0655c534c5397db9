import { resolve } from 'node:path';
import * as z from 'zod/mini';
import {
  type Environment,
  RECONCILE_AFTER_SECONDS,
  RECONCILE_INTERVAL_SECONDS,
  videoUrlKeySetting,
} from '../lib/config.js';
import {
  choiceSetting,
  flagSetting,
  integerSetting,
  optionalText,
  portSetting,
  readSettings,
  secretListSetting,
  textSetting,
} from '../lib/setting-rules.js';
import { parseFaults } from './faults.js';

/**
 * The local stack's settings (docs/api.md), from the environment, read and refused the way every
 * setting of the service is (`lib/setting-rules.ts`). The service settings among them become
 * deployment parameters of the synthesized app, so they reach the functions exactly as a
 * deployment would pass them.
 */

/** Printed at start; for local development only. */
export const LOCAL_CALLBACK_SECRET = 'local-development-secret';

/**
 * What the local stack reads, plus the settings it passes through untouched to the deployment
 * parameters it synthesizes with (accepted so they are not taken for typos).
 */
export const LOCAL_SETTING_NAMES = [
  'PORT',
  'DATA_DIR',
  'CALLBACK_AUTH',
  'CALLBACK_SECRET',
  'ALLOW_REVIEW_UPDATES',
  'REQUIRE_FAILURE_SECOND_REVIEWS',
  'ALLOW_CALLBACK_SIMULATION',
  'EVENT_SOURCE',
  'LOG_LEVEL',
  'VIDEO_URL_KEY',
  'FAULTS',
  'DYNAMODB_PORT',
  'RECONCILE_INTERVAL_SECONDS',
  'RECONCILE_AFTER_SECONDS',
  'VIDEO_LINK_HTML5',
] as const;

const schema = z.object({
  PORT: portSetting(3000),
  DATA_DIR: textSetting('.local', 4096),
  CALLBACK_AUTH: choiceSetting(['hmac', 'none'], 'hmac'),
  CALLBACK_SECRET: z.pipe(
    secretListSetting(),
    z.transform((secrets) => secrets ?? [LOCAL_CALLBACK_SECRET]),
  ),
  ALLOW_REVIEW_UPDATES: flagSetting(true),
  REQUIRE_FAILURE_SECOND_REVIEWS: flagSetting(true),
  ALLOW_CALLBACK_SIMULATION: flagSetting(false),
  EVENT_SOURCE: textSetting('edx.proctoring'),
  LOG_LEVEL: choiceSetting(['debug', 'info', 'warn', 'error'], 'info'),
  /** How often the local timer runs the reconciler; under a minute is allowed locally. */
  RECONCILE_INTERVAL_SECONDS: integerSetting(
    RECONCILE_INTERVAL_SECONDS.fallback,
    RECONCILE_INTERVAL_SECONDS.min,
    RECONCILE_INTERVAL_SECONDS.max,
    'must be a whole number of seconds',
  ),
  /** How long a revision may wait for the stream before the reconciler applies it. */
  RECONCILE_AFTER_SECONDS: integerSetting(
    RECONCILE_AFTER_SECONDS.fallback,
    RECONCILE_AFTER_SECONDS.min,
    RECONCILE_AFTER_SECONDS.max,
    'must be a whole number of seconds',
  ),
  VIDEO_LINK_HTML5: flagSetting(false),
  /** Optional: 64 hex characters; otherwise a key is generated once and kept in `DATA_DIR`. */
  VIDEO_URL_KEY: videoUrlKeySetting,
  /** Optional fault injection (see `local/faults.ts`); off by default. */
  FAULTS: optionalText(),
  /** Optional: DynamoDB Local's port (on 127.0.0.1); a free one by default. */
  DYNAMODB_PORT: portSetting(0),
});

export type LocalSettings = z.infer<typeof schema> & { dataDir: string };

/** Problems no single setting shows: two settings of the stack that cannot go together. */
function combinationProblems(env: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const port = portSetting(3000).safeParse(env.PORT);
  const dynamoDbPort = portSetting(0).safeParse(env.DYNAMODB_PORT);
  if (port.success && dynamoDbPort.success && port.data !== 0 && port.data === dynamoDbPort.data) {
    problems.push(
      `DYNAMODB_PORT must differ from PORT: both are ${port.data} (the API and DynamoDB Local cannot share a port)`,
    );
  }
  if (typeof env.FAULTS === 'string' && env.FAULTS.trim() !== '') {
    try {
      parseFaults(env.FAULTS);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

export function readLocalSettings(env: Environment = process.env): LocalSettings {
  // Empty variables count as unset, as a shell user expects from `PORT= npm start`; a value of
  // spaces or commas only does not.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const settings = readSettings(schema, present, {
    accepted: LOCAL_SETTING_NAMES,
    where: 'environment variables of npm start',
    extraProblems: combinationProblems,
  });
  return { ...settings, dataDir: resolve(settings.DATA_DIR) };
}

/** The deployment parameters the local settings stand for (a dev stage on one machine). */
export function deploymentParameters(settings: LocalSettings): Record<string, string> {
  return {
    stage: 'dev',
    ALLOW_REVIEW_UPDATES: String(settings.ALLOW_REVIEW_UPDATES),
    REQUIRE_FAILURE_SECOND_REVIEWS: String(settings.REQUIRE_FAILURE_SECOND_REVIEWS),
    ALLOW_CALLBACK_SIMULATION: String(settings.ALLOW_CALLBACK_SIMULATION),
    CALLBACK_AUTH: settings.CALLBACK_AUTH,
    EVENT_SOURCE: settings.EVENT_SOURCE,
    LOG_LEVEL: settings.LOG_LEVEL,
    // A deployed schedule counts whole minutes; the local timer uses the exact interval.
    RECONCILE_INTERVAL_SECONDS: String(
      Math.max(60, Math.ceil(settings.RECONCILE_INTERVAL_SECONDS / 60) * 60),
    ),
    RECONCILE_AFTER_SECONDS: String(settings.RECONCILE_AFTER_SECONDS),
    VIDEO_LINK_HTML5: String(settings.VIDEO_LINK_HTML5),
    // Deployed, unsigned callbacks are limited to the vendor's addresses; locally that is loopback.
    ...(settings.CALLBACK_AUTH === 'none' ? { VENDOR_IP_ALLOW_LIST: '127.0.0.1/32' } : {}),
  };
}
