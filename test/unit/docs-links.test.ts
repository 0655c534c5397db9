import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The documents stand alone: every relative link, and every repository path written in backticks,
 * resolves to something in this repository. Commands (`npm run x`), URLs, placeholders
 * (`<stage>`) and runtime output the repository ignores (`.local/`, `bench/results/`) are not
 * paths to check; anything that starts with one of the repository's own top-level folders is.
 */

const ROOT = resolve(import.meta.dirname, '../..');

function documents(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  const tracked = execFileSync('git', ['ls-files', '*.md', '**/*.md'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(Boolean);
  return [...new Set(['README.md', ...docs, ...tracked])].sort();
}

/** The text outside fenced code blocks, with each line's number. */
function proseLines(text: string): { line: number; text: string }[] {
  let fenced = false;
  return text.split('\n').flatMap((line, index) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [{ line: index + 1, text: line }];
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const { text } of proseLines(readFileSync(file, 'utf8'))) {
    const heading = /^#{1,6}\s+(.*?)\s*#*$/.exec(text)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

function gitIgnored(paths: string[]): Set<string> {
  if (paths.length === 0) return new Set();
  try {
    const out = execFileSync('git', ['check-ignore', '--stdin'], {
      cwd: ROOT,
      input: paths.join('\n'),
      encoding: 'utf8',
    });
    return new Set(out.split('\n').filter(Boolean));
  } catch (error) {
    // Exit status 1: none of them is ignored.
    if ((error as { status?: number }).status === 1) return new Set();
    throw error;
  }
}

/** Top-level folders and files of the repository itself (not dependencies or output). */
function repositoryTopLevel(): Set<string> {
  const names = readdirSync(ROOT).filter((name) => name !== '.git');
  const ignored = gitIgnored(names);
  return new Set(names.filter((name) => !ignored.has(name)));
}

interface Reference {
  document: string;
  line: number;
  target: string;
}

function links(document: string): Reference[] {
  const references: Reference[] = [];
  for (const { line, text } of proseLines(readFileSync(join(ROOT, document), 'utf8'))) {
    const withoutCode = text.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      references.push({ document, line, target: match[1] ?? '' });
    }
    const definition = /^\s*\[[^\]]+\]:\s*(\S+)/.exec(withoutCode)?.[1];
    if (definition) references.push({ document, line, target: definition });
  }
  return references;
}

/** Code spans that look like a path in this repository: they start with one of its top-level names. */
function pathsIn(text: string, topLevel: Set<string>): { line: number; target: string }[] {
  const references: { line: number; target: string }[] = [];
  for (const { line, text: prose } of proseLines(text)) {
    for (const match of prose.matchAll(/`([^`\s]+)`/g)) {
      const span = (match[1] ?? '').replace(/^\.\//, '');
      if (isExternal(span) || /[<>{}$@=:]/.test(span)) continue;
      const first = span.split('/')[0] ?? '';
      if (!topLevel.has(first)) continue;
      // A bare name (`cdk.json`) counts only when it is a file at the top; `review.json` in prose
      // is usually the reader's own file.
      if (!span.includes('/') && !statSync(join(ROOT, span)).isFile()) continue;
      references.push({ line, target: span });
    }
  }
  return references;
}

function mentionedPaths(document: string, topLevel: Set<string>): Reference[] {
  return pathsIn(readFileSync(join(ROOT, document), 'utf8'), topLevel).map((reference) => ({
    document,
    ...reference,
  }));
}

/** Files matching a path with `*` wildcards (within one path segment). */
function globMatches(pattern: string): string[] {
  const directory = pattern.slice(0, pattern.lastIndexOf('/', pattern.indexOf('*')) + 1);
  const regex = new RegExp(
    `^${pattern
      .slice(directory.length)
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^/]*')}$`,
  );
  if (!existsSync(join(ROOT, directory))) return [];
  return readdirSync(join(ROOT, directory)).filter((name) => regex.test(name));
}

const DOCUMENTS = documents();
const TOP_LEVEL = repositoryTopLevel();

describe('the documents', () => {
  it.each(DOCUMENTS)('%s: every relative link resolves inside the repository', (document) => {
    const broken: string[] = [];
    for (const reference of links(document)) {
      if (isExternal(reference.target)) continue;
      const [path = '', anchor] = reference.target.split('#');
      const file = path === '' ? join(ROOT, document) : resolve(ROOT, dirname(document), path);
      const where = `${document}:${reference.line} → ${reference.target}`;
      if (relative(ROOT, file).startsWith('..') || !file.startsWith(ROOT + sep)) {
        broken.push(`${where} (outside the repository)`);
      } else if (!existsSync(file)) {
        broken.push(`${where} (no such file)`);
      } else if (anchor && file.endsWith('.md') && !anchors(file).has(anchor)) {
        broken.push(`${where} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(DOCUMENTS)('%s: every repository path in backticks exists', (document) => {
    const references = mentionedPaths(document, TOP_LEVEL);
    const ignored = gitIgnored(references.map((reference) => reference.target));
    const missing = references
      .filter((reference) => !ignored.has(reference.target))
      .filter((reference) =>
        reference.target.includes('*')
          ? globMatches(reference.target).length === 0
          : !existsSync(join(ROOT, reference.target)),
      )
      .map((reference) => `${reference.document}:${reference.line} → ${reference.target}`);
    expect(missing).toEqual([]);
  });

  it.each(DOCUMENTS)('%s: cites no specification kept outside the repository', (document) => {
    const citing = readFileSync(join(ROOT, document), 'utf8')
      .split('\n')
      .map((text, index) => `${document}:${index + 1}: ${text}`)
      .filter((line) => /\.\.\/shared\b|\bCONTRACT\b/.test(line));

    expect(citing).toEqual([]);
  });
});

describe('the path check itself', () => {
  it('takes repository paths and skips commands, URLs, placeholders and other names', () => {
    const text =
      'See `lib/store/README.md`, `local/no-such-file.ts`, `npm run events`, `https://x.org/a/b`, `.local/rules/<rule>.jsonl`, `cdk.json`, `review.json`, `docs` and `proctoring-reviews/prod/callback-secret`.\n```sh\ncat lib/missing.ts\n```\n';

    expect(pathsIn(text, TOP_LEVEL).map((reference) => reference.target)).toEqual([
      'lib/store/README.md',
      'local/no-such-file.ts',
      'cdk.json',
    ]);
  });

  it('slugs headings as GitHub does', () => {
    expect(slug('`GET /internal/attempts/{attemptCode}/review/video`')).toBe(
      'get-internalattemptsattemptcodereviewvideo',
    );
    expect(slug('Re-delivery, updates and stale re-sends')).toBe(
      're-delivery-updates-and-stale-re-sends',
    );
  });
});
