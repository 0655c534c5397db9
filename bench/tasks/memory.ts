/**
 * Heap over many reviews, in a process started with `--expose-gc`: the callback and finish-review
 * handlers in-process, each review registered, called back, its stream record processed, then
 * forgotten by the store (BENCH_RETAIN=1 keeps everything instead: the positive control that shows
 * the method sees a leak). After a warm-up, the heap is measured after forced full collections
 * every `BENCH_SAMPLE_EVERY` reviews.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
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
import { linearFit } from '../stats.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const reviews = Number(process.env.BENCH_REVIEWS ?? 10_000);
const warmup = Number(process.env.BENCH_WARMUP ?? 3_000);
const sampleEvery = Number(process.env.BENCH_SAMPLE_EVERY ?? 1_000);
const retain = process.env.BENCH_RETAIN === '1';

const store = new MemoryStore();
const logs = new LogCounter();
const publisher = new CountingPublisher();
const callback = callbackHandler(store, logs);
const finishReview = finishReviewHandler(store, publisher, logs);
const callbackContext = lambdaContext('ReviewCallbackFunction');
const workflowContext = lambdaContext('FinishReviewFunction');

async function oneReview(index: number): Promise<void> {
  const { attemptCode, event } = await preparedReview(store, index);
  assertAccepted(await callback(event, callbackContext), attemptCode);
  const response = await finishReview(
    { Records: [revisionRecord(store, attemptCode)] },
    workflowContext,
  );
  if (response.batchItemFailures.length > 0) throw new Error('finish-review reported a failure');
  if (!retain) forget(store, attemptCode);
}

/** Heap after full collections, once pending callbacks had a turn to let go of their objects. */
async function settledHeap() {
  for (let round = 0; round < 3; round++) {
    await nextTurn();
    gc?.();
  }
  const usage = process.memoryUsage();
  return { heapUsed: usage.heapUsed, external: usage.external, rss: usage.rss };
}

for (let index = 0; index < warmup; index++) await oneReview(index);
const samples = [{ reviews: 0, ...(await settledHeap()) }];
for (let index = 0; index < reviews; index++) {
  await oneReview(warmup + index);
  if ((index + 1) % sampleEvery === 0) {
    samples.push({ reviews: index + 1, ...(await settledHeap()) });
    progress(`memory${retain ? ' (retaining control)' : ''}: ${index + 1}/${reviews} reviews`);
  }
}

const fit = linearFit(samples.map((sample) => ({ x: sample.reviews, y: sample.heapUsed })));
const externalFit = linearFit(samples.map((sample) => ({ x: sample.reviews, y: sample.external })));
reportResult({
  retain,
  reviews,
  warmup,
  sampleEvery,
  samples,
  heapSlopeBytesPerReview: fit.slope,
  heapSlopeStdError: fit.slopeStdError,
  externalSlopeBytesPerReview: externalFit.slope,
  eventsPublished: publisher.events,
});
