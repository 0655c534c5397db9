import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BundleInfo } from './bundles.js';
import { type Spread, shuffle, spread } from './stats.js';

/**
 * The environment each function gets when deployed, with local stand-ins for what AWS provides:
 * table and bus names, settings, and secrets inline instead of Secrets Manager ARNs, so every
 * module-scope statement (settings validation, client construction) runs as in Lambda.
 */
const TABLES = { ATTEMPTS_TABLE: 'bench-attempts', REVIEWS_TABLE: 'bench-reviews' };

export const FUNCTION_ENVIRONMENTS: Record<string, Record<string, string>> = {
  reviewCallback: {
    ...TABLES,
    ALLOW_REVIEW_UPDATES: 'true',
    ALLOW_CALLBACK_SIMULATION: 'false',
    CALLBACK_AUTH: 'hmac',
    CALLBACK_SECRET: 'bench-callback-secret',
    VIDEO_URL_KEY: '6b'.repeat(32),
  },
  internalApi: { ...TABLES },
  finishReview: {
    ...TABLES,
    EVENT_BUS_NAME: 'bench-bus',
    EVENT_SOURCE: 'edx.proctoring',
    REQUIRE_FAILURE_SECOND_REVIEWS: 'true',
  },
  naiveReference: {},
  dynamoDbClientOnly: {},
  serviceSchemasOnly: {},
};

/** What every function has: the deployed `LOG_LEVEL` and `NODE_OPTIONS`, and Lambda's region. */
export const COMMON_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'info',
  NODE_OPTIONS: '--enable-source-maps',
  // Lambda runs Node 24; on this Node 20 machine the SDK would print a support notice at load.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export interface ColdStartTarget {
  key: string;
  /** The `.mjs` file a fresh node runs. */
  file: string;
  environment: Record<string, string>;
}

export interface ColdStartResult {
  key: string;
  /** Whole-process times, ms. */
  process: Spread;
  /** Median whole-process time minus the bare start's median, ms. */
  overheadMs: number;
  /** p25 and p75 of the same, each against the bare start's median. */
  overheadP25Ms: number;
  overheadP75Ms: number;
}

export interface ColdStartReport {
  runs: number;
  warmupRounds: number;
  bare: Spread;
  results: ColdStartResult[];
  environment: Record<string, string>;
}

function timeOnce(target: ColdStartTarget): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, [target.file], {
    // Nothing inherited: the bench runs under tsx, whose loader must not reach the bundle.
    env: { ...COMMON_ENVIRONMENT, ...target.environment },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  const elapsed = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(
      `${target.key}: node ${target.file} exited with ${child.status}\n${child.stderr}`,
    );
  }
  return elapsed;
}

/**
 * Whole-process time of `node <bundle>` against `node <empty module>` (the bare start through the
 * same ESM loader). Every round runs each target once in a fresh random order, so drift on a
 * shared machine spreads over all of them; the first rounds warm the file cache and are dropped.
 */
export async function measureColdStarts(
  bundles: readonly BundleInfo[],
  workDir: string,
  options: { runs: number; warmupRounds: number; progress: (message: string) => void },
): Promise<ColdStartReport> {
  const bareFile = join(workDir, 'bare.mjs');
  await writeFile(bareFile, '');
  const bare: ColdStartTarget = { key: 'bare', file: bareFile, environment: {} };
  const targets: ColdStartTarget[] = [
    bare,
    ...bundles.map((bundle) => ({
      key: bundle.key,
      file: bundle.file,
      environment: FUNCTION_ENVIRONMENTS[bundle.key] ?? {},
    })),
  ];
  const times = new Map<string, number[]>(targets.map((target) => [target.key, []]));
  const rounds = options.warmupRounds + options.runs;
  for (let round = 0; round < rounds; round++) {
    for (const target of shuffle([...targets])) {
      const elapsed = timeOnce(target);
      if (round >= options.warmupRounds) times.get(target.key)?.push(elapsed);
    }
    if ((round + 1) % 5 === 0 || round + 1 === rounds) {
      options.progress(`cold start: round ${round + 1}/${rounds}`);
    }
  }
  const bareSpread = spread(times.get('bare') ?? []);
  const results = bundles.map((bundle) => {
    const process = spread(times.get(bundle.key) ?? []);
    return {
      key: bundle.key,
      process,
      overheadMs: process.median - bareSpread.median,
      overheadP25Ms: process.p25 - bareSpread.median,
      overheadP75Ms: process.p75 - bareSpread.median,
    };
  });
  return {
    runs: options.runs,
    warmupRounds: options.warmupRounds,
    bare: bareSpread,
    results,
    environment: COMMON_ENVIRONMENT,
  };
}
