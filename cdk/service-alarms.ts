import { Duration, Validations } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_NAMESPACE, SERVICE_NAME } from '../lib/metrics.js';
import { RECONCILED_REVISIONS_METRIC } from '../lib/workflow/reconcile.js';

/** The workflow's EMF metric for PutEvents entries that still failed after its retries. */
export const PUT_EVENTS_FAILED_METRIC = {
  namespace: 'ProctoringReviews',
  metricName: 'PutEventsFailedEntries',
  dimensionsMap: { service: 'proctoring-reviews' },
} as const;

/** The reconciler's EMF metric: one per revision it had to apply (a healthy pipeline has none). */
export const RECONCILED_REVISIONS = {
  namespace: METRIC_NAMESPACE,
  metricName: RECONCILED_REVISIONS_METRIC,
  dimensionsMap: { service: SERVICE_NAME },
} as const;

export interface ServiceAlarmsProps {
  stage: string;
  functions: Record<string, IFunction>;
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

  constructor(scope: Construct, id: string, props: ServiceAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: `proctoring-reviews ${props.stage} alarms`,
      enforceSSL: true,
    });
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An e-mail subscription for alarm notifications; a dead-letter queue for undelivered e-mails would itself go unwatched.',
      });
    }
    const name = (suffix: string) => `proctoring-reviews-${props.stage}-${suffix}`;

    this.add('IteratorAge', {
      alarmName: name('stream-iterator-age'),
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
        alarmName: name(`${key}-depth`),
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
        alarmName: name(`${key}-errors`),
        description: `${key}: invocations failed (crash or timeout, not a 4xx answer).`,
        metric: fn.metricErrors({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 1,
      });
      this.add(`${key}Throttles`, {
        alarmName: name(`${key}-throttles`),
        description: `${key}: invocations were throttled (reserved or account concurrency exhausted).`,
        metric: fn.metricThrottles({ statistic: 'Sum', period: FIVE_MINUTES }),
        threshold: 1,
      });
    }

    this.add('Api5xx', {
      alarmName: name('api-5xx'),
      description: 'The API answered 5xx: vendors retry, but something is failing.',
      metric: props.apiStage.metricServerError({ statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 5,
    });
    this.add('ApiLatency', {
      alarmName: name('api-latency-p99'),
      description: 'p99 API latency above 3 s for 15 minutes.',
      metric: props.apiStage.metricLatency({ statistic: 'p99', period: FIVE_MINUTES }),
      threshold: 3000,
      evaluationPeriods: 3,
    });
    this.add('PutEventsFailures', {
      alarmName: name('put-events-failed-entries'),
      description:
        'The workflow could not publish some events after retrying; the stream records are retried and may reach the on-failure queue.',
      metric: new Metric({ ...PUT_EVENTS_FAILED_METRIC, statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 1,
    });
    this.add('ReconciledRevisions', {
      alarmName: name('reconciled-revisions'),
      description:
        'The reconciler applied review revisions that the stream workflow had not processed: records failed on the stream (see the stream-failure queue and the finish-review errors). Nothing is lost, but it was late.',
      metric: new Metric({ ...RECONCILED_REVISIONS, statistic: 'Sum', period: FIVE_MINUTES }),
      threshold: 1,
    });
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
