import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Stack } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import * as z from 'zod';
import { schemaFileName } from '../lib/events/json-schemas.js';
import { DETAIL_TYPES, type DetailType, EVENT_SCHEMAS } from '../lib/events/schemas.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The registry's rendering of one committed event schema. The EventBridge schema registry accepts
 * JSON Schema draft 4 only, while `schemas/events/*.v1.json` are draft 2020-12; both come from the
 * same zod schema, so the registry gets the draft 4 rendering with the committed file's id and
 * EventBridge metadata.
 */
export function registryContent(detailType: DetailType, committed: Record<string, unknown>) {
  const { $schema, ...body } = z.toJSONSchema(EVENT_SCHEMAS[detailType], {
    io: 'input',
    target: 'draft-04',
  });
  // Draft 4 names the identifier `id`.
  return { $schema, id: committed.$id, ...body, 'x-eventbridge': committed['x-eventbridge'] };
}

/** The committed schema files, by detail type; an event without its file is left out. */
export function committedEventSchemas(root = REPOSITORY_ROOT) {
  return DETAIL_TYPES.flatMap((detailType) => {
    const path = `${root}schemas/events/${schemaFileName(detailType)}`;
    if (!existsSync(path)) return [];
    return [{ detailType, committed: JSON.parse(readFileSync(path, 'utf8')) }];
  });
}

/**
 * Registers the event schemas in a registry of their own, where analysts browse them and
 * download code bindings. Registers nothing while no schema file is committed.
 */
export function registerEventSchemas(
  stack: Stack,
  registryName: string,
  eventSource: string,
  schemas = committedEventSchemas(),
): CfnRegistry | undefined {
  if (schemas.length === 0) return undefined;
  const registry = new CfnRegistry(stack, 'EventSchemaRegistry', {
    registryName,
    description: 'Proctoring review events (schemas/events/*.v1.json)',
  });
  for (const { detailType, committed } of schemas) {
    new CfnSchema(stack, `EventSchema-${detailType}`, {
      registryName: registry.attrRegistryName,
      // The registry's own naming for event schemas: <source>@<detail-type>.
      schemaName: `${eventSource}@${detailType}`,
      type: 'JSONSchemaDraft4',
      content: JSON.stringify(registryContent(detailType, committed)),
      description: `detail of ${detailType} events, version 1`,
    });
  }
  return registry;
}
