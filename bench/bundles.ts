import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { FUNCTION_ENTRIES } from '../cdk/function-entries.js';
import { BUNDLING } from '../cdk/service-function.js';

export const REPOSITORY_ROOT = resolve(import.meta.dirname, '..');

/** The naive reference bundle's entry, built with the same settings as the functions. */
export const REFERENCE_ENTRY = 'bench/reference/naive-handler.ts';
export const REFERENCE_KEY = 'naiveReference';

/**
 * Each function's floor: a bundle of only the AWS SDK clients and commands that function sends,
 * built the same way. What a function loads beyond its floor is the service's own cost.
 */
export const FLOORS = {
  reviewCallback: { key: 'floorReviewCallback', entry: 'bench/reference/floor-review-callback.ts' },
  internalApi: { key: 'floorInternalApi', entry: 'bench/reference/floor-internal-api.ts' },
  finishReview: { key: 'floorFinishReview', entry: 'bench/reference/floor-finish-review.ts' },
} as const;

/** A probe that explains the figures: zod and the service's schemas, no SDK; never a goal. */
export const PROBES = {
  serviceSchemasOnly: 'bench/reference/service-schemas-only.ts',
} as const;

/**
 * The esbuild options `NodejsFunction` derives from `BUNDLING` (aws-cdk-lib's
 * `Bundling.buildEsbuildArgs`): bundle, node platform, `index.mjs` for ESM. A setting this
 * translation does not know stops the benchmark, so it never measures a bundle the deploy would
 * not build.
 */
export function esbuildOptionsFrom(
  bundling: BundlingOptions,
  entry: string,
  outdir: string,
): BuildOptions {
  const handled = new Set([
    'format',
    'target',
    'minify',
    'sourceMap',
    'sourceMapMode',
    'sourcesContent',
    'externalModules',
    'mainFields',
    'banner',
    'footer',
    'define',
    'loader',
    'keepNames',
    'inject',
  ]);
  const unknown = Object.keys(bundling).filter((key) => !handled.has(key));
  if (unknown.length > 0) {
    throw new Error(`bench cannot translate BUNDLING.${unknown.join(', BUNDLING.')} to esbuild`);
  }
  const esm = bundling.format === 'esm';
  // CDK: `--sourcemap` when either is set, with `=<mode>` unless the mode is the default (linked).
  const mode = bundling.sourceMapMode ?? 'default';
  const sourcemap = sourceMapEnabled(bundling)
    ? mode === 'default'
      ? true
      : (mode as 'inline' | 'external' | 'both')
    : false;
  return {
    // As CDK runs it: from the project root, with the entry relative to it.
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    // CDK derives the target from the runtime when BUNDLING has none; ours always names one.
    target: bundling.target ?? 'node24',
    ...(bundling.format ? { format: bundling.format as 'esm' | 'cjs' } : {}),
    outfile: join(outdir, esm ? 'index.mjs' : 'index.js'),
    minify: bundling.minify ?? false,
    sourcemap,
    sourcesContent: bundling.sourcesContent ?? true,
    external: [...(bundling.externalModules ?? [])],
    ...(bundling.mainFields ? { mainFields: [...bundling.mainFields] } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    ...(bundling.footer ? { footer: { js: bundling.footer } } : {}),
    ...(bundling.define ? { define: { ...bundling.define } } : {}),
    ...(bundling.loader ? { loader: { ...bundling.loader } as BuildOptions['loader'] } : {}),
    ...(bundling.keepNames ? { keepNames: true } : {}),
    ...(bundling.inject ? { inject: [...bundling.inject] } : {}),
    metafile: true,
    logLevel: 'silent',
  };
}

function sourceMapEnabled(bundling: BundlingOptions): boolean {
  return Boolean(bundling.sourceMapMode ?? bundling.sourceMap);
}

export interface PackageShare {
  name: string;
  bytes: number;
}

export interface BundleInfo {
  key: string;
  entry: string;
  /** Absolute path of the built file. */
  file: string;
  bytes: number;
  gzipBytes: number;
  sourceMapBytes: number;
  /** Bytes in the output per package (`(service code)` for this repository), largest first. */
  packages: PackageShare[];
  /** Where the metafile was written, relative to the repository. */
  metafile: string;
  /** SHA-256 of the bundle; equal to a `cdk.out` asset's when the translation matches CDK's. */
  sha256: string;
  /** True when `cdk.out` holds an asset with exactly these bytes (null: no `cdk.out` assets). */
  identicalToSynthesizedAsset: boolean | null;
}

const SERVICE_CODE = '(service code)';

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? SERVICE_CODE;
}

/** Output bytes by package, from esbuild's metafile. */
export function packageShares(metafile: Metafile): PackageShare[] {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint);
  const shares = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    shares.set(name, (shares.get(name) ?? 0) + bytesInOutput);
  }
  return [...shares]
    .map(([name, bytes]) => ({ name, bytes }))
    .sort((left, right) => right.bytes - left.bytes);
}

/** Builds one entry the way the deploy does; the metafile is kept beside the report. */
export async function buildBundle(
  key: string,
  entry: string,
  outRoot: string,
  bundling: BundlingOptions = BUNDLING,
): Promise<BundleInfo> {
  const outdir = join(outRoot, key);
  await mkdir(outdir, { recursive: true });
  const options = esbuildOptionsFrom(bundling, entry, outdir);
  const result = await build(options);
  const file = options.outfile ?? '';
  const code = await readFile(file);
  const map = sourceMapEnabled(bundling)
    ? await readFile(`${file}.map`).catch(() => undefined)
    : undefined;
  const metafilePath = join(outdir, 'meta.json');
  await writeFile(metafilePath, JSON.stringify(result.metafile));
  return {
    key,
    entry,
    file,
    bytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    sourceMapBytes: map?.length ?? 0,
    packages: result.metafile ? packageShares(result.metafile) : [],
    metafile: relative(REPOSITORY_ROOT, metafilePath),
    sha256: createHash('sha256').update(code).digest('hex'),
    identicalToSynthesizedAsset: null,
  };
}

/** SHA-256 of every bundled asset `npm run synth` left in `cdk.out`. */
async function synthesizedAssetHashes(): Promise<Set<string> | null> {
  const root = join(REPOSITORY_ROOT, 'cdk.out');
  const directories = await readdir(root).catch(() => [] as string[]);
  const hashes = new Set<string>();
  for (const directory of directories.filter((name) => name.startsWith('asset.'))) {
    const code = await readFile(join(root, directory, 'index.mjs')).catch(() => undefined);
    if (code) hashes.add(createHash('sha256').update(code).digest('hex'));
  }
  return hashes.size > 0 ? hashes : null;
}

/** Every deployed function's bundle, its floor, the naive reference and the probe, from `BUNDLING`. */
export async function buildAllBundles(outRoot: string): Promise<BundleInfo[]> {
  const entries: [string, string][] = [
    ...Object.entries(FUNCTION_ENTRIES),
    ...Object.values(FLOORS).map((floor): [string, string] => [floor.key, floor.entry]),
    [REFERENCE_KEY, REFERENCE_ENTRY],
    ...Object.entries(PROBES),
  ];
  const synthesized = await synthesizedAssetHashes();
  const bundles: BundleInfo[] = [];
  for (const [key, entry] of entries) {
    const bundle = await buildBundle(key, entry, outRoot);
    if (synthesized && key in FUNCTION_ENTRIES) {
      bundle.identicalToSynthesizedAsset = synthesized.has(bundle.sha256);
    }
    bundles.push(bundle);
  }
  return bundles;
}
