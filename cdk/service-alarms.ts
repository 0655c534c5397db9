import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  type CallbackResponseMetrics,
  putEventsFailedMetric,
  reconciledRevisionsMetric,
} from './metrics.js';
import { WAF_RULES, type WafRuleName } from './review-api.js';

/**
 * The share of callbacks answered 401 or 403 that raises an alarm, over one period with at least
 * `minimumCallbacks` requests: the vendor does not retry a 4xx, so each one is a lost review, but a
 * stray unsigned probe on an idle evening should not page anyone.
 */
export const CALLBACK_REJECTION_ALARM = {
  period: Duration.minutes(15),
  minimumCallbacks: 3,
  percent: 50,
} as const;

/**
 * WAF rules whose blocks can drop a genuine vendor callback, each with its own alarm so the alarm
 * names the rule. `BodyOverLimit` is left out: its 413 is the size limit the API promises.
 */
export const ALARMED_WAF_RULES: readonly WafRuleName[] = [
  'VendorIpAllowList',
  'RateLimitPerIp',
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
];

/** Blocked requests per rule in 15 minutes that raise its alarm; single probes do not. */
export const WAF_BLOCKS_THRESHOLD = 5;

export interface ServiceAlarmsProps {
  stage: string;
  functions: Record<string, IFunction>;
  callbackResponses: CallbackResponseMetrics;
  /** The web ACL's name and its rules' metric names (the `AWS/WAFV2` dimensions). */
  webAcl: { name: string; rules: ReadonlyArray<{ name: WafRuleName; metricName: string }> };
  streamConsumer: IFunction;
  /** Queues whose every message is a failure someone must look at. */
  deadLetterQueues: Record<string, IQueue>;
  apiStage: Stage;
  alarmEmail: string | undefined;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * CloudWatch alarms on everything that means lost or late work, all notifying one SNS topic (with
 * an optional e-mail subscription). Missing data counts as healthy: idle is not broken.
 */
export class ServiceAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  private readonly stage: string;

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.stage = props.stage;
    this.topic = this.createTopic(props.alarmEmail);

    this.add('IteratorAge', {
      alarmName: this.name('stream-iterator-age'),
      description: 'The review stream is more than 5 minutes behind: events reach analysts late.',
      metric: props.streamConsumer.metric('IteratorAge', {
        statistic: 'Maximum',
        period: Duration.minutes(1),
      }),
      threshold: Duration.minutes(5).toMilliseconds(),
      evaluationPeriods: 3,
    });

    for (const [key, queue] of Object.entries(props.deadLetterQueues)) {
      this.add(`${key}Depth`, {
        alarmName: this.name(`${key}-depth`),
        description: `${queue.node.path}: a message landed here, a failure waits for an operator.`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          statistic: 'Maximum',
          period: FIVE_MINUTES,
        }),
        threshold: 1,
      });
    }

    for (const [key, fn] of Object.entries(props.functions)) {
      this.add(`${key}Errors`, {
        alarmName: this.name(`${key}-errors`),
        description: `${key}: invocations failed (crash or timeout, not a 4xx answer).`,
        metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 1,
      });
      this.add(`${key}Throttles`, {
        alarmName: this.name(`${key}-throttles`),
        description: `${key}: invocations were throttled (reserved or account concurrency exhausted).`,
        metric: fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 1,
      });
    }

    this.add('Api5xx', {
      alarmName: this.name('api-5xx'),
      description: 'The API answered 5xx: vendors retry, but something is failing.',
      metric: props.apiStage.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 5,
    });
    this.add('ApiLatency', {
      alarmName: this.name('api-latency-p99'),
      description: 'p99 API latency above 3 s for 15 minutes.',
      metric: props.apiStage.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
      threshold: 3000,
      evaluationPeriods: 3,
    });
    this.add('PutEventsFailures', {
      alarmName: this.name('put-events-failed-entries'),
      description:
        'The workflow could not publish some events after retrying; the stream records are retried and may reach the on-failure queue.',
      metric: putEventsFailedMetric(props.stage),
      threshold: 1,
    });
    this.add('ReconciledRevisions', {
      alarmName: this.name('reconciled-revisions'),
      description:
        'The reconciler applied review revisions that the stream workflow had not processed: records failed on the stream (see the stream-failure queue and the finish-review errors). Nothing is lost, but it was late.',
      metric: reconciledRevisionsMetric(props.stage),
      threshold: 1,
    });
    this.addCallbackAlarms(props);
    this.addWafAlarms(props);
  }

  /** Every alarm's name starts with the stage's prefix, which the topic policy relies on. */
  private name(suffix: string): string {
    return `proctoring-reviews-${this.stage}-${suffix}`;
  }

  private createTopic(alarmEmail: string | undefined): Topic {
    const topic = new Topic(this, 'Topic', {
      displayName: `proctoring-reviews ${this.stage} alarms`,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, under which CloudWatch could publish: allow it
    // again, for this stage's alarms in this account only.
    const stack = Stack.of(this);
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: this.name('*'),
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (alarmEmail) {
      const subscription = topic.addSubscription(new EmailSubscription(alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An e-mail subscription for alarm notifications; a dead-letter queue for undelivered e-mails would itself go unwatched.',
      });
    }
    return topic;
  }

  private addCallbackAlarms(props: ServiceAlarmsProps): void {
    const { requests, unauthorized, forbidden } = props.callbackResponses;
    const { period, minimumCallbacks, percent } = CALLBACK_REJECTION_ALARM;
    const share = (rejected: Metric, label: string) =>
      new MathExpression({
        expression: `IF(requests >= ${minimumCallbacks}, 100 * rejected / requests, 0)`,
        usingMetrics: { requests, rejected },
        label,
        period,
      });
    this.add('CallbackUnauthorizedRate', {
      alarmName: this.name('callback-401-rate'),
      description: `${percent}% or more of the callbacks in ${period.toMinutes()} minutes were answered 401: the signature did not verify (a botched secret rotation fails every callback). The vendor does not retry a 4xx; see docs/deploy.md.`,
      metric: share(unauthorized, 'Callbacks answered 401 (%)'),
      threshold: percent,
    });
    this.add('CallbackForbiddenRate', {
      alarmName: this.name('callback-403-rate'),
      description: `${percent}% or more of the callbacks in ${period.toMinutes()} minutes were answered 403: a WAF rule blocked them (vendor address outside the allow-list, or a managed rule matching review content). The vendor does not retry a 4xx; see docs/deploy.md.`,
      metric: share(forbidden, 'Callbacks answered 403 (%)'),
      threshold: percent,
    });
  }

  private addWafAlarms(props: ServiceAlarmsProps): void {
    for (const rule of props.webAcl.rules) {
      if (!ALARMED_WAF_RULES.includes(rule.name)) continue;
      const suffix = WAF_RULES[rule.name].metric;
      this.add(`Waf${rule.name}Blocks`, {
        alarmName: this.name(`waf-${suffix}-blocks`),
        description: `WAF rule ${rule.name} blocked ${WAF_BLOCKS_THRESHOLD} or more requests in 15 minutes; if they were vendor callbacks, those reviews are lost (no retry of a 4xx). See docs/deploy.md.`,
        metric: new Metric({
          namespace: 'AWS/WAFV2',
          metricName: 'BlockedRequests',
          dimensionsMap: {
            WebACL: props.webAcl.name,
            Rule: rule.metricName,
            Region: Stack.of(this).region,
          },
          statistic: 'Sum',
          period: Duration.minutes(15),
        }),
        threshold: WAF_BLOCKS_THRESHOLD,
      });
    }
  }

  private add(
    id: string,
    options: {
      alarmName: string;
      description: string;
      metric: IMetric;
      threshold: number;
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmName: options.alarmName,
      alarmDescription: options.description,
      metric: options.metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
