import { type FSWatcher, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BENCH_SECRET,
  CALLBACK_PATH,
  newAttemptCode,
  registration,
  signed,
  vendorPayload,
} from './fixtures.js';
import type { LocalMetrics, RunningStack } from './local-stack.js';
import { type CpuShares, startCpuMeter } from './process-cpu.js';
import { type Spread, spread } from './stats.js';

/**
 * Watches `events.jsonl` grow and notes when each attempt's `review_received` envelope appears, on
 * the bench's own clock. Reads are triggered by file-system notifications, with a short poll as a
 * fallback, so the time of appearance is seen within a few milliseconds.
 */
export class EventTail {
  readonly seen = new Map<string, number>();
  /** Every envelope line read, for the average size of an event. */
  envelopes = 0;
  envelopeBytes = 0;
  readonly #file: string;
  readonly #waiters = new Map<string, () => void>();
  #offset = 0;
  #partial = '';
  #reading: Promise<void> | undefined;
  #again = false;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(dataDir: string) {
    this.#file = join(dataDir, 'events.jsonl');
    this.#watcher = watch(dataDir, () => this.poke());
    this.#timer = setInterval(() => this.poke(), 20);
  }

  poke(): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = this.#read().finally(() => {
      this.#reading = undefined;
      if (this.#again) {
        this.#again = false;
        this.poke();
      }
    });
  }

  async #read(): Promise<void> {
    const handle = await open(this.#file, 'r').catch(() => undefined);
    if (!handle) return;
    try {
      const buffer = Buffer.alloc(256 * 1024);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        const now = performance.now();
        const lines = (this.#partial + buffer.toString('utf8', 0, bytesRead)).split('\n');
        this.#partial = lines.pop() ?? '';
        for (const line of lines) this.#take(line, now);
      }
    } finally {
      await handle.close();
    }
  }

  #take(line: string, now: number): void {
    if (line.length === 0) return;
    this.envelopes++;
    this.envelopeBytes += Buffer.byteLength(line, 'utf8');
    if (!line.includes('review_received')) return;
    const envelope = JSON.parse(line) as {
      'detail-type': string;
      detail: { attempt_code: string };
    };
    if (envelope['detail-type'] !== 'review_received') return;
    const code = envelope.detail.attempt_code;
    if (this.seen.has(code)) return;
    this.seen.set(code, now);
    this.#waiters.get(code)?.();
    this.#waiters.delete(code);
  }

  waitFor(attemptCode: string, timeoutMs: number): Promise<number> {
    const seen = this.seen.get(attemptCode);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(attemptCode);
        reject(new Error(`no review_received event for ${attemptCode} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(attemptCode, () => {
        clearTimeout(timer);
        resolve(this.seen.get(attemptCode) ?? performance.now());
      });
    });
  }

  async stop(): Promise<void> {
    this.#watcher?.close();
    clearInterval(this.#timer);
    await this.#reading;
  }
}

/** Runs `worker` over `items` with at most `concurrency` in flight. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await worker(items[index] as T, index);
    }
  });
  await Promise.all(lanes);
}

export type OperationCounts = Record<string, number>;

export interface MetricsDelta {
  dynamodb: OperationCounts;
  putEventsCalls: number;
  entries: number;
  streamInvocations: number;
  streamRecords: number;
}

export function metricsDelta(before: LocalMetrics, after: LocalMetrics): MetricsDelta {
  const dynamodb: OperationCounts = {};
  for (const [operation, count] of Object.entries(after.dynamodb.requests)) {
    const delta = count - (before.dynamodb.requests[operation] ?? 0);
    if (delta !== 0) dynamodb[operation] = delta;
  }
  return {
    dynamodb,
    putEventsCalls: after.eventbridge.putEventsCalls - before.eventbridge.putEventsCalls,
    entries: after.eventbridge.entries - before.eventbridge.entries,
    streamInvocations: after.stream.invocations - before.stream.invocations,
    streamRecords: after.stream.records - before.stream.records,
  };
}

export function totalRequests(counts: OperationCounts): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

function scaled(counts: OperationCounts, divisor: number): OperationCounts {
  return Object.fromEntries(
    Object.entries(counts).map(([operation, count]) => [operation, count / divisor]),
  );
}

function subtract(left: OperationCounts, right: OperationCounts): OperationCounts {
  const result: OperationCounts = { ...left };
  for (const [operation, count] of Object.entries(right)) {
    result[operation] = (result[operation] ?? 0) - count;
    if (Math.abs(result[operation] ?? 0) < 1e-9) delete result[operation];
  }
  return result;
}

/** Polls the counters until nothing moved for `quietMs` (the workflow has finished). */
async function settledMetrics(stack: RunningStack, quietMs = 150): Promise<LocalMetrics> {
  let last = await stack.metrics();
  let stableSince = performance.now();
  for (;;) {
    await sleep(50);
    const current = await stack.metrics();
    if (JSON.stringify(current) !== JSON.stringify(last)) {
      last = current;
      stableSince = performance.now();
    } else if (performance.now() - stableSince >= quietMs) {
      return current;
    }
  }
}

export interface PreparedCallback {
  attemptCode: string;
  index: number;
}

export async function registerAll(
  stack: RunningStack,
  count: number,
  concurrency: number,
  firstIndex: number,
): Promise<PreparedCallback[]> {
  const prepared = Array.from({ length: count }, (_, offset) => ({
    attemptCode: newAttemptCode(),
    index: firstIndex + offset,
  }));
  await pool(prepared, concurrency, async ({ attemptCode, index }) => {
    const answer = await stack.call(
      'PUT',
      `/internal/attempts/${attemptCode}`,
      JSON.stringify(registration(index)),
      { 'Content-Type': 'application/json' },
    );
    if (answer.status !== 200) {
      throw new Error(`registering ${attemptCode} answered ${answer.status}: ${answer.text}`);
    }
  });
  return prepared;
}

export async function sendCallback(stack: RunningStack, prepared: PreparedCallback) {
  // Signed just before sending, as a vendor does; the signing is the vendor's cost, not timed.
  const { body, headers } = signed(
    vendorPayload(prepared.attemptCode, prepared.index),
    BENCH_SECRET,
  );
  const sent = performance.now();
  const answer = await stack.call('POST', CALLBACK_PATH, body, headers);
  return { sent, answered: performance.now(), status: answer.status, text: answer.text };
}

export interface Attribution {
  /** Reviews sent one at a time, each given time to finish before the next. */
  samples: number;
  /** Samples where the workflow had not started when the callback answered. */
  cleanSamples: number;
  /** DynamoDB requests per callback, from the clean samples (median of each operation). */
  callback: OperationCounts;
  /** DynamoDB requests per workflow record, from the clean samples. */
  workflow: OperationCounts;
  /** One review at a time, uncontended: the callback's round trip, ms. */
  callbackMs: Spread;
  /** From the stream runner invoking the workflow to the event being on the bus, ms. */
  workflowMs: Spread;
}

export interface PipelineResult {
  reviews: number;
  concurrency: number;
  readyMs: number;
  registrationMs: number;
  attribution: Attribution;
  run: {
    accepted: number;
    rejected: Record<string, number>;
    elapsedMs: number;
    /** Callbacks answered 200 per second, first send to last answer. */
    acceptedPerSecond: number;
    /** Reviews whose event appeared per second, first send to last event. */
    completedPerSecond: number;
    callbackMs: Spread;
    reviewToEventMs: Spread;
    eventsMissing: number;
    /** Reviews completed while callbacks were still arriving. */
    eventsAtLastAnswer: number;
    /** Workflow throughput once the callbacks had stopped (last answer → last event). */
    drainPerSecond: number;
    /** Where the machine's CPU went from the first callback to the last event. */
    cpu: CpuShares;
  };
  /** Per review over the timed run (callback and workflow together). */
  perReview: {
    dynamodb: OperationCounts;
    putEventsCalls: number;
    eventEntries: number;
    streamRecords: number;
    streamInvocations: number;
  };
  /** The concurrent run's requests split with the attribution: callback, and the rest per record. */
  split: { callback: OperationCounts; workflow: OperationCounts };
  /** Attempt codes whose items the raw replay and the cost model read. */
  sampleAttemptCodes: string[];
  /** Average size of an event envelope on the bus, bytes. */
  envelopeBytes: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/**
 * Sends reviews one at a time to see which requests are the callback's: the counters are read
 * before the callback, at its answer and after the workflow has finished. A sample counts only if
 * the stream runner had not invoked the workflow by the answer, so nothing of the workflow's can
 * be in the callback's share.
 */
async function attribute(
  stack: RunningStack,
  tail: EventTail,
  prepared: PreparedCallback[],
): Promise<Attribution> {
  const callbackSamples: OperationCounts[] = [];
  const workflowSamples: OperationCounts[] = [];
  const callbackMs: number[] = [];
  const workflowMs: number[] = [];
  for (const review of prepared) {
    const before = await settledMetrics(stack, 100);
    const answer = await sendCallback(stack, review);
    if (answer.status !== 200) throw new Error(`calibration callback answered ${answer.status}`);
    const atAnswer = await stack.metrics();
    const event = tail.waitFor(review.attemptCode, 30_000);
    let seen: number | undefined;
    void event.then((time) => {
      seen = time;
    });
    // The moment the stream runner invokes the workflow, to within the poll.
    let invoked: number | undefined;
    while (seen === undefined && invoked === undefined) {
      const current = await stack.metrics();
      if (current.stream.invocations > atAnswer.stream.invocations) invoked = performance.now();
      else await sleep(2);
    }
    const eventAt = await event;
    const after = await settledMetrics(stack, 100);
    const callback = metricsDelta(before, atAnswer);
    if (callback.streamInvocations === 0) {
      callbackSamples.push(callback.dynamodb);
      workflowSamples.push(metricsDelta(atAnswer, after).dynamodb);
      callbackMs.push(answer.answered - answer.sent);
      if (invoked !== undefined) workflowMs.push(eventAt - invoked);
    }
  }
  const medians = (samples: OperationCounts[]) => {
    const operations = new Set(samples.flatMap((sample) => Object.keys(sample)));
    return Object.fromEntries(
      [...operations].map((operation) => [
        operation,
        median(samples.map((sample) => sample[operation] ?? 0)),
      ]),
    );
  };
  if (callbackSamples.length === 0) throw new Error('no clean calibration sample');
  return {
    samples: prepared.length,
    cleanSamples: callbackSamples.length,
    callback: medians(callbackSamples),
    workflow: medians(workflowSamples),
    callbackMs: spread(callbackMs),
    workflowMs: spread(workflowMs),
  };
}

export async function runPipeline(
  stack: RunningStack,
  options: {
    reviews: number;
    warmup: number;
    concurrency: number;
    calibration: number;
    progress: (message: string) => void;
  },
): Promise<PipelineResult> {
  const tail = new EventTail(stack.dataDir);
  try {
    const registrationStarted = performance.now();
    const warmup = await registerAll(stack, options.warmup, options.concurrency, 0);
    const calibration = await registerAll(stack, options.calibration, 4, options.warmup);
    const prepared = await registerAll(
      stack,
      options.reviews,
      options.concurrency,
      options.warmup + options.calibration,
    );
    const registrationMs = performance.now() - registrationStarted;
    const registered = options.warmup + options.calibration + options.reviews;
    options.progress(
      `pipeline: registered ${registered} attempts in ${(registrationMs / 1000).toFixed(1)} s`,
    );

    // DynamoDB Local's JVM and the stack's functions reach their speed only after a few hundred
    // reviews; those run first, untimed, and the stream is allowed to drain.
    await pool(warmup, options.concurrency, async (review) => {
      const answer = await sendCallback(stack, review);
      if (answer.status !== 200) throw new Error(`warm-up callback answered ${answer.status}`);
    });
    for (const review of warmup) await tail.waitFor(review.attemptCode, 120_000);
    options.progress(`pipeline: ${warmup.length} warm-up reviews done`);

    const attribution = await attribute(stack, tail, calibration);
    options.progress(
      `pipeline: attribution from ${attribution.cleanSamples}/${attribution.samples} sequential reviews`,
    );

    const before = await settledMetrics(stack);
    const stopCpuMeter = startCpuMeter(stack.processes());
    const timings: { sent: number; answered: number; status: number }[] = [];
    const rejected: Record<string, number> = {};
    const started = performance.now();
    let lastReport = started;
    await pool(prepared, options.concurrency, async (review, index) => {
      const answer = await sendCallback(stack, review);
      timings[index] = answer;
      if (answer.status !== 200) {
        const key = `${answer.status} ${answer.text.slice(0, 80)}`;
        rejected[key] = (rejected[key] ?? 0) + 1;
      }
      if (answer.answered - lastReport > 5_000) {
        lastReport = answer.answered;
        const done = timings.filter(Boolean).length;
        options.progress(
          `pipeline: ${done}/${prepared.length} callbacks answered, ${tail.seen.size - warmup.length - calibration.length} events seen`,
        );
      }
    });
    const lastAnswer = Math.max(...timings.map((timing) => timing.answered));
    const eventsAtLastAnswer = prepared.filter((review) => {
      const seen = tail.seen.get(review.attemptCode);
      return seen !== undefined && seen <= lastAnswer;
    }).length;
    options.progress(
      `pipeline: all callbacks answered, ${eventsAtLastAnswer} of their events seen; waiting for the rest`,
    );

    const deadline = performance.now() + 120_000;
    let missing = prepared.filter((review) => !tail.seen.has(review.attemptCode)).length;
    while (missing > 0 && performance.now() < deadline) {
      await sleep(50);
      missing = prepared.filter((review) => !tail.seen.has(review.attemptCode)).length;
    }
    const cpu = stopCpuMeter();
    const after = await settledMetrics(stack);

    const accepted = timings.filter((timing) => timing.status === 200).length;
    const eventTimes = prepared
      .map((review) => tail.seen.get(review.attemptCode))
      .filter((time): time is number => time !== undefined);
    const lastEvent = Math.max(...eventTimes);
    const reviewToEvent = prepared.flatMap((review, index) => {
      const seen = tail.seen.get(review.attemptCode);
      const sent = timings[index]?.sent;
      return seen === undefined || sent === undefined ? [] : [seen - sent];
    });

    const delta = metricsDelta(before, after);
    const perReviewDynamo = scaled(delta.dynamodb, options.reviews);
    const callbackShare = attribution.callback;
    return {
      reviews: options.reviews,
      concurrency: options.concurrency,
      readyMs: stack.readyMs,
      registrationMs,
      attribution,
      run: {
        accepted,
        rejected,
        elapsedMs: lastAnswer - started,
        acceptedPerSecond: accepted / ((lastAnswer - started) / 1000),
        completedPerSecond: eventTimes.length / ((lastEvent - started) / 1000),
        callbackMs: spread(timings.map((timing) => timing.answered - timing.sent)),
        reviewToEventMs: spread(reviewToEvent),
        eventsMissing: missing,
        eventsAtLastAnswer,
        drainPerSecond:
          (eventTimes.length - eventsAtLastAnswer) / ((lastEvent - lastAnswer) / 1000),
        cpu,
      },
      perReview: {
        dynamodb: perReviewDynamo,
        putEventsCalls: delta.putEventsCalls / options.reviews,
        eventEntries: delta.entries / options.reviews,
        streamRecords: delta.streamRecords / options.reviews,
        streamInvocations: delta.streamInvocations / options.reviews,
      },
      split: {
        callback: callbackShare,
        workflow: scaled(
          subtract(delta.dynamodb, scaled(callbackShare, 1 / options.reviews)),
          Math.max(delta.streamRecords, 1),
        ),
      },
      sampleAttemptCodes: prepared.slice(0, 20).map((review) => review.attemptCode),
      envelopeBytes: tail.envelopeBytes / Math.max(tail.envelopes, 1),
    };
  } finally {
    await tail.stop();
  }
}

export interface BurstResult {
  reviews: number;
  concurrency: number;
  accepted: number;
  rejected: Record<string, number>;
  /** First callback sent to last answer, ms. */
  sendingMs: number;
  /** Callback sent to its `review_received` event on the bus, ms. */
  reviewToEventMs: Spread;
  /** Callback answered to its event: the workflow's share of the above, ms. */
  answerToEventMs: Spread;
  eventsMissing: number;
  putEventsCalls: number;
  eventEntries: number;
  streamInvocations: number;
  streamRecords: number;
  /** DynamoDB requests per review, callback and workflow together. */
  dynamodbPerReview: OperationCounts;
}

/**
 * An exam-end burst: `prepared` callbacks sent with `concurrency` in flight, each timed from its
 * sending to its `review_received` event on the bus, with the requests the burst caused.
 */
export async function runBurst(
  stack: RunningStack,
  tail: EventTail,
  prepared: PreparedCallback[],
  concurrency: number,
): Promise<BurstResult> {
  const before = await settledMetrics(stack);
  const sent = new Map<string, number>();
  const answered = new Map<string, number>();
  const rejected: Record<string, number> = {};
  let accepted = 0;
  const started = performance.now();
  let lastAnswer = started;
  await pool(prepared, concurrency, async (review) => {
    const answer = await sendCallback(stack, review);
    sent.set(review.attemptCode, answer.sent);
    answered.set(review.attemptCode, answer.answered);
    lastAnswer = Math.max(lastAnswer, answer.answered);
    if (answer.status === 200) accepted++;
    else {
      const key = `${answer.status} ${answer.text.slice(0, 80)}`;
      rejected[key] = (rejected[key] ?? 0) + 1;
    }
  });
  const deadline = performance.now() + 120_000;
  const missing = () => prepared.filter((review) => !tail.seen.has(review.attemptCode)).length;
  while (missing() > 0 && performance.now() < deadline) await sleep(20);
  const after = await settledMetrics(stack);
  const delta = metricsDelta(before, after);
  const reviewToEvent = prepared.flatMap((review) => {
    const seen = tail.seen.get(review.attemptCode);
    const at = sent.get(review.attemptCode);
    return seen === undefined || at === undefined ? [] : [seen - at];
  });
  const answerToEvent = prepared.flatMap((review) => {
    const seen = tail.seen.get(review.attemptCode);
    const at = answered.get(review.attemptCode);
    return seen === undefined || at === undefined ? [] : [seen - at];
  });
  return {
    reviews: prepared.length,
    concurrency,
    accepted,
    rejected,
    sendingMs: lastAnswer - started,
    reviewToEventMs: spread(reviewToEvent),
    answerToEventMs: spread(answerToEvent),
    eventsMissing: missing(),
    putEventsCalls: delta.putEventsCalls,
    eventEntries: delta.entries,
    streamInvocations: delta.streamInvocations,
    streamRecords: delta.streamRecords,
    dynamodbPerReview: scaled(delta.dynamodb, prepared.length),
  };
}
