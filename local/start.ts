/**
 * `npm start`: the whole pipeline on one machine (docs/api.md). DynamoDB Local with real streams,
 * the real function entry points, a local API Gateway, a stream runner emulating the event source
 * mapping, and a local EventBridge bus, all wired from the synthesized CDK app.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import type { FunctionKey } from '../cdk/function-entries.js';
import { parseDeploymentSettings } from '../cdk/stacks.js';
import { endpointConfig } from '../lib/aws-clients.js';
import { ConfigError } from '../lib/errors.js';
import { createLogger, type Logger } from '../lib/log.js';
import { SETTINGS_EXIT_CODE } from '../lib/setting-rules.js';
import { createDynamoDbClient } from '../lib/store/dynamodb-client.js';
import { type ApiRoute, type LocalApi, type ProxyHandler, startLocalApi } from './api/server.js';
import { lockDataDir } from './data-dir-lock.js';
import { type DynamoDbProxy, startDynamoDbProxy } from './dynamodb/counting-proxy.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb/engine.js';
import { EngineGate } from './dynamodb/engine-gate.js';
import { type LocalEventBus, startEventBus } from './event-bus/server.js';
import { eventBusFaults, type Faults, faultsActive, parseFaults } from './faults.js';
import { type FunctionPool, type FunctionPoolStats, functionPool } from './function-pool.js';
import { type HealthReport, healthReport, probeHttp, StreamsWatch } from './health.js';
import { probePort } from './ports.js';
import { type ScheduledHandler, type ScheduleStats, startScheduleTimer } from './schedule-timer.js';
import { deploymentParameters, type LocalSettings, readLocalSettings } from './settings.js';
import { type LocalFunction, type LocalPlan, planFromStacks } from './stack-plan.js';
import {
  mappingFromTemplate,
  type StreamHandler,
  type StreamRunner,
  startStreamRunner,
} from './stream/runner.js';
import { createTableInput, missingIndexUpdates, type TableDefinition } from './template.js';

const REPOSITORY_ROOT = resolve(import.meta.dirname, '..');
const REGION = 'us-east-1';

/**
 * The concurrency of a function whose template sets no reserved concurrency. In AWS such a
 * function shares the account's unreserved pool (1,000 by default); on one developer machine ten
 * instances already keep DynamoDB Local busy, and more would only queue inside it.
 */
export const DEFAULT_FUNCTION_CONCURRENCY = 10;

/**
 * Requests the functions may have in DynamoDB Local at once, shared in turns between the API
 * functions and the background ones (see `local/dynamodb/engine-gate.ts`). In the benchmark the
 * pipeline kept up with 0.74 × the engine's raw throughput at 16, against 0.65 × at 8; more would
 * only queue inside the engine, ahead of the requests a caller waits on.
 */
export const ENGINE_REQUESTS_IN_FLIGHT = 16;

/** Counters of what the local stack's functions asked of AWS (served at `/local/metrics`). */
export interface LocalMetrics {
  dynamodb: { requests: Record<string, number>; throttled: number };
  eventbridge: {
    putEventsCalls: number;
    throttledCalls: number;
    entries: number;
    failedEntries: number;
  };
  stream: { invocations: number; records: number };
  /** Each function's instances and queue (see `local/function-pool.ts`). */
  functions: FunctionPoolStats[];
  /** The local timers standing in for the deployed schedules (the reconciler's). */
  schedules: Record<string, ScheduleStats>;
}

export interface LocalStack {
  url: string;
  metrics(): LocalMetrics;
  /** What `GET /health` answers. */
  health(): Promise<HealthReport>;
  dataDir: string;
  dynamoDbEndpoint: string;
  eventBusEndpoint: string;
  plan: LocalPlan;
  /** The running parts, for tests that take one of them down. */
  parts: { engine: DynamoDbLocal; bus: LocalEventBus; streamRunners: StreamRunner[] };
  stop(): Promise<void>;
}

export interface LocalStackOptions {
  /**
   * Called once if a part the stack cannot work without fails for good (DynamoDB Local exits).
   * `npm start` then stops everything and exits non-zero; `/health` already answers 503.
   */
  onFatal?: (message: string) => void;
}

/** What the stack keeps in its data folder: files, and folders that hold only its own files. */
const DATA_FILES = [
  'events.jsonl',
  'dead-letters.jsonl',
  'stream-checkpoints.json',
  'video-url.key',
  'stack.lock',
  'stack.lock.stale',
];
const DATA_FOLDERS = ['rules', 'dynamodb'];

/**
 * The data folder and what the stack keeps in it are for this user only (0700 folders, 0600
 * files), also when an older version or another umask created them. Only the stack's own entries
 * are touched, so a `DATA_DIR` that also holds other files keeps their modes.
 */
export async function restrictDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const tighten = async (path: string, mode: number) => {
    await chmod(path, mode).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  };
  for (const name of DATA_FILES) await tighten(join(dataDir, name), 0o600);
  for (const name of DATA_FOLDERS) {
    const folder = join(dataDir, name);
    await tighten(folder, 0o700);
    const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (entry.isFile()) await tighten(join(folder, entry.name), 0o600);
    }
  }
}

/** The local values behind secrets that are Secrets Manager references when deployed. */
interface LocalSecrets {
  CALLBACK_SECRET: string;
  VIDEO_URL_KEY: string;
}

/** A video URL key kept in the data folder, so links stored earlier stay decryptable. */
async function videoUrlKey(settings: LocalSettings): Promise<string> {
  if (settings.VIDEO_URL_KEY) return settings.VIDEO_URL_KEY.join(',');
  const file = join(settings.dataDir, 'video-url.key');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const key = randomBytes(32).toString('hex');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return key;
}

async function ensureTables(endpoint: string, plan: LocalPlan): Promise<void> {
  const client = createDynamoDbClient({ endpoint });
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const name of page.TableNames ?? []) existing.add(name);
      start = page.LastEvaluatedTableName;
    } while (start);
    for (const table of plan.tables) {
      if (!existing.has(table.logicalId)) {
        await client.send(new CreateTableCommand(createTableInput(table, table.logicalId)));
      } else {
        await addMissingIndexes(client, table);
      }
    }
  } finally {
    client.destroy();
  }
}

/** Entry modules read the environment while they load: one load at a time. */
let loading: Promise<unknown> = Promise.resolve();

/** A data folder from before an index existed gets it, backfilled by the engine. */
async function addMissingIndexes(client: DynamoDBClient, table: TableDefinition): Promise<void> {
  const describe = () => client.send(new DescribeTableCommand({ TableName: table.logicalId }));
  const existing = ((await describe()).Table?.GlobalSecondaryIndexes ?? []).map(
    (index) => index.IndexName ?? '',
  );
  for (const update of missingIndexUpdates(table, table.logicalId, existing)) {
    await client.send(new UpdateTableCommand(update));
    // One index at a time, as DynamoDB requires: wait until this one is active.
    for (let waited = 0; waited < 60_000; waited += 200) {
      const indexes = (await describe()).Table?.GlobalSecondaryIndexes ?? [];
      if (indexes.every((index) => index.IndexStatus === 'ACTIVE')) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/**
 * Imports a function's real entry point with the environment it would have when deployed. Entry
 * modules read their settings once at load, so each sees only its own variables. Each `instance`
 * is a fresh copy of the entry module (its own settings, clients and sockets), as each Lambda
 * execution environment is; the modules it imports are shared.
 */
function loadHandler<T>(
  fn: LocalFunction,
  common: Record<string, string>,
  secrets: LocalSecrets,
  instance = 0,
): Promise<T> {
  const load = loading.then(() => importHandler<T>(fn, common, secrets, instance));
  loading = load.catch(() => undefined);
  return load;
}

async function importHandler<T>(
  fn: LocalFunction,
  common: Record<string, string>,
  secrets: LocalSecrets,
  instance: number,
): Promise<T> {
  const environment: Record<string, string> = { ...common };
  for (const [name, value] of Object.entries(fn.environment)) {
    if (name === 'NODE_OPTIONS') continue;
    if (typeof value === 'string') {
      environment[name] = value;
      continue;
    }
    // `<NAME>_ARN` names a secret when deployed; locally the value itself goes in `<NAME>`.
    const local = name.replace(/_ARN$/, '') as keyof LocalSecrets;
    if (!(local in secrets)) throw new ConfigError(`No local value for the secret in ${name}`);
    environment[local] = secrets[local];
  }
  const saved = new Map(Object.keys(environment).map((name) => [name, process.env[name]]));
  Object.assign(process.env, environment);
  try {
    const url = pathToFileURL(join(REPOSITORY_ROOT, fn.entry));
    if (instance > 0) url.searchParams.set('instance', String(instance));
    const module = (await import(url.href)) as { handler?: T };
    if (!module.handler) throw new ConfigError(`${fn.entry} exports no handler`);
    return module.handler;
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Both proxies' counters as one. */
function mergeProxyStats(
  ...all: ReturnType<DynamoDbProxy['stats']>[]
): ReturnType<DynamoDbProxy['stats']> {
  const requests: Record<string, number> = {};
  for (const stats of all) {
    for (const [operation, count] of Object.entries(stats.requests)) {
      requests[operation] = (requests[operation] ?? 0) + count;
    }
  }
  return { requests, throttled: all.reduce((sum, stats) => sum + stats.throttled, 0) };
}

/** The attempt code a stream record is about, from its keys. */
function recordAttemptCode(record: DynamoDBRecord): string {
  return record.dynamodb?.Keys?.attemptCode?.S ?? '';
}

/**
 * The stream handler as the runner calls it: counted, and, with the `poison` fault, crashing on
 * any batch that holds a record of a poison attempt (a handler bug that no retry fixes).
 */
function instrumentStreamHandler(
  handler: StreamHandler,
  faults: Faults,
  counters: LocalMetrics['stream'],
): StreamHandler {
  return async (event, context) => {
    counters.invocations++;
    counters.records += event.Records.length;
    const poison = faults.poison;
    if (poison && event.Records.some((record) => recordAttemptCode(record).includes(poison))) {
      throw new Error(
        `Injected fault: the handler crashes on attempt codes containing "${poison}"`,
      );
    }
    return handler(event, context);
  };
}

/** Stops what the stack started, in the reverse order; each part adds its own. */
type Stops = (() => Promise<void>)[];

/** DynamoDB Local, its tables, and the two proxies the functions reach it through. */
interface Engine {
  dynamo: DynamoDbLocal;
  /** For the functions behind the API. */
  apiProxy: DynamoDbProxy;
  /** For the stream consumers and scheduled functions, which nobody waits on. */
  backgroundProxy: DynamoDbProxy;
  /** Why the engine is gone, once it has exited on its own. */
  exitReason(): string | null;
}

async function startEngine(
  settings: LocalSettings,
  plan: LocalPlan,
  faults: Faults,
  log: Logger,
  stops: Stops,
  lifecycle: { stopping(): boolean; onFatal?: (message: string) => void },
): Promise<Engine> {
  const dynamo = await startDynamoDbLocal({
    port: settings.DYNAMODB_PORT,
    dataDir: join(settings.dataDir, 'dynamodb'),
  });
  stops.push(() => dynamo.stop());
  let exitReason: string | null = null;
  void dynamo.exited.then(({ code, signal }) => {
    if (lifecycle.stopping()) return;
    exitReason = `exited (${signal ? `signal ${signal}` : `code ${code}`})`;
    log.error('DynamoDB Local exited', { pid: dynamo.process.pid, code, signal });
    lifecycle.onFatal?.(
      `DynamoDB Local (pid ${dynamo.process.pid}) ${exitReason}; the local stack cannot work without it and stops. Its data is kept in ${join(settings.dataDir, 'dynamodb')}: npm start again to resume.`,
    );
  });
  await ensureTables(dynamo.endpoint, plan);
  // The functions reach the engine through counting (and, with FAULTS, throttling) proxies:
  // one for the functions behind the API, one for the background ones, taking turns.
  const gate = new EngineGate(ENGINE_REQUESTS_IN_FLIGHT);
  const proxyFor = async (lane: 'api' | 'background') => {
    const proxy = await startDynamoDbProxy({
      target: dynamo.endpoint,
      throttle: faults.dynamoDbThrottle,
      random: faults.random,
      gate: { gate, lane },
    });
    stops.push(() => proxy.stop());
    return proxy;
  };
  const apiProxy = await proxyFor('api');
  const backgroundProxy = await proxyFor('background');
  return { dynamo, apiProxy, backgroundProxy, exitReason: () => exitReason };
}

/** One pool of instances per function, warmed, each at the function's template concurrency. */
async function startFunctions(
  plan: LocalPlan,
  engine: Engine,
  bus: LocalEventBus,
  secrets: LocalSecrets,
): Promise<Map<FunctionKey, FunctionPool<unknown, unknown>>> {
  // Nobody waits on the stream consumers or the scheduled functions: the background lane.
  const background = new Set([
    ...plan.streamMappings.map((mapping) => mapping.functionKey),
    ...plan.schedules.map((schedule) => schedule.functionKey),
  ]);
  const environment = (key: FunctionKey) => ({
    DYNAMODB_ENDPOINT: (background.has(key) ? engine.backgroundProxy : engine.apiProxy).endpoint,
    EVENTBRIDGE_ENDPOINT: bus.endpoint,
  });
  const pools = new Map<FunctionKey, FunctionPool<unknown, unknown>>();
  for (const fn of Object.values(plan.functions)) {
    const pool = functionPool<unknown, unknown>({
      name: fn.key,
      concurrency: fn.reservedConcurrency ?? DEFAULT_FUNCTION_CONCURRENCY,
      timeoutMs: fn.timeoutSeconds * 1000,
      start: (instance) => loadHandler(fn, environment(fn.key), secrets, instance),
    });
    await pool.warm();
    pools.set(fn.key, pool);
  }
  return pools;
}

/** What invokes a function: its pool, as the handler type its trigger expects. */
type Invoker = <H>(key: FunctionKey) => H;

/** A runner per stream mapping of the template, delivering to its function's pool. */
async function startStreams(
  plan: LocalPlan,
  invoker: Invoker,
  engine: Engine,
  faults: Faults,
  settings: LocalSettings,
  log: Logger,
  stops: Stops,
): Promise<{ runners: StreamRunner[]; watch: StreamsWatch; counters: LocalMetrics['stream'] }> {
  const counters: LocalMetrics['stream'] = { invocations: 0, records: 0 };
  const watch = new StreamsWatch();
  const client = new DynamoDBStreamsClient({
    ...endpointConfig(engine.dynamo.endpoint),
    maxAttempts: 3,
  });
  stops.push(async () => {
    watch.stopped = true;
    client.destroy();
  });
  const streams = watch.wrap({
    describeStream: (input) => client.send(new DescribeStreamCommand(input)),
    getShardIterator: (input) => client.send(new GetShardIteratorCommand(input)),
    getRecords: (input) => client.send(new GetRecordsCommand(input)),
  });
  const runners: StreamRunner[] = [];
  for (const mapping of plan.streamMappings) {
    const runner = await startStreamRunner({
      streams,
      dynamoDbEndpoint: engine.dynamo.endpoint,
      tableName: mapping.tableName,
      partitionKey: plan.tables
        .find((table) => table.logicalId === mapping.tableName)
        ?.keySchema.find((key) => key.KeyType === 'HASH')?.AttributeName,
      mapping: mappingFromTemplate(mapping.properties),
      handler: instrumentStreamHandler(
        invoker<StreamHandler>(mapping.functionKey),
        faults,
        counters,
      ),
      dataDir: settings.dataDir,
      region: REGION,
      functionName: plan.functions[mapping.functionKey].logicalId,
      name: `${mapping.functionKey}-${mapping.tableName}`,
      log,
    });
    runners.push(runner);
    stops.push(async () => {
      watch.stopped = true;
      await runner.stop();
    });
  }
  return { runners, watch, counters };
}

/**
 * A timer per schedule of the template. Deployed schedules run every RECONCILE_INTERVAL_SECONDS
 * in whole minutes; the local timer takes the setting as it is, so a test or a demo can run the
 * reconciler every second.
 */
function startSchedules(
  plan: LocalPlan,
  invoker: Invoker,
  settings: LocalSettings,
  log: Logger,
  stops: Stops,
): Map<string, () => ScheduleStats> {
  const timers = new Map<string, () => ScheduleStats>();
  for (const schedule of plan.schedules) {
    const fn = plan.functions[schedule.functionKey];
    const timer = startScheduleTimer({
      functionName: fn.logicalId,
      handler: invoker<ScheduledHandler>(schedule.functionKey),
      intervalMs: settings.RECONCILE_INTERVAL_SECONDS * 1000,
      timeoutMs: fn.timeoutSeconds * 1000,
      log,
    });
    timers.set(schedule.functionKey, timer.stats);
    stops.push(() => timer.stop());
  }
  return timers;
}

/** Each part's problem, or null: the engine and the bus answer, the streams are being read. */
async function checkHealth(
  engine: Engine,
  bus: LocalEventBus,
  streams: StreamsWatch,
): Promise<HealthReport> {
  const exited = engine.exitReason();
  const [engineProblem, busProblem] = await Promise.all([
    exited ? Promise.resolve(exited) : probeHttp(engine.dynamo.endpoint),
    probeHttp(bus.endpoint),
  ]);
  return healthReport({ engine: engineProblem, stream: streams.problem(), bus: busProblem });
}

/**
 * The API Gateway stand-in: the template's routes, each to its function's pool, plus the local
 * stack's own `/health`, `/openapi.json` and `/local/metrics`.
 */
async function startApi(
  plan: LocalPlan,
  invoker: Invoker,
  settings: LocalSettings,
  own: { health: () => Promise<HealthReport>; metrics: () => LocalMetrics },
): Promise<LocalApi> {
  const routes: ApiRoute[] = plan.routes.map((route) => ({
    resource: route.resource,
    methods: route.methods,
    functionName: plan.functions[route.functionKey].logicalId,
    handler: invoker<ProxyHandler>(route.functionKey),
  }));
  return startLocalApi({
    routes,
    port: settings.PORT,
    extraRoutes: {
      '/health': async () => {
        const report = await own.health();
        return { status: report.status === 'ok' ? 200 : 503, body: report };
      },
      // The committed description of the routes (`npm run openapi` writes it).
      '/openapi.json': async () => ({
        status: 200,
        body: JSON.parse(await readFile(join(REPOSITORY_ROOT, 'docs/openapi.json'), 'utf8')),
      }),
      '/local/metrics': async () => ({ status: 200, body: own.metrics() }),
    },
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') {
      throw new ConfigError(`Port ${settings.PORT} is already in use; set PORT to a free port`);
    }
    throw error;
  });
}

export async function startLocalStack(
  settings: LocalSettings,
  log: Logger,
  options: LocalStackOptions = {},
): Promise<LocalStack> {
  // Fail in a moment, not after DynamoDB Local has started, when the API port is taken.
  if (settings.PORT !== 0 && (await probePort(settings.PORT, '127.0.0.1')) === null) {
    throw new ConfigError(`Port ${settings.PORT} is already in use; set PORT to a free port`);
  }
  const faults = parseFaults(settings.FAULTS);
  // CloudFormation validation is part of `npm run synth`; the local synth only needs the template.
  process.env.CDK_VALIDATION = 'false';
  const plan = planFromStacks(parseDeploymentSettings(deploymentParameters(settings)));
  try {
    // Everything this process and its children create from now on is for this user only.
    process.umask(0o077);
  } catch {
    // Not allowed in worker threads; the data folder's own mode still keeps others out.
  }
  await restrictDataDir(settings.dataDir);
  const lock = await lockDataDir(settings.dataDir);

  let stopping = false;
  const stops: Stops = [() => lock.release()];
  const stopAll = async () => {
    stopping = true;
    for (const stop of stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => log.warn('stop failed', { error }));
    }
  };

  try {
    const engine = await startEngine(settings, plan, faults, log, stops, {
      stopping: () => stopping,
      ...(options.onFatal ? { onFatal: options.onFatal } : {}),
    });
    const bus: LocalEventBus = await startEventBus({
      dataDir: settings.dataDir,
      buses: plan.buses,
      rules: plan.rules,
      region: REGION,
      log,
      faults: eventBusFaults(faults),
    });
    stops.push(() => bus.stop());

    // Lambda always has a region in its environment, and the SDK reads it at the first request.
    process.env.AWS_REGION ??= REGION;
    const pools = await startFunctions(plan, engine, bus, {
      CALLBACK_SECRET: settings.CALLBACK_SECRET.join(','),
      VIDEO_URL_KEY: await videoUrlKey(settings),
    });
    const invoker: Invoker = <H>(key: FunctionKey) =>
      (pools.get(key) as FunctionPool<unknown, unknown>).invoke as H;
    const streams = await startStreams(plan, invoker, engine, faults, settings, log, stops);
    const timers = startSchedules(plan, invoker, settings, log, stops);

    const metrics = (): LocalMetrics => ({
      dynamodb: mergeProxyStats(engine.apiProxy.stats(), engine.backgroundProxy.stats()),
      eventbridge: bus.stats(),
      stream: { ...streams.counters },
      functions: [...pools.values()].map((pool) => pool.stats()),
      schedules: Object.fromEntries([...timers].map(([key, stats]) => [key, stats()])),
    });
    if (faultsActive(faults)) log.warn('fault injection is on', { faults: settings.FAULTS });

    const health = () => checkHealth(engine, bus, streams.watch);
    const api = await startApi(plan, invoker, settings, { health, metrics });
    stops.push(() => api.stop());
    await lock.setUrl(api.url);

    return {
      url: api.url,
      metrics,
      health,
      parts: { engine: engine.dynamo, bus, streamRunners: streams.runners },
      dataDir: settings.dataDir,
      dynamoDbEndpoint: engine.dynamo.endpoint,
      eventBusEndpoint: bus.endpoint,
      plan,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const started = Date.now();
  let settings: LocalSettings;
  try {
    settings = readLocalSettings();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(error instanceof ConfigError ? SETTINGS_EXIT_CODE : 1);
  }
  const log = createLogger({ level: settings.LOG_LEVEL, service: 'local-stack' });
  let stack: LocalStack | undefined;
  let stopping = false;
  const stopAndExit = (code: number) => {
    if (stopping) return;
    stopping = true;
    (stack?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      () => process.exit(1),
    );
  };
  try {
    stack = await startLocalStack(settings, log, {
      // Without its engine the stack would answer 503 to every callback for ever: stop instead,
      // loudly, so the developer (or a supervisor) starts it again.
      onFatal: (message) => {
        console.error(`\n${message}`);
        stopAndExit(1);
      },
    });
  } catch (error) {
    console.error(`Local stack failed to start: ${(error as Error).message}`);
    process.exit(error instanceof ConfigError ? SETTINGS_EXIT_CODE : 1);
  }

  const shutdown = (signal: string) => {
    if (stopping) return;
    console.error(`\n${signal}: stopping the local stack`);
    stopAndExit(0);
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  const secretNote =
    settings.CALLBACK_AUTH === 'hmac'
      ? `callbacks are signed with CALLBACK_SECRET=${settings.CALLBACK_SECRET.join(',')}`
      : 'callbacks are not signed (CALLBACK_AUTH=none)';
  console.error(
    [
      `proctoring-reviews local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`,
      `  API          ${stack.url}  (health: ${stack.url}/health)`,
      `  callback     POST ${stack.url}/api/edx_proctoring/proctoring_review_callback/`,
      `  internal     ${stack.url}/internal/attempts/{attemptCode}`,
      `  reference    ${stack.url}/openapi.json (docs/api.md)`,
      `  auth         ${secretNote}`,
      `  data         ${stack.dataDir} (events.jsonl, rules/, dead-letters.jsonl)`,
      ...(settings.FAULTS ? [`  faults       ${settings.FAULTS}`] : []),
      `  DynamoDB     ${stack.dynamoDbEndpoint}`,
      `  EventBridge  ${stack.eventBusEndpoint}`,
      '  Ctrl-C stops everything.',
    ].join('\n'),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
