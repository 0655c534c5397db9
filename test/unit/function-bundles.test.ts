import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { esbuildOptionsFrom } from '../../bench/bundles.js';
import { FUNCTION_ENTRIES } from '../../cdk/function-entries.js';
import { BUNDLING } from '../../cdk/service-function.js';

/**
 * What each function's bundle must not carry, built as the deploy builds it: zod's classic API
 * (its load alone costs about four times `zod/mini`'s at every cold start), locales other than
 * English, and the events' schemas (a generator's source, imported by the functions as types).
 */
describe('the function bundles', () => {
  it.each(Object.entries(FUNCTION_ENTRIES))(
    '%s holds zod/mini and its English messages only',
    async (_key, entry) => {
      // Prepare
      const options = esbuildOptionsFrom(BUNDLING, entry, join(tmpdir(), 'function-bundles'));

      // Act
      const { metafile } = await build({ ...options, write: false });

      // Assess
      // What reached the output: esbuild also lists files it read and then dropped.
      const output = Object.values(metafile?.outputs ?? {}).find((file) => file.entryPoint);
      const inputs = Object.entries(output?.inputs ?? {})
        .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
        .map(([input]) => input);
      expect(inputs.some((input) => input.includes('node_modules/zod/v4/mini/'))).toBe(true);
      expect(inputs.filter((input) => input.includes('node_modules/zod/v4/classic/'))).toEqual([]);
      expect(
        inputs.filter((input) => /node_modules\/zod\/v4\/locales\/(?!en\.js$)/.test(input)),
      ).toEqual([]);
      expect(inputs.filter((input) => input.endsWith('lib/events/schemas.ts'))).toEqual([]);
    },
  );
});
