// @ts-check
/**
 * Mutation testing of the domain core: `npm run mutation` (see docs/mutation-testing.md).
 * Too slow for CI; run it before changing the core, on the files you touch:
 *   npm run mutation -- --mutate lib/http/signature.ts
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'stryker.vitest.config.ts' },
  // The decisions, formats and error handling the service's behaviour rests on. Adapters (DynamoDB,
  // Secrets Manager), config and the emulator are covered by integration and end-to-end tests,
  // which are too slow to run once per mutant.
  mutate: [
    'lib/workflow/**/*.ts',
    'lib/aws-clients.ts',
    'lib/events/eventbridge-publisher.ts',
    'lib/reviews/append-revision.ts',
    'lib/reviews/json.ts',
    'lib/reviews/receive-vendor-review.ts',
    'lib/reviews/vendor-review.ts',
    'lib/reviews/video-url.ts',
    'lib/http/errors-to-http.ts',
    'lib/http/signature.ts',
    'functions/finish-review/handler.ts',
  ],
  // TypeScript 7 has no JavaScript API, so @stryker-mutator/typescript-checker cannot load it.
  // No checker: vitest strips types without checking them, and Stryker marks every mutated
  // file `// @ts-nocheck` (disableTypeChecks), so a mutant that would not compile still runs and is
  // killed or survives on its behaviour alone. Survivors are read by hand anyway.
  checkers: [],
  disableTypeChecks: true,
  // Stryker rewrites the `extends` and `references` paths of the project's tsconfig for its sandbox,
  // through the TypeScript API that TypeScript 7 lacks. tsconfig.json has neither, so the rewrite is
  // skipped by naming a file that does not exist (vitest still reads the real tsconfig.json).
  tsconfigFile: 'tsconfig.stryker-skip.json',
  coverageAnalysis: 'perTest',
  // Two cores shared by several developers: one test runner, and generous timeouts so a busy
  // machine does not turn a slow run into a false "timeout" kill.
  concurrency: 1,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  ignorePatterns: ['cdk.out', '.local', '.cache', 'bench/results', 'coverage', 'reports'],
  tempDirName: '.stryker-tmp',
};
