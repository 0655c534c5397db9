import { App } from 'aws-cdk-lib';
import {
  addComplianceChecks,
  createStacks,
  DeploymentSettingsError,
  readDeploymentSettings,
} from './stacks.js';

// `cdk synth|deploy -c stage=dev|prod [-c NAME=value ...]`; parameters are in docs/deploy.md.
const app = new App();
try {
  createStacks(app, readDeploymentSettings(app));
} catch (error) {
  // A bad parameter is the operator's to fix: the message, without a stack trace.
  if (!(error instanceof DeploymentSettingsError)) throw error;
  console.error(error.message);
  process.exit(1);
}
addComplianceChecks(app);
