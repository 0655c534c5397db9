import { resolve } from 'node:path';
import * as z from 'zod';
import {
  type Environment,
  RECONCILE_AFTER_SECONDS,
  RECONCILE_INTERVAL_SECONDS,
} from '../lib/config.js';
import { ConfigError } from '../lib/errors.js';

/**
 * The local stack's settings (CONTRACT 4), from the environment. The service settings among them
 * become deployment parameters of the synthesized app, so they reach the functions exactly as a
 * deployment would pass them.
 */

/** Printed at start; for local development only. */
export const LOCAL_CALLBACK_SECRET = 'local-development-secret';

const flag = (fallback: 'true' | 'false') =>
  z.enum(['true', 'false', '1', '0'], { message: 'must be true or false' }).default(fallback);

const seconds = (bounds: { fallback: number; min: number; max: number }) =>
  z
    .string()
    .regex(/^\d{1,7}$/, { message: 'must be a whole number of seconds' })
    .default(String(bounds.fallback))
    .transform(Number)
    .pipe(
      z
        .number()
        .min(bounds.min, { message: `must be at least ${bounds.min}` })
        .max(bounds.max, { message: `must be at most ${bounds.max}` }),
    );

const schema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, { message: 'must be a TCP port number' })
    .default('3000')
    .transform(Number)
    .pipe(z.number().max(65535, { message: 'must be a TCP port number' })),
  DATA_DIR: z.string().trim().min(1).default('.local'),
  CALLBACK_AUTH: z.enum(['hmac', 'none'], { message: 'must be hmac or none' }).default('hmac'),
  CALLBACK_SECRET: z.string().trim().min(1).default(LOCAL_CALLBACK_SECRET),
  ALLOW_REVIEW_UPDATES: flag('true'),
  REQUIRE_FAILURE_SECOND_REVIEWS: flag('true'),
  ALLOW_CALLBACK_SIMULATION: flag('false'),
  EVENT_SOURCE: z.string().trim().min(1).default('edx.proctoring'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** How often the local timer runs the reconciler; under a minute is allowed locally. */
  RECONCILE_INTERVAL_SECONDS: seconds(RECONCILE_INTERVAL_SECONDS),
  /** How long a revision may wait for the stream before the reconciler applies it. */
  RECONCILE_AFTER_SECONDS: seconds(RECONCILE_AFTER_SECONDS),
  VIDEO_LINK_HTML5: flag('false'),
  /** Optional: 64 hex characters; otherwise a key is generated once and kept in `DATA_DIR`. */
  VIDEO_URL_KEY: z.string().trim().optional(),
  /** Optional: DynamoDB Local's port (it listens on all interfaces); a free one by default. */
  /** Optional fault injection (see `local/faults.ts`); off by default. */
  FAULTS: z.string().optional(),
  DYNAMODB_PORT: z
    .string()
    .regex(/^\d{1,5}$/, { message: 'must be a TCP port number' })
    .default('0')
    .transform(Number),
});

export type LocalSettings = z.infer<typeof schema> & { dataDir: string };

export function readLocalSettings(env: Environment = process.env): LocalSettings {
  // Empty variables count as unset, as a shell user expects from `PORT= npm start`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid local settings: ${problems.join('; ')}`);
  }
  return { ...result.data, dataDir: resolve(result.data.DATA_DIR) };
}

/** The deployment parameters the local settings stand for (a dev stage on one machine). */
export function deploymentParameters(settings: LocalSettings): Record<string, string> {
  return {
    stage: 'dev',
    ALLOW_REVIEW_UPDATES: settings.ALLOW_REVIEW_UPDATES,
    REQUIRE_FAILURE_SECOND_REVIEWS: settings.REQUIRE_FAILURE_SECOND_REVIEWS,
    ALLOW_CALLBACK_SIMULATION: settings.ALLOW_CALLBACK_SIMULATION,
    CALLBACK_AUTH: settings.CALLBACK_AUTH,
    EVENT_SOURCE: settings.EVENT_SOURCE,
    LOG_LEVEL: settings.LOG_LEVEL,
    // A deployed schedule counts whole minutes; the local timer uses the exact interval.
    RECONCILE_INTERVAL_SECONDS: String(
      Math.max(60, Math.ceil(settings.RECONCILE_INTERVAL_SECONDS / 60) * 60),
    ),
    RECONCILE_AFTER_SECONDS: String(settings.RECONCILE_AFTER_SECONDS),
    VIDEO_LINK_HTML5: settings.VIDEO_LINK_HTML5,
    // Deployed, unsigned callbacks are limited to the vendor's addresses; locally that is loopback.
    ...(settings.CALLBACK_AUTH === 'none' ? { VENDOR_IP_ALLOW_LIST: '127.0.0.1/32' } : {}),
  };
}
