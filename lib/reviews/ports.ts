import type { WorkflowEvent } from '../events/schemas.js';
import type { RevisionOutcome } from '../workflow/outcome.js';
import type { Attempt, AttemptRegistration } from './attempt.js';
import type { ReviewHead, RevisionDraft, StoredRevision } from './review.js';

/**
 * What the review use cases need from storage. `lib/store/` holds the DynamoDB adapter and an
 * in-memory one with the same guarantees, so use cases and handlers are tested without mocking.
 */
export interface AttemptStore {
  getAttempt(attemptCode: string): Promise<Attempt | null>;
  /** Creates or replaces a live attempt; throws `AttemptArchived` for an archived one. */
  registerAttempt(attemptCode: string, registration: AttemptRegistration): Promise<Attempt>;
  /** Marks the attempt archived (idempotent); null when there is no such attempt. */
  archiveAttempt(attemptCode: string): Promise<Attempt | null>;
}

export interface ReviewStore {
  /** The attempt and its review head, read together (one round trip where the engine allows). */
  getAttemptAndHead(
    attemptCode: string,
  ): Promise<{ attempt: Attempt | null; head: ReviewHead | null }>;
  getHead(attemptCode: string): Promise<ReviewHead | null>;
  /**
   * Writes the revision, its comments and the new head in one atomic step, provided the head is
   * still `expected` (null: no review yet). Throws `RevisionConflict` when another writer got there
   * first, so the caller can re-read and decide again.
   */
  appendRevision(
    attemptCode: string,
    expected: ReviewHead | null,
    next: ReviewHead,
    draft: RevisionDraft,
  ): Promise<StoredRevision>;
  /** The latest revision with its comments and raw data, or null when there is none. */
  getLatestRevision(attemptCode: string): Promise<StoredRevision | null>;
}

/** The head moved between read and write: another delivery won the race. */
export class RevisionConflict extends Error {
  override readonly name = 'RevisionConflict';
  constructor(attemptCode: string) {
    super(`The review head of attempt ${attemptCode} changed during the write`);
  }
}

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

/** Publishes workflow events; resolves only once every event was accepted. */
export interface EventPublisher {
  publish(events: readonly WorkflowEvent[]): Promise<void>;
}
