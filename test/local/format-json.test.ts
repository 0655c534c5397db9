import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJson } from '../../local/format-json.js';

const root = resolve(import.meta.dirname, '../..');

function biomeFormat(text: string): string {
  return execFileSync(
    resolve(root, 'node_modules/.bin/biome'),
    ['format', '--stdin-file-path=generated.json'],
    { cwd: root, input: text, encoding: 'utf8' },
  );
}

describe('formatJson', () => {
  it('lays JSON out exactly as Biome formats it, around the 100-column limit too', () => {
    // Prepare: arrays of scalars whose one-line form is just under, at and over the limit.
    const value: Record<string, unknown> = {
      nested: { numbers: [1, 2, 3], objects: [{ a: 1 }, { b: [true, null] }], none: [], empty: {} },
    };
    for (let length = 70; length <= 80; length++) value[`k${length}`] = ['x'.repeat(length), 'y'];
    value.last = ['x'.repeat(78), 'y'];

    // Act
    const text = formatJson(value);

    // Assess
    expect(biomeFormat(text)).toBe(text);
    expect(JSON.parse(text)).toEqual(value);
  });
});
