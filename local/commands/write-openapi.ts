import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatJson } from '../format-json.js';
import { OPENAPI_FILE, openApiDocument } from '../openapi/document.js';

/**
 * `npm run openapi`: writes `docs/openapi.json` from the route table (`local/openapi/routes.ts`),
 * laid out as Biome keeps JSON, so the committed file only changes when a route or schema does.
 */
const root = resolve(import.meta.dirname, '../..');
writeFileSync(resolve(root, OPENAPI_FILE), formatJson(openApiDocument()));
console.log(`Wrote ${OPENAPI_FILE}`);
