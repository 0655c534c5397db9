import * as z from 'zod/mini';
import { ConfigError, echoed } from './errors.js';
import './zod-messages.js';

/**
 * The one way settings are read and refused, wherever they come from: the functions' environment
 * (`lib/config.ts`), the local stack's environment (`local/settings.ts`) and the CDK context
 * (`cdk/settings.ts`). Every problem is found at once and reported in one shape:
 *
 *     Invalid settings (environment variables):
 *       - CALLBACK_SECRET must list at least one secret
 *       - ALLOW_REVIEW_UPDATE is not a known setting; did you mean ALLOW_REVIEW_UPDATES?
 *
 * and a command stopped by it exits with `SETTINGS_EXIT_CODE`.
 */

/** The exit code of `npm start` and of `cdk synth|deploy` (the app) refused for a setting. */
export const SETTINGS_EXIT_CODE = 2;

/**
 * Every setting name of the service, across the functions, the local stack and the deployment.
 * A name near one of these that is not one of them is a typo, refused rather than ignored.
 */
export const SETTING_NAMES = [
  // Service settings: the same names locally and as deployment parameters.
  'ALLOW_REVIEW_UPDATES',
  'REQUIRE_FAILURE_SECOND_REVIEWS',
  'ALLOW_CALLBACK_SIMULATION',
  'CALLBACK_AUTH',
  'CALLBACK_SECRET',
  'VIDEO_URL_KEY',
  'EVENT_SOURCE',
  'LOG_LEVEL',
  'RECONCILE_INTERVAL_SECONDS',
  'RECONCILE_AFTER_SECONDS',
  'VIDEO_LINK_HTML5',
  // The functions' wiring, set by the CDK app (and by the local stack).
  'ATTEMPTS_TABLE',
  'REVIEWS_TABLE',
  'EVENT_BUS_NAME',
  'DYNAMODB_ENDPOINT',
  'EVENTBRIDGE_ENDPOINT',
  'CALLBACK_SECRET_ARN',
  'VIDEO_URL_KEY_ARN',
  'METRICS_NAMESPACE',
  // The local stack only.
  'PORT',
  'DATA_DIR',
  'DYNAMODB_PORT',
  'FAULTS',
  // Deployment only.
  'stage',
  'VENDOR_IP_ALLOW_LIST',
  'ALARM_EMAIL',
  'CONSUMER_ACCOUNTS',
  'CALLBACK_RESERVED_CONCURRENCY',
  'WAF_RATE_LIMIT',
] as const;

/** Names starting like this are ours: an unknown one is a typo, never someone else's variable. */
export const OWN_PREFIXES = ['ALLOW_', 'CALLBACK_', 'REQUIRE_', 'VIDEO_', 'RECONCILE_'] as const;

/** Settings whose values are never repeated in a message. */
const SECRET_NAMES = new Set(['CALLBACK_SECRET', 'VIDEO_URL_KEY']);

/** Edit distance (insertions, deletions, substitutions), compared case-insensitively. */
function distance(a: string, b: string): number {
  const left = a.toUpperCase();
  const right = b.toUpperCase();
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let i = 1; i <= left.length; i++) {
    const current = [i];
    for (let j = 1; j <= right.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (left[i - 1] === right[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[right.length] ?? 0;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

export interface NameRules {
  /** The names this reader accepts. */
  accepted: readonly string[];
  /** Also refuse every name in upper case that is not accepted (the CDK context is all ours). */
  refuseUnknownUpperCase?: boolean;
}

/**
 * Problems with the names given: a name that differs from an accepted one only in case, and an
 * unknown name that starts like ours (`ALLOW_`, `CALLBACK_`, …), each with the likeliest meant.
 */
export function nameProblems(names: readonly string[], rules: NameRules): string[] {
  const accepted = new Set(rules.accepted);
  const problems: string[] = [];
  for (const name of names) {
    if (accepted.has(name) || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) continue;
    const sameLetters = rules.accepted.find((known) => known.toUpperCase() === name.toUpperCase());
    if (sameLetters) {
      problems.push(
        `${name} is not a known setting; did you mean ${sameLetters}? (names are case-sensitive)`,
      );
      continue;
    }
    const upper = name.toUpperCase();
    const ours = OWN_PREFIXES.find((prefix) => upper.startsWith(prefix));
    if (ours || (rules.refuseUnknownUpperCase && name === upper)) {
      const related = ours ? rules.accepted.filter((known) => known.startsWith(ours)) : [];
      const meant = closest(name, related.length > 0 ? related : rules.accepted);
      problems.push(`${name} is not a known setting${meant ? `; did you mean ${meant}?` : ''}`);
    }
  }
  return problems;
}

/** One line per validation issue: the setting's name, what is wrong, and what it was given. */
export function issueProblems(
  issues: readonly z.core.$ZodIssue[],
  input: Readonly<Record<string, unknown>>,
): string[] {
  return issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    const given = input[name];
    const shown =
      given === undefined || SECRET_NAMES.has(name)
        ? ''
        : ` (got ${echoed(typeof given === 'string' ? JSON.stringify(given) : (JSON.stringify(given) ?? String(given)))})`;
    return `${name} ${issue.message}${shown}`;
  });
}

/** The error every settings reader throws: all problems, one per line. */
export function settingsError(where: string, problems: readonly string[]): ConfigError {
  return new ConfigError(
    `Invalid settings (${where}):\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
  );
}

/**
 * Validates `input` with `schema` and checks its names: the parsed settings, or a `ConfigError`
 * naming every problem.
 */
export function readSettings<S extends z.core.$ZodType>(
  schema: S,
  input: Readonly<Record<string, unknown>>,
  options: NameRules & {
    where: string;
    extraProblems?: (input: Record<string, unknown>) => string[];
  },
): z.infer<S> {
  const problems = nameProblems(Object.keys(input), options);
  problems.push(...(options.extraProblems?.({ ...input }) ?? []));
  const result = z.safeParse(schema, input);
  if (!result.success) problems.push(...issueProblems(result.error.issues, input));
  if (!result.success || problems.length > 0) throw settingsError(options.where, problems);
  return result.data;
}

// The kinds of value settings take. Each message completes "<NAME> …"; none is zod's own wording.
// Values from the environment are strings; the CDK context may also hold booleans, numbers and
// lists (from cdk.json), so the builders accept those too.

export function flagSetting(fallback: boolean) {
  return z.pipe(
    z.optional(
      z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])], {
        message: 'must be true or false',
      }),
    ),
    z.transform((value) =>
      value === undefined ? fallback : value === true || value === 'true' || value === '1',
    ),
  );
}

export function choiceSetting<const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
) {
  const words =
    values.length === 2
      ? `${values[0]} or ${values[1]}`
      : `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;
  return z.pipe(
    z.optional(z.enum(values, { message: `must be ${words}` })),
    z.transform((value): T[number] => value ?? fallback),
  );
}

/** A name: required, trimmed, not empty. */
export function requiredText() {
  return z
    .string({ message: 'is required' })
    .check(z.trim(), z.minLength(1, { message: 'is required' }));
}

/** Free text with a default; set but blank is refused. */
export function textSetting(fallback: string, max = 256) {
  return z.pipe(
    z.optional(
      z
        .string({ message: 'must be text' })
        .check(
          z.trim(),
          z.minLength(1, { message: 'must not be empty' }),
          z.maxLength(max, { message: `must be at most ${max} characters` }),
        ),
    ),
    z.transform((value) => value ?? fallback),
  );
}

/** Optional text: absent or blank means unset. */
export function optionalText() {
  return z.pipe(
    z.optional(z.string({ message: 'must be text' }).check(z.trim())),
    z.transform((value) => (value ? value : undefined)),
  );
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/**
 * Comma-separated secrets (rotation: any one verifies). Set but holding no secret at all (such as
 * `,`) is refused: nothing would ever verify.
 */
export function secretListSetting(each?: { pattern: RegExp; message: string }) {
  return z.pipe(
    z.optional(z.string({ message: 'must be a comma-separated list of secrets' })).check(
      z.superRefine((value, ctx) => {
        if (value === undefined || value.trim() === '') return;
        const items = splitList(value);
        if (items.length === 0) {
          ctx.addIssue({ code: 'custom', message: 'must list at least one secret' });
        } else if (each && !items.every((item) => each.pattern.test(item))) {
          ctx.addIssue({ code: 'custom', message: each.message });
        }
      }),
    ),
    z.transform((value) => (value && value.trim() !== '' ? splitList(value) : undefined)),
  );
}

export function integerSetting(
  fallback: number,
  min: number,
  max: number,
  message = 'must be a whole number',
) {
  return z.pipe(
    z.pipe(
      z.optional(
        z.union([z.number(), z.string().check(z.trim(), z.regex(/^\d+$/, { message }))], {
          message,
        }),
      ),
      z.transform((value) => (value === undefined ? fallback : Number(value))),
    ),
    z
      .number()
      .check(
        z.int({ message }),
        z.gte(min, { message: `must be at least ${min}` }),
        z.lte(max, { message: `must be at most ${max}` }),
      ),
  );
}

/** A TCP port; 0 asks for any free one. */
export function portSetting(fallback: number) {
  return integerSetting(fallback, 0, 65535, 'must be a TCP port number (0 to 65535)');
}
