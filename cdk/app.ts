import { App } from 'aws-cdk-lib';
import { ConfigError } from '../lib/errors.js';
import { SETTINGS_EXIT_CODE } from '../lib/setting-rules.js';
import { addComplianceChecks, createStacks, readDeploymentSettings } from './stacks.js';

// `cdk synth|deploy -c stage=dev|prod [-c NAME=value ...]`; parameters are in docs/deploy.md.
const app = new App();
try {
  createStacks(app, readDeploymentSettings(app));
} catch (error) {
  // A bad parameter is the operator's to fix: the message, without a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(SETTINGS_EXIT_CODE);
}
addComplianceChecks(app);
