/**
 * The callback's CPU cost per review, in a fresh process: the real handler with the in-memory
 * store, signed base64 events as API Gateway delivers them, logs formatted at the deployed level
 * and counted. Then the finish-review handler on each review's stream record (one record per
 * invocation). Preparation (registration, signing, record building) is not timed. Last, full
 * stream batches (the deployed batch size) through finish-review with the real EventBridge
 * publisher in front of a PutEvents stand-in that accepts everything and counts the calls.
 */
import { performance } from 'node:perf_hooks';
import type { PutEventsCommand, PutEventsCommandOutput } from '@aws-sdk/client-eventbridge';
import { EventBridgePublisher } from '../../lib/events/eventbridge-publisher.js';
import { silentLogger } from '../../lib/log.js';
import { createMetrics } from '../../lib/metrics.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { lambdaContext } from '../../local/api/lambda-context.js';
import {
  assertAccepted,
  CountingPublisher,
  callbackHandler,
  finishReviewHandler,
  forget,
  LogCounter,
  preparedReview,
  progress,
  reportResult,
  revisionRecord,
} from '../in-process.js';
import { spread } from '../stats.js';

const warmup = Number(process.env.BENCH_WARMUP ?? 2_000);
const reviews = Number(process.env.BENCH_REVIEWS ?? 20_000);
const batchSize = 1_000;

const store = new MemoryStore();
const callbackLogs = new LogCounter();
const workflowLogs = new LogCounter();
const publisher = new CountingPublisher();
const callback = callbackHandler(store, callbackLogs);
const finishReview = finishReviewHandler(store, publisher, workflowLogs);
const callbackContext = lambdaContext('ReviewCallbackFunction');
const workflowContext = lambdaContext('FinishReviewFunction');

const callbackMs: number[] = [];
const workflowMs: number[] = [];
const totals = { callbackCpuMicros: 0, workflowCpuMicros: 0, callbackWallMs: 0 };

/** One batch: prepared untimed, then every callback, then every stream record, timed one by one. */
async function batch(first: number, size: number, measured: boolean): Promise<void> {
  const reviews = [];
  for (let index = 0; index < size; index++)
    reviews.push(await preparedReview(store, first + index));

  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  for (const { attemptCode, event } of reviews) {
    const started = performance.now();
    const result = await callback(event, callbackContext);
    const elapsed = performance.now() - started;
    assertAccepted(result, attemptCode);
    if (measured) callbackMs.push(elapsed);
  }
  const wall = performance.now() - wallBefore;
  const cpu = process.cpuUsage(cpuBefore);

  const records = reviews.map(({ attemptCode }) => revisionRecord(store, attemptCode));
  const workflowCpuBefore = process.cpuUsage();
  for (const record of records) {
    const started = performance.now();
    const response = await finishReview({ Records: [record] }, workflowContext);
    const elapsed = performance.now() - started;
    if (response.batchItemFailures.length > 0) throw new Error('finish-review reported a failure');
    if (measured) workflowMs.push(elapsed);
  }
  const workflowCpu = process.cpuUsage(workflowCpuBefore);
  if (measured) {
    totals.callbackCpuMicros += cpu.user + cpu.system;
    totals.workflowCpuMicros += workflowCpu.user + workflowCpu.system;
    totals.callbackWallMs += wall;
  }
  for (const { attemptCode } of reviews) forget(store, attemptCode);
}

for (let done = 0; done < warmup; done += batchSize) {
  await batch(done, Math.min(batchSize, warmup - done), false);
  progress(`callback CPU: warm-up ${Math.min(done + batchSize, warmup)}/${warmup} reviews`);
}
const before = {
  callbackLogBytes: callbackLogs.bytes,
  callbackLogLines: callbackLogs.lines,
  workflowLogBytes: workflowLogs.bytes,
  workflowLogLines: workflowLogs.lines,
  events: publisher.events,
  calls: publisher.calls,
};
for (let done = 0; done < reviews; done += batchSize) {
  await batch(warmup + done, Math.min(batchSize, reviews - done), true);
  progress(`callback CPU: ${Math.min(done + batchSize, reviews)}/${reviews} reviews`);
}

/** Counts PutEvents calls and entries, and accepts every entry. */
const putEvents = {
  calls: 0,
  entries: 0,
  async send(command: PutEventsCommand): Promise<PutEventsCommandOutput> {
    const count = command.input.Entries?.length ?? 0;
    putEvents.calls++;
    putEvents.entries += count;
    return {
      $metadata: {},
      FailedEntryCount: 0,
      Entries: Array.from({ length: count }, (_, index) => ({ EventId: `event-${index}` })),
    };
  },
};
const fullBatchSize = Number(process.env.BENCH_STREAM_BATCH_SIZE ?? 50);
const fullBatches = Number(process.env.BENCH_FULL_BATCHES ?? 20);
const batchWorkflow = finishReviewHandler(
  store,
  new EventBridgePublisher({
    client: putEvents,
    eventBusName: 'bench-bus',
    source: 'edx.proctoring',
    log: silentLogger,
    metrics: createMetrics({ sink: () => {} }),
  }),
  new LogCounter(),
);
/** The fewest calls the limits allow: each batch's events in calls of 10, the last one partial. */
let minimumCalls = 0;
for (let index = 0; index < fullBatches; index++) {
  const first = warmup + reviews + index * fullBatchSize;
  const prepared = [];
  for (let offset = 0; offset < fullBatchSize; offset++) {
    const review = await preparedReview(store, first + offset);
    assertAccepted(await callback(review.event, callbackContext), review.attemptCode);
    prepared.push(review);
  }
  const entriesBefore = putEvents.entries;
  const response = await batchWorkflow(
    { Records: prepared.map(({ attemptCode }) => revisionRecord(store, attemptCode)) },
    workflowContext,
  );
  if (response.batchItemFailures.length > 0) throw new Error('finish-review reported a failure');
  minimumCalls += Math.ceil((putEvents.entries - entriesBefore) / 10);
  for (const { attemptCode } of prepared) forget(store, attemptCode);
}
progress(`callback CPU: ${fullBatches} full batches of ${fullBatchSize} records`);

reportResult({
  warmup,
  reviews,
  callback: {
    reviewsPerSecond: reviews / (totals.callbackWallMs / 1000),
    perInvocationMs: spread(callbackMs),
    cpuMsPerReview: totals.callbackCpuMicros / 1000 / reviews,
    logBytesPerReview: (callbackLogs.bytes - before.callbackLogBytes) / reviews,
    logLinesPerReview: (callbackLogs.lines - before.callbackLogLines) / reviews,
  },
  finishReview: {
    perInvocationMs: spread(workflowMs),
    cpuMsPerRecord: totals.workflowCpuMicros / 1000 / reviews,
    logBytesPerRecord: (workflowLogs.bytes - before.workflowLogBytes) / reviews,
    logLinesPerRecord: (workflowLogs.lines - before.workflowLogLines) / reviews,
    eventsPerRecord: (publisher.events - before.events) / reviews,
    publishCallsPerRecord: (publisher.calls - before.calls) / reviews,
  },
  fullBatches: {
    batches: fullBatches,
    batchSize: fullBatchSize,
    putEventsCalls: putEvents.calls,
    eventEntries: putEvents.entries,
    minimumCalls,
  },
});
