import { App, type CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { integerAbove } from '../../cdk/review-api.js';
import { BUNDLING, ServiceFunction } from '../../cdk/service-function.js';
import {
  addComplianceChecks,
  createStacks,
  type DeploymentSettings,
  FUNCTION_ENTRIES,
  parseDeploymentSettings,
  readDeploymentSettings,
  type StatefulStack,
  type StatelessStack,
} from '../../cdk/stacks.js';
import { CONSUMER_RULE_ACTIONS } from '../../cdk/stateful-stack.js';
import { MAX_BODY_BYTES } from '../../lib/http/api-gateway.js';

/**
 * The CDK app's decisions, each asserted by the template properties that encode it. Bundling is
 * skipped (`aws:cdk:bundling-stacks: []`); `npm run synth` bundles for real.
 */

const PROD_CONTEXT = {
  stage: 'prod',
  VENDOR_IP_ALLOW_LIST: '203.0.113.0/24, 2001:db8::/48',
  ALARM_EMAIL: 'oncall@example.org',
  CONSUMER_ACCOUNTS: '111122223333,444455556666',
  ALLOW_REVIEW_UPDATES: 'false',
  REQUIRE_FAILURE_SECOND_REVIEWS: 'false',
  ALLOW_CALLBACK_SIMULATION: 'true',
  EVENT_SOURCE: 'org.example.proctoring',
  LOG_LEVEL: 'warn',
  CALLBACK_RESERVED_CONCURRENCY: '30',
  WAF_RATE_LIMIT: '5000',
};
const DEV_CONTEXT = { stage: 'dev' };

interface Synthesized {
  stacks: { stateful: StatefulStack; stateless: StatelessStack };
  stateful: Template;
  stateless: Template;
}

function synth(context: Record<string, unknown>): Synthesized {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stacks = createStacks(app, readDeploymentSettings(app));
  return {
    stacks,
    stateful: Template.fromStack(stacks.stateful),
    stateless: Template.fromStack(stacks.stateless),
  };
}

/** The template reference (`Ref`/`Fn::GetAtt`) a construct's attribute resolves to. */
function resolved(stack: Stack, value: string): unknown {
  return stack.resolve(value);
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
}

/**
 * The `Fn::ImportValue` the stateless stack uses for a stateful resource: its name, or one of its
 * attributes. The export name carries the producing resource's logical id.
 */
function imported(stateful: StatefulStack, resource: IConstruct, attribute?: 'Arn' | 'StreamArn') {
  const kind = attribute
    ? `FnGetAtt${logicalId(resource)}${attribute}`
    : `Ref${logicalId(resource)}`;
  return {
    'Fn::ImportValue': Match.stringLikeRegexp(`^${stateful.stackName}:ExportsOutput${kind}`),
  };
}

let prod: Synthesized;
let dev: Synthesized;

beforeAll(() => {
  prod = synth(PROD_CONTEXT);
  dev = synth(DEV_CONTEXT);
});

describe('deployment parameters', () => {
  it('defaults every setting the way the local stack does', () => {
    expect(parseDeploymentSettings({ stage: 'dev' })).toEqual<DeploymentSettings>({
      stage: 'dev',
      allowReviewUpdates: true,
      requireFailureSecondReviews: true,
      allowCallbackSimulation: false,
      callbackAuth: 'hmac',
      eventSource: 'edx.proctoring',
      logLevel: 'info',
      vendorIpAllowList: [],
      alarmEmail: undefined,
      consumerAccounts: [],
      callbackReservedConcurrency: 20,
      wafRateLimit: 1000,
      reconcileIntervalSeconds: 300,
      reconcileAfterSeconds: 300,
      videoLinkHtml5: false,
    });
  });

  it('schedules the reconciler in whole minutes only, and bounds its delay', () => {
    expect(
      parseDeploymentSettings({
        stage: 'dev',
        RECONCILE_INTERVAL_SECONDS: '120',
        RECONCILE_AFTER_SECONDS: 45,
        VIDEO_LINK_HTML5: 'true',
      }),
    ).toMatchObject({
      reconcileIntervalSeconds: 120,
      reconcileAfterSeconds: 45,
      videoLinkHtml5: true,
    });
    expect(() =>
      parseDeploymentSettings({ stage: 'dev', RECONCILE_INTERVAL_SECONDS: '90' }),
    ).toThrow(/RECONCILE_INTERVAL_SECONDS must be a whole number of minutes/);
    expect(() =>
      parseDeploymentSettings({ stage: 'dev', RECONCILE_INTERVAL_SECONDS: '30' }),
    ).toThrow(/RECONCILE_INTERVAL_SECONDS must be at least 60/);
    expect(() => parseDeploymentSettings({ stage: 'dev', RECONCILE_AFTER_SECONDS: '0' })).toThrow(
      /RECONCILE_AFTER_SECONDS must be at least 1/,
    );
  });

  it('accepts -c strings and cdk.json values (booleans, numbers, arrays) alike', () => {
    const settings = parseDeploymentSettings({
      stage: 'prod',
      ALLOW_REVIEW_UPDATES: false,
      ALLOW_CALLBACK_SIMULATION: '1',
      CALLBACK_AUTH: 'none',
      VENDOR_IP_ALLOW_LIST: ['198.51.100.7/32'],
      CONSUMER_ACCOUNTS: ' 111122223333 , 444455556666 ',
      WAF_RATE_LIMIT: 300,
    });
    expect(settings).toMatchObject({
      allowReviewUpdates: false,
      allowCallbackSimulation: true,
      callbackAuth: 'none',
      vendorIpAllowList: ['198.51.100.7/32'],
      consumerAccounts: ['111122223333', '444455556666'],
      wafRateLimit: 300,
    });
  });

  it.each([
    [{}, /stage is required/],
    [{ stage: 'staging' }, /stage is required and must be dev or prod.*"staging"/],
    [{ stage: 'dev', CALLBACK_AUTH: 'basic' }, /CALLBACK_AUTH must be hmac or none/],
    [{ stage: 'dev', ALLOW_REVIEW_UPDATES: 'yes' }, /ALLOW_REVIEW_UPDATES must be true or false/],
    [{ stage: 'dev', REQUIRE_FAILURE_SECOND_REVIEWS: 'no' }, /REQUIRE_FAILURE_SECOND_REVIEWS/],
    [{ stage: 'dev', ALLOW_CALLBACK_SIMULATION: 2 }, /ALLOW_CALLBACK_SIMULATION/],
    [{ stage: 'dev', LOG_LEVEL: 'trace' }, /LOG_LEVEL must be debug, info, warn or error/],
    [{ stage: 'dev', EVENT_SOURCE: 'aws.proctoring' }, /EVENT_SOURCE must not start with "aws\."/],
    [{ stage: 'dev', EVENT_SOURCE: ' ' }, /EVENT_SOURCE must not be empty/],
    [{ stage: 'dev', VENDOR_IP_ALLOW_LIST: '203.0.113.7' }, /VENDOR_IP_ALLOW_LIST must list CIDR/],
    [{ stage: 'dev', VENDOR_IP_ALLOW_LIST: '0.0.0.0/0' }, /VENDOR_IP_ALLOW_LIST/],
    [{ stage: 'dev', CONSUMER_ACCOUNTS: '12345' }, /CONSUMER_ACCOUNTS must list 12-digit/],
    [{ stage: 'dev', ALARM_EMAIL: 'oncall' }, /ALARM_EMAIL must be an e-mail address/],
    [
      { stage: 'dev', CALLBACK_RESERVED_CONCURRENCY: '0' },
      /CALLBACK_RESERVED_CONCURRENCY must be at least 1/,
    ],
    [{ stage: 'dev', WAF_RATE_LIMIT: 'many' }, /WAF_RATE_LIMIT must be a whole number/],
    [
      { stage: 'dev', ALLOW_REVIEW_UPDATE: 'false' },
      /ALLOW_REVIEW_UPDATE is not a known setting; did you mean ALLOW_REVIEW_UPDATES\?/,
    ],
    [
      { stage: 'dev', CALLBACK_AUTH: 'none' },
      /VENDOR_IP_ALLOW_LIST is required when CALLBACK_AUTH is none/,
    ],
  ])('rejects %j, naming the parameter', (context, message) => {
    expect(() => parseDeploymentSettings(context)).toThrow(message);
  });

  it('reports every bad parameter at once', () => {
    expect(() =>
      parseDeploymentSettings({ stage: 'dev', CALLBACK_AUTH: 'none', LOG_LEVEL: 'loud' }),
    ).toThrow(/VENDOR_IP_ALLOW_LIST[\s\S]*LOG_LEVEL/);
    expect(() =>
      parseDeploymentSettings({ stage: 'dev', CALLBACK_AUTH: 'basic', WAF_RATE_LIMIT: '1' }),
    ).toThrow(/CALLBACK_AUTH[\s\S]*WAF_RATE_LIMIT/);
  });

  it('fails synth from the app context, before any stack is built', () => {
    const app = new App({ context: { stage: 'prod', CALLBACK_AUTH: 'none' } });
    expect(() => readDeploymentSettings(app)).toThrow(/VENDOR_IP_ALLOW_LIST/);
    expect(app.node.children).toHaveLength(0);
  });
});

describe('stack layout', () => {
  it('names both stacks after the stage; prod protects the stateful one from deletion', () => {
    expect(prod.stacks.stateful.stackName).toBe('proctoring-reviews-prod-stateful');
    expect(prod.stacks.stateless.stackName).toBe('proctoring-reviews-prod-stateless');
    expect(dev.stacks.stateful.stackName).toBe('proctoring-reviews-dev-stateful');
    expect(prod.stacks.stateful.terminationProtection).toBe(true);
    expect(dev.stacks.stateful.terminationProtection).toBe(false);
  });

  it('builds one function per FUNCTION_ENTRIES key, exposed under that key', () => {
    const { stateless } = prod.stacks;
    expect(Object.keys(stateless.functions).sort()).toEqual(Object.keys(FUNCTION_ENTRIES).sort());
    expect(stateless.functions.reviewCallback).toBe(stateless.reviewCallbackFunction);
    expect(stateless.functions.internalApi).toBe(stateless.internalApiFunction);
    expect(stateless.functions.finishReview).toBe(stateless.finishReviewFunction);
    expect(stateless.functions.reprocess).toBe(stateless.reprocessFunction);
    expect(stateless.functions.reconcile).toBe(stateless.reconcileFunction);
    prod.stateless.resourceCountIs('AWS::Lambda::Function', 5);
  });
});

describe('stateful stack', () => {
  it('keeps the table ids and key schemas, with point-in-time recovery', () => {
    const { stateful } = prod.stacks;
    expect(logicalId(stateful.attemptsTable)).toMatch(/^AttemptsTable/);
    expect(logicalId(stateful.reviewsTable)).toMatch(/^ReviewsTable/);
    prod.stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [{ AttributeName: 'attemptCode', KeyType: 'HASH' }],
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
    prod.stateful.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'attemptCode', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      ],
    });
  });

  it('retains and deletion-protects tables in prod only', () => {
    const tables = (template: Template) =>
      Object.values(template.findResources('AWS::DynamoDB::GlobalTable'));
    for (const table of tables(prod.stateful)) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    }
    for (const table of tables(dev.stateful)) {
      expect(table.DeletionPolicy).toBe('Delete');
      expect(table.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    }
  });

  it('has a named custom bus whose archive keeps the service events (a year in prod)', () => {
    prod.stateful.hasResourceProperties('AWS::Events::EventBus', {
      Name: 'proctoring-reviews-prod',
    });
    prod.stateful.hasResource('AWS::Events::Archive', {
      Properties: Match.objectLike({
        EventPattern: { source: ['org.example.proctoring'] },
        RetentionDays: 365,
        SourceArn: resolved(prod.stacks.stateful, prod.stacks.stateful.eventBus.eventBusArn),
      }),
      DeletionPolicy: 'Retain',
    });
    dev.stateful.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['edx.proctoring'] },
      RetentionDays: 30,
    });
  });

  it('lets consumer accounts manage only the rules they created on the bus', () => {
    const { stateful } = prod.stacks;
    prod.stateful.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: resolved(stateful, stateful.eventBus.eventBusName),
      // The policy is a statement, not the deprecated Principal/Action/Condition properties.
      Principal: Match.absent(),
      Statement: Match.objectLike({
        Effect: 'Allow',
        Action: CONSUMER_RULE_ACTIONS,
        Principal: {
          AWS: [
            { 'Fn::Join': ['', Match.arrayWith([':iam::111122223333:root'])] },
            { 'Fn::Join': ['', Match.arrayWith([':iam::444455556666:root'])] },
          ],
        },
        Resource: { 'Fn::Join': ['', Match.arrayWith([':rule/', '/*'])] },
        Condition: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: an IAM policy variable, filled in by IAM
          StringEqualsIfExists: { 'events:creatorAccount': '${aws:PrincipalAccount}' },
        },
      }),
    });
    dev.stateful.resourceCountIs('AWS::Events::EventBusPolicy', 0);
  });

  it('generates both secrets in Secrets Manager (no value in the template), the video key as 64 hex characters', () => {
    prod.stateful.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({
        Name: 'proctoring-reviews/prod/callback-secret',
        GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }),
        SecretString: Match.absent(),
      }),
      DeletionPolicy: 'Retain',
    });
    prod.stateful.hasResourceProperties('AWS::SecretsManager::Secret', {
      Name: 'proctoring-reviews/prod/video-url-key',
      GenerateSecretString: {
        PasswordLength: 64,
        ExcludePunctuation: true,
        ExcludeUppercase: true,
        IncludeSpace: false,
        ExcludeCharacters: 'ghijklmnopqrstuvwxyz',
      },
      SecretString: Match.absent(),
    });
  });

  it('registers every event schema as JSON Schema draft 4', () => {
    prod.stateful.hasResourceProperties('AWS::EventSchemas::Registry', {
      RegistryName: 'proctoring-reviews-prod',
    });
    const schemas = Object.values(prod.stateful.findResources('AWS::EventSchemas::Schema'));
    expect(schemas.map((s) => s.Properties.SchemaName).sort()).toEqual([
      'org.example.proctoring@attempt_status_changed',
      'org.example.proctoring@review_received',
      'org.example.proctoring@support_notification_requested',
    ]);
    for (const schema of schemas) {
      expect(schema.Properties.Type).toBe('JSONSchemaDraft4');
      expect(JSON.parse(schema.Properties.Content)).toMatchObject({
        $schema: 'http://json-schema.org/draft-04/schema#',
        type: 'object',
      });
    }
  });

  it('outputs the bus name and ARN', () => {
    prod.stateful.hasOutput('EventBusName', {
      Value: resolved(prod.stacks.stateful, prod.stacks.stateful.eventBus.eventBusName),
    });
    prod.stateful.hasOutput('EventBusArn', {
      Value: resolved(prod.stacks.stateful, prod.stacks.stateful.eventBus.eventBusArn),
    });
  });
});

describe('functions', () => {
  it('share the house defaults: Node.js 24, arm64, explicit memory and timeout, X-Ray, source maps', () => {
    const resources = prod.stateless.toJSON().Resources;
    const timeouts: Record<string, number> = {};
    for (const [key, fn] of Object.entries(prod.stacks.stateless.functions)) {
      const { Properties } = resources[logicalId(fn)];
      expect(Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', LOG_LEVEL: 'warn' } },
      });
      timeouts[key] = Properties.Timeout;
    }
    // Callbacks answer well inside API Gateway's 29 s; the workflow gets room for retries.
    expect(timeouts).toEqual({
      reviewCallback: 10,
      internalApi: 10,
      finishReview: 60,
      reprocess: 28,
      reconcile: 300,
    });
  });

  it('bundle minified ESM with the AWS SDK inside, preferring module entry points', () => {
    expect(BUNDLING).toMatchObject({
      format: OutputFormat.ESM,
      minify: true,
      sourceMap: true,
      externalModules: [],
      target: 'node24',
    });
    expect(BUNDLING.mainFields[0]).toBe('module');
    expect(BUNDLING.banner).toMatch(/createRequire\(import\.meta\.url\)/);
  });

  it('log to their own log group, kept a year in prod and two weeks in dev', () => {
    for (const [synthesized, days, policy] of [
      [prod, 365, 'Retain'],
      [dev, 14, 'Delete'],
    ] as const) {
      for (const fn of Object.values(synthesized.stacks.stateless.functions)) {
        const template = synthesized.stateless.toJSON();
        const logGroupRef = template.Resources[logicalId(fn)].Properties.LoggingConfig.LogGroup.Ref;
        expect(template.Resources[logGroupRef]).toMatchObject({
          Type: 'AWS::Logs::LogGroup',
          Properties: { RetentionInDays: days },
          DeletionPolicy: policy,
        });
      }
    }
  });

  it('reserve concurrency for the callback only', () => {
    const functions = prod.stateless.toJSON().Resources;
    const { reviewCallback, internalApi, finishReview } = prod.stacks.stateless.functions;
    expect(functions[logicalId(reviewCallback)].Properties.ReservedConcurrentExecutions).toBe(30);
    expect(
      functions[logicalId(internalApi)].Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
    expect(
      functions[logicalId(finishReview)].Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it('pass exactly the settings lib/config.ts reads, under its names, secrets by ARN only', () => {
    const { stateful } = prod.stacks;
    prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('vendor review callback'),
      Environment: {
        Variables: Match.objectEquals({
          ATTEMPTS_TABLE: imported(stateful, stateful.attemptsTable),
          REVIEWS_TABLE: imported(stateful, stateful.reviewsTable),
          LOG_LEVEL: 'warn',
          METRICS_NAMESPACE: 'ProctoringReviews/prod',
          NODE_OPTIONS: '--enable-source-maps',
          ALLOW_REVIEW_UPDATES: 'false',
          ALLOW_CALLBACK_SIMULATION: 'true',
          CALLBACK_AUTH: 'hmac',
          CALLBACK_SECRET_ARN: imported(stateful, stateful.callbackSecret),
          VIDEO_URL_KEY_ARN: imported(stateful, stateful.videoUrlKey),
        }),
      },
    });
    prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('LMS and staff API'),
      Environment: {
        Variables: Match.objectEquals({
          ATTEMPTS_TABLE: imported(stateful, stateful.attemptsTable),
          REVIEWS_TABLE: imported(stateful, stateful.reviewsTable),
          VIDEO_URL_KEY_ARN: imported(stateful, stateful.videoUrlKey),
          VIDEO_LINK_HTML5: 'false',
          LOG_LEVEL: 'warn',
          METRICS_NAMESPACE: 'ProctoringReviews/prod',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    const workflowVariables = {
      ATTEMPTS_TABLE: imported(stateful, stateful.attemptsTable),
      REVIEWS_TABLE: imported(stateful, stateful.reviewsTable),
      EVENT_BUS_NAME: imported(stateful, stateful.eventBus),
      EVENT_SOURCE: 'org.example.proctoring',
      REQUIRE_FAILURE_SECOND_REVIEWS: 'false',
      LOG_LEVEL: 'warn',
      METRICS_NAMESPACE: 'ProctoringReviews/prod',
      NODE_OPTIONS: '--enable-source-maps',
    };
    prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('reprocess'),
      Environment: {
        Variables: Match.objectEquals({
          ...workflowVariables,
          VIDEO_URL_KEY_ARN: imported(stateful, stateful.videoUrlKey),
        }),
      },
    });
    prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('scheduled'),
      Environment: {
        Variables: Match.objectEquals({ ...workflowVariables, RECONCILE_AFTER_SECONDS: '300' }),
      },
    });
    prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('publishes the events'),
      Environment: {
        Variables: Match.objectEquals({
          ATTEMPTS_TABLE: imported(stateful, stateful.attemptsTable),
          REVIEWS_TABLE: imported(stateful, stateful.reviewsTable),
          EVENT_BUS_NAME: imported(stateful, stateful.eventBus),
          EVENT_SOURCE: 'org.example.proctoring',
          REQUIRE_FAILURE_SECOND_REVIEWS: 'false',
          LOG_LEVEL: 'warn',
          METRICS_NAMESPACE: 'ProctoringReviews/prod',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
  });

  it('never carry a secret value in the environment; without HMAC the callback gets no secret at all', () => {
    for (const fn of Object.values(prod.stateless.findResources('AWS::Lambda::Function'))) {
      const variables = Object.keys(fn.Properties.Environment.Variables);
      expect(variables).not.toContain('CALLBACK_SECRET');
      expect(variables).not.toContain('VIDEO_URL_KEY');
    }
    const open = synth({
      stage: 'dev',
      CALLBACK_AUTH: 'none',
      VENDOR_IP_ALLOW_LIST: '198.51.100.0/24',
    });
    const callback =
      open.stateless.toJSON().Resources[logicalId(open.stacks.stateless.reviewCallbackFunction)];
    expect(callback.Properties.Environment.Variables.CALLBACK_AUTH).toBe('none');
    expect(callback.Properties.Environment.Variables.CALLBACK_SECRET_ARN).toBeUndefined();
    const policy = JSON.stringify(open.stateless.findResources('AWS::IAM::Policy'));
    expect(policy).not.toMatch(/CallbackSecret/);
  });

  it('run with roles of their own: no managed policy on any function role', () => {
    for (const fn of Object.values(prod.stacks.stateless.functions)) {
      const role = prod.stateless.toJSON().Resources[logicalId(fn.role as IConstruct)];
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

/**
 * Every statement of the policies attached to a function's role, `Action` and `Resource` always
 * lists.
 * Each role's grants are asserted in full: a statement added anywhere fails these tests.
 */
function grantsOf(synthesized: Synthesized, fn: ServiceFunction) {
  const role = { Ref: logicalId(fn.role as IConstruct) };
  return Object.values(synthesized.stateless.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      policy.Properties.Roles.some((r: unknown) => JSON.stringify(r) === JSON.stringify(role)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement)
    .map((statement: { Effect: string; Action: string | string[]; Resource: unknown }) => ({
      Effect: statement.Effect,
      Action: [statement.Action].flat(),
      Resource: [statement.Resource].flat(),
      ...('Condition' in statement ? { Condition: statement.Condition } : {}),
    }));
}

describe('least privilege per function', () => {
  const allow = (Action: string[], Resource: unknown) => ({
    Effect: 'Allow',
    Action,
    Resource: [Resource].flat(),
  });
  /** What every function needs to run: its own log group, and X-Ray (no resource-level permissions). */
  const ref = (synthesized: Synthesized, value: string) =>
    resolved(synthesized.stacks.stateless, value);
  /** The ARN of one index of a stateful table, as the stateless stack writes it. */
  const index = (table: { tableArn: string }, name: string) => ({
    'Fn::Join': ['', [ref(prod, table.tableArn), `/index/${name}`]],
  });
  const runtime = (synthesized: Synthesized, fn: ServiceFunction) => [
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], ref(synthesized, fn.logGroup.logGroupArn)),
    allow(['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], '*'),
  ];

  it('the callback reads the attempt and the review head, writes revisions, and reads both secrets', () => {
    const { stateful, stateless } = prod.stacks;
    const fn = stateless.reviewCallbackFunction;
    expect(grantsOf(prod, fn)).toEqual([
      ...runtime(prod, fn),
      allow(['dynamodb:BatchGetItem'], ref(prod, stateful.attemptsTable.tableArn)),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        ref(prod, stateful.reviewsTable.tableArn),
      ),
      allow(
        ['secretsmanager:GetSecretValue'],
        [ref(prod, stateful.callbackSecret.secretArn), ref(prod, stateful.videoUrlKey.secretArn)],
      ),
    ]);
  });

  it('without HMAC the callback may read the video key only', () => {
    const open = synth({
      stage: 'dev',
      CALLBACK_AUTH: 'none',
      VENDOR_IP_ALLOW_LIST: '198.51.100.0/24',
    });
    const { stateful, stateless } = open.stacks;
    const fn = stateless.reviewCallbackFunction;
    expect(grantsOf(open, fn)).toEqual([
      ...runtime(open, fn),
      allow(['dynamodb:BatchGetItem'], ref(open, stateful.attemptsTable.tableArn)),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem'],
        ref(open, stateful.reviewsTable.tableArn),
      ),
      allow(['secretsmanager:GetSecretValue'], [ref(open, stateful.videoUrlKey.secretArn)]),
    ]);
  });

  it('the internal API reads and updates attempts, reads reviews (with the revision query) and writes staff revisions', () => {
    const { stateful, stateless } = prod.stacks;
    const fn = stateless.internalApiFunction;
    expect(grantsOf(prod, fn)).toEqual([
      ...runtime(prod, fn),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.attemptsTable.tableArn),
      ),
      allow(['dynamodb:Query'], index(stateful.attemptsTable, 'attempts-by-status')),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        ref(prod, stateful.reviewsTable.tableArn),
      ),
      // Decrypts staff video links; a key derived from it signs the queue's paging cursors.
      allow(['secretsmanager:GetSecretValue'], [ref(prod, stateful.videoUrlKey.secretArn)]),
    ]);
  });

  it('the workflow reads and updates both tables, puts events on the bus, reads the stream and sends exhausted batches to its queue', () => {
    const { stateful, stateless } = prod.stacks;
    const fn = stateless.finishReviewFunction;
    const stream = ref(prod, stateful.reviewsTable.tableStreamArn as string);
    expect(grantsOf(prod, fn)).toEqual([
      ...runtime(prod, fn),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.attemptsTable.tableArn),
      ),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.reviewsTable.tableArn),
      ),
      allow(['events:PutEvents'], ref(prod, stateful.eventBus.eventBusArn)),
      // Granted by the stream's event source mapping and its on-failure destination.
      allow(
        ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        ref(prod, stateless.streamFailureQueue.queueArn),
      ),
      allow(['dynamodb:ListStreams'], stream),
      allow(
        ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        stream,
      ),
    ]);
  });

  it('reprocessing runs the workflow (both tables, the bus), queries the revisions-by-time index and reads the video key for its cursors', () => {
    const { stateful, stateless } = prod.stacks;
    const fn = stateless.reprocessFunction;
    expect(grantsOf(prod, fn)).toEqual([
      ...runtime(prod, fn),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.attemptsTable.tableArn),
      ),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.reviewsTable.tableArn),
      ),
      allow(['dynamodb:Query'], index(stateful.reviewsTable, 'revisions-by-time')),
      allow(['secretsmanager:GetSecretValue'], [ref(prod, stateful.videoUrlKey.secretArn)]),
      allow(['events:PutEvents'], ref(prod, stateful.eventBus.eventBusArn)),
    ]);
  });

  it('the reconciler runs the workflow (both tables, the bus) and queries the pending-revisions index only', () => {
    const { stateful, stateless } = prod.stacks;
    const fn = stateless.reconcileFunction;
    expect(grantsOf(prod, fn)).toEqual([
      ...runtime(prod, fn),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.attemptsTable.tableArn),
      ),
      allow(
        ['dynamodb:BatchGetItem', 'dynamodb:UpdateItem'],
        ref(prod, stateful.reviewsTable.tableArn),
      ),
      allow(['dynamodb:Query'], index(stateful.reviewsTable, 'pending-revisions')),
      allow(['events:PutEvents'], ref(prod, stateful.eventBus.eventBusArn)),
    ]);
    // The schedule's role may invoke the reconciler (and its versions), nothing else.
    const scheduleRole = Object.entries(prod.stateless.findResources('AWS::IAM::Role')).find(
      ([id]) => id.startsWith('ReconcileScheduleRole'),
    );
    expect(scheduleRole?.[1].Properties.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': expect.anything() } },
      }),
    ]);
    const schedulePolicy = Object.values(prod.stateless.findResources('AWS::IAM::Policy')).find(
      (policy) =>
        JSON.stringify(policy.Properties.Roles) === JSON.stringify([{ Ref: scheduleRole?.[0] }]),
    );
    expect(schedulePolicy?.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': [logicalId(fn), 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(fn), 'Arn'] }, ':*']] },
        ],
      },
    ]);
  });

  it('grants a queried index by its own ARN, with Query only, and names each resource in its variable', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Probe');
    const table = (id: string) =>
      new TableV2(stack, id, { partitionKey: { name: 'pk', type: AttributeType.STRING } });
    const tables = { attempts: table('Attempts'), reviews: table('Reviews') };
    const fn = new ServiceFunction(stack, 'Reconciler', {
      entry: 'finishReview',
      description: 'probe',
      memorySize: 128,
      timeout: Duration.seconds(5),
      logRetention: RetentionDays.ONE_DAY,
      logRemovalPolicy: RemovalPolicy.DESTROY,
      logLevel: 'info',
      metricsNamespace: 'ProctoringReviews/probe',
    });
    fn.bindAccess(
      { tables: { attempts: { items: ['dynamodb:GetItem'], queriedIndexes: ['byStatus'] } } },
      {
        tables,
        secrets: { callbackSecret: new Secret(stack, 'A'), videoUrlKey: new Secret(stack, 'B') },
        eventBus: new EventBus(stack, 'Bus'),
      },
    );
    const template = Template.fromStack(stack);
    const arn = stack.resolve(tables.attempts.tableArn);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectEquals({ Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arn }),
          Match.objectEquals({
            Effect: 'Allow',
            Action: 'dynamodb:Query',
            Resource: { 'Fn::Join': ['', [arn, '/index/byStatus']] },
          }),
        ]),
      },
    });
    const variables = template.toJSON().Resources[logicalId(fn)].Properties.Environment.Variables;
    expect(variables.ATTEMPTS_TABLE).toEqual(stack.resolve(tables.attempts.tableName));
    expect(variables.REVIEWS_TABLE).toBeUndefined();
    expect(variables.EVENT_BUS_NAME).toBeUndefined();
    expect(JSON.stringify(template.findResources('AWS::IAM::Policy'))).not.toMatch(
      /secretsmanager|events:PutEvents|Reviews/,
    );
  });
});

describe('reconciler and indexes', () => {
  it('indexes pending revisions and revisions by time (reviews), attempts by status (attempts)', () => {
    const { stateful } = prod.stacks;
    const indexes = (table: IConstruct) =>
      prod.stateful.toJSON().Resources[logicalId(table)].Properties.GlobalSecondaryIndexes;
    const revisionFacts = {
      ProjectionType: 'INCLUDE',
      NonKeyAttributes: ['revision', 'source', 'reviewStatus', 'reviewedBy'],
    };
    expect(indexes(stateful.reviewsTable)).toEqual([
      {
        IndexName: 'pending-revisions',
        KeySchema: [
          { AttributeName: 'pending', KeyType: 'HASH' },
          { AttributeName: 'receivedAt', KeyType: 'RANGE' },
        ],
        Projection: revisionFacts,
      },
      {
        IndexName: 'revisions-by-time',
        KeySchema: [
          { AttributeName: 'itemType', KeyType: 'HASH' },
          { AttributeName: 'receivedAt', KeyType: 'RANGE' },
        ],
        Projection: revisionFacts,
      },
    ]);
    expect(indexes(stateful.attemptsTable)).toEqual([
      {
        IndexName: 'attempts-by-status',
        KeySchema: [
          { AttributeName: 'status', KeyType: 'HASH' },
          { AttributeName: 'statusChangedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('runs the reconciler on a schedule of RECONCILE_INTERVAL_SECONDS, one run at a time, without retries', () => {
    const { stateless } = prod.stacks;
    prod.stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [logicalId(stateless.reconcileFunction), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 300 },
      },
    });
    prod.stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('scheduled'),
      ReservedConcurrentExecutions: 1,
    });
    prod.stateless.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(stateless.reconcileFunction) },
      MaximumRetryAttempts: 0,
    });
    const custom = synth({ stage: 'dev', RECONCILE_INTERVAL_SECONDS: '60' });
    custom.stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
    });
  });
});

describe('stream wiring', () => {
  const expectedFilter = {
    eventName: ['INSERT'],
    dynamodb: { NewImage: { itemType: { S: ['review_revision'] } } },
  };

  it('passes only new review revisions to the workflow (exact filter JSON)', () => {
    const mappings = Object.values(prod.stateless.findResources('AWS::Lambda::EventSourceMapping'));
    expect(mappings).toHaveLength(1);
    const filters: Array<{ Pattern: string }> =
      mappings[0]?.Properties.FilterCriteria.Filters ?? [];
    expect(filters).toHaveLength(1);
    const pattern = filters[0]?.Pattern ?? '';
    expect(JSON.parse(pattern)).toEqual(expectedFilter);
    expect(pattern).toBe(JSON.stringify(expectedFilter));
  });

  it('bounds retries and record age, bisects, reports item failures, and sends exhausted batches to SQS', () => {
    const { stateful, stateless } = prod.stacks;
    prod.stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stateless.finishReviewFunction) },
      EventSourceArn: imported(stateful, stateful.reviewsTable, 'StreamArn'),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      MaximumRecordAgeInSeconds: 6 * 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: {
        OnFailure: { Destination: resolved(stateless, stateless.streamFailureQueue.queueArn) },
      },
    });
  });

  it('runs ten batches per shard at once, fifty records each, without waiting for batches to fill', () => {
    // Measured choices (docs/performance.md): a factor above 1 is what lets the workflow keep up
    // with an exam-end burst (Lambda keeps each attempt's revisions in order at any factor); no
    // batching window, because every second of it is review-to-event latency.
    const { stateless } = prod.stacks;
    prod.stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId(stateless.finishReviewFunction) },
      ParallelizationFactor: 10,
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 0,
    });
  });

  it('keeps the on-failure queue encrypted, TLS-only, for 14 days', () => {
    const { stateless } = prod.stacks;
    const queue = prod.stateless.toJSON().Resources[logicalId(stateless.streamFailureQueue)];
    expect(queue.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
    prod.stateless.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [resolved(stateless, stateless.streamFailureQueue.queueUrl)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('REST API', () => {
  const pathOf = (template: Template, resourceId: string): string => {
    const resources = template.toJSON().Resources;
    const parts: string[] = [];
    let current: { Properties: { PathPart: string; ParentId: { Ref?: string } } } | undefined =
      resources[resourceId];
    while (current) {
      parts.unshift(current.Properties.PathPart);
      current = current.Properties.ParentId.Ref
        ? resources[current.Properties.ParentId.Ref]
        : undefined;
    }
    return `/${parts.join('/')}`;
  };
  const methods = () =>
    Object.values(prod.stateless.findResources('AWS::ApiGateway::Method')).map((method) => ({
      path: pathOf(prod.stateless, method.Properties.ResourceId.Ref),
      httpMethod: method.Properties.HttpMethod,
      authorization: method.Properties.AuthorizationType,
      integration: method.Properties.Integration.Type,
    }));

  it('serves the documented routes with ANY methods proxied to the functions; /internal is IAM-authorised', () => {
    expect(methods().sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      {
        path: '/api/edx_proctoring/proctoring_review_callback',
        httpMethod: 'ANY',
        authorization: 'NONE',
        integration: 'AWS_PROXY',
      },
      ...[
        '/internal/attempts',
        '/internal/attempts/{attemptCode}',
        '/internal/attempts/{attemptCode}/review',
        '/internal/attempts/{attemptCode}/review/video',
        '/internal/attempts/{attemptCode}/reviews',
        '/internal/reviews/reprocess',
      ].map((path) => ({
        path,
        httpMethod: 'ANY',
        authorization: 'AWS_IAM',
        integration: 'AWS_PROXY',
      })),
    ]);
    const { stateless } = prod.stacks;
    const integrated = (path: string) =>
      JSON.stringify(
        Object.values(prod.stateless.findResources('AWS::ApiGateway::Method')).find(
          (method) => pathOf(prod.stateless, method.Properties.ResourceId.Ref) === path,
        )?.Properties.Integration.Uri,
      );
    expect(integrated('/internal/reviews/reprocess')).toContain(
      logicalId(stateless.reprocessFunction),
    );
    expect(integrated('/internal/attempts')).toContain(logicalId(stateless.internalApiFunction));
  });

  it('passes every body through as bytes (binary media type */*), on a regional endpoint', () => {
    prod.stateless.hasResourceProperties('AWS::ApiGateway::RestApi', {
      BinaryMediaTypes: ['*/*'],
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });

  it('answers gateway errors in the {detail, code} shape: 404 not_found, 413 payload_too_large, …', () => {
    const responses = Object.values(
      prod.stateless.findResources('AWS::ApiGateway::GatewayResponse'),
    );
    const byType = new Map(responses.map((r) => [r.Properties.ResponseType, r.Properties]));
    const body = (type: string) =>
      JSON.parse(
        byType
          .get(type)
          ?.ResponseTemplates['application/json'].replace(
            '$context.error.messageString',
            '"gateway message"',
          ),
      );
    expect(byType.get('MISSING_AUTHENTICATION_TOKEN')?.StatusCode).toBe('404');
    expect(body('MISSING_AUTHENTICATION_TOKEN')).toEqual({
      detail: 'Not found.',
      code: 'not_found',
    });
    expect(byType.get('RESOURCE_NOT_FOUND')?.StatusCode).toBe('404');
    expect(byType.get('REQUEST_TOO_LARGE')?.StatusCode).toBe('413');
    expect(body('REQUEST_TOO_LARGE')).toMatchObject({ code: 'payload_too_large' });
    expect(body('THROTTLED')).toMatchObject({ code: 'throttled' });
    expect(body('WAF_FILTERED')).toMatchObject({ code: 'request_blocked' });
    expect(body('DEFAULT_4XX')).toEqual({ detail: 'gateway message', code: 'bad_request' });
    // No gateway-internal message leaves a 5xx.
    expect(body('DEFAULT_5XX')).toEqual({
      detail: 'Service Unavailable',
      code: 'service_unavailable',
    });
    for (const [type, response] of byType) {
      expect(Object.keys(body(type)).sort(), type).toEqual(['code', 'detail']);
      expect(response.ResponseParameters).toEqual({
        'gatewayresponse.header.Content-Type': "'application/json'",
      });
    }
  });

  it('throttles the stage, traces it, and writes JSON access logs without bodies', () => {
    prod.stateless.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'prod',
      TracingEnabled: true,
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
          DataTraceEnabled: false,
        }),
      ],
    });
    const [stage] = Object.values(prod.stateless.findResources('AWS::ApiGateway::Stage'));
    const format: string = stage?.Properties.AccessLogSetting.Format;
    const line = JSON.parse(format.replace('$context.error.messageString', '"message"'));
    expect(line).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      sourceIp: '$context.identity.sourceIp',
      errorMessage: 'message',
    });
    expect(format).not.toMatch(/\$input|body/i);
  });

  it("sets the account's API Gateway logging role (retained with it), before the stage that logs through it", () => {
    for (const synthesized of [prod, dev]) {
      const template = synthesized.stateless.toJSON();
      const accounts = Object.entries(
        synthesized.stateless.findResources('AWS::ApiGateway::Account'),
      );
      expect(accounts).toHaveLength(1);
      const [accountId, account] = accounts[0] ?? [];
      expect(account).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const roleId = account?.Properties.CloudWatchRoleArn['Fn::GetAtt'][0];
      expect(template.Resources[roleId]).toMatchObject({
        Type: 'AWS::IAM::Role',
        DeletionPolicy: 'Retain',
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [
              {
                Action: 'sts:AssumeRole',
                Effect: 'Allow',
                Principal: { Service: 'apigateway.amazonaws.com' },
              },
            ],
          },
          ManagedPolicyArns: [
            {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
                ],
              ],
            },
          ],
        },
      });
      const [stage] = Object.values(synthesized.stateless.findResources('AWS::ApiGateway::Stage'));
      expect(stage?.DependsOn).toContain(accountId);
      expect(stage?.Properties.AccessLogSetting).toBeDefined();
    }
  });

  it('allows the internal API to callers with the output policy, and only there', () => {
    prod.stateless.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'execute-api:Invoke',
            Resource: { 'Fn::Join': ['', Match.arrayWith(['/prod/*/internal/*'])] },
          }),
        ],
      },
    });
    prod.stateless.hasOutput('InternalApiInvokePolicyArn', {});
    prod.stateless.hasOutput('CallbackUrl', {
      Value: {
        'Fn::Join': ['', Match.arrayWith(['/api/edx_proctoring/proctoring_review_callback/'])],
      },
    });
  });
});

describe('WAF', () => {
  const rules = (template: Template) => {
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    return acl?.Properties.Rules as Array<{ Name: string; Statement: Record<string, unknown> }>;
  };

  it('is associated with the API stage', () => {
    const { stateless } = prod.stacks;
    const stage = stateless.restApi.deploymentStage;
    prod.stateless.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            { Ref: logicalId(stateless.restApi) },
            '/stages/',
            { Ref: logicalId(stage) },
          ]),
        ],
      },
      WebACLArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('WebAcl'), 'Arn'] },
    });
    prod.stateless.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
    });
  });

  it('names the web ACL after the stage and keeps each rule at its priority, with or without the allow-list', () => {
    for (const [synthesized, stage, expected] of [
      [
        prod,
        'prod',
        [
          ['VendorIpAllowList', 0, 'vendor-ip-allow-list'],
          ['BodyOverLimit', 1, 'body-over-limit'],
          ['RateLimitPerIp', 2, 'rate-limit'],
          ['AWSManagedRulesCommonRuleSet', 3, 'common-rule-set'],
          ['AWSManagedRulesKnownBadInputsRuleSet', 4, 'known-bad-inputs'],
        ],
      ],
      [
        dev,
        'dev',
        [
          ['BodyOverLimit', 1, 'body-over-limit'],
          ['RateLimitPerIp', 2, 'rate-limit'],
          ['AWSManagedRulesCommonRuleSet', 3, 'common-rule-set'],
          ['AWSManagedRulesKnownBadInputsRuleSet', 4, 'known-bad-inputs'],
        ],
      ],
    ] as const) {
      const [acl] = Object.values(synthesized.stateless.findResources('AWS::WAFv2::WebACL'));
      expect(acl?.Properties.Name).toBe(`proctoring-reviews-${stage}`);
      expect(acl?.Properties.VisibilityConfig.MetricName).toBe(
        `proctoring-reviews-${stage}-web-acl`,
      );
      const rules = acl?.Properties.Rules as Array<{
        Name: string;
        Priority: number;
        VisibilityConfig: { MetricName: string; CloudWatchMetricsEnabled: boolean };
      }>;
      expect(
        rules.map((rule) => [rule.Name, rule.Priority, rule.VisibilityConfig.MetricName]),
      ).toEqual(
        expected.map(([name, priority, metric]) => [
          name,
          priority,
          `proctoring-reviews-${stage}-${metric}`,
        ]),
      );
      expect(rules.every((rule) => rule.VisibilityConfig.CloudWatchMetricsEnabled)).toBe(true);
    }
  });

  it('rate-limits per IP and runs the common rules with SizeRestrictions_BODY only counted', () => {
    prod.stateless.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([
        Match.objectLike({
          Name: 'RateLimitPerIp',
          Action: {
            Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'throttled' } },
          },
          Statement: {
            RateBasedStatement: { AggregateKeyType: 'IP', Limit: 5000, EvaluationWindowSec: 300 },
          },
        }),
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: {
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            },
          },
          OverrideAction: { None: {} },
        }),
      ]),
    });
  });

  it('answers declared bodies over 1 MiB with 413 payload_too_large before they reach Lambda', () => {
    const limit = new RegExp(integerAbove(MAX_BODY_BYTES));
    const over = ['1048577', '1048600', '1100000', '2000000', '10485760', '0001048577'];
    const within = ['0', '1', '999999', '1048575', '1048576', '01048576', '', 'abc'];
    expect(over.filter((value) => !limit.test(value))).toEqual([]);
    expect(within.filter((value) => limit.test(value))).toEqual([]);
    for (let n = 1_048_000; n < 1_049_200; n++) {
      expect(limit.test(String(n)), String(n)).toBe(n > MAX_BODY_BYTES);
    }

    const [acl] = Object.values(prod.stateless.findResources('AWS::WAFv2::WebACL'));
    const bodies = acl?.Properties.CustomResponseBodies;
    expect(JSON.parse(bodies['payload-too-large'].Content)).toEqual({
      detail: `Request body exceeds ${MAX_BODY_BYTES} bytes.`,
      code: 'payload_too_large',
    });
    expect(JSON.parse(bodies.throttled.Content)).toEqual({
      detail: 'Request was throttled.',
      code: 'throttled',
    });
    expect(bodies['payload-too-large'].ContentType).toBe('APPLICATION_JSON');
    expect(rules(prod.stateless).find((rule) => rule.Name === 'BodyOverLimit')).toMatchObject({
      Action: {
        Block: {
          CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'payload-too-large' },
        },
      },
      Statement: {
        RegexMatchStatement: {
          FieldToMatch: { SingleHeader: { Name: 'content-length' } },
          RegexString: integerAbove(MAX_BODY_BYTES),
        },
      },
    });
  });

  it('blocks callbacks from outside the vendor allow-list (IPv4 and IPv6 sets) when one is given', () => {
    prod.stateless.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV4',
      Addresses: ['203.0.113.0/24'],
    });
    prod.stateless.hasResourceProperties('AWS::WAFv2::IPSet', {
      IPAddressVersion: 'IPV6',
      Addresses: ['2001:db8::/48'],
    });
    const allowList = rules(prod.stateless).find((rule) => rule.Name === 'VendorIpAllowList');
    expect(allowList).toMatchObject({
      Priority: 0,
      Action: { Block: {} },
      Statement: {
        AndStatement: {
          Statements: [
            {
              ByteMatchStatement: {
                FieldToMatch: { UriPath: {} },
                PositionalConstraint: 'CONTAINS',
                SearchString: '/api/edx_proctoring/proctoring_review_callback',
                TextTransformations: [{ Priority: 0, Type: 'URL_DECODE' }],
              },
            },
            { NotStatement: { Statement: { OrStatement: { Statements: expect.any(Array) } } } },
          ],
        },
      },
    });
    dev.stateless.resourceCountIs('AWS::WAFv2::IPSet', 0);
    expect(rules(dev.stateless).map((rule) => rule.Name)).not.toContain('VendorIpAllowList');
  });
});

describe('analyst subscription example', () => {
  it('routes support_notification_requested from the bus to SQS with a dead-letter queue', () => {
    const { stateful } = prod.stacks;
    prod.stateless.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: imported(stateful, stateful.eventBus),
      EventPattern: {
        source: ['org.example.proctoring'],
        'detail-type': ['support_notification_requested'],
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SupportNotificationQueue'), 'Arn'] },
          DeadLetterConfig: {
            Arn: {
              'Fn::GetAtt': [Match.stringLikeRegexp('^SupportNotificationDeadLetterQueue'), 'Arn'],
            },
          },
          RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 86400 },
        }),
      ],
    });
    prod.stateless.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: {
        deadLetterTargetArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('^SupportNotificationDeadLetterQueue'), 'Arn'],
        },
        maxReceiveCount: 5,
      },
    });
  });
});

describe('alarms', () => {
  const alarms = (template: Template) =>
    Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);

  it('watch stream lag, dead letters, function errors and throttles, API 5xx and latency', () => {
    const { stateless } = prod.stacks;
    const fn = (key: keyof typeof FUNCTION_ENTRIES) => ({
      Name: 'FunctionName',
      Value: { Ref: logicalId(stateless.functions[key]) },
    });
    prod.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'IteratorAge',
      Dimensions: [fn('finishReview')],
      Statistic: 'Maximum',
      Threshold: 300_000,
    });
    for (const queue of ['StreamFailureQueue', 'SupportNotificationDeadLetterQueue']) {
      prod.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^${queue}`), 'QueueName'] },
          },
        ],
        Threshold: 1,
      });
    }
    for (const key of Object.keys(FUNCTION_ENTRIES) as Array<keyof typeof FUNCTION_ENTRIES>) {
      for (const metric of ['Errors', 'Throttles']) {
        prod.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/Lambda',
          MetricName: metric,
          Dimensions: [fn(key)],
          Threshold: 1,
        });
      }
    }
    for (const [metric, statistic] of [
      ['5XXError', { Statistic: 'Sum' }],
      ['Latency', { ExtendedStatistic: 'p99' }],
    ] as const) {
      prod.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/ApiGateway',
        MetricName: metric,
        Dimensions: Match.arrayWith([Match.objectLike({ Name: 'Stage', Value: Match.anyValue() })]),
        ...statistic,
      });
    }
  });

  it('watch PutEvents failures and reconciled revisions in the namespace of their own stage, which each function is told', () => {
    for (const [synthesized, stage] of [
      [prod, 'prod'],
      [dev, 'dev'],
    ] as const) {
      const namespace = `ProctoringReviews/${stage}`;
      synthesized.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `proctoring-reviews-${stage}-put-events-failed-entries`,
        Namespace: namespace,
        MetricName: 'PutEventsFailedEntries',
        Dimensions: [{ Name: 'service', Value: 'proctoring-reviews' }],
        Statistic: 'Sum',
        Threshold: 1,
      });
      synthesized.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `proctoring-reviews-${stage}-reconciled-revisions`,
        Namespace: namespace,
        MetricName: 'ReconciledRevisions',
        Dimensions: [{ Name: 'service', Value: 'proctoring-reviews' }],
        Statistic: 'Sum',
        Threshold: 1,
      });
      for (const fn of Object.values(
        synthesized.stateless.findResources('AWS::Lambda::Function'),
      )) {
        expect(fn.Properties.Environment.Variables.METRICS_NAMESPACE).toBe(namespace);
      }
    }
  });

  it('read every custom metric from their own stage: no alarm or metric filter outside AWS/* and ProctoringReviews/<stage>', () => {
    for (const [synthesized, stage] of [
      [prod, 'prod'],
      [dev, 'dev'],
    ] as const) {
      const namespaces = [
        ...alarms(synthesized.stateless).flatMap((alarm) => [
          alarm.Namespace,
          ...(alarm.Metrics ?? []).map(
            (m: { MetricStat?: { Metric: { Namespace: string } } }) =>
              m.MetricStat?.Metric.Namespace,
          ),
        ]),
        ...Object.values(synthesized.stateless.findResources('AWS::Logs::MetricFilter')).map(
          (filter) => filter.Properties.MetricTransformations[0].MetricNamespace,
        ),
      ].filter((namespace): namespace is string => typeof namespace === 'string');
      const custom = namespaces.filter((namespace) => !namespace.startsWith('AWS/'));
      expect(custom.length).toBeGreaterThan(0);
      expect(new Set(custom)).toEqual(new Set([`ProctoringReviews/${stage}`]));
    }
  });

  it('alarm when half or more of the callbacks (at least 3 in 15 minutes) are answered 401, or 403', () => {
    for (const [suffix, metricName] of [
      ['callback-401-rate', 'CallbackUnauthorized'],
      ['callback-403-rate', 'CallbackForbidden'],
    ] as const) {
      const metric = (id: string, name: string) => ({
        Id: id,
        MetricStat: {
          Metric: { Namespace: 'ProctoringReviews/prod', MetricName: name },
          Period: 900,
          Stat: 'Sum',
        },
        ReturnData: false,
      });
      prod.stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `proctoring-reviews-prod-${suffix}`,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 50,
        EvaluationPeriods: 1,
        Metrics: [
          Match.objectLike({
            Expression: 'IF(requests >= 3, 100 * rejected / requests, 0)',
            ReturnData: true,
          }),
          metric('requests', 'CallbackRequests'),
          metric('rejected', metricName),
        ],
      });
    }
  });

  it('count callback answers from the access log: every callback request, and those answered 401 or 403', () => {
    const accessLogs = Object.keys(prod.stateless.findResources('AWS::Logs::LogGroup')).find((id) =>
      id.startsWith('ApiAccessLogs'),
    );
    const filters = Object.values(prod.stateless.findResources('AWS::Logs::MetricFilter')).map(
      (filter) => filter.Properties,
    );
    const callback =
      '($.resourcePath = "/api/edx_proctoring/proctoring_review_callback") || ' +
      '($.path = "/prod/api/edx_proctoring/proctoring_review_callback") || ' +
      '($.path = "/prod/api/edx_proctoring/proctoring_review_callback/")';
    const transform = (MetricName: string) => [
      { MetricNamespace: 'ProctoringReviews/prod', MetricName, MetricValue: '1', DefaultValue: 0 },
    ];
    expect(filters).toEqual([
      {
        LogGroupName: { Ref: accessLogs },
        FilterPattern: `{ ${callback} }`,
        MetricTransformations: transform('CallbackRequests'),
      },
      {
        LogGroupName: { Ref: accessLogs },
        FilterPattern: `{ (${callback}) && ($.status = "401") }`,
        MetricTransformations: transform('CallbackUnauthorized'),
      },
      {
        LogGroupName: { Ref: accessLogs },
        FilterPattern: `{ (${callback}) && ($.status = "403") }`,
        MetricTransformations: transform('CallbackForbidden'),
      },
    ]);
    // The fields the filters read are fields of the access log line, as strings.
    const [stage] = Object.values(prod.stateless.findResources('AWS::ApiGateway::Stage'));
    const line = JSON.parse(
      stage?.Properties.AccessLogSetting.Format.replace('$context.error.messageString', '""'),
    );
    expect(line).toMatchObject({
      resourcePath: '$context.resourcePath',
      path: '$context.path',
      status: '$context.status',
    });
  });

  it('alarm on blocks by each WAF rule that can drop a genuine callback, by its ACL and rule metric names', () => {
    for (const [synthesized, expected] of [
      [
        prod,
        [
          'VendorIpAllowList',
          'RateLimitPerIp',
          'AWSManagedRulesCommonRuleSet',
          'AWSManagedRulesKnownBadInputsRuleSet',
        ],
      ],
      [
        dev,
        ['RateLimitPerIp', 'AWSManagedRulesCommonRuleSet', 'AWSManagedRulesKnownBadInputsRuleSet'],
      ],
    ] as const) {
      const [acl] = Object.values(synthesized.stateless.findResources('AWS::WAFv2::WebACL'));
      const ruleMetrics = new Map<string, string>(
        acl?.Properties.Rules.map(
          (rule: { Name: string; VisibilityConfig: { MetricName: string } }) => [
            rule.VisibilityConfig.MetricName,
            rule.Name,
          ],
        ),
      );
      const wafAlarms = alarms(synthesized.stateless).filter((a) => a.Namespace === 'AWS/WAFV2');
      const alarmedRules = wafAlarms.map((alarm) => {
        expect(alarm).toMatchObject({
          MetricName: 'BlockedRequests',
          Statistic: 'Sum',
          Period: 900,
          Threshold: 5,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        });
        const dimensions = Object.fromEntries(
          alarm.Dimensions.map((d: { Name: string; Value: unknown }) => [d.Name, d.Value]),
        );
        expect(dimensions.WebACL).toBe(acl?.Properties.Name);
        expect(dimensions.Region).toEqual({ Ref: 'AWS::Region' });
        return ruleMetrics.get(dimensions.Rule);
      });
      expect(alarmedRules).toEqual(expected);
    }
  });

  it("let CloudWatch publish to the topic, only for this stage's alarms in this account, beside the TLS-only deny", () => {
    const { stateless } = prod.stacks;
    prod.stateless.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [resolved(stateless, stateless.alarms.topic.topicArn)],
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          {
            Sid: 'CloudWatchAlarmsPublish',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: resolved(stateless, stateless.alarms.topic.topicArn),
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':cloudwatch:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':alarm:proctoring-reviews-prod-*',
                    ],
                  ],
                },
              },
            },
          },
        ],
      },
    });
    // The pattern covers every alarm the stage has.
    for (const alarm of alarms(prod.stateless)) {
      expect(alarm.AlarmName).toMatch(/^proctoring-reviews-prod-/);
    }
  });

  it('notify the SNS topic, treat missing data as healthy, and e-mail only when ALARM_EMAIL is set', () => {
    const topic = resolved(prod.stacks.stateless, prod.stacks.stateless.alarms.topic.topicArn);
    for (const alarm of alarms(prod.stateless)) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.TreatMissingData).toBe('notBreaching');
    }
    prod.stateless.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.org',
    });
    dev.stateless.resourceCountIs('AWS::SNS::Subscription', 0);
    dev.stateless.resourceCountIs('AWS::SNS::Topic', 1);
  });
});

describe('cdk-nag', () => {
  it.each([
    ['prod with every option', PROD_CONTEXT],
    ['dev with defaults', DEV_CONTEXT],
    [
      'dev without HMAC',
      { stage: 'dev', CALLBACK_AUTH: 'none', VENDOR_IP_ALLOW_LIST: '198.51.100.0/24' },
    ],
  ])('finds nothing unacknowledged in %s (AwsSolutions and Serverless packs)', (_name, context) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
    createStacks(app, readDeploymentSettings(app));
    addComplianceChecks(app);
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synth on a finding, so the check is live', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new Queue(new Stack(app, 'Probe'), 'QueueWithoutTls');
    addComplianceChecks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
