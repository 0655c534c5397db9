import { App } from 'aws-cdk-lib';
import type { CfnEventSourceMapping, CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { createStacks, parseDeploymentSettings } from '../cdk/stacks.js';
import { itemSize, readUnits, writeUnits } from './item-size.js';
import type { StoredReview } from './raw-dynamodb.js';

/**
 * AWS cost per million reviews, from what the benchmark counted and measured. Prices are
 * us-east-1 list prices before free tiers; each names where it was read.
 */

const CONSULTED = '2026-11-26';

export interface Price {
  usd: number;
  unit: string;
  source: string;
}

export const PRICES = {
  apiGatewayRest: {
    usd: 3.5,
    unit: 'per million REST API requests (first 333 million a month)',
    source: `https://aws.amazon.com/api-gateway/pricing/ and the AWS whitepaper "Best Practices for Designing Amazon API Gateway Private APIs and Private Integration", section Cost optimization (https://docs.aws.amazon.com/whitepapers/latest/best-practices-api-gateway-private-apis-integration/cost-optimization.html), consulted ${CONSULTED}`,
  },
  wafRequests: {
    usd: 0.6,
    unit: 'per million web requests inspected',
    source: `https://aws.amazon.com/waf/pricing/; same figure in "AWS WAF cost explained" (https://c3x.dev/blog/aws-waf-cost-explained/, 2026), consulted ${CONSULTED}`,
  },
  lambdaRequests: {
    usd: 0.2,
    unit: 'per million requests',
    source: `https://aws.amazon.com/lambda/pricing/, consulted ${CONSULTED}`,
  },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: 'per GB-second, Arm (first 7.5 billion GB-s a month)',
    source: `https://aws.amazon.com/lambda/pricing/; tiers in "AWS Lambda Pricing Breakdown" (https://cloudchipr.com/blog/aws-lambda-pricing, 2024), consulted ${CONSULTED}`,
  },
  dynamoDbWriteUnit: {
    usd: 0.625,
    unit: 'per million write request units (on-demand)',
    source: `https://aws.amazon.com/dynamodb/pricing/on-demand/ (unit definitions); price after the November 2024 reduction as reported in "Amazon DynamoDB Pricing" (https://airbyte.com/data-engineering-resources/dynamodb-pricing, 2025-07-21), consulted ${CONSULTED}`,
  },
  dynamoDbReadUnit: {
    usd: 0.125,
    unit: 'per million read request units (on-demand)',
    source: 'same pages as the write request unit',
  },
  dynamoDbStorage: {
    usd: 0.25,
    unit: 'per GB-month (first 25 GB free)',
    source: `https://aws.amazon.com/dynamodb/pricing/, consulted ${CONSULTED}`,
  },
  dynamoDbPitr: {
    usd: 0.2,
    unit: 'per GB-month of table size (continuous backups)',
    source: `"DynamoDB backups" (https://finops.com.py/services/dynamodb/backups), consulted ${CONSULTED}`,
  },
  eventBridgeCustomEvent: {
    usd: 1.0,
    unit: 'per million custom events (each 64 KB chunk counts as one)',
    source: `https://aws.amazon.com/eventbridge/pricing/; "Amazon EventBridge Pricing: Complete Guide" (https://cloudburn.io/blog/amazon-eventbridge-pricing, 2026-03-13), consulted ${CONSULTED}`,
  },
  eventBridgeArchive: {
    usd: 0.1,
    unit: 'per GB of events archived (processing)',
    source: 'same pages as custom events',
  },
  secretsManagerCalls: {
    usd: 0.05,
    unit: 'per 10,000 API calls',
    source: `https://aws.amazon.com/secrets-manager/pricing/; same figures in "AWS Secrets Manager" (https://hivebook.wiki/wiki/aws-secrets-manager-rotated-secrets-dynamic-db-credentials-kms), consulted ${CONSULTED}`,
  },
  secretsManagerSecret: {
    usd: 0.4,
    unit: 'per secret per month',
    source: 'same pages as API calls',
  },
  cloudWatchLogsIngestion: {
    usd: 0.5,
    unit: 'per GB ingested (Standard; first tier of the Lambda log tiers since 2025-05-01)',
    source: `https://aws.amazon.com/cloudwatch/pricing/; "CloudWatch Logs cost optimization" (https://c3x.dev/blog/cloudwatch-logs-cost-optimization, June 2026) and Duck Bill Group on Lambda log tiers (https://www.duckbillgroup.com/?p=9080), consulted ${CONSULTED}`,
  },
  xrayTraces: {
    usd: 5.0,
    unit: 'per million traces recorded (first 100,000 a month free)',
    source: `https://aws.amazon.com/xray/pricing/ (German edition: "5 USD pro Million"), consulted ${CONSULTED}`,
  },
} satisfies Record<string, Price>;

export type PriceId = keyof typeof PRICES;

/** What the deployed stacks configure: memory per function and the stream batch size. */
export interface DeployedShape {
  memoryMb: Record<string, number>;
  streamBatchSize: number;
}

/** Reads the shape from the CDK app itself (no synth, no bundling), so it cannot drift. */
export function deployedShape(): DeployedShape {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stateless } = createStacks(app, parseDeploymentSettings({ stage: 'prod' }));
  const memoryMb: Record<string, number> = {};
  for (const [key, fn] of Object.entries(stateless.functions)) {
    memoryMb[key] = Number((fn.node.defaultChild as CfnFunction).memorySize ?? 128);
  }
  const mapping = stateless.node
    .findAll()
    .find(
      (construct) =>
        (construct as CfnEventSourceMapping).cfnResourceType === 'AWS::Lambda::EventSourceMapping',
    ) as CfnEventSourceMapping | undefined;
  return { memoryMb, streamBatchSize: Number(mapping?.batchSize ?? 100) };
}

export interface ItemSizes {
  attemptBeforeWorkflow: number;
  attemptAfterWorkflow: number;
  head: number;
  revisionWithoutOutcome: number;
  revisionWithOutcome: number;
  chunks: number[];
  /** Everything a review leaves in DynamoDB, with 100 bytes of per-item overhead. */
  storedPerReview: number;
}

const WORKFLOW_ATTRIBUTES = ['appliedRevision', 'statusAttributedTo', 'statusUpdatedAt'];

function mean(values: number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
}

export function itemSizes(reviews: readonly StoredReview[]): ItemSizes {
  const without = (item: StoredReview['attempt'], names: string[]) =>
    Object.fromEntries(Object.entries(item).filter(([name]) => !names.includes(name)));
  const chunkCount = Math.max(...reviews.map((review) => review.chunks.length));
  const chunks = Array.from({ length: chunkCount }, (_, index) =>
    mean(reviews.map((review) => (review.chunks[index] ? itemSize(review.chunks[index]) : 0))),
  );
  const sizes = {
    attemptBeforeWorkflow: mean(
      reviews.map((r) => itemSize(without(r.attempt, WORKFLOW_ATTRIBUTES))),
    ),
    attemptAfterWorkflow: mean(reviews.map((r) => itemSize(r.attempt))),
    head: mean(reviews.map((r) => itemSize(r.head))),
    revisionWithoutOutcome: mean(reviews.map((r) => itemSize(without(r.revision, ['outcome'])))),
    revisionWithOutcome: mean(reviews.map((r) => itemSize(r.revision))),
    chunks,
  };
  const items = [sizes.attemptAfterWorkflow, sizes.head, sizes.revisionWithOutcome, ...chunks];
  return { ...sizes, storedPerReview: items.reduce((sum, size) => sum + size + 100, 0) };
}

export interface RequestUnits {
  read: number;
  write: number;
  /** How each operation was counted, for the report. */
  detail: { step: string; read: number; write: number; how: string }[];
}

/**
 * Request units of each step of the replay plan, from the item sizes: strongly consistent reads
 * (a missing key still costs a read), transactional writes doubled, updates charged on the larger
 * of the item before and after.
 */
export function requestUnits(plan: readonly string[], sizes: ItemSizes): RequestUnits {
  const detail: RequestUnits['detail'] = [];
  for (const step of plan) {
    switch (step) {
      case 'callback:BatchGetItem':
        detail.push({
          step,
          read: readUnits(sizes.attemptBeforeWorkflow) + readUnits(0),
          write: 0,
          how: 'attempt + review head (absent before the first review), consistent',
        });
        break;
      case 'callback:TransactWriteItems': {
        const items = [sizes.head, sizes.revisionWithoutOutcome, ...sizes.chunks];
        detail.push({
          step,
          read: 0,
          write: items.reduce((sum, size) => sum + writeUnits(size, true), 0),
          how: `${items.length} puts (head, revision, ${sizes.chunks.length} chunks), transactional`,
        });
        break;
      }
      case 'workflow:BatchGetItem':
        detail.push({
          step,
          read: readUnits(sizes.attemptBeforeWorkflow) + readUnits(sizes.revisionWithoutOutcome),
          write: 0,
          how: 'attempt + revision item (a projection does not reduce the units), consistent',
        });
        break;
      case 'workflow:TransactWriteItems':
        detail.push({
          step,
          read: 0,
          write:
            writeUnits(sizes.revisionWithOutcome, true) +
            writeUnits(sizes.attemptAfterWorkflow, true),
          how: 'outcome update on the revision + status update on the attempt, transactional',
        });
        break;
      case 'workflow:UpdateItem':
        detail.push({
          step,
          read: 0,
          write: writeUnits(sizes.revisionWithOutcome),
          how: 'outcome update on the revision',
        });
        break;
      default:
        throw new Error(`no request-unit rule for ${step}`);
    }
  }
  return {
    read: detail.reduce((sum, entry) => sum + entry.read, 0),
    write: detail.reduce((sum, entry) => sum + entry.write, 0),
    detail,
  };
}

export interface CostInputs {
  reviewsPerMonth: number;
  shape: DeployedShape;
  /** Billed duration per invocation, ms (rounded up to whole ms here). */
  callbackMs: number;
  workflowMs: number;
  workflowInvocationsPerReview: number;
  units: RequestUnits;
  eventEntriesPerReview: number;
  envelopeBytes: number;
  logBytesPerReview: number;
  storedBytesPerReview: number;
  secretsPerEnvironment: number;
  secretTtlMinutes: number;
  warmEnvironments: number;
  tracedFraction: number;
  tracesPerReview: number;
}

export interface CostLine {
  service: string;
  what: string;
  usd: number;
  price: PriceId;
}

const GB = 1024 ** 3;

/** Cost lines for one million reviews. */
export function costPerMillion(inputs: CostInputs): { lines: CostLine[]; total: number } {
  const million = 1_000_000;
  const p = (id: PriceId) => PRICES[id].usd;
  const gbSeconds = (memoryMb: number, ms: number, invocations: number) =>
    (memoryMb / 1024) * (Math.ceil(ms) / 1000) * invocations;
  const callbackMemory = inputs.shape.memoryMb.reviewCallback ?? 512;
  const workflowMemory = inputs.shape.memoryMb.finishReview ?? 512;
  const workflowInvocations = million * inputs.workflowInvocationsPerReview;
  const monthsPerMillion = million / inputs.reviewsPerMonth;
  // Secrets are read once per TTL per warm environment, however many reviews it serves.
  const secretCalls =
    inputs.secretsPerEnvironment *
    inputs.warmEnvironments *
    ((30 * 24 * 60) / inputs.secretTtlMinutes) *
    monthsPerMillion;
  const lines: CostLine[] = [
    {
      service: 'API Gateway',
      what: '1 REST request per callback',
      usd: p('apiGatewayRest'),
      price: 'apiGatewayRest',
    },
    {
      service: 'AWS WAF',
      what: '1 inspected request per callback',
      usd: p('wafRequests'),
      price: 'wafRequests',
    },
    {
      service: 'Lambda requests',
      what: `1 callback invocation + ${inputs.workflowInvocationsPerReview.toFixed(2)} finish-review invocations per review`,
      usd: ((million + workflowInvocations) / million) * p('lambdaRequests'),
      price: 'lambdaRequests',
    },
    {
      service: 'Lambda duration',
      what: `callback ${callbackMemory} MB × ${Math.ceil(inputs.callbackMs)} ms; finish-review ${workflowMemory} MB × ${Math.ceil(inputs.workflowMs)} ms per invocation`,
      usd:
        (gbSeconds(callbackMemory, inputs.callbackMs, million) +
          gbSeconds(workflowMemory, inputs.workflowMs, workflowInvocations)) *
        p('lambdaArmGbSecond'),
      price: 'lambdaArmGbSecond',
    },
    {
      service: 'DynamoDB writes',
      what: `${inputs.units.write} write request units per review`,
      usd: inputs.units.write * p('dynamoDbWriteUnit'),
      price: 'dynamoDbWriteUnit',
    },
    {
      service: 'DynamoDB reads',
      what: `${inputs.units.read} read request units per review (stream reads by Lambda are free)`,
      usd: inputs.units.read * p('dynamoDbReadUnit'),
      price: 'dynamoDbReadUnit',
    },
    {
      service: 'EventBridge',
      what: `${inputs.eventEntriesPerReview.toFixed(2)} custom events per review`,
      usd: inputs.eventEntriesPerReview * p('eventBridgeCustomEvent'),
      price: 'eventBridgeCustomEvent',
    },
    {
      service: 'EventBridge archive',
      what: `${inputs.eventEntriesPerReview.toFixed(2)} events × ${Math.round(inputs.envelopeBytes)} bytes archived per review`,
      usd:
        ((inputs.eventEntriesPerReview * inputs.envelopeBytes * million) / GB) *
        p('eventBridgeArchive'),
      price: 'eventBridgeArchive',
    },
    {
      service: 'Secrets Manager',
      what: `${inputs.secretsPerEnvironment} secrets re-read every ${inputs.secretTtlMinutes} min by ${inputs.warmEnvironments} warm callback environment(s): ${Math.round(secretCalls).toLocaleString('en-US')} calls per million reviews`,
      usd: (secretCalls / 10_000) * p('secretsManagerCalls'),
      price: 'secretsManagerCalls',
    },
    {
      service: 'CloudWatch Logs',
      what: `${Math.round(inputs.logBytesPerReview).toLocaleString('en-US')} bytes ingested per review`,
      usd: ((inputs.logBytesPerReview * million) / GB) * p('cloudWatchLogsIngestion'),
      price: 'cloudWatchLogsIngestion',
    },
    {
      service: 'X-Ray',
      what: `${inputs.tracesPerReview} traces per review, ${(inputs.tracedFraction * 100).toFixed(0)} % sampled`,
      usd: inputs.tracesPerReview * inputs.tracedFraction * p('xrayTraces'),
      price: 'xrayTraces',
    },
  ];
  return { lines, total: lines.reduce((sum, line) => sum + line.usd, 0) };
}

/**
 * The share of requests X-Ray's default rule records (the first request each second, then 5 %)
 * at an even arrival rate.
 */
export function defaultSampledFraction(requestsPerSecond: number): number {
  if (requestsPerSecond <= 1) return 1;
  return (1 + 0.05 * (requestsPerSecond - 1)) / requestsPerSecond;
}

/** Lambda's own lines per invocation (START, END, REPORT with an X-Ray line), measured in shape. */
export function platformLogBytes(): number {
  const id = '3f9c2a71-4b8e-4d0a-9e61-7c2b5d8a1f04';
  const lines = [
    `START RequestId: ${id} Version: $LATEST`,
    `END RequestId: ${id}`,
    `REPORT RequestId: ${id}\tDuration: 23.41 ms\tBilled Duration: 24 ms\tMemory Size: 512 MB\tMax Memory Used: 94 MB\t\nXRAY TraceId: 1-6745a1b2-0f3c9d8e7a6b5c4d3e2f1a0b\tSegmentId: 5b4a3c2d1e0f9a8b\tSampled: true\t`,
  ];
  return lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8'), 0);
}

/** One API Gateway access log line in the stage's JSON format (cdk/review-api.ts). */
export function accessLogBytes(): number {
  const line = {
    requestId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e',
    extendedRequestId: 'Kx3fZGm1IAMEbXw=',
    requestTime: '26/Nov/2026:09:15:02 +0000',
    sourceIp: '203.0.113.24',
    caller: '-',
    httpMethod: 'POST',
    resourcePath: '/api/edx_proctoring/proctoring_review_callback',
    path: '/prod/api/edx_proctoring/proctoring_review_callback/',
    protocol: 'HTTP/1.1',
    status: '200',
    responseLength: '4',
    responseLatency: '41',
    integrationStatus: '200',
    integrationLatency: '38',
    errorType: '-',
    wafResponseCode: 'WAF_ALLOW',
    xrayTraceId: 'Root=1-6745a1b2-0f3c9d8e7a6b5c4d3e2f1a0b',
    errorMessage: '-',
  };
  return Buffer.byteLength(JSON.stringify(line), 'utf8');
}
