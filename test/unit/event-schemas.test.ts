import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventJsonSchemas, SCHEMAS_DIR } from '../../lib/events/json-schemas.js';
import { DETAIL_TYPES, EVENT_SCHEMAS } from '../../lib/events/schemas.js';
import { eventId } from '../../lib/workflow/events.js';
import { formatJson } from '../../local/format-json.js';

const root = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('event JSON Schemas', () => {
  it.each([...eventJsonSchemas()])(
    'the committed %s matches its zod schema (else run `npm run schemas`)',
    (file, generated) => {
      // Byte for byte: `npm run schemas` on a clean tree must change nothing.
      expect(read(join(SCHEMAS_DIR, file))).toBe(formatJson(generated));
    },
  );

  it('has one committed file per event and no others', () => {
    expect(readdirSync(join(root, SCHEMAS_DIR)).sort()).toEqual(
      [...eventJsonSchemas().keys()].sort(),
    );
  });

  it('names the detail-type, version and draft of each schema', () => {
    for (const [file, schema] of eventJsonSchemas()) {
      const detailType = file.replace('.v1.json', '');
      expect(schema).toMatchObject({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `urn:proctoring-reviews:events:${detailType}:v1`,
        title: detailType,
        type: 'object',
        'x-eventbridge': { 'detail-type': detailType },
      });
    }
  });
});

describe('event catalogue (docs/events.md)', () => {
  const catalogue = read('docs/events.md');

  it.each(DETAIL_TYPES)('documents every field of %s', (detailType) => {
    const section = catalogue.split(/^## /m).find((part) => part.startsWith(`\`${detailType}\``));

    expect(section, `a "## \`${detailType}\`" section`).toBeDefined();
    for (const field of Object.keys(EVENT_SCHEMAS[detailType].shape)) {
      expect(section, field).toContain(`| \`${field}\``);
    }
    expect(section).toContain(`schemas/events/${detailType}.v1.json`);
  });

  it.each(DETAIL_TYPES)(
    'shows %s samples that its schema accepts, with their real event ids',
    (detailType) => {
      const section =
        catalogue.split(/^## /m).find((part) => part.startsWith(`\`${detailType}\``)) ?? '';
      const samples = [...section.matchAll(/```json sample\n([\s\S]*?)```/g)].map(
        (match) => match[1],
      );

      expect(samples.length, 'a ```json sample block').toBeGreaterThan(0);
      for (const sample of samples) {
        const envelope = JSON.parse(sample ?? '{}') as {
          'detail-type': string;
          detail: { attempt_code: string; review_revision: number; event_id: string };
        };
        expect(envelope['detail-type']).toBe(detailType);
        expect(EVENT_SCHEMAS[detailType].strict().safeParse(envelope.detail).error).toBeUndefined();
        const { attempt_code, review_revision, event_id } = envelope.detail;
        expect(event_id).toBe(eventId(attempt_code, review_revision, detailType));
      }
    },
  );
});
