import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The layout's boundaries: `lib/` is runtime code, `functions/` are its Lambda entry points,
 * `cdk/` deploys them, and `local/`, `bench/` and `test/` only ever import those, never the
 * reverse. Biome enforces the rule as a developer types; this file proves the rule fires and that
 * the tree obeys it.
 */

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const BIOME = join(ROOT, 'node_modules', '.bin', 'biome');

interface Diagnostic {
  category: string;
  location: { path: string };
}

/** Lints `files` (path -> source) with the repository's Biome configuration, in a scratch tree. */
async function lintPlanted(scratch: string, files: Record<string, string>): Promise<Diagnostic[]> {
  for (const [path, source] of Object.entries(files)) {
    await mkdir(dirname(join(scratch, path)), { recursive: true });
    await writeFile(join(scratch, path), source);
  }
  const result = await run(BIOME, ['lint', '--reporter=json', ...Object.keys(files)], {
    cwd: scratch,
  }).catch((error: { stdout: string }) => error);
  return (JSON.parse(result.stdout) as { diagnostics: Diagnostic[] }).diagnostics;
}

/** Biome's restricted-imports rule reported the planted file. */
function expectRestricted(diagnostics: unknown[], path: string): void {
  expect(diagnostics).toContainEqual(
    expect.objectContaining({
      category: 'lint/style/noRestrictedImports',
      location: expect.objectContaining({ path }),
    }),
  );
}

describe('the boundary lint rule', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'layout-'));
    const config = JSON.parse(await readFile(join(ROOT, 'biome.json'), 'utf8'));
    // The scratch tree is no git checkout, so Biome must not ask git which files to skip.
    config.vcs = { enabled: false };
    delete config.$schema;
    await writeFile(join(scratch, 'biome.json'), JSON.stringify(config));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  it.each([
    ['lib/reviews/planted.ts', '../../local/start.js'],
    ['lib/planted.ts', '../cdk/stacks.js'],
    ['lib/store/planted.ts', '../../bench/stats.js'],
    ['lib/workflow/planted.ts', '../../test/support/factories.js'],
    ['functions/review-callback/planted.ts', '../../local/api/server.js'],
    ['cdk/planted.ts', '../local/stack-plan.js'],
  ])('refuses %s importing %s', async (path, specifier) => {
    // Prepare
    const source = `import { planted } from '${specifier}';\n\nexport const value = planted;\n`;

    // Act
    const diagnostics = await lintPlanted(scratch, { [path]: source });

    // Assess
    expectRestricted(diagnostics, path);
  });

  it.each([
    ['local/planted.ts', '../lib/log.js'],
    ['cdk/planted-allowed.ts', '../lib/store/item-types.js'],
    ['functions/planted/index.ts', '../../lib/log.js'],
  ])('allows %s importing %s', async (path, specifier) => {
    const source = `import { planted } from '${specifier}';\n\nexport const value = planted;\n`;

    const diagnostics = await lintPlanted(scratch, { [path]: source });

    expect(diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports')).toEqual([]);
  });

  const ZOD = "import * as z from 'zod';\n\nexport const value = z.string();\n";
  const ZOD_MINI = "import * as z from 'zod/mini';\n\nexport const value = z.string();\n";
  const NAMED_MINI = "import { z } from 'zod/mini';\n\nexport const value = z.string();\n";

  it.each([
    ['lib/reviews/planted.ts', ZOD],
    ['functions/review-callback/planted.ts', ZOD],
    ['lib/planted.ts', NAMED_MINI],
  ])(
    'refuses the zod import of %s that would cost the functions their cold start',
    async (path, source) => {
      // Prepare, Act
      const diagnostics = await lintPlanted(scratch, { [path]: source });

      // Assess
      expectRestricted(diagnostics, path);
    },
  );

  it.each([
    ['lib/reviews/planted.ts', ZOD_MINI],
    ['functions/review-callback/planted.ts', ZOD_MINI],
    ['lib/events/schemas.ts', ZOD],
    ['cdk/planted-zod.ts', ZOD],
  ])('allows the zod import of %s', async (path, source) => {
    const diagnostics = await lintPlanted(scratch, { [path]: source });

    expect(diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports')).toEqual([]);
  });
});

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)).split(sep).join('/'));
}

/** Every relative import of `file`, as a repository path. */
async function importsOf(file: string): Promise<string[]> {
  const source = await readFile(join(ROOT, file), 'utf8');
  const specifiers = [...source.matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)].map((m) => m[1] ?? '');
  return specifiers.map((specifier) =>
    relative(ROOT, resolve(ROOT, dirname(file), specifier))
      .split(sep)
      .join('/'),
  );
}

describe('the import graph', () => {
  it('has no edge from lib/ to local/, cdk/, bench/ or test/', async () => {
    const edges: string[] = [];
    for (const file of await sourceFiles('lib')) {
      for (const target of await importsOf(file)) {
        if (/^(local|cdk|bench|test)\//.test(target)) edges.push(`${file} -> ${target}`);
      }
    }
    expect(edges).toEqual([]);
  });

  it('keeps the review domain free of the workflow and the events', async () => {
    const edges: string[] = [];
    for (const file of await sourceFiles('lib/reviews')) {
      for (const target of await importsOf(file)) {
        if (/^lib\/(workflow|events)\//.test(target)) edges.push(`${file} -> ${target}`);
      }
    }
    expect(edges).toEqual([]);
  });

  it('keeps functions/ and cdk/ away from the local stack', async () => {
    const edges: string[] = [];
    for (const file of [...(await sourceFiles('functions')), ...(await sourceFiles('cdk'))]) {
      for (const target of await importsOf(file)) {
        if (target.startsWith('local/')) edges.push(`${file} -> ${target}`);
      }
    }
    expect(edges).toEqual([]);
  });

  it('keeps every file under lib/ short enough to hold in one head', async () => {
    const long: string[] = [];
    for (const file of await sourceFiles('lib')) {
      const lines = (await readFile(join(ROOT, file), 'utf8')).split('\n').length;
      if (lines > 450) long.push(`${file}: ${lines} lines`);
    }
    expect(long).toEqual([]);
  });
});
