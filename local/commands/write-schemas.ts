import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventJsonSchemas, SCHEMAS_DIR } from '../../lib/events/json-schemas.js';

/**
 * `npm run schemas`: writes the JSON Schema of every event to `schemas/events/`, formatted the way
 * Biome keeps JSON, so the committed files only change when a zod schema does.
 */
const root = resolve(import.meta.dirname, '../..');
const dir = join(root, SCHEMAS_DIR);
mkdirSync(dir, { recursive: true });
const written: string[] = [];
for (const [file, schema] of eventJsonSchemas()) {
  const path = join(dir, file);
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  written.push(path);
}
execFileSync(join(root, 'node_modules/.bin/biome'), ['format', '--write', ...written], {
  cwd: root,
  stdio: 'inherit',
});
