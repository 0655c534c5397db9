import { Duration } from 'aws-cdk-lib';
import { Metric } from 'aws-cdk-lib/aws-cloudwatch';
import {
  FilterPattern,
  type ILogGroup,
  type JsonPattern,
  MetricFilter,
} from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { RECONCILED_REVISIONS_METRIC } from '../lib/workflow/reconcile.js';

/** Tells each function the namespace of its EMF metrics (read by lib/metrics.ts). */
export const METRICS_NAMESPACE_VARIABLE = 'METRICS_NAMESPACE';

/**
 * Every custom metric of a stage, from the functions' EMF lines or from log metric filters, lives
 * in a namespace of that stage: dev and prod in one account never watch each other's metrics.
 */
export function metricsNamespace(stage: string): string {
  return `ProctoringReviews/${stage}`;
}

/** The dimension lib/metrics.ts puts on every EMF data point. */
export const EMF_DIMENSIONS = { service: 'proctoring-reviews' } as const;

/** The workflow's EMF metric: PutEvents entries still failing after its retries. */
export function putEventsFailedMetric(stage: string): Metric {
  return new Metric({
    namespace: metricsNamespace(stage),
    metricName: 'PutEventsFailedEntries',
    dimensionsMap: EMF_DIMENSIONS,
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}

/** The reconciler's EMF metric: one per revision it had to apply (a healthy pipeline has none). */
export function reconciledRevisionsMetric(stage: string): Metric {
  return new Metric({
    namespace: metricsNamespace(stage),
    metricName: RECONCILED_REVISIONS_METRIC,
    dimensionsMap: EMF_DIMENSIONS,
    statistic: 'Sum',
    period: Duration.minutes(5),
  });
}

/** Names of the metrics the access log filters publish. */
export const CALLBACK_METRICS = {
  requests: 'CallbackRequests',
  unauthorized: 'CallbackUnauthorized',
  forbidden: 'CallbackForbidden',
} as const;

export interface CallbackResponseMetricsProps {
  /** The API's JSON access log group (fields `resourcePath`, `path`, `status`). */
  accessLogs: ILogGroup;
  stage: string;
  /** The callback's resource path, such as `/api/edx_proctoring/proctoring_review_callback`. */
  callbackPath: string;
}

/**
 * Callback answers by status, counted from the API's access log: API Gateway publishes only 4XX
 * and 5XX totals for the whole stage. The access log has every answer, the function's 401s and
 * the WAF's 403s alike (API Gateway logs a request the WAF blocked too), so no function has to
 * emit anything and no WAF metric has to stand in for a route it cannot name.
 *
 * Each filter publishes 1 for a matching line and 0 for any other line, so the share of 401s is
 * defined whenever the API served anything.
 */
export class CallbackResponseMetrics extends Construct {
  /** Every request to the callback route. */
  readonly requests: Metric;
  /** Callbacks answered 401 (signature missing, stale or wrong). */
  readonly unauthorized: Metric;
  /** Callbacks answered 403 (blocked by a WAF rule). */
  readonly forbidden: Metric;

  constructor(scope: Construct, id: string, props: CallbackResponseMetricsProps) {
    super(scope, id);
    // A request the WAF blocks may have no resource yet; its path is `/<stage><route>` on the
    // default endpoint, with or without the trailing slash.
    const callback = FilterPattern.any(
      FilterPattern.stringValue('$.resourcePath', '=', props.callbackPath),
      FilterPattern.stringValue('$.path', '=', `/${props.stage}${props.callbackPath}`),
      FilterPattern.stringValue('$.path', '=', `/${props.stage}${props.callbackPath}/`),
    );
    const withStatus = (status: string) =>
      FilterPattern.all(callback, FilterPattern.stringValue('$.status', '=', status));
    const namespace = metricsNamespace(props.stage);
    const count = (filterId: string, metricName: string, pattern: JsonPattern) =>
      new MetricFilter(this, filterId, {
        logGroup: props.accessLogs,
        filterPattern: pattern,
        metricNamespace: namespace,
        metricName,
        metricValue: '1',
        defaultValue: 0,
      }).metric({ statistic: 'Sum' });
    this.requests = count('CallbackRequests', CALLBACK_METRICS.requests, callback);
    this.unauthorized = count(
      'CallbackUnauthorized',
      CALLBACK_METRICS.unauthorized,
      withStatus('401'),
    );
    this.forbidden = count('CallbackForbidden', CALLBACK_METRICS.forbidden, withStatus('403'));
  }
}
