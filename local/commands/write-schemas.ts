import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventJsonSchemas, SCHEMAS_DIR } from '../../lib/events/json-schemas.js';
import { formatJson } from '../format-json.js';

/**
 * `npm run schemas`: writes the JSON Schema of every event to `schemas/events/`, laid out as Biome
 * keeps JSON, so the committed files only change when a zod schema does.
 */
const root = resolve(import.meta.dirname, '../..');
const dir = join(root, SCHEMAS_DIR);
mkdirSync(dir, { recursive: true });
for (const [file, schema] of eventJsonSchemas()) {
  writeFileSync(join(dir, file), formatJson(schema));
}
console.log(`Wrote ${eventJsonSchemas().size} schemas to ${SCHEMAS_DIR}/`);
