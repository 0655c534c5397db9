import type { DynamoDBStreamEvent } from 'aws-lambda';
import { createFinishReviewHandler } from '../../functions/finish-review/handler.js';
import { EventBridgePublisher } from '../../lib/events/eventbridge-publisher.js';
import { createMetrics } from '../../lib/metrics.js';
import type { AttemptRegistration } from '../../lib/reviews/attempt.js';
import type { AttemptStore, ReviewStore } from '../../lib/reviews/ports.js';
import type { RevisionDraft, StoredRevision } from '../../lib/reviews/review.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import type { WorkflowStore } from '../../lib/workflow/ports.js';
import { lambdaContext } from '../../local/api/lambda-context.js';
import { attemptRegistration, newAttemptCode } from './factories.js';
import { FakeEventBridge } from './fake-eventbridge.js';
import { capturedLog } from './harness.js';

export const TEST_BUS = 'proctoring-reviews-test';
export const TEST_SOURCE = 'edx.proctoring';
export const PROCESSED_AT = new Date('2026-03-04T05:06:07.000Z');

export type WorkflowTestStore = AttemptStore & ReviewStore & WorkflowStore;

export interface WorkflowHarnessOptions<S extends WorkflowTestStore> {
  store?: S;
  requireFailureSecondReviews?: boolean;
  eventBridge?: FakeEventBridge;
  maxAttempts?: number;
  now?: () => Date;
}

/**
 * The finish-review handler wired to an in-memory store (or any store), a fake EventBridge and
 * captured logs and metrics. Backoff pauses are recorded instead of slept.
 */
export function workflowHarness<S extends WorkflowTestStore = MemoryStore>(
  options: WorkflowHarnessOptions<S> = {},
) {
  const store = (options.store ?? new MemoryStore()) as S;
  const eventBridge = options.eventBridge ?? new FakeEventBridge();
  const logs = capturedLog();
  const metricLines: string[] = [];
  const pauses: number[] = [];
  const publisher = new EventBridgePublisher({
    client: eventBridge,
    eventBusName: TEST_BUS,
    source: TEST_SOURCE,
    log: logs.log,
    metrics: createMetrics({ sink: (line) => metricLines.push(line) }),
    maxAttempts: options.maxAttempts ?? 4,
    sleep: async (ms) => {
      pauses.push(ms);
    },
    random: () => 0.5,
  });
  const handler = createFinishReviewHandler({
    store,
    publisher,
    log: logs.log,
    requireFailureSecondReviews: options.requireFailureSecondReviews ?? true,
    now: options.now ?? (() => PROCESSED_AT),
  });
  const invoke = (event: DynamoDBStreamEvent) => handler(event, lambdaContext('test'));
  const metrics = () => metricLines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { store, eventBridge, logs, metrics, pauses, invoke };
}

export async function registeredAttempt(
  store: AttemptStore,
  overrides: Partial<AttemptRegistration> = {},
): Promise<string> {
  const attemptCode = newAttemptCode();
  await store.registerAttempt(attemptCode, attemptRegistration(overrides));
  return attemptCode;
}

export function revisionDraft(overrides: Partial<RevisionDraft> = {}): RevisionDraft {
  return {
    source: 'vendor',
    reviewStatus: 'Clean',
    reviewedBy: null,
    rawData: { reviewStatus: overrides.reviewStatus ?? 'Clean' },
    contentHash: `hash-${Math.random()}`,
    encryptedVideoUrl: null,
    comments: [],
    receivedAt: '2026-03-04T05:00:00.000Z',
    ...overrides,
  };
}

/** Appends the next revision directly through the store, as the callback or staff API would. */
export async function appendRevision(
  store: ReviewStore,
  attemptCode: string,
  overrides: Partial<RevisionDraft> = {},
): Promise<StoredRevision> {
  const head = await store.getHead(attemptCode);
  const draft = revisionDraft(overrides);
  const revision = (head?.revision ?? 0) + 1;
  const vendorHashes = { ...head?.vendorHashes };
  if (draft.source === 'vendor') vendorHashes[draft.contentHash] = revision;
  return store.appendRevision(attemptCode, head, { revision, vendorHashes }, draft);
}

export function staffRevision(
  reviewStatus: RevisionDraft['reviewStatus'],
  reviewedBy = 'staff@example.org',
) {
  return { source: 'staff' as const, reviewStatus, reviewedBy };
}
