import type { ColdStartReport } from './cold-start.js';
import type { PipelineResult } from './pipeline.js';
import { totalRequests } from './pipeline.js';
import type { RawResult } from './raw-dynamodb.js';

/** The performance goals, stated once; the report compares each against the run's numbers. */
export const GOALS = {
  loadOverheadRatio: 0.8,
  maxRequestsPerCallback: 3,
  maxRequestsPerWorkflowRecord: 3,
  throughputRatio: 0.6,
  /** Least-squares heap growth per review that still counts as flat (see the memory section). */
  flatHeapBytesPerReview: 64,
} as const;

export interface GoalResult {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

export interface MemoryResult {
  retain: boolean;
  reviews: number;
  warmup: number;
  sampleEvery: number;
  samples: { reviews: number; heapUsed: number; external: number; rss: number }[];
  heapSlopeBytesPerReview: number;
  heapSlopeStdError: number;
  externalSlopeBytesPerReview: number;
  eventsPublished: number;
}

const FUNCTION_NAMES: Record<string, string> = {
  reviewCallback: 'review-callback',
  internalApi: 'internal-api',
  finishReview: 'finish-review',
};

export function evaluateGoals(input: {
  coldStart: ColdStartReport;
  pipeline: PipelineResult;
  raw: RawResult;
  memory: MemoryResult;
}): GoalResult[] {
  const results: GoalResult[] = [];
  const reference = input.coldStart.results.find((result) => result.key === 'naiveReference');
  for (const [key, name] of Object.entries(FUNCTION_NAMES)) {
    const result = input.coldStart.results.find((candidate) => candidate.key === key);
    if (!result || !reference) continue;
    const ratio = result.overheadMs / reference.overheadMs;
    results.push({
      goal: `${name} bundle load overhead vs the naive reference`,
      target: `≤ ${GOALS.loadOverheadRatio} × reference`,
      measured: `${result.overheadMs.toFixed(1)} ms vs ${reference.overheadMs.toFixed(1)} ms = ${ratio.toFixed(2)} ×`,
      met: ratio <= GOALS.loadOverheadRatio,
    });
  }
  const callback = totalRequests(input.pipeline.attribution.callback);
  const callbackInRun = totalRequests(input.pipeline.split.callback);
  results.push({
    goal: 'DynamoDB requests per callback',
    target: `≤ ${GOALS.maxRequestsPerCallback}`,
    measured: `${callback} (${describe(input.pipeline.attribution.callback)})`,
    met: Math.max(callback, callbackInRun) <= GOALS.maxRequestsPerCallback,
  });
  const workflow = totalRequests(input.pipeline.attribution.workflow);
  const workflowInRun = totalRequests(input.pipeline.split.workflow);
  results.push({
    goal: 'DynamoDB requests per workflow record',
    target: `≤ ${GOALS.maxRequestsPerWorkflowRecord}`,
    measured: `${workflow} sequentially (${describe(input.pipeline.attribution.workflow)}); ${workflowInRun.toFixed(2)} per record under load`,
    met: Math.max(workflow, workflowInRun) <= GOALS.maxRequestsPerWorkflowRecord,
  });
  const ratio = input.pipeline.run.completedPerSecond / input.raw.reviewsPerSecond;
  results.push({
    goal: 'End-to-end throughput vs the same DynamoDB requests issued directly',
    target: `≥ ${GOALS.throughputRatio} × raw`,
    measured: `${input.pipeline.run.completedPerSecond.toFixed(1)} reviews/s to the event vs ${input.raw.reviewsPerSecond.toFixed(1)} raw = ${ratio.toFixed(2)} ×`,
    met: ratio >= GOALS.throughputRatio,
  });
  const slope = input.memory.heapSlopeBytesPerReview;
  results.push({
    goal: `Heap over ${input.memory.reviews.toLocaleString('en-US')} reviews (callback + finish-review)`,
    target: `slope < ${GOALS.flatHeapBytesPerReview} B/review`,
    measured: `${slope.toFixed(1)} ± ${input.memory.heapSlopeStdError.toFixed(1)} B/review`,
    met: slope < GOALS.flatHeapBytesPerReview,
  });
  return results;
}

export function describe(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(
      ([operation, count]) => `${Number.isInteger(count) ? count : count.toFixed(2)} ${operation}`,
    )
    .join(' + ');
}
