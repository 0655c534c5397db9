import { AttemptArchived } from '../errors.js';
import type { Attempt, AttemptRegistration } from '../reviews/attempt.js';
import {
  type AttemptPage,
  type AttemptPosition,
  type AttemptStore,
  type ReviewHistoryStore,
  type ReviewStore,
  RevisionConflict,
} from '../reviews/ports.js';
import type {
  ReviewHead,
  RevisionDraft,
  RevisionWithOutcome,
  StoredRevision,
} from '../reviews/review.js';
import type { AttemptStatus } from '../reviews/statuses.js';
import type { RevisionOutcome } from '../workflow/outcome.js';
import {
  type ListedRevision,
  OutcomeConflict,
  type RevisionFinder,
  type RevisionPage,
  type RevisionPosition,
  type WorkflowState,
  type WorkflowStore,
} from '../workflow/ports.js';

/** The workflow's bookkeeping on an attempt, kept apart so re-registration leaves it alone. */
export interface AppliedReview {
  appliedRevision: number;
  statusAttributedTo: string | null;
  statusUpdatedAt: string;
}

/** Orders positions as the indexes do: by time, then attempt code, then revision. */
function compareRevisions(a: RevisionPosition, b: RevisionPosition): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? -1 : 1;
  if (a.attemptCode !== b.attemptCode) return a.attemptCode < b.attemptCode ? -1 : 1;
  return a.revision - b.revision;
}

function comparePositions(a: AttemptPosition, b: AttemptPosition): number {
  if (a.statusChangedAt !== b.statusChangedAt)
    return a.statusChangedAt < b.statusChangedAt ? -1 : 1;
  return a.attemptCode < b.attemptCode ? -1 : a.attemptCode > b.attemptCode ? 1 : 0;
}

/** One page of `sorted` after `after` (exclusive), with the position of its last item. */
function pageOf<T, P>(
  sorted: T[],
  isAfter: (item: T) => boolean,
  limit: number,
  position: (item: T) => P,
): { items: T[]; next: P | null } {
  const remaining = sorted.filter(isAfter);
  const items = remaining.slice(0, limit);
  const last = items.at(-1);
  return { items, next: remaining.length > limit && last ? position(last) : null };
}

/**
 * An in-process store with the same guarantees as the DynamoDB adapter (conditional head
 * updates, atomic revision writes, copies in and out, the same index orders and sparse
 * membership). Handler tests and the CPU benchmark use it; the DynamoDB adapter is tested against
 * DynamoDB Local.
 */
export class MemoryStore
  implements AttemptStore, ReviewStore, ReviewHistoryStore, WorkflowStore, RevisionFinder
{
  readonly attempts = new Map<string, Attempt>();
  readonly heads = new Map<string, ReviewHead>();
  readonly revisions = new Map<string, StoredRevision[]>();
  readonly applied = new Map<string, AppliedReview>();
  /** Recorded outcomes by attempt code, then revision number. */
  readonly outcomes = new Map<string, Map<number, RevisionOutcome>>();
  /** When each live attempt's status was last set: its key in the status index. */
  readonly statusChangedAt = new Map<string, string>();

  async getAttempt(attemptCode: string): Promise<Attempt | null> {
    const attempt = this.attempts.get(attemptCode);
    return attempt ? structuredClone(attempt) : null;
  }

  async registerAttempt(attemptCode: string, registration: AttemptRegistration): Promise<Attempt> {
    if (this.attempts.get(attemptCode)?.archived) throw new AttemptArchived(attemptCode);
    const attempt: Attempt = { ...structuredClone(registration), attemptCode, archived: false };
    this.attempts.set(attemptCode, attempt);
    this.statusChangedAt.set(attemptCode, new Date().toISOString());
    return structuredClone(attempt);
  }

  async archiveAttempt(attemptCode: string): Promise<Attempt | null> {
    const attempt = this.attempts.get(attemptCode);
    if (!attempt) return null;
    attempt.archived = true;
    this.statusChangedAt.delete(attemptCode);
    return structuredClone(attempt);
  }

  async listAttemptsByStatus(
    status: AttemptStatus,
    limit: number,
    after: AttemptPosition | null,
  ): Promise<AttemptPage> {
    const listed = [...this.attempts.values()]
      .filter(
        (attempt) => attempt.status === status && this.statusChangedAt.has(attempt.attemptCode),
      )
      .map((attempt) => ({
        attempt,
        position: {
          statusChangedAt: this.statusChangedAt.get(attempt.attemptCode) ?? '',
          attemptCode: attempt.attemptCode,
        },
      }))
      // Most recently changed first.
      .sort((a, b) => comparePositions(b.position, a.position));
    const { items, next } = pageOf(
      listed,
      (entry) => after === null || comparePositions(entry.position, after) < 0,
      limit,
      (entry) => entry.position,
    );
    return { attempts: items.map((entry) => structuredClone(entry.attempt)), next };
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

  async getReviewHistory(attemptCode: string): Promise<RevisionWithOutcome[]> {
    return (this.revisions.get(attemptCode) ?? []).map((stored) => {
      const outcome = this.outcomes.get(attemptCode)?.get(stored.revision);
      return {
        ...structuredClone(stored),
        outcome: outcome
          ? {
              decidedStatus: outcome.decidedStatus,
              fromStatus: outcome.fromStatus,
              toStatus: outcome.toStatus,
              disposition: outcome.disposition,
              processedAt: outcome.processedAt,
            }
          : null,
      };
    });
  }

  async getLatestVideoLink(
    attemptCode: string,
  ): Promise<{ revision: number; encryptedVideoUrl: string } | null> {
    const newest = (this.revisions.get(attemptCode) ?? []).findLast(
      (stored) => stored.encryptedVideoUrl !== null,
    );
    return newest?.encryptedVideoUrl
      ? { revision: newest.revision, encryptedVideoUrl: newest.encryptedVideoUrl }
      : null;
  }

  async listPendingRevisions(
    receivedBefore: string,
    limit: number,
    after: RevisionPosition | null,
  ): Promise<RevisionPage> {
    return this.listRevisions(
      (listed) =>
        listed.receivedAt < receivedBefore &&
        !this.outcomes.get(listed.facts.attemptCode)?.has(listed.facts.revision),
      limit,
      after,
    );
  }

  async listRevisionsReceived(
    from: string,
    to: string,
    limit: number,
    after: RevisionPosition | null,
  ): Promise<RevisionPage> {
    return this.listRevisions(
      (listed) => listed.receivedAt >= from && listed.receivedAt < to,
      limit,
      after,
    );
  }

  private listRevisions(
    include: (listed: ListedRevision) => boolean,
    limit: number,
    after: RevisionPosition | null,
  ): RevisionPage {
    const position = (listed: ListedRevision): RevisionPosition => ({
      receivedAt: listed.receivedAt,
      attemptCode: listed.facts.attemptCode,
      revision: listed.facts.revision,
    });
    const listed = [...this.revisions.entries()]
      .flatMap(([attemptCode, stored]) =>
        stored.map((revision) => ({
          receivedAt: revision.receivedAt,
          facts: {
            attemptCode,
            revision: revision.revision,
            source: revision.source,
            reviewStatus: revision.reviewStatus,
            reviewedBy: revision.reviewedBy,
          },
        })),
      )
      .filter(include)
      .sort((a, b) => compareRevisions(position(a), position(b)));
    const { items, next } = pageOf(
      listed,
      (entry) => after === null || compareRevisions(position(entry), after) > 0,
      limit,
      position,
    );
    return { revisions: items, next };
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
      this.statusChangedAt.set(attemptCode, outcome.processedAt);
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
