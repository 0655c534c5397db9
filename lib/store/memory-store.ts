import { AttemptArchived } from '../errors.js';
import type { Attempt, AttemptRegistration } from '../reviews/attempt.js';
import { type AttemptStore, type ReviewStore, RevisionConflict } from '../reviews/ports.js';
import type { ReviewHead, RevisionDraft, StoredRevision } from '../reviews/review.js';

/**
 * An in-process store with the same guarantees as the DynamoDB adapter (conditional head
 * updates, atomic revision writes, copies in and out). Handler tests and the CPU benchmark use it;
 * the DynamoDB adapter is tested against DynamoDB Local.
 */
export class MemoryStore implements AttemptStore, ReviewStore {
  readonly attempts = new Map<string, Attempt>();
  readonly heads = new Map<string, ReviewHead>();
  readonly revisions = new Map<string, StoredRevision[]>();

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
    return head ? { ...head } : null;
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
    this.heads.set(attemptCode, { ...next });
    this.revisions.set(attemptCode, [...(this.revisions.get(attemptCode) ?? []), stored]);
    return structuredClone(stored);
  }

  async getLatestRevision(attemptCode: string): Promise<StoredRevision | null> {
    const latest = this.revisions.get(attemptCode)?.at(-1);
    return latest ? structuredClone(latest) : null;
  }
}
