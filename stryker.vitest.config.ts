import { defineConfig } from 'vitest/config';
import shared from './vitest.config.js';

// Mutation testing runs the unit project only: the other projects need DynamoDB Local, a
// CDK synth or the whole local stack, and would turn a mutant run into minutes.
const unit = shared.test?.projects?.find(
  (project) => typeof project === 'object' && 'test' in project && project.test?.name === 'unit',
);
if (!unit || typeof unit !== 'object' || !('test' in unit)) {
  throw new Error('vitest.config.ts has no project named "unit"');
}

export default defineConfig({
  test: {
    env: shared.test?.env,
    unstubEnvs: shared.test?.unstubEnvs,
    include: unit.test?.include,
  },
});
