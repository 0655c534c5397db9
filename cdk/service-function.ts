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
import { FUNCTION_ENTRIES, type FunctionKey } from './function-entries.js';

const REPOSITORY_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The DynamoDB actions each access level allows: exactly what `lib/store` sends (single-item
 * reads and updates, queries, batch gets, and the puts inside `TransactWriteItems`). No scans,
 * deletes or batch writes. Indexes are not covered: `bindIndex` allows querying one by name.
 */
export const TABLE_ACTIONS = {
  read: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
  ],
  readWrite: [
    'dynamodb:GetItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
    'dynamodb:ConditionCheckItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
  ],
} as const;

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
  reservedConcurrentExecutions?: number;
}

/**
 * One Lambda function with the house defaults: Node.js 24 on arm64, a minified ESM bundle that
 * includes the AWS SDK, source maps, X-Ray, an explicit log group with retention, and a role of its
 * own that may write only to that log group until a `bind*` method grants more.
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

  /** Passes a table's name in `variable` and allows the given access to its items. */
  bindTable(variable: string, table: ITableV2, access: keyof typeof TABLE_ACTIONS): void {
    this.addEnvironment(variable, table.tableName);
    this.addToRolePolicy(
      new PolicyStatement({ actions: [...TABLE_ACTIONS[access]], resources: [table.tableArn] }),
    );
  }

  /** Allows `Query` on one index of a table, and nothing else on it. */
  bindIndex(table: ITableV2, indexName: string): void {
    this.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${indexName}`],
      }),
    );
  }

  /** Passes the bus name in `EVENT_BUS_NAME` and allows PutEvents on that bus only. */
  bindEventBus(bus: IEventBus): void {
    this.addEnvironment('EVENT_BUS_NAME', bus.eventBusName);
    bus.grantPutEventsTo(this);
  }

  /** Passes a secret's ARN in `variable` (never its value) and allows reading it. */
  bindSecret(variable: string, secret: ISecret): void {
    this.addEnvironment(variable, secret.secretArn);
    secret.grantRead(this);
  }
}
