import { fileURLToPath } from 'node:url';
import { type Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  EVENT_BUS_VARIABLE,
  type FunctionAccess,
  SECRET_VARIABLES,
  type SecretKey,
  TABLE_VARIABLES,
  type TableKey,
} from './function-access.js';
import { FUNCTION_ENTRIES, type FunctionKey } from './function-entries.js';
import { METRICS_NAMESPACE_VARIABLE } from './metrics.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** esbuild settings shared by every function. */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  // Bundling the SDK pins its version and starts faster than the runtime's copy.
  externalModules: [],
  mainFields: ['module', 'main'],
  // CommonJS dependencies inside an ESM bundle still call require().
  banner:
    "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
} satisfies BundlingOptions;

export interface ServiceFunctionProps {
  /** Which entry point this function runs (see `FUNCTION_ENTRIES`). */
  entry: FunctionKey;
  description: string;
  memorySize: number;
  timeout: Duration;
  logRetention: RetentionDays;
  /** What happens to the log group when the stack is deleted. */
  logRemovalPolicy: RemovalPolicy;
  logLevel: string;
  /** Where the function's EMF metrics go: a namespace of its stage's own. */
  metricsNamespace: string;
  reservedConcurrentExecutions?: number;
}

/** The stateful resources a `FunctionAccess` can name. */
export interface ServiceResources {
  tables: Record<TableKey, ITableV2>;
  secrets: Record<SecretKey, ISecret>;
  eventBus: IEventBus;
}

/**
 * One Lambda function with the house defaults: Node.js 24 on arm64, a minified ESM bundle that
 * includes the AWS SDK, source maps, X-Ray, an explicit log group with retention, and a role of its
 * own that may write only to that log group until `bindAccess` grants more.
 */
export class ServiceFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: props.logRemovalPolicy,
    });
    // An own role instead of the AWSLambdaBasicExecutionRole managed policy, which may write to
    // every log group in the account.
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs ${FUNCTION_ENTRIES[props.entry]}`,
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      entry: `${REPOSITORY_ROOT}${FUNCTION_ENTRIES[props.entry]}`,
      projectRoot: REPOSITORY_ROOT,
      depsLockFilePath: `${REPOSITORY_ROOT}package-lock.json`,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      // SDK v3 keeps connections alive by itself; the v2 variable would only add noise.
      awsSdkConnectionReuse: false,
      environment: {
        LOG_LEVEL: props.logLevel,
        [METRICS_NAMESPACE_VARIABLE]: props.metricsNamespace,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: BUNDLING,
    });

    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments and PutTelemetryRecords do not support resource-level permissions; every other statement names its resource.',
    });
    Validations.of(this).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked synchronously (API Gateway), by an event source mapping with its own on-failure destination, or by a schedule whose next run repeats a failed one; no event is ever left only in an asynchronous queue.',
    });
  }

  /**
   * Passes each resource `access` names in its environment variable and allows exactly the listed
   * actions on it: one statement per table (its ARN), one for the indexes it queries, one for the
   * secrets, one for the bus. No KMS statement: tables, secrets and bus use AWS-managed keys.
   */
  bindAccess(access: FunctionAccess, resources: ServiceResources): void {
    for (const [key, tableAccess] of Object.entries(access.tables)) {
      if (!tableAccess) continue;
      const table = resources.tables[key as TableKey];
      this.addEnvironment(TABLE_VARIABLES[key as TableKey], table.tableName);
      this.addToRolePolicy(
        new PolicyStatement({
          actions: [...new Set(tableAccess.items)].sort(),
          resources: [table.tableArn],
        }),
      );
      const indexes = tableAccess.queriedIndexes ?? [];
      if (indexes.length > 0) {
        this.addToRolePolicy(
          new PolicyStatement({
            actions: ['dynamodb:Query'],
            resources: indexes.map((index) => `${table.tableArn}/index/${index}`),
          }),
        );
      }
    }
    const secrets = access.secrets ?? [];
    for (const key of secrets) {
      this.addEnvironment(SECRET_VARIABLES[key], resources.secrets[key].secretArn);
    }
    if (secrets.length > 0) {
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['secretsmanager:GetSecretValue'],
          resources: secrets.map((key) => resources.secrets[key].secretArn),
        }),
      );
    }
    if (access.putsEvents) {
      this.addEnvironment(EVENT_BUS_VARIABLE, resources.eventBus.eventBusName);
      this.addToRolePolicy(
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [resources.eventBus.eventBusArn],
        }),
      );
    }
  }
}
