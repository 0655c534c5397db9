import type { WorkflowEvent } from '../events/schemas.js';
import type { Logger } from '../log.js';
import { workflowEvents } from './events.js';
import { planOutcome, type RevisionFacts, type RevisionOutcome } from './outcome.js';
import {
  type EventPublisher,
  OutcomeConflict,
  type WorkflowState,
  type WorkflowStore,
} from './ports.js';

export interface FinishReviewDependencies {
  store: WorkflowStore;
  publisher: EventPublisher;
  requireFailureSecondReviews: boolean;
  log: Logger;
  now?: () => Date;
}

export type FinishReviewResult =
  | { kind: 'published'; outcome: RevisionOutcome; replayed: boolean; events: number }
  | { kind: 'skipped'; reason: 'attempt_missing' | 'revision_missing' };

/**
 * Another writer changed the attempt between the workflow's read and its write, and did not
 * record this revision's outcome. Failing the record lets the stream retry it on fresh data.
 */
export class WorkflowConflict extends Error {
  override readonly name = 'WorkflowConflict';
  constructor(attemptCode: string, revision: number) {
    super(`Attempt ${attemptCode} changed while revision ${revision} was applied; retry`);
  }
}

/** A revision whose outcome is recorded, with the events that announce it (none when skipped). */
export interface AppliedRevision {
  result: FinishReviewResult;
  events: WorkflowEvent[];
}

/**
 * Runs edX's `finish_review_workflow` for one review revision (docs/api.md): `applyRevision`, then
 * publishing its events.
 *
 * Reprocessing a revision (a redelivered record, a retry after a failed publish, a crash between
 * the two steps) finds the recorded outcome, changes nothing and publishes the same events again,
 * with the same ids, content and time. A caller that has just read the state (the reconciler,
 * reprocessing) passes it as `known` instead of having it read twice.
 */
export async function finishReview(
  deps: FinishReviewDependencies,
  facts: RevisionFacts,
  known?: WorkflowState,
): Promise<FinishReviewResult> {
  const { result, events } = await applyRevision(deps, facts, known);
  if (events.length === 0) return result;
  await deps.publisher.publish(events);
  // Stryker disable next-line StringLiteral,ObjectLiteral,ArrowFunction: log text only
  deps.log.debug('events published', { events: events.map((event) => event.detailType) });
  return result;
}

/**
 * The store half of the workflow for one revision:
 * 1. read the attempt and the revision's recorded outcome together;
 * 2. when there is no outcome yet, decide one and record it, atomically with the attempt's new
 *    status when it applies (a live attempt, newer than any applied revision);
 * 3. build the events from the outcome (publishing them is the caller's).
 *
 * DynamoDB requests per revision: 2 the first time (read, write), 1 when reprocessed, 3 when
 * another writer interferes (read, write, read again).
 */
export async function applyRevision(
  deps: Omit<FinishReviewDependencies, 'publisher'>,
  facts: RevisionFacts,
  known?: WorkflowState,
): Promise<AppliedRevision> {
  const { attemptCode, revision } = facts;
  const log = deps.log;
  const state = known ?? (await deps.store.getWorkflowState(attemptCode, revision));
  let outcome = state.outcome;
  let replayed = outcome !== null;

  if (!outcome) {
    // Attempts are archived, never deleted, and revisions are never deleted: both cases mean data
    // was removed by hand, which no retry repairs.
    if (!state.revisionExists) {
      // Stryker disable next-line StringLiteral: log text only
      log.error('review revision no longer exists; nothing to do');
      return { result: { kind: 'skipped', reason: 'revision_missing' }, events: [] };
    }
    if (!state.attempt) {
      // Stryker disable next-line StringLiteral: log text only
      log.error('attempt of the review revision does not exist; nothing to do');
      return { result: { kind: 'skipped', reason: 'attempt_missing' }, events: [] };
    }
    const planned = planOutcome({
      facts,
      attempt: state.attempt,
      appliedRevision: state.appliedRevision,
      requireFailureSecondReviews: deps.requireFailureSecondReviews,
      processedAt: deps.now?.() ?? new Date(),
    });
    try {
      await deps.store.recordOutcome(attemptCode, revision, planned);
      outcome = planned;
    } catch (error) {
      if (!(error instanceof OutcomeConflict)) throw error;
      const again = await deps.store.getWorkflowState(attemptCode, revision);
      if (!again.outcome) throw new WorkflowConflict(attemptCode, revision);
      outcome = again.outcome;
      replayed = true;
    }
    // Stryker disable BlockStatement: log text only (the else branch below only logs)
    // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
    log.info('review revision processed', {
      disposition: outcome.disposition,
      decidedStatus: outcome.decidedStatus,
      fromStatus: outcome.fromStatus,
      toStatus: outcome.toStatus,
    });
  } else {
    // Stryker disable next-line StringLiteral,ObjectLiteral: log text only
    log.info('review revision already processed; publishing its events again', {
      disposition: outcome.disposition,
    });
  }
  // Stryker restore BlockStatement

  const events = workflowEvents(facts, outcome);
  return { result: { kind: 'published', outcome, replayed, events: events.length }, events };
}
