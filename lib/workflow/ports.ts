import type { WorkflowEvent } from '../events/schemas.js';
import type { Attempt } from '../reviews/attempt.js';
import type { RevisionFacts, RevisionOutcome } from './outcome.js';

/**
 * What the finish-review workflow needs from the outside world. `lib/store/` implements the store
 * (DynamoDB and in memory), `lib/events/` the publisher.
 */

/** What the finish-review workflow knows about one revision before it acts. */
export interface WorkflowState {
  /** The attempt, live or archived; null when it does not exist. */
  attempt: Attempt | null;
  /** The newest revision applied to the attempt so far, or null when none was. */
  appliedRevision: number | null;
  /** False when the revision item itself is gone. */
  revisionExists: boolean;
  /** The outcome recorded when this revision was processed before, or null. */
  outcome: RevisionOutcome | null;
}

/** Storage for the finish-review workflow (layout in `lib/store/README.md`, "Workflow bookkeeping"). */
export interface WorkflowStore {
  /** The attempt, its applied revision and the revision's recorded outcome, read together. */
  getWorkflowState(attemptCode: string, revision: number): Promise<WorkflowState>;
  /**
   * Records a revision's outcome on the revision, once, and, when the outcome is `applied`, sets
   * the attempt's status, applied revision and attribution in the same atomic step. The attempt
   * update only happens while the attempt is live, still has `outcome.fromStatus` and has no
   * applied revision as new as this one. Throws `OutcomeConflict` when any of that no longer
   * holds or the outcome was already recorded, so the caller can re-read.
   */
  recordOutcome(attemptCode: string, revision: number, outcome: RevisionOutcome): Promise<void>;
}

/** The attempt or the revision changed between the workflow's read and its write. */
export class OutcomeConflict extends Error {
  override readonly name = 'OutcomeConflict';
  constructor(attemptCode: string, revision: number) {
    super(
      `Attempt ${attemptCode} or its revision ${revision} changed while the outcome was written`,
    );
  }
}

/** Puts workflow events on the bus. */
export interface EventPublisher {
  /** Publishes one revision's events; resolves only once every event was accepted. */
  publish(events: readonly WorkflowEvent[]): Promise<void>;
}

/** A publisher that can also put several revisions' events on the bus together. */
export interface BatchEventPublisher extends EventPublisher {
  /**
   * Publishes several revisions' events together, in order, in as few calls as the bus allows.
   * Resolves with the index of each group that has an event the bus did not accept, and why;
   * every other group's events were all accepted.
   */
  publishGroups(groups: readonly (readonly WorkflowEvent[])[]): Promise<ReadonlyMap<number, Error>>;
}

/** Where a page of revisions ended: the index position of its last revision. */
export interface RevisionPosition {
  receivedAt: string;
  attemptCode: string;
  revision: number;
}

/** A revision as an index lists it: the facts the workflow needs, and when it was received. */
export interface ListedRevision {
  facts: RevisionFacts;
  receivedAt: string;
}

export interface RevisionPage {
  revisions: ListedRevision[];
  /** Where the next page starts; null when there is none. */
  next: RevisionPosition | null;
}

/**
 * Finds revisions through indexes, never by scanning: for the reconciler (revisions without a
 * recorded outcome) and for reprocessing a time range. Pages are oldest first.
 */
export interface RevisionFinder {
  /** Revisions without a recorded outcome, received before `receivedBefore` (ISO 8601). */
  listPendingRevisions(
    receivedBefore: string,
    limit: number,
    after: RevisionPosition | null,
  ): Promise<RevisionPage>;
  /** Every revision received in `[from, to)` (ISO 8601), processed or not. */
  listRevisionsReceived(
    from: string,
    to: string,
    limit: number,
    after: RevisionPosition | null,
  ): Promise<RevisionPage>;
}
