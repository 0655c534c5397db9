/**
 * `npm run bench`: bundle sizes and cold-start proxy, the callback's CPU cost, heap over many
 * reviews, the local pipeline end to end against the raw DynamoDB cost of the same requests,
 * requests per review and the AWS cost they imply. Writes `bench/results/report-<time>.{md,json}`
 * (and `latest.{md,json}`), printing progress on stderr. Sizes of each section can be lowered
 * with the BENCH_* variables below for a quick look; the documented figures use the defaults.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { FUNCTION_ENTRIES } from '../cdk/function-entries.js';
import { buildAllBundles, REPOSITORY_ROOT } from './bundles.js';
import { FUNCTION_ENVIRONMENTS, measureColdStarts, valgrindAvailable } from './cold-start.js';
import {
  accessLogBytes,
  costPerMillion,
  defaultSampledFraction,
  deployedShape,
  itemSizes,
  PRICES,
  platformLogBytes,
  requestUnits,
} from './cost.js';
import { evaluateGoals, GOALS, type MemoryResult } from './goals.js';
import { startStack } from './local-stack.js';
import { node24 } from './node24.js';
import { EventTail, registerAll, runBurst, runPipeline } from './pipeline.js';
import {
  engineClient,
  readStoredReviews,
  replayPlan,
  replayRaw,
  serviceTables,
} from './raw-dynamodb.js';
import {
  type BenchReport,
  type BenchSettings,
  type CpuResult,
  renderMarkdown,
  renderSummary,
} from './report.js';
import { runTask } from './tasks.js';

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const SETTINGS: BenchSettings = {
  coldStartRuns: setting('BENCH_COLD_RUNS', 10),
  coldStartWarmupRounds: 2,
  // Instruction counts (valgrind) do not move with the machine's load, but take minutes.
  coldStartInstructions: process.env.BENCH_INSTRUCTIONS === '1',
  cpuWarmup: setting('BENCH_CPU_WARMUP', 2_000),
  cpuReviews: setting('BENCH_CPU_REVIEWS', 20_000),
  memoryReviews: setting('BENCH_MEMORY_REVIEWS', 10_000),
  memoryWarmup: setting('BENCH_MEMORY_WARMUP', 3_000),
  // Ten samples whatever the size, so a quick run still fits a line (1,000 by default).
  memorySampleEvery: Math.max(1, Math.floor(setting('BENCH_MEMORY_REVIEWS', 10_000) / 10)),
  pipelineReviews: setting('BENCH_E2E_REVIEWS', 1_000),
  // Below the callback's default reserved concurrency (20), as a vendor flood would be capped.
  pipelineConcurrency: setting('BENCH_E2E_CONCURRENCY', 16),
  pipelineWarmup: setting('BENCH_E2E_WARMUP', 200),
  // An exam's end: many reviews at once, each timed to its event on the bus.
  burstReviews: setting('BENCH_BURST_REVIEWS', 300),
  burstConcurrency: setting('BENCH_BURST_CONCURRENCY', 30),
  calibrationReviews: setting('BENCH_CALIBRATION', 30),
  rawWarmup: 100,
  /** The volume the volume-dependent cost lines (Secrets Manager, X-Ray) assume. */
  reviewsPerMonth: 1_000_000,
};

const RESULTS = join(REPOSITORY_ROOT, 'bench', 'results');
const started = Date.now();

function progress(message: string): void {
  const elapsed = Math.round((Date.now() - started) / 1000);
  const stamp = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
  process.stderr.write(`[bench ${stamp}] ${message}\n`);
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: REPOSITORY_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const cleanups: (() => Promise<void>)[] = [];
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: stopping what the bench started`);
    void Promise.allSettled(cleanups.map((cleanup) => cleanup())).then(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.CDK_VALIDATION = 'false';
  await mkdir(RESULTS, { recursive: true });
  const loadBefore = loadavg();

  progress('bundles: building every function and the reference with BUNDLING (esbuild)');
  const bundles = await buildAllBundles(join(RESULTS, 'bundles'));
  for (const bundle of bundles) {
    progress(`bundles: ${bundle.key} ${bundle.bytes.toLocaleString('en-US')} B`);
  }

  const deployedNode = await node24(RESULTS);
  if (!deployedNode.path) progress(`cold start: Node 24 unavailable (${deployedNode.reason})`);
  const instructions = SETTINGS.coldStartInstructions && valgrindAvailable();
  progress(
    `cold start: ${SETTINGS.coldStartRuns} interleaved runs per bundle after ${SETTINGS.coldStartWarmupRounds} warm-up rounds${instructions ? ', and instruction counts' : ''}`,
  );
  // The functions the cold-start goals are about (their floors, the reference and the probe too).
  const measured = bundles.filter(
    (bundle) => !(bundle.key in FUNCTION_ENTRIES) || bundle.key in FUNCTION_ENVIRONMENTS,
  );
  const coldStart = await measureColdStarts(measured, join(RESULTS, 'bundles'), {
    runs: SETTINGS.coldStartRuns,
    warmupRounds: SETTINGS.coldStartWarmupRounds,
    progress,
    nodes: [
      { label: 'local', path: process.execPath },
      ...(deployedNode.path ? [{ label: 'node24', path: deployedNode.path }] : []),
    ],
    instructions,
  });

  progress('callback CPU: in-process handlers with the in-memory store');
  const callbackCpu = await runTask<CpuResult>('callback-cpu', {
    environment: {
      BENCH_WARMUP: String(SETTINGS.cpuWarmup),
      BENCH_REVIEWS: String(SETTINGS.cpuReviews),
      BENCH_STREAM_BATCH_SIZE: String(deployedShape().streamBatchSize),
    },
    progress,
  });

  progress('memory: heap after forced GC over many reviews (node --expose-gc)');
  const memoryEnvironment = {
    BENCH_REVIEWS: String(SETTINGS.memoryReviews),
    BENCH_WARMUP: String(SETTINGS.memoryWarmup),
    BENCH_SAMPLE_EVERY: String(SETTINGS.memorySampleEvery),
  };
  const memory = await runTask<MemoryResult>('memory', {
    nodeFlags: ['--expose-gc'],
    environment: memoryEnvironment,
    progress,
  });
  const memoryControl = await runTask<MemoryResult>('memory', {
    nodeFlags: ['--expose-gc'],
    environment: { ...memoryEnvironment, BENCH_RETAIN: '1' },
    progress,
  });

  progress('pipeline: starting npm start (local/start.ts) in a temporary data folder');
  const stack = await startStack({ concurrency: SETTINGS.pipelineConcurrency });
  cleanups.push(() => stack.stop());
  let pipeline: Awaited<ReturnType<typeof runPipeline>>;
  let burst: Awaited<ReturnType<typeof runBurst>>;
  let raw: Awaited<ReturnType<typeof replayRaw>>;
  let stored: Awaited<ReturnType<typeof readStoredReviews>>;
  try {
    progress(`pipeline: ready in ${(stack.readyMs / 1000).toFixed(1)} s at ${stack.url}`);
    pipeline = await runPipeline(stack, {
      reviews: SETTINGS.pipelineReviews,
      warmup: SETTINGS.pipelineWarmup,
      concurrency: SETTINGS.pipelineConcurrency,
      calibration: SETTINGS.calibrationReviews,
      progress,
    });
    progress(
      `pipeline: ${pipeline.run.acceptedPerSecond.toFixed(1)} accepted/s, ${pipeline.run.completedPerSecond.toFixed(1)} completed/s`,
    );
    const burstAttempts = await registerAll(stack, SETTINGS.burstReviews, 10, 1_000_000);
    progress(
      `burst: ${SETTINGS.burstReviews} callbacks at concurrency ${SETTINGS.burstConcurrency}`,
    );
    const tail = new EventTail(stack.dataDir);
    try {
      burst = await runBurst(stack, tail, burstAttempts, SETTINGS.burstConcurrency);
    } finally {
      await tail.stop();
    }
    progress(
      `burst: review-to-event p50 ${burst.reviewToEventMs.median.toFixed(0)} ms, p99 ${burst.reviewToEventMs.p99.toFixed(0)} ms`,
    );
    const client = engineClient(stack.dynamoDbEndpoint);
    try {
      const tables = await serviceTables(client);
      stored = await readStoredReviews(client, tables, pipeline.sampleAttemptCodes);
      const sample = stored[0];
      if (!sample) throw new Error('no stored review to replay');
      raw = await replayRaw(client, tables, sample, replayPlan(pipeline.split), {
        reviews: SETTINGS.pipelineReviews,
        warmup: SETTINGS.rawWarmup,
        concurrency: SETTINGS.pipelineConcurrency,
        processes: stack.processes(),
        progress,
      });
      progress(`raw DynamoDB: ${raw.reviewsPerSecond.toFixed(1)} reviews/s`);
    } finally {
      client.destroy();
    }
  } finally {
    progress('pipeline: stopping the local stack');
    await stack.stop();
  }

  const shape = deployedShape();
  const sizes = itemSizes(stored);
  const units = requestUnits(raw.plan, sizes);
  // At the assumed volume the stream rarely holds more than one record per poll.
  const workflowInvocationsPerReview = 1;
  const reviewsPerSecond = SETTINGS.reviewsPerMonth / (30 * 24 * 3600);
  const logBytesPerReview =
    callbackCpu.callback.logBytesPerReview +
    callbackCpu.finishReview.logBytesPerRecord +
    platformLogBytes() * (1 + workflowInvocationsPerReview) +
    accessLogBytes();
  const costInputs = {
    reviewsPerMonth: SETTINGS.reviewsPerMonth,
    shape,
    callbackMs: pipeline.attribution.callbackMs.median,
    workflowMs: pipeline.attribution.workflowMs.median,
    workflowInvocationsPerReview,
    units,
    eventEntriesPerReview: pipeline.perReview.eventEntries,
    envelopeBytes: pipeline.envelopeBytes,
    logBytesPerReview,
    storedBytesPerReview: sizes.storedPerReview,
    secretsPerEnvironment: 2,
    // lib/secrets.ts re-reads a secret after five minutes.
    secretTtlMinutes: 5,
    warmEnvironments: 1,
    tracedFraction: defaultSampledFraction(reviewsPerSecond),
    tracesPerReview: 2,
  };
  const cost = costPerMillion(costInputs);

  const goals = evaluateGoals({ coldStart, pipeline, burst, raw, memory, callbackCpu });
  const finished = Date.now();
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationSeconds: (finished - started) / 1000,
    machine: {
      cpu: cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGb: totalmem() / 1024 ** 3,
      os: `${platform()} ${release()} ${arch()}`,
      node: process.version,
      loadBefore,
      loadAfter: loadavg(),
    },
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommittedFiles: (git(['status', '--porcelain']) ?? '').split('\n').filter(Boolean).length,
    settings: SETTINGS,
    goalsStated: GOALS,
    bundles: bundles.map((bundle) => ({ ...bundle, file: relative(REPOSITORY_ROOT, bundle.file) })),
    coldStart,
    callbackCpu,
    memory: { flat: memory, control: memoryControl },
    pipeline,
    burst,
    raw,
    cost: {
      inputs: costInputs,
      sizes,
      units,
      lines: cost.lines,
      total: cost.total,
      prices: PRICES,
      logBytes: {
        callbackFunction: callbackCpu.callback.logBytesPerReview,
        workflowFunction: callbackCpu.finishReview.logBytesPerRecord,
        platformPerInvocation: platformLogBytes(),
        accessLog: accessLogBytes(),
      },
    },
    goals,
  };

  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const markdown = renderMarkdown(report);
  const json = `${JSON.stringify(report, null, 2)}\n`;
  for (const name of [`report-${stamp}`, 'latest']) {
    await writeFile(join(RESULTS, `${name}.md`), markdown);
    await writeFile(join(RESULTS, `${name}.json`), json);
  }
  progress(`done in ${report.durationSeconds.toFixed(0)} s`);
  // The summary is the result, so it goes to stdout (progress stays on stderr).
  process.stdout.write(
    `${renderSummary(report)}\n\nFull report: ${relative(process.cwd(), join(RESULTS, `report-${stamp}.md`))}\n`,
  );
  progress(`report: ${relative(process.cwd(), join(RESULTS, `report-${stamp}.md`))}`);
}

main().catch(async (error: unknown) => {
  process.stderr.write(
    `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  await Promise.allSettled(cleanups.map((cleanup) => cleanup()));
  process.exit(1);
});
