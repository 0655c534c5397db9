import type { BundleInfo } from './bundles.js';
import { FLOORS, REFERENCE_KEY } from './bundles.js';
import { type ColdStartReport, loadRatio } from './cold-start.js';
import {
  type CostInputs,
  type CostLine,
  defaultSampledFraction,
  type ItemSizes,
  type Price,
  type PriceId,
  type RequestUnits,
} from './cost.js';
import { describe, type GOALS, type GoalResult, type MemoryResult } from './goals.js';
import { type BurstResult, type PipelineResult, totalRequests } from './pipeline.js';
import type { CpuShares } from './process-cpu.js';
import type { RawResult } from './raw-dynamodb.js';
import type { Spread } from './stats.js';

export interface CpuResult {
  warmup: number;
  reviews: number;
  callback: {
    reviewsPerSecond: number;
    perInvocationMs: Spread;
    cpuMsPerReview: number;
    logBytesPerReview: number;
    logLinesPerReview: number;
  };
  finishReview: {
    perInvocationMs: Spread;
    cpuMsPerRecord: number;
    logBytesPerRecord: number;
    logLinesPerRecord: number;
    eventsPerRecord: number;
    publishCallsPerRecord: number;
  };
  /** Full stream batches through finish-review and the real publisher: PutEvents calls counted. */
  fullBatches: {
    batches: number;
    batchSize: number;
    putEventsCalls: number;
    eventEntries: number;
    /** The fewest calls the limits allow (each batch's events in calls of 10). */
    minimumCalls: number;
  };
}

export interface BenchSettings {
  coldStartRuns: number;
  coldStartWarmupRounds: number;
  coldStartInstructions: boolean;
  cpuWarmup: number;
  cpuReviews: number;
  memoryReviews: number;
  memoryWarmup: number;
  memorySampleEvery: number;
  pipelineReviews: number;
  pipelineConcurrency: number;
  pipelineWarmup: number;
  burstReviews: number;
  burstConcurrency: number;
  calibrationReviews: number;
  rawWarmup: number;
  reviewsPerMonth: number;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  machine: {
    cpu: string;
    cores: number;
    memoryGb: number;
    os: string;
    node: string;
    loadBefore: number[];
    loadAfter: number[];
  };
  commit: string | null;
  uncommittedFiles: number;
  settings: BenchSettings;
  goalsStated: typeof GOALS;
  bundles: BundleInfo[];
  coldStart: ColdStartReport;
  callbackCpu: CpuResult;
  memory: { flat: MemoryResult; control: MemoryResult };
  pipeline: PipelineResult;
  burst: BurstResult;
  raw: RawResult;
  cost: {
    inputs: CostInputs;
    sizes: ItemSizes;
    units: RequestUnits;
    lines: CostLine[];
    total: number;
    prices: Record<PriceId, Price>;
    logBytes: Record<string, number>;
  };
  goals: GoalResult[];
}

const ms = (value: number, digits = 1) => `${value.toFixed(digits)} ms`;
const int = (value: number) => Math.round(value).toLocaleString('en-US');
const usd = (value: number) => `$${value < 0.1 ? value.toFixed(3) : value.toFixed(2)}`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

const LABELS: Record<string, string> = {
  reviewCallback: 'review-callback',
  internalApi: 'internal-api',
  finishReview: 'finish-review',
  naiveReference: 'naive reference',
  floorReviewCallback: 'floor: review-callback',
  floorInternalApi: 'floor: internal-api',
  floorFinishReview: 'floor: finish-review',
  serviceSchemasOnly: 'probe: zod + the service schemas',
};

/** One row of the CPU table: each share per review, and how many of the cores were busy. */
function cpuRow(label: string, cpu: CpuShares, reviews: number): string[] {
  const per = (value: number) => `${(value / reviews).toFixed(1)} ms`;
  const busy = (cpu.byGroup.stack ?? 0) + (cpu.byGroup.engine ?? 0) + cpu.benchMs + cpu.otherMs;
  return [
    label,
    per(cpu.byGroup.stack ?? 0),
    per(cpu.byGroup.engine ?? 0),
    per(cpu.benchMs),
    per(cpu.otherMs),
    per(cpu.idleMs),
    (busy / cpu.wallMs).toFixed(2),
  ];
}

/** The run's machine and the goals table: what `npm run bench` prints when it is done. */
export function renderSummary(report: BenchReport): string {
  const out: string[] = [];
  out.push(
    [
      `Run ${report.startedAt} → ${report.finishedAt} (${report.durationSeconds.toFixed(0)} s) on ${report.machine.cores} × ${report.machine.cpu}, ${report.machine.memoryGb.toFixed(0)} GB, ${report.machine.os}, Node ${report.machine.node}.`,
      `Commit ${report.commit ?? 'unknown'}${report.uncommittedFiles > 0 ? ` with ${report.uncommittedFiles} uncommitted file(s)` : ''}.`,
      `Load average before ${report.machine.loadBefore.map((value) => value.toFixed(2)).join(' / ')}, after ${report.machine.loadAfter.map((value) => value.toFixed(2)).join(' / ')} (1/5/15 min): other work on the machine shows up as spread in every timing.`,
    ].join(' '),
  );
  out.push('');
  out.push(
    table(
      ['goal', 'target', 'measured', 'verdict'],
      report.goals.map((goal) => [
        goal.goal,
        goal.target,
        goal.measured,
        goal.met ? '**met**' : '**not met**',
      ]),
    ),
  );
  return out.join('\n');
}

export function renderMarkdown(report: BenchReport): string {
  const { coldStart, callbackCpu, pipeline, raw, cost, memory } = report;
  const out: string[] = [];
  out.push(`# proctoring-reviews benchmark, ${report.startedAt.slice(0, 10)}`);
  out.push('');
  out.push(renderSummary(report));
  out.push('');

  out.push('## 1. Bundles and cold start');
  out.push('');
  out.push(
    "Each bundle is built with esbuild from `BUNDLING` in `cdk/service-function.ts`, translated the way `NodejsFunction` does (ESM, minified, SDK bundled, node24 target, source map, createRequire banner, module-first main fields). Beside each function, its **floor**: a bundle of only the AWS SDK clients and commands that function sends, built by the service's own client factories, as the function builds them (`bench/reference/floor-*.ts`); and the **naive reference** (`bench/reference/naive-handler.ts`: middy, a `DynamoDBClient` with `GetItem` and an `EventBridgeClient` with `PutEvents`, both at module scope). All are built in the same run with the same settings.",
  );
  out.push('');
  out.push(
    `Load: a fresh node imports the bundle with the function's environment as deployed (table and bus names, inline secrets, \`AWS_REGION\`, \`LOG_LEVEL\`, \`NODE_OPTIONS=${coldStart.environment.NODE_OPTIONS}\`) and reports the CPU time (user + system, all threads) and wall time of that import alone; ${coldStart.runs} runs per bundle and node after ${coldStart.warmupRounds} discarded rounds, every round in a fresh random order. CPU time is the verdict: on a shared machine wall time measures the scheduler as much as the code.${coldStart.nodes.some((node) => node.results.some((result) => result.instructions !== undefined)) ? " Instructions: valgrind (cachegrind) count of the same import, minus an empty module's, once per bundle; it does not move with the machine's load." : ''}`,
  );
  out.push('');
  for (const node of coldStart.nodes) {
    out.push(
      `Node ${node.version} (${node.label === 'node24' ? "the Lambda runtime's major" : 'the local Node'}):`,
    );
    out.push('');
    out.push(
      table(
        [
          'bundle',
          'bytes',
          'load CPU median (p25–p75)',
          'load wall median',
          'instructions',
          'vs its floor',
          'vs naive',
        ],
        node.results.map((result) => {
          const bundle = report.bundles.find((candidate) => candidate.key === result.key);
          const floor = FLOORS[result.key as keyof typeof FLOORS]?.key;
          const overFloor = floor ? loadRatio(node, result.key, floor) : undefined;
          const overNaive = loadRatio(node, result.key, REFERENCE_KEY);
          const ratio = (value: { cpu: number; instructions?: number | undefined } | undefined) =>
            value
              ? `${value.cpu.toFixed(2)} ×${value.instructions !== undefined ? ` (${value.instructions.toFixed(3)} × instr.)` : ''}`
              : '';
          return [
            LABELS[result.key] ?? result.key,
            bundle ? int(bundle.bytes) : '',
            `${ms(result.cpuMs.median)} (${result.cpuMs.p25.toFixed(1)}–${result.cpuMs.p75.toFixed(1)})`,
            ms(result.wallMs.median),
            result.instructions !== undefined ? `${(result.instructions / 1e6).toFixed(1)} M` : '',
            ratio(overFloor),
            ratio(overNaive),
          ];
        }),
      ),
    );
    out.push('');
  }
  const checked = report.bundles.filter((bundle) => bundle.identicalToSynthesizedAsset !== null);
  out.push(
    checked.length === 0
      ? 'No `cdk.out` assets to compare with (run `npm run synth` first to check the translation).'
      : `Translation check: ${checked.filter((bundle) => bundle.identicalToSynthesizedAsset).length} of ${checked.length} function bundles are byte-identical to an asset in \`cdk.out\` (a mismatch can also mean \`cdk.out\` is older than the code).`,
  );
  out.push('');
  out.push('What each bundle is made of (output bytes by package, from the esbuild metafile):');
  out.push('');
  out.push(
    table(
      ['bundle', 'largest packages'],
      report.bundles.map((bundle) => [
        LABELS[bundle.key] ?? bundle.key,
        bundle.packages
          .slice(0, 6)
          .map((share) => `${share.name} ${kb(share.bytes)}`)
          .join(', '),
      ]),
    ),
  );
  out.push('');
  out.push(`Metafiles: \`bench/results/bundles/<bundle>/meta.json\`.`);
  out.push('');

  const cb = callbackCpu.callback;
  const wf = callbackCpu.finishReview;
  out.push('## 2. Callback CPU cost per review (in-memory adapters)');
  out.push('');
  out.push(
    `The real handler from \`createReviewCallbackHandler\` with \`MemoryStore\`, inline HMAC secret and video key, info-level logs formatted and counted (not printed), and signed, base64 API Gateway events; ${int(callbackCpu.warmup)} warm-up reviews, then ${int(callbackCpu.reviews)} measured, one at a time, in a fresh process. The store forgets each attempt after its review, so it stays small.`,
  );
  out.push('');
  out.push(
    table(
      ['handler', 'throughput', 'p50', 'p99', 'CPU per review', 'log lines / bytes'],
      [
        [
          'review-callback',
          `${int(cb.reviewsPerSecond)} reviews/s`,
          ms(cb.perInvocationMs.median, 3),
          ms(cb.perInvocationMs.p99, 3),
          ms(cb.cpuMsPerReview, 3),
          `${cb.logLinesPerReview} / ${int(cb.logBytesPerReview)} B`,
        ],
        [
          'finish-review (1 record per invocation)',
          `${int(1000 / wf.perInvocationMs.mean)} records/s`,
          ms(wf.perInvocationMs.median, 3),
          ms(wf.perInvocationMs.p99, 3),
          ms(wf.cpuMsPerRecord, 3),
          `${wf.logLinesPerRecord} / ${int(wf.logBytesPerRecord)} B`,
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    'CPU per review is process CPU time (user + system, garbage collection included) over the measured invocations.',
  );
  out.push('');
  const full = callbackCpu.fullBatches;
  out.push(
    `Full stream batches: ${full.batches} batches of ${full.batchSize} records (the deployed batch size) through finish-review, with the real EventBridge publisher in front of a PutEvents stand-in that accepts everything: ${full.putEventsCalls} PutEvents calls for ${full.eventEntries} events, ${((10 * full.putEventsCalls) / Math.max(full.eventEntries, 1)).toFixed(2)} per 10 events; the fewest the limits allow is ${full.minimumCalls} (each batch's events in calls of ten, its last call partly filled).`,
  );
  out.push('');

  const run = pipeline.run;
  out.push('## 3. The local pipeline end to end');
  out.push('');
  out.push(
    `\`npm start\` as a child process (own temporary \`DATA_DIR\`, \`LOG_LEVEL=warn\`, free port), ready in ${(pipeline.readyMs / 1000).toFixed(1)} s. ${int(pipeline.reviews + report.settings.pipelineWarmup + report.settings.calibrationReviews)} attempts registered through the internal API (${(pipeline.registrationMs / 1000).toFixed(1)} s), ${int(report.settings.pipelineWarmup)} untimed warm-up reviews (DynamoDB Local's JVM and the functions are slower until warm), ${pipeline.attribution.samples} sequential calibration reviews, then **${int(pipeline.reviews)} callbacks at concurrency ${pipeline.concurrency}**, each for a distinct attempt (7 in 10 Clean, 2 Suspicious, 1 Rules Violation). Review-to-event: from sending the callback to its \`review_received\` envelope appearing in \`events.jsonl\`, seen by tailing the file from the bench process.`,
  );
  out.push('');
  out.push(
    table(
      ['measure', 'value'],
      [
        [
          'callbacks accepted',
          `${int(run.accepted)} of ${int(pipeline.reviews)}${Object.keys(run.rejected).length ? ` (rejected: ${JSON.stringify(run.rejected)})` : ''}`,
        ],
        [
          'accepted per second (first send → last answer)',
          `${run.acceptedPerSecond.toFixed(1)} in ${(run.elapsedMs / 1000).toFixed(1)} s`,
        ],
        ['completed per second (first send → last event)', run.completedPerSecond.toFixed(1)],
        ['callback p50 / p99', `${ms(run.callbackMs.median)} / ${ms(run.callbackMs.p99)}`],
        [
          'review-to-event p50 / p99',
          `${ms(run.reviewToEventMs.median)} / ${ms(run.reviewToEventMs.p99)}`,
        ],
        ['events missing after 120 s', String(run.eventsMissing)],
        [
          'reviews completed while callbacks were still arriving',
          `${int(run.eventsAtLastAnswer)} of ${int(pipeline.reviews)}`,
        ],
        ['workflow records per second once the callbacks stopped', run.drainPerSecond.toFixed(1)],
        [
          'stream records per workflow invocation',
          (pipeline.perReview.streamRecords / pipeline.perReview.streamInvocations).toFixed(1),
        ],
        [
          'uncontended callback / workflow invocation (calibration medians)',
          `${ms(pipeline.attribution.callbackMs.median)} / ${ms(pipeline.attribution.workflowMs.median)}`,
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    `**Raw DynamoDB** for the same requests: ${raw.plan.map((step) => `\`${step}\``).join(' → ')} per review, issued with the SDK straight to the same DynamoDB Local (not through the counting proxy) on copies of a stored review's items under fresh keys, ${int(raw.reviews)} reviews at concurrency ${raw.concurrency} after ${int(report.settings.rawWarmup)} warm-up ones. The copies go into the service's own tables, so the engine does the same work (same tables, same stream), with the revision's \`itemType\` changed to a value of the same length that the stream filter drops, so the workflow does not run for them.`,
  );
  out.push('');
  out.push(
    table(
      ['measure', 'value'],
      [
        ['raw reviews per second', raw.reviewsPerSecond.toFixed(1)],
        ['raw per review p50 / p99', `${ms(raw.reviewMs.median)} / ${ms(raw.reviewMs.p99)}`],
        ...Object.entries(raw.operationMs).map(([step, spread]) => [
          `raw \`${step}\` p50 / p99`,
          `${ms(spread.median)} / ${ms(spread.p99)}`,
        ]),
        [
          '**end to end ÷ raw** (completed/s ÷ raw reviews/s)',
          `**${(run.completedPerSecond / raw.reviewsPerSecond).toFixed(2)}**`,
        ],
        [
          'accepted/s ÷ raw reviews/s (for comparison)',
          (run.acceptedPerSecond / raw.reviewsPerSecond).toFixed(2),
        ],
      ],
    ),
  );
  out.push('');
  out.push(
    'The goal compares completed reviews per second: callbacks can be accepted faster than the workflow finishes them for a while, but only the completed rate can be sustained.',
  );
  out.push('');
  out.push(
    "Where the CPU went, per review, in the timed pipeline run (first callback to last event) and the timed raw replay: the stack's Node process (API, functions, proxies, stream runner, bus), DynamoDB Local's JVM, the benchmark (signing, sending, tailing events), and everything else on the machine. The machine has 2 cores: at full use that is 2,000 ms of CPU per second.",
  );
  out.push('');
  out.push(
    table(
      ['run', 'stack', 'engine', 'bench', 'other', 'idle', 'cores busy'],
      [cpuRow('pipeline', run.cpu, pipeline.reviews), cpuRow('raw', raw.cpu, raw.reviews)],
    ),
  );
  if (run.eventsAtLastAnswer < pipeline.reviews * 0.5) {
    out.push('');
    out.push(
      `The workflow fell behind: it completed ${int(run.eventsAtLastAnswer)} reviews while the callbacks were arriving and the rest afterwards, at ${run.drainPerSecond.toFixed(1)} records/s. Review-to-event times above are mostly that backlog.`,
    );
  }
  out.push('');

  const burst = report.burst;
  out.push('### Burst');
  out.push('');
  out.push(
    `After the timed run, on the same stack: ${int(burst.reviews)} newly registered attempts get their callback with ${burst.concurrency} in flight, an exam's end. Each review is timed from sending its callback to its \`review_received\` envelope in \`events.jsonl\`.`,
  );
  out.push('');
  out.push(
    table(
      ['measure', 'value'],
      [
        [
          'callbacks accepted',
          `${int(burst.accepted)} of ${int(burst.reviews)}${Object.keys(burst.rejected).length ? ` (rejected: ${JSON.stringify(burst.rejected)})` : ''}`,
        ],
        ['sending all callbacks took', `${(burst.sendingMs / 1000).toFixed(2)} s`],
        [
          'review-to-event p50 / p99 / max',
          `${ms(burst.reviewToEventMs.median)} / ${ms(burst.reviewToEventMs.p99)} / ${ms(burst.reviewToEventMs.max)}`,
        ],
        [
          "callback answered → event p50 / p99 (the workflow's share)",
          `${ms(burst.answerToEventMs.median)} / ${ms(burst.answerToEventMs.p99)}`,
        ],
        ['events missing after 120 s', String(burst.eventsMissing)],
        ['workflow invocations / records', `${burst.streamInvocations} / ${burst.streamRecords}`],
        [
          'PutEvents calls / event entries',
          `${burst.putEventsCalls} / ${burst.eventEntries} (${((10 * burst.putEventsCalls) / Math.max(burst.eventEntries, 1)).toFixed(2)} calls per 10 events)`,
        ],
        [
          'DynamoDB requests per review',
          `${totalRequests(burst.dynamodbPerReview).toFixed(2)}: ${describe(burst.dynamodbPerReview)}`,
        ],
      ],
    ),
  );
  out.push('');

  out.push('## 4. Requests per review and AWS cost per million reviews');
  out.push('');
  out.push(
    `Counted from \`/local/metrics\` (the functions reach DynamoDB Local through a counting proxy). Attribution: in the ${pipeline.attribution.samples} sequential calibration reviews the counters were read before each callback, at its answer and after the workflow had finished; ${pipeline.attribution.cleanSamples} of them were clean (the stream runner had not yet invoked the workflow when the callback answered), and their medians are below. The concurrent run's totals are split with them: the callback's share times the reviews, the rest per stream record.`,
  );
  out.push('');
  out.push(
    table(
      ['per', 'DynamoDB requests', 'PutEvents calls', 'event entries'],
      [
        [
          'callback (calibration)',
          `${totalRequests(pipeline.attribution.callback)}: ${describe(pipeline.attribution.callback)}`,
          '0',
          '0',
        ],
        [
          'workflow record (calibration)',
          `${totalRequests(pipeline.attribution.workflow)}: ${describe(pipeline.attribution.workflow)}`,
          '',
          '',
        ],
        [
          "workflow record (concurrent run, after the callbacks' share)",
          `${totalRequests(pipeline.split.workflow).toFixed(2)}: ${describe(pipeline.split.workflow)}`,
          pipeline.perReview.putEventsCalls.toFixed(2),
          pipeline.perReview.eventEntries.toFixed(2),
        ],
        [
          'review, all (concurrent run)',
          `${totalRequests(pipeline.perReview.dynamodb).toFixed(2)}: ${describe(pipeline.perReview.dynamodb)}`,
          pipeline.perReview.putEventsCalls.toFixed(2),
          pipeline.perReview.eventEntries.toFixed(2),
        ],
      ],
    ),
  );
  out.push('');
  const sizes = cost.sizes;
  out.push(
    `Item sizes (DynamoDB's rules, averaged over ${pipeline.sampleAttemptCodes.length} stored reviews): attempt ${int(sizes.attemptBeforeWorkflow)} B (${int(sizes.attemptAfterWorkflow)} B after the workflow), head ${int(sizes.head)} B, revision ${int(sizes.revisionWithoutOutcome)} B (${int(sizes.revisionWithOutcome)} B with its outcome), chunks ${sizes.chunks.map((size) => `${int(size)} B`).join(' and ')}.`,
  );
  out.push('');
  out.push(
    table(
      ['request', 'read units', 'write units', 'counted as'],
      cost.units.detail.map((entry) => [
        `\`${entry.step}\``,
        String(entry.read),
        String(entry.write),
        entry.how,
      ]),
    ),
  );
  out.push('');
  const inputs = cost.inputs;
  out.push('Assumptions of the cost model:');
  out.push('');
  out.push(
    [
      `- us-east-1 list prices, before free tiers; ${int(inputs.reviewsPerMonth)} reviews a month, evenly spread (${(inputs.reviewsPerMonth / (30 * 86_400)).toFixed(2)}/s), where volume matters (Secrets Manager, X-Ray).`,
      `- Memory as deployed (read from the CDK app): ${Object.entries(inputs.shape.memoryMb)
        .map(([key, mb]) => `${LABELS[key] ?? key} ${mb} MB`)
        .join(', ')}, Arm.`,
      `- Billed duration: the uncontended local medians from calibration, rounded up to whole ms: callback ${Math.ceil(inputs.callbackMs)} ms (its HTTP round trip), finish-review ${Math.ceil(inputs.workflowMs)} ms per invocation (invocation to event on the bus). Both include DynamoDB Local's latency on this machine, not DynamoDB's. Cold-start init time (billed since 2025-08-01) is not included.`,
      `- ${inputs.workflowInvocationsPerReview} finish-review invocation per review: at this volume a poll rarely finds more than one record (under load locally it was ${(pipeline.perReview.streamRecords / pipeline.perReview.streamInvocations).toFixed(1)} records per invocation, up to the deployed batch size of ${inputs.shape.streamBatchSize}).`,
      `- Logs: ${int(report.cost.logBytes.callbackFunction ?? 0)} B (callback) + ${int(report.cost.logBytes.workflowFunction ?? 0)} B (finish-review) of function lines per review at the deployed \`info\` level, measured in section 2; ${int(report.cost.logBytes.platformPerInvocation ?? 0)} B of Lambda START/END/REPORT lines per invocation and ${int(report.cost.logBytes.accessLog ?? 0)} B for the API access log line, both estimated from their formats.`,
      `- X-Ray: tracing is on for the API stage and both functions; the default rule records the first request each second and 5 % of the rest, so at ${(inputs.reviewsPerMonth / (30 * 86_400)).toFixed(2)} reviews/s ${(inputs.tracedFraction * 100).toFixed(0)} % of the ${inputs.tracesPerReview} traces per review (API → callback, stream → finish-review) are recorded. At 20 reviews/s it would be ${(defaultSampledFraction(20) * 100).toFixed(0)} %.`,
      `- Secrets Manager: ${inputs.secretsPerEnvironment} secrets, re-read every ${inputs.secretTtlMinutes} minutes by each of ${inputs.warmEnvironments} warm callback environment(s), whatever the traffic.`,
    ].join('\n'),
  );
  out.push('');
  out.push(
    table(
      ['service', 'what', 'USD per million reviews'],
      [
        ...cost.lines.map((line) => [line.service, line.what, usd(line.usd)]),
        ['**total**', '', `**${usd(cost.total)}**`],
      ],
    ),
  );
  out.push('');
  const storedGb = (sizes.storedPerReview * 1_000_000) / 1024 ** 3;
  const prices = cost.prices;
  out.push(
    `Not per review, so not in the total: storage of a million reviews, ${storedGb.toFixed(2)} GB (${int(sizes.storedPerReview)} B each with 100 B of item overhead), costs ${usd(storedGb * prices.dynamoDbStorage.usd)} a month in the tables plus ${usd(storedGb * prices.dynamoDbPitr.usd)} for point-in-time recovery; the two secrets ${usd(2 * prices.secretsManagerSecret.usd)} a month; the web ACL and its rules a fixed monthly fee. Attempt registration through the internal API (one per reviewed attempt) adds one more API Gateway request, Lambda invocation and \`UpdateItem\` per attempt.`,
  );
  out.push('');
  out.push('Prices:');
  out.push('');
  out.push(
    table(
      ['price', 'USD', 'unit', 'source'],
      Object.entries(prices).map(([id, price]) => [
        id,
        String(price.usd),
        price.unit,
        price.source,
      ]),
    ),
  );
  out.push('');

  out.push('## 5. Memory over many reviews');
  out.push('');
  const flat = memory.flat;
  const control = memory.control;
  out.push(
    `Both handlers in one process started with \`--expose-gc\`: each review is registered, called back, its stream record processed by finish-review (events counted, not kept), then forgotten by the store. ${int(flat.warmup)} warm-up reviews first (V8's compiled code and inline caches grow during the first few thousand), then the heap is read after three full collections (each after a turn of the event loop) every ${int(flat.sampleEvery)} reviews over ${int(flat.reviews)} reviews. Flat means a least-squares slope under ${report.goalsStated.flatHeapBytesPerReview} B per review (0.6 MB over 10,000): anything the path kept per review (a log line, an event, a head entry in a map) would be more than that. The positive control runs the same loop with a store that keeps everything.`,
  );
  out.push('');
  out.push(
    table(
      ['run', 'heap at start', 'heap at end', 'slope (± standard error)', 'external slope'],
      [flat, control].map((result) => [
        result.retain ? 'control: store keeps every review' : 'store forgets each review',
        `${((result.samples[0]?.heapUsed ?? 0) / 1e6).toFixed(2)} MB`,
        `${((result.samples.at(-1)?.heapUsed ?? 0) / 1e6).toFixed(2)} MB`,
        `${result.heapSlopeBytesPerReview.toFixed(1)} ± ${result.heapSlopeStdError.toFixed(1)} B/review`,
        `${result.externalSlopeBytesPerReview.toFixed(1)} B/review`,
      ]),
    ),
  );
  out.push('');
  out.push(
    `Samples (heap MB): ${flat.samples.map((sample) => (sample.heapUsed / 1e6).toFixed(2)).join(', ')}.`,
  );
  out.push('');
  return `${out.join('\n')}\n`;
}
