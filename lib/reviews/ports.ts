import type { Attempt, AttemptRegistration } from './attempt.js';
import type { ReviewHead, RevisionDraft, RevisionWithOutcome, StoredRevision } from './review.js';
import type { AttemptStatus } from './statuses.js';

/** Where a page of attempts with one status ended (the store's index key, without the status). */
export interface AttemptPosition {
  statusChangedAt: string;
  attemptCode: string;
}

export interface AttemptPage {
  attempts: Attempt[];
  /** Where the next page starts; null when there is none. */
  next: AttemptPosition | null;
}

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
  /**
   * The live attempts whose current status is `status`, most recently changed first, read from an
   * index (never a scan). Archived attempts are not listed.
   */
  listAttemptsByStatus(
    status: AttemptStatus,
    limit: number,
    after: AttemptPosition | null,
  ): Promise<AttemptPage>;
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

/** What staff read of a review beyond its latest revision. */
export interface ReviewHistoryStore {
  /** Every revision, oldest first, each with what the workflow did with it. */
  getReviewHistory(attemptCode: string): Promise<RevisionWithOutcome[]>;
  /** The encrypted video link of the newest revision that has one, or null. */
  getLatestVideoLink(
    attemptCode: string,
  ): Promise<{ revision: number; encryptedVideoUrl: string } | null>;
}

/** The head moved between read and write: another delivery won the race. */
export class RevisionConflict extends Error {
  override readonly name = 'RevisionConflict';
  constructor(attemptCode: string) {
    super(`The review head of attempt ${attemptCode} changed during the write`);
  }
}
