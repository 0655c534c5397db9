import { AttemptArchived } from '../errors.js';
import type { Attempt, AttemptRegistration } from '../reviews/attempt.js';
import { type AttemptStore, type ReviewStore, RevisionConflict } from '../reviews/ports.js';
import type { ReviewHead, RevisionDraft, StoredRevision } from '../reviews/review.js';
import type { RevisionOutcome } from '../workflow/outcome.js';
import { OutcomeConflict, type WorkflowState, type WorkflowStore } from '../workflow/ports.js';

/** The workflow's bookkeeping on an attempt, kept apart so re-registration leaves it alone. */
export interface AppliedReview {
  appliedRevision: number;
  statusAttributedTo: string | null;
  statusUpdatedAt: string;
}

/**
 * An in-process store with the same guarantees as the DynamoDB adapter (conditional head
 * updates, atomic revision writes, copies in and out). Handler tests and the CPU benchmark use it;
 * the DynamoDB adapter is tested against DynamoDB Local.
 */
export class MemoryStore implements AttemptStore, ReviewStore, WorkflowStore {
  readonly attempts = new Map<string, Attempt>();
  readonly heads = new Map<string, ReviewHead>();
  readonly revisions = new Map<string, StoredRevision[]>();
  readonly applied = new Map<string, AppliedReview>();
  /** Recorded outcomes by attempt code, then revision number. */
  readonly outcomes = new Map<string, Map<number, RevisionOutcome>>();

  async getAttempt(attemptCode: string): Promise<Attempt | null> {
    const attempt = this.attempts.get(attemptCode);
    return attempt ? structuredClone(attempt) : null;
  }

  async registerAttempt(attemptCode: string, registration: AttemptRegistration): Promise<Attempt> {
    if (this.attempts.get(attemptCode)?.archived) throw new AttemptArchived(attemptCode);
    const attempt: Attempt = { ...structuredClone(registration), attemptCode, archived: false };
    this.attempts.set(attemptCode, attempt);
    return structuredClone(attempt);
  }

  async archiveAttempt(attemptCode: string): Promise<Attempt | null> {
    const attempt = this.attempts.get(attemptCode);
    if (!attempt) return null;
    attempt.archived = true;
    return structuredClone(attempt);
  }

  async getAttemptAndHead(
    attemptCode: string,
  ): Promise<{ attempt: Attempt | null; head: ReviewHead | null }> {
    return { attempt: await this.getAttempt(attemptCode), head: await this.getHead(attemptCode) };
  }

  async getHead(attemptCode: string): Promise<ReviewHead | null> {
    const head = this.heads.get(attemptCode);
    return head ? structuredClone(head) : null;
  }

  async appendRevision(
    attemptCode: string,
    expected: ReviewHead | null,
    next: ReviewHead,
    draft: RevisionDraft,
  ): Promise<StoredRevision> {
    const current = this.heads.get(attemptCode) ?? null;
    if ((current?.revision ?? null) !== (expected?.revision ?? null)) {
      throw new RevisionConflict(attemptCode);
    }
    const stored: StoredRevision = { ...structuredClone(draft), revision: next.revision };
    this.heads.set(attemptCode, structuredClone(next));
    this.revisions.set(attemptCode, [...(this.revisions.get(attemptCode) ?? []), stored]);
    return structuredClone(stored);
  }

  async getLatestRevision(attemptCode: string): Promise<StoredRevision | null> {
    const latest = this.revisions.get(attemptCode)?.at(-1);
    return latest ? structuredClone(latest) : null;
  }

  async getWorkflowState(attemptCode: string, revision: number): Promise<WorkflowState> {
    const outcome = this.outcomes.get(attemptCode)?.get(revision);
    return {
      attempt: await this.getAttempt(attemptCode),
      appliedRevision: this.applied.get(attemptCode)?.appliedRevision ?? null,
      revisionExists: this.hasRevision(attemptCode, revision),
      outcome: outcome ? structuredClone(outcome) : null,
    };
  }

  async recordOutcome(
    attemptCode: string,
    revision: number,
    outcome: RevisionOutcome,
  ): Promise<void> {
    const recorded = this.outcomes.get(attemptCode) ?? new Map<number, RevisionOutcome>();
    if (!this.hasRevision(attemptCode, revision) || recorded.has(revision)) {
      throw new OutcomeConflict(attemptCode, revision);
    }
    if (outcome.disposition === 'applied') {
      const attempt = this.attempts.get(attemptCode);
      const appliedRevision = this.applied.get(attemptCode)?.appliedRevision ?? null;
      if (
        !attempt ||
        attempt.archived ||
        attempt.status !== outcome.fromStatus ||
        (appliedRevision !== null && appliedRevision >= revision)
      ) {
        throw new OutcomeConflict(attemptCode, revision);
      }
      attempt.status = outcome.toStatus;
      this.applied.set(attemptCode, {
        appliedRevision: revision,
        statusAttributedTo: outcome.attributedTo,
        statusUpdatedAt: outcome.processedAt,
      });
    }
    recorded.set(revision, structuredClone(outcome));
    this.outcomes.set(attemptCode, recorded);
  }

  private hasRevision(attemptCode: string, revision: number): boolean {
    return (this.revisions.get(attemptCode) ?? []).some((stored) => stored.revision === revision);
  }
}
