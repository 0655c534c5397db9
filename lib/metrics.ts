/**
 * CloudWatch metrics through the Embedded Metric Format: one JSON log line per data point, which
 * CloudWatch Logs turns into a metric without any API call from the function.
 */
export const METRIC_NAMESPACE = 'ProctoringReviews';
export const SERVICE_NAME = 'proctoring-reviews';

export interface MetricsOptions {
  /** The CloudWatch namespace; the CDK app gives each stage its own (`METRICS_NAMESPACE`). */
  namespace?: string;
  /** Where lines go; stdout by default (CloudWatch Logs in Lambda). */
  sink?: (line: string) => void;
  clock?: () => Date;
}

export interface Metrics {
  /** Records a `Count` metric with the `service` dimension; `fields` are kept as log properties. */
  count(name: string, value: number, fields?: Record<string, unknown>): void;
}

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clock = options.clock ?? (() => new Date());
  const namespace = options.namespace ?? METRIC_NAMESPACE;
  return {
    count(name, value, fields = {}) {
      sink(
        JSON.stringify({
          ...fields,
          _aws: {
            Timestamp: clock().getTime(),
            CloudWatchMetrics: [
              {
                Namespace: namespace,
                Dimensions: [['service']],
                Metrics: [{ Name: name, Unit: 'Count' }],
              },
            ],
          },
          service: SERVICE_NAME,
          [name]: value,
        }),
      );
    },
  };
}
