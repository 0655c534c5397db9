import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { DeploymentSettings } from './settings.js';
import { StatefulStack } from './stateful-stack.js';
import { StatelessStack } from './stateless-stack.js';

export { FUNCTION_ENTRIES, type FunctionKey } from './function-entries.js';
export {
  type DeploymentSettings,
  parseDeploymentSettings,
  readDeploymentSettings,
} from './settings.js';
export { StatefulStack } from './stateful-stack.js';
export { StatelessStack } from './stateless-stack.js';

/**
 * The whole service for one stage: a stateful stack (tables, bus, secrets) and a stateless stack
 * (functions, API, wiring, alarms) that reads from it. Stack names carry the stage, so dev and
 * prod can share an account.
 */
export function createStacks(
  app: App,
  settings: DeploymentSettings,
): { stateful: StatefulStack; stateless: StatelessStack } {
  const name = `proctoring-reviews-${settings.stage}`;
  const stateful = new StatefulStack(app, 'Stateful', {
    stackName: `${name}-stateful`,
    description: `proctoring-reviews (${settings.stage}): tables, event bus, secrets`,
    stage: settings.stage,
    eventSource: settings.eventSource,
    consumerAccounts: settings.consumerAccounts,
    terminationProtection: settings.stage === 'prod',
  });
  const stateless = new StatelessStack(app, 'Stateless', {
    stackName: `${name}-stateless`,
    description: `proctoring-reviews (${settings.stage}): API, functions, stream wiring, alarms`,
    settings,
    stateful,
  });
  for (const stack of [stateful, stateless]) {
    Tags.of(stack).add('service', 'proctoring-reviews');
    Tags.of(stack).add('stage', settings.stage);
  }
  return { stateful, stateless };
}

/** Runs the cdk-nag AwsSolutions and Serverless packs on every synth of `app`; findings fail it. */
export function addComplianceChecks(app: App): void {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
}
