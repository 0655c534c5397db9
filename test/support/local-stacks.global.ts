import type { TestProject } from 'vitest/node';
import { type LocalStackProcess, startLocalStackProcess } from '../../local/stack-process.js';

/**
 * The end-to-end project's stacks, each started once as `npm start` runs it:
 * - `standard`: the defaults (HMAC, updates allowed, second reviews required, no simulation);
 * - `strict`: updates refused, failures rejected directly, simulated callbacks allowed.
 */
export const STRICT_ENVIRONMENT = {
  ALLOW_REVIEW_UPDATES: 'false',
  REQUIRE_FAILURE_SECOND_REVIEWS: 'false',
  ALLOW_CALLBACK_SIMULATION: 'true',
  CALLBACK_SECRET: 'strict-secret-1,strict-secret-2',
};

export default async function setup(project: TestProject) {
  const stacks: LocalStackProcess[] = await Promise.all([
    startLocalStackProcess(),
    startLocalStackProcess(STRICT_ENVIRONMENT),
  ]);
  const [standard, strict] = stacks;
  if (!standard || !strict) throw new Error('local stacks did not start');
  project.provide('localStacks', {
    standard: { url: standard.url, dataDir: standard.dataDir },
    strict: { url: strict.url, dataDir: strict.dataDir },
  });
  return async () => {
    await Promise.all(stacks.map((stack) => stack.stop()));
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStacks: Record<'standard' | 'strict', { url: string; dataDir: string }>;
  }
}
