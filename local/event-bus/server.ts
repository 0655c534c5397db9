/**
 * A local Amazon EventBridge for the local stack: an HTTP server that speaks the AWS JSON 1.1
 * protocol, so the stock `EventBridgeClient({ endpoint })` sends to it unchanged.
 *
 * Only `PutEvents` is implemented, following the EventBridge API reference (`PutEvents`,
 * `PutEventsRequestEntry`, `PutEventsResultEntry`) and the user guide ("Calculating PutEvents event
 * entry size"):
 * - a call carries 1 to 10 entries, and the entries together may weigh at most 256 KB, counted the
 *   guide's way; otherwise the whole call fails with `ValidationException`;
 * - each entry is checked on its own (`InvalidArgument` for a missing Source, DetailType or Detail,
 *   `MalformedDetail` when Detail is not a JSON object), and a failed entry never fails the others;
 * - each accepted entry becomes the envelope a rule target receives. It is appended to
 *   `<dataDir>/events.jsonl`, matched against the rules of its bus, and appended once more to
 *   `<dataDir>/rules/<rule>.jsonl` for every rule it matches, all on disk before the call answers.
 *
 * One deliberate difference: AWS accepts entries for an event bus that does not exist and drops
 * them silently (aws/aws-sdk#186, aws/aws-cli#9186). Here such an entry fails with
 * `InvalidArgument`, so a misspelt bus name shows up at once instead of as missing events.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Logger, silentLogger } from '../../lib/log.js';
import { JsonLinesWriter } from '../json-lines.js';
import {
  type EventBusFaults,
  EventBusRequestError,
  type EventBusStats,
  type PutEventsResult,
  putEvents,
} from './put-events.js';
import { busResolver, compileRules, EventBusConfigError, type EventRule } from './rules.js';

export {
  type EntryFault,
  type EventBusFaults,
  type EventBusStats,
  type EventEnvelope,
  entrySize,
  MAX_ENTRIES_BYTES,
  MAX_ENTRIES_PER_CALL,
  type PutEventsWireEntry,
} from './put-events.js';
export { EventBusConfigError, type EventRule } from './rules.js';

/** A request body larger than this cannot hold a valid call, even with JSON escaping. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface EventBusOptions {
  dataDir: string;
  /** Names of the custom buses; the `default` bus always exists, as in every AWS account. */
  buses: readonly string[];
  rules: readonly EventRule[];
  /** 12 digits; `000000000000` by default. */
  account?: string;
  region?: string;
  /** 0 (the default) picks a free port on 127.0.0.1. */
  port?: number;
  faults?: EventBusFaults;
  log?: Logger;
}

export interface LocalEventBus {
  endpoint: string;
  port: number;
  stats(): EventBusStats;
  stop(): Promise<void>;
}

/**
 * Starts the local bus. Rules are validated here, so a bad pattern or an unknown bus fails the
 * start with the rule's name in the message.
 */
export async function startEventBus(options: EventBusOptions): Promise<LocalEventBus> {
  const account = options.account ?? '000000000000';
  const region = options.region ?? 'us-east-1';
  const log = options.log ?? silentLogger;
  if (!/^\d{12}$/.test(account)) {
    throw new EventBusConfigError(`The account must be 12 digits, got "${account}"`);
  }
  const resolveBus = busResolver(account, region, options.buses);
  const rules = compileRules(options.rules, resolveBus, options.dataDir);
  const events = new JsonLinesWriter(join(options.dataDir, 'events.jsonl'));
  const stats: EventBusStats = {
    putEventsCalls: 0,
    throttledCalls: 0,
    entries: 0,
    failedEntries: 0,
  };
  const target = { account, region, resolveBus, rules, events, stats, faults: options.faults, log };

  const server = createServer((request, response) => {
    answer(request, response, (body) => putEvents(target, body)).catch((error: unknown) => {
      log.error('local event bus: request failed', { error });
      if (!response.headersSent) {
        sendError(response, new EventBusRequestError('InternalException', 'Internal error', 500));
      } else {
        response.destroy();
      }
    });
  });
  const port = await listen(server, options.port ?? 0);

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([events.close(), ...rules.map((rule) => rule.writer.close())]);
    })();
    return stopped;
  };

  return { endpoint: `http://127.0.0.1:${port}`, port, stats: () => ({ ...stats }), stop };
}

/** Listens on 127.0.0.1 and answers the port, which is a free one when `port` is 0. */
async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

// ---------------------------------------------------------------------------------------------
// The AWS JSON 1.1 protocol

/** Answers one HTTP request: `AWSEvents.PutEvents` with a JSON body, or an error. */
async function answer(
  request: IncomingMessage,
  response: ServerResponse,
  handlePutEvents: (body: unknown) => Promise<PutEventsResult>,
): Promise<void> {
  const target = request.headers['x-amz-target'];
  if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
    await drain(request);
    const operation = typeof target === 'string' ? target : `${request.method} ${request.url}`;
    sendError(
      response,
      new EventBusRequestError(
        'UnknownOperationException',
        `The local event bus only implements AWSEvents.PutEvents, not ${operation}`,
      ),
    );
    return;
  }
  let body: unknown;
  try {
    const text = await readBody(request);
    body = JSON.parse(text === '' ? '{}' : text);
  } catch (error) {
    sendError(
      response,
      error instanceof EventBusRequestError
        ? error
        : new EventBusRequestError('SerializationException', 'The request body is not valid JSON'),
    );
    return;
  }
  try {
    sendJson(response, 200, await handlePutEvents(body));
  } catch (error) {
    if (!(error instanceof EventBusRequestError)) throw error;
    sendError(response, error);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        request.removeAllListeners('data');
        request.resume();
        reject(new EventBusRequestError('ValidationException', 'The request is too large', 413));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

async function drain(request: IncomingMessage): Promise<void> {
  request.resume();
  await new Promise<void>((resolve) => {
    request.on('end', resolve);
    request.on('error', () => resolve());
  });
}

function sendJson(response: ServerResponse, statusCode: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(statusCode, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(text),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(text);
}

function sendError(response: ServerResponse, error: EventBusRequestError): void {
  response.setHeader('x-amzn-ErrorType', error.type);
  sendJson(response, error.statusCode, { __type: error.type, message: error.message });
}
