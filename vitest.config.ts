import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    env: {
      // CDK's built-in template validation costs seconds per synth and is run by `npm run synth`.
      CDK_VALIDATION: 'false',
      // The local toolchain runs on Node 20 with pinned SDK versions; the notice is known.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    unstubEnvs: true,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/dynamodb-local.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The local emulator (stream mapping, event bus, pattern matcher, developer commands):
          // these tests guard `local/`, not the product.
          name: 'local',
          include: ['test/local/**/*.test.ts'],
          globalSetup: ['test/support/dynamodb-local.global.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // One file, one synth: CDK's first synth in a worker costs far more than later ones.
          name: 'cdk',
          include: ['test/cdk/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // The whole pipeline over HTTP: `npm start` as a user runs it, in two configurations.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/local-stacks.global.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
