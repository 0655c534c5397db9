import * as z from 'zod/mini';
import { DETAIL_TYPES, type DetailType, EVENT_SCHEMAS, SCHEMA_VERSION } from './schemas.js';

/** Where the committed JSON Schemas live, relative to the repository root. */
export const SCHEMAS_DIR = 'schemas/events';

export function schemaFileName(detailType: DetailType): string {
  return `${detailType}.v${SCHEMA_VERSION}.json`;
}

/**
 * The JSON Schema (draft 2020-12) of one event's `detail`, generated from its zod schema. Objects
 * are left open (no `additionalProperties: false`): a version may gain fields, and consumers
 * should ignore the ones they do not know. Removing or retyping a field means a new version.
 */
export function eventJsonSchema(detailType: DetailType): Record<string, unknown> {
  // Input mode, because output mode closes every object.
  const { $schema, ...generated } = z.toJSONSchema(EVENT_SCHEMAS[detailType], { io: 'input' });
  return {
    $schema,
    $id: `urn:proctoring-reviews:events:${detailType}:v${SCHEMA_VERSION}`,
    ...generated,
    // The source is `EVENT_SOURCE`, `edx.proctoring` unless a deployment changes it.
    'x-eventbridge': { 'detail-type': detailType, 'default-source': 'edx.proctoring' },
  };
}

export function eventJsonSchemas(): Map<string, Record<string, unknown>> {
  return new Map(DETAIL_TYPES.map((type) => [schemaFileName(type), eventJsonSchema(type)]));
}
