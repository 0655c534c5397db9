import { execFile, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BundleInfo } from './bundles.js';
import { type Spread, shuffle, spread } from './stats.js';

const run = promisify(execFile);

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
  internalApi: { ...TABLES, VIDEO_URL_KEY: '6b'.repeat(32) },
  finishReview: {
    ...TABLES,
    EVENT_BUS_NAME: 'bench-bus',
    EVENT_SOURCE: 'edx.proctoring',
    REQUIRE_FAILURE_SECOND_REVIEWS: 'true',
  },
};

/** What every function has: the deployed `LOG_LEVEL` and `NODE_OPTIONS`, and Lambda's region. */
export const COMMON_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: 'info',
  NODE_OPTIONS: '--enable-source-maps',
  // Lambda runs Node 24; on an older local Node the SDK would print a support notice at load.
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

/**
 * The probe a fresh node runs: it imports one bundle and reports the CPU time (user + system,
 * every thread) and wall time the import took. The process's own start is outside the
 * measurement, so no bare start needs subtracting; CPU time is what a loaded machine disturbs
 * least.
 */
const PROBE = `import { pathToFileURL } from 'node:url';
const before = process.cpuUsage();
const started = performance.now();
await import(pathToFileURL(process.argv[2]).href);
const wallMs = performance.now() - started;
const cpu = process.cpuUsage(before);
process.stdout.write(JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs }));
`;

export interface LoadResult {
  key: string;
  cpuMs: Spread;
  wallMs: Spread;
  /** Instructions executed beyond an empty module's, when counted (valgrind). */
  instructions?: number;
}

export interface NodeColdStart {
  label: string;
  version: string;
  results: LoadResult[];
}

export interface ColdStartReport {
  runs: number;
  warmupRounds: number;
  environment: Record<string, string>;
  nodes: NodeColdStart[];
}

interface Target {
  key: string;
  file: string;
  environment: Record<string, string>;
}

function environmentOf(key: string): Record<string, string> {
  return { ...COMMON_ENVIRONMENT, ...(FUNCTION_ENVIRONMENTS[key] ?? {}) };
}

function loadOnce(node: string, probe: string, target: Target): { cpuMs: number; wallMs: number } {
  const child = spawnSync(node, [probe, target.file], {
    // Nothing inherited: the bench runs under tsx, whose loader must not reach the bundle.
    env: target.environment,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (child.status !== 0) {
    throw new Error(
      `${target.key}: ${node} ${target.file} exited with ${child.status}\n${child.stderr}`,
    );
  }
  return JSON.parse(child.stdout) as { cpuMs: number; wallMs: number };
}

/** Instructions a fresh node executes loading `file` (valgrind's count, independent of load). */
async function instructionsOf(node: string, probe: string, target: Target): Promise<number> {
  const { stderr } = await run(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      node,
      probe,
      target.file,
    ],
    { env: target.environment, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 },
  );
  const match = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  if (!match?.[1]) throw new Error(`${target.key}: no instruction count from valgrind`);
  return Number(match[1].replaceAll(',', ''));
}

export function valgrindAvailable(): boolean {
  return spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Load time of every bundle in fresh processes, on each node given. Every round runs each target
 * once in a fresh random order, so drift on a shared machine spreads over all of them; the first
 * rounds warm the file cache and are dropped. With `instructions`, each bundle's load is also
 * counted in instructions once per node (minus an empty module's), two at a time.
 */
export async function measureColdStarts(
  bundles: readonly BundleInfo[],
  workDir: string,
  options: {
    runs: number;
    warmupRounds: number;
    progress: (message: string) => void;
    nodes: { label: string; path: string }[];
    instructions: boolean;
  },
): Promise<ColdStartReport> {
  const probe = join(workDir, 'load-probe.mjs');
  await writeFile(probe, PROBE);
  const empty = join(workDir, 'empty.mjs');
  await writeFile(empty, '');
  const targets: Target[] = bundles.map((bundle) => ({
    key: bundle.key,
    file: bundle.file,
    environment: environmentOf(bundle.key),
  }));

  const nodes: NodeColdStart[] = [];
  for (const node of options.nodes) {
    const version = spawnSync(node.path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const samples = new Map(
      targets.map((target) => [target.key, { cpu: [] as number[], wall: [] as number[] }]),
    );
    const rounds = options.warmupRounds + options.runs;
    for (let round = 0; round < rounds; round++) {
      for (const target of shuffle([...targets])) {
        const measured = loadOnce(node.path, probe, target);
        if (round < options.warmupRounds) continue;
        samples.get(target.key)?.cpu.push(measured.cpuMs);
        samples.get(target.key)?.wall.push(measured.wallMs);
      }
      if ((round + 1) % 5 === 0 || round + 1 === rounds) {
        options.progress(`cold start (${node.label} ${version}): round ${round + 1}/${rounds}`);
      }
    }
    const results: LoadResult[] = targets.map((target) => {
      const sample = samples.get(target.key) ?? { cpu: [], wall: [] };
      return { key: target.key, cpuMs: spread(sample.cpu), wallMs: spread(sample.wall) };
    });

    if (options.instructions) {
      options.progress(`cold start (${node.label}): counting instructions with valgrind`);
      const bare = await instructionsOf(node.path, probe, {
        key: 'empty',
        file: empty,
        environment: COMMON_ENVIRONMENT,
      });
      for (let index = 0; index < targets.length; index += 2) {
        const pair = targets.slice(index, index + 2);
        const counts = await Promise.all(
          pair.map((target) => instructionsOf(node.path, probe, target)),
        );
        pair.forEach((target, offset) => {
          const result = results.find((candidate) => candidate.key === target.key);
          if (result) result.instructions = (counts[offset] ?? 0) - bare;
        });
      }
    }
    nodes.push({ label: node.label, version, results });
  }

  return {
    runs: options.runs,
    warmupRounds: options.warmupRounds,
    environment: COMMON_ENVIRONMENT,
    nodes,
  };
}

/** A bundle's load against another's, by CPU median (and instructions when counted). */
export function loadRatio(node: NodeColdStart, key: string, referenceKey: string) {
  const result = node.results.find((candidate) => candidate.key === key);
  const reference = node.results.find((candidate) => candidate.key === referenceKey);
  if (!result || !reference) return undefined;
  return {
    cpu: result.cpuMs.median / reference.cpuMs.median,
    // The quartiles against the reference's median: how far the ratio moves with the noise.
    cpuLow: result.cpuMs.p25 / reference.cpuMs.median,
    cpuHigh: result.cpuMs.p75 / reference.cpuMs.median,
    wall: result.wallMs.median / reference.wallMs.median,
    instructions:
      result.instructions !== undefined && reference.instructions !== undefined
        ? result.instructions / reference.instructions
        : undefined,
  };
}
