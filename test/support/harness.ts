import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createInternalApiHandler } from '../../functions/internal-api/handler.js';
import { createReviewCallbackHandler } from '../../functions/review-callback/handler.js';
import { createCursorCodec } from '../../lib/cursor.js';
import { createLogger } from '../../lib/log.js';
import type { AttemptStore, ReviewHistoryStore, ReviewStore } from '../../lib/reviews/ports.js';
import { createVideoUrlCipher } from '../../lib/reviews/video-url.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { lambdaContext } from '../../local/api/lambda-context.js';
import { TEST_SECRET } from './factories.js';

export const TEST_VIDEO_KEY = 'b886e02f19c77ec734b1b132beecd91eb886e02f19c77ec734b1b132beecd91e';

/** Captures every log line a handler writes, parsed, plus the raw text for leak checks. */
export function capturedLog() {
  const lines: string[] = [];
  const log = createLogger({ level: 'debug', sink: (line) => lines.push(line) });
  return {
    log,
    lines,
    entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface CallbackHarnessOptions {
  store?: AttemptStore & ReviewStore;
  allowReviewUpdates?: boolean;
  allowCallbackSimulation?: boolean;
  /** null: CALLBACK_AUTH=none. */
  secrets?: string[] | null;
  /** null: no video key configured. */
  videoKey?: string | null;
  now?: () => Date;
}

export type Invoke = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export function callbackHarness(options: CallbackHarnessOptions = {}) {
  const store = options.store ?? new MemoryStore();
  const logs = capturedLog();
  const videoKey = options.videoKey === undefined ? TEST_VIDEO_KEY : options.videoKey;
  const cipher = videoKey ? createVideoUrlCipher([videoKey]) : undefined;
  const secrets = options.secrets === undefined ? [TEST_SECRET] : options.secrets;
  const handler = createReviewCallbackHandler({
    store,
    log: logs.log,
    allowReviewUpdates: options.allowReviewUpdates ?? true,
    allowCallbackSimulation: options.allowCallbackSimulation ?? false,
    callbackSecrets: secrets ? async () => secrets : undefined,
    videoUrlCipher: async () => cipher,
    ...(options.now ? { now: options.now } : {}),
  });
  const invoke: Invoke = (event) => handler(event, lambdaContext('test'));
  return { store, logs, invoke, cipher };
}

export interface InternalApiHarnessOptions {
  videoLinkHtml5?: boolean;
  /** null: no video key configured (cursors are then signed with the test key alone). */
  videoKey?: string | null;
}

export function internalApiHarness(
  store: AttemptStore & ReviewStore & ReviewHistoryStore = new MemoryStore(),
  options: InternalApiHarnessOptions = {},
) {
  const logs = capturedLog();
  const videoKey = options.videoKey === undefined ? TEST_VIDEO_KEY : options.videoKey;
  const cipher = videoKey ? createVideoUrlCipher([videoKey]) : undefined;
  const cursors = createCursorCodec([TEST_VIDEO_KEY]);
  const handler = createInternalApiHandler({
    store,
    log: logs.log,
    cursors: async () => cursors,
    videoUrlCipher: async () => cipher,
    videoLinkHtml5: options.videoLinkHtml5 ?? false,
  });
  const invoke: Invoke = (event) => handler(event, lambdaContext('test'));
  return { store, logs, invoke, cipher, cursors };
}
