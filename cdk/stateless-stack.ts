import {
  CfnOutput,
  type CfnResource,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  type StackProps,
  Validations,
} from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { REVISION_ITEM_TYPE } from '../lib/store/item-types.js';
import { functionAccess } from './function-access.js';
import type { FunctionKey } from './function-entries.js';
import { CallbackResponseMetrics, metricsNamespace } from './metrics.js';
import { CALLBACK_PATH, ReviewApi } from './review-api.js';
import { ServiceAlarms } from './service-alarms.js';
import { ServiceFunction, type ServiceResources } from './service-function.js';
import type { DeploymentSettings } from './settings.js';
import type { StatefulStack } from './stateful-stack.js';

/** Log retention and removal, by stage: the functions' and the API's access log alike. */
interface LogSettings {
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

export interface StatelessStackProps extends StackProps {
  settings: DeploymentSettings;
  stateful: StatefulStack;
}

/**
 * The only records the workflow may see: the INSERT of a new review revision. Heads, comment and
 * raw chunks, and every MODIFY or REMOVE are dropped by Lambda before an invocation.
 */
export const NEW_REVISION_FILTER = FilterCriteria.filter({
  eventName: FilterRule.isEqual('INSERT'),
  dynamodb: { NewImage: { itemType: { S: FilterRule.isEqual(REVISION_ITEM_TYPE) } } },
});

/**
 * How the workflow takes its records off the stream (measurements in docs/performance.md):
 * - `parallelizationFactor` 10, the most Lambda allows: batches of one shard in flight at once.
 *   Lambda keeps one partition key's records (one attempt's revisions) in order at any factor, so
 *   this only adds concurrency across attempts. Locally, with one serial consumer the events of
 *   a 300-review burst trailed the callbacks by most of the burst; with 4 or 10 they kept up;
 * - `batchSize` 50: the workflow works on a batch's attempts at once and publishes their events
 *   together, one PutEvents call per 10 events, one call after the other (so an attempt's events
 *   reach the bus in order); a full batch of 50 reviews is about 11 calls, a fraction of a second;
 * - no batching window: every second of it would be review-to-event latency, and a trickle of
 *   reviews gains little from fuller batches (EventBridge charges per event, not per call).
 */
export const STREAM_BATCHING = {
  parallelizationFactor: 10,
  batchSize: 50,
  maxBatchingWindow: Duration.seconds(0),
};

/** Retries of a failed stream batch before it goes to the on-failure queue (see the mapping). */
export const STREAM_RETRY_ATTEMPTS = 10;

const DEAD_LETTER_QUEUE_REASON =
  'This queue is itself a dead-letter queue (failures only), read by an operator or a redrive, never by a consumer.';

/**
 * Everything that can be replaced without losing data: the functions, the REST API with its WAF,
 * the stream wiring, the example analyst rule, and the alarms.
 */
export class StatelessStack extends Stack {
  readonly reviewCallbackFunction: ServiceFunction;
  readonly internalApiFunction: ServiceFunction;
  readonly finishReviewFunction: ServiceFunction;
  readonly reprocessFunction: ServiceFunction;
  readonly reconcileFunction: ServiceFunction;
  readonly reconcileSchedule: Schedule;
  /** The same functions by their `FUNCTION_ENTRIES` key. */
  readonly functions: Record<FunctionKey, ServiceFunction>;
  readonly restApi: RestApi;
  readonly streamFailureQueue: Queue;
  readonly alarms: ServiceAlarms;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    // Strong (exports): the stateful stack cannot be deleted while these functions use it.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { settings, stateful } = props;
    const prod = settings.stage === 'prod';
    const logs: LogSettings = {
      logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.TWO_WEEKS,
      logRemovalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    };

    this.functions = this.createFunctions(settings, logs);
    this.reviewCallbackFunction = this.functions.reviewCallback;
    this.internalApiFunction = this.functions.internalApi;
    this.finishReviewFunction = this.functions.finishReview;
    this.reprocessFunction = this.functions.reprocess;
    this.reconcileFunction = this.functions.reconcile;
    // What each function may reach is declared in function-access.ts.
    const resources: ServiceResources = {
      tables: { attempts: stateful.attemptsTable, reviews: stateful.reviewsTable },
      secrets: { callbackSecret: stateful.callbackSecret, videoUrlKey: stateful.videoUrlKey },
      eventBus: stateful.eventBus,
    };
    const access = functionAccess(settings);
    for (const key of Object.keys(this.functions) as FunctionKey[]) {
      this.functions[key].bindAccess(access[key], resources);
    }

    this.reconcileSchedule = this.scheduleReconciler(settings);
    this.streamFailureQueue = this.connectStream(stateful);

    // API: callback and internal routes, WAF, throttling, access logs.
    const api = new ReviewApi(this, 'Api', {
      stage: settings.stage,
      callbackFunction: this.reviewCallbackFunction,
      internalApiFunction: this.internalApiFunction,
      reprocessFunction: this.reprocessFunction,
      throttlingRateLimit: 100,
      throttlingBurstLimit: 200,
      wafRateLimit: settings.wafRateLimit,
      vendorIpAllowList: settings.vendorIpAllowList,
      ...logs,
    });
    this.restApi = api.restApi;
    const internalApiInvoke = this.internalApiInvokePolicy(settings.stage);
    const example = this.exampleSubscription(settings, stateful);

    const callbackResponses = new CallbackResponseMetrics(this, 'CallbackResponses', {
      accessLogs: api.accessLogs,
      stage: settings.stage,
      callbackPath: CALLBACK_PATH,
    });
    this.alarms = new ServiceAlarms(this, 'Alarms', {
      stage: settings.stage,
      functions: this.functions,
      callbackResponses,
      webAcl: { name: api.webAclName, rules: api.wafRules },
      streamConsumer: this.finishReviewFunction,
      deadLetterQueues: {
        streamFailures: this.streamFailureQueue,
        supportNotificationDlq: example.deadLetterQueue,
      },
      apiStage: this.restApi.deploymentStage,
      alarmEmail: settings.alarmEmail,
    });

    this.addOutputs(internalApiInvoke, example.queue);
  }

  /** The five functions, with the settings each reads from its environment. */
  private createFunctions(
    settings: DeploymentSettings,
    logs: LogSettings,
  ): Record<FunctionKey, ServiceFunction> {
    const flag = (value: boolean) => (value ? 'true' : 'false');
    const common = {
      logLevel: settings.logLevel,
      metricsNamespace: metricsNamespace(settings.stage),
      ...logs,
    };
    // The stream consumer and both operations run the workflow, so they share its settings.
    const workflowSettings = (fn: ServiceFunction) => {
      fn.addEnvironment('EVENT_SOURCE', settings.eventSource);
      fn.addEnvironment(
        'REQUIRE_FAILURE_SECOND_REVIEWS',
        flag(settings.requireFailureSecondReviews),
      );
    };

    const reviewCallback = new ServiceFunction(this, 'ReviewCallbackFunction', {
      entry: 'reviewCallback',
      description: `POST ${CALLBACK_PATH}/ (vendor review callback)`,
      memorySize: 512,
      timeout: Duration.seconds(10),
      // Caps what a flood of callbacks can take from the account and from DynamoDB.
      reservedConcurrentExecutions: settings.callbackReservedConcurrency,
      ...common,
    });
    reviewCallback.addEnvironment('ALLOW_REVIEW_UPDATES', flag(settings.allowReviewUpdates));
    reviewCallback.addEnvironment(
      'ALLOW_CALLBACK_SIMULATION',
      flag(settings.allowCallbackSimulation),
    );
    reviewCallback.addEnvironment('CALLBACK_AUTH', settings.callbackAuth);

    const internalApi = new ServiceFunction(this, 'InternalApiFunction', {
      entry: 'internalApi',
      description: '/internal/attempts/* (LMS and staff API)',
      memorySize: 512,
      timeout: Duration.seconds(10),
      ...common,
    });
    internalApi.addEnvironment('VIDEO_LINK_HTML5', flag(settings.videoLinkHtml5));

    const finishReview = new ServiceFunction(this, 'FinishReviewFunction', {
      entry: 'finishReview',
      description: 'Applies each new review revision to its attempt and publishes the events',
      memorySize: 512,
      timeout: Duration.seconds(60),
      ...common,
    });
    workflowSettings(finishReview);

    const reprocess = new ServiceFunction(this, 'ReprocessFunction', {
      entry: 'reprocess',
      description: 'POST /internal/reviews/reprocess (applies or republishes a time range)',
      memorySize: 512,
      // API Gateway gives up after 29 s; a page of 100 revisions takes a few.
      timeout: Duration.seconds(28),
      ...common,
    });
    workflowSettings(reprocess);

    const reconcile = new ServiceFunction(this, 'ReconcileFunction', {
      entry: 'reconcile',
      description: 'Applies review revisions the stream left without an outcome (scheduled)',
      memorySize: 512,
      timeout: Duration.minutes(5),
      // One run at a time: a slow run is never overtaken by the next one.
      reservedConcurrentExecutions: 1,
      ...common,
    });
    workflowSettings(reconcile);
    reconcile.addEnvironment('RECONCILE_AFTER_SECONDS', String(settings.reconcileAfterSeconds));

    return { reviewCallback, internalApi, finishReview, reprocess, reconcile };
  }

  /** EventBridge Scheduler runs the reconciler every RECONCILE_INTERVAL_SECONDS, never retrying. */
  private scheduleReconciler(settings: DeploymentSettings): Schedule {
    const reconciler = this.reconcileFunction;
    // A failed or missed run is not retried: the next scheduled run looks again anyway, and the
    // revisions it failed on stay in the pending index.
    reconciler.configureAsyncInvoke({ retryAttempts: 0 });
    Validations.of(reconciler).acknowledge({
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason:
        'Only the schedule invokes the reconciler; a failed run leaves its revisions in the pending index for the next run, and the function errors alarm reports it.',
    });
    const scheduleRole = new Role(this, 'ReconcileScheduleRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the reconciler',
    });
    const schedule = new Schedule(this, 'ReconcileSchedule', {
      description: 'Runs the reconciler every RECONCILE_INTERVAL_SECONDS',
      schedule: ScheduleExpression.rate(Duration.seconds(settings.reconcileIntervalSeconds)),
      target: new LambdaInvoke(reconciler, {
        role: scheduleRole,
        retryAttempts: 0,
        maxEventAge: Duration.seconds(Math.max(60, settings.reconcileIntervalSeconds)),
      }),
    });
    Validations.of(scheduleRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(reconciler.node.defaultChild as CfnResource)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the reconciler and its versions (the :* suffix), which the scheduler target grants together; nothing else.',
    });
    return schedule;
  }

  /**
   * Stream → workflow. SQS as the on-failure destination: it receives the shard and sequence
   * range of a batch that exhausted its retries; the revisions themselves stay in the reviews
   * table, so nothing is copied out of it, and queue depth is a plain alarm.
   */
  private connectStream(stateful: StatefulStack): Queue {
    const failures = this.deadLetterQueue('StreamFailureQueue');
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(failures).acknowledge({ id, reason: DEAD_LETTER_QUEUE_REASON });
    }
    this.finishReviewFunction.addEventSource(
      new DynamoEventSource(stateful.reviewsTable, {
        // TRIM_HORIZON: revisions written before the mapping existed (or while it was disabled)
        // are still processed.
        startingPosition: StartingPosition.TRIM_HORIZON,
        ...STREAM_BATCHING,
        // Retries, sized for the two kinds of failure. A transient one (throttling, timeouts, a
        // dependency down) is first retried inside the function with backoff for about 14 s
        // (the workflow's background DynamoDB client, PutEvents retries), so each of these
        // retries covers that much outage: a few minutes in all, well inside the record age. A
        // record that can never succeed fails at once each time: a few halvings (bisect) and
        // ten immediate retries, so it reaches the on-failure queue in seconds and the shard
        // moves on. What the queue holds is re-driven, or found by the reconciler.
        bisectBatchOnError: true,
        retryAttempts: STREAM_RETRY_ATTEMPTS,
        maxRecordAge: Duration.hours(6),
        reportBatchItemFailures: true,
        filters: [NEW_REVISION_FILTER],
        onFailure: new SqsDlq(failures),
      }),
    );
    return failures;
  }

  /** The policy an LMS or staff role attaches to call the internal API. */
  private internalApiInvokePolicy(stage: string): ManagedPolicy {
    const policy = new ManagedPolicy(this, 'InternalApiInvokePolicy', {
      description: 'Allows calling the proctoring-reviews internal API (/internal/*)',
      statements: [
        new PolicyStatement({
          actions: ['execute-api:Invoke'],
          resources: [this.restApi.arnForExecuteApi('*', '/internal/*', stage)],
        }),
      ],
    });
    Validations.of(policy).acknowledge({
      // cdk-nag names the finding after the resource ARN, with tokens as <LogicalId>.
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${this.getLogicalId(
        this.restApi.node.defaultChild as CfnResource,
      )}>/${stage}/*/internal/*]`,
      reason:
        'Scoped to this API, this stage and the /internal/ routes; the wildcards cover every method and attempt code there.',
    });
    return policy;
  }

  /** Analysts: an example subscription, a rule with an SQS target and a dead-letter queue. */
  private exampleSubscription(
    settings: DeploymentSettings,
    stateful: StatefulStack,
  ): { queue: Queue; deadLetterQueue: Queue } {
    const deadLetterQueue = this.deadLetterQueue('SupportNotificationDeadLetterQueue');
    Validations.of(deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: DEAD_LETTER_QUEUE_REASON,
    });
    const queue = new Queue(this, 'SupportNotificationQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      // Events a consumer fails to handle land beside the ones EventBridge failed to deliver:
      // both are the event JSON.
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    new Rule(this, 'SupportNotificationRule', {
      eventBus: stateful.eventBus,
      description: 'Example analyst subscription: vendor reviews marked Suspicious',
      eventPattern: {
        source: [settings.eventSource],
        detailType: ['support_notification_requested'],
      },
      targets: [
        new SqsQueue(queue, {
          deadLetterQueue,
          retryAttempts: 10,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
    return { queue, deadLetterQueue };
  }

  /** What the deploying team hands on: URLs, the invoke policy, the queues and the alarm topic. */
  private addOutputs(internalApiInvoke: ManagedPolicy, exampleQueue: Queue): void {
    new CfnOutput(this, 'ApiUrl', {
      value: this.restApi.url,
      description: 'Base URL of the API stage',
    });
    new CfnOutput(this, 'CallbackUrl', {
      value: `${this.restApi.url}${CALLBACK_PATH.slice(1)}/`,
      description: 'Give this URL to the vendor (edX path, trailing slash optional)',
    });
    new CfnOutput(this, 'InternalApiInvokePolicyArn', {
      value: internalApiInvoke.managedPolicyArn,
      description: 'Attach to the LMS or staff role that calls /internal/*',
    });
    new CfnOutput(this, 'StreamFailureQueueUrl', {
      value: this.streamFailureQueue.queueUrl,
      description: 'Stream batches that exhausted their retries (shard and sequence numbers)',
    });
    new CfnOutput(this, 'SupportNotificationQueueUrl', {
      value: exampleQueue.queueUrl,
      description: 'Example analyst queue: support_notification_requested events',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarms.topic.topicArn,
      description: 'SNS topic every alarm notifies',
    });
  }

  /** A queue that only ever holds failures: encrypted, TLS only, kept for the maximum 14 days. */
  private deadLetterQueue(id: string): Queue {
    return new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }
}
