import { setTimeout as sleep } from 'node:timers/promises';
import { ConcurrentUpdate, ReviewAlreadyExists } from '../errors.js';
import { type ReviewStore, RevisionConflict } from './ports.js';
import type { ReviewHead, RevisionDraft } from './review.js';

/** What to do with an incoming revision, given the review head as it stands. */
export type WriteDecision =
  | { kind: 'duplicate'; revision: number }
  | { kind: 'append'; next: ReviewHead };

/**
 * The re-delivery and update rules for a vendor review (docs/api.md):
 * - equal to any vendor review of the attempt so far (a retry after a timeout, a late retry, or a
 *   captured request replayed within the signature window): nothing to do, whatever
 *   `allowUpdates` says, so a vendor never gets an error for a retry and an old review never
 *   overwrites a newer one;
 * - any other review while one exists and updates are off: `review_already_exists`;
 * - otherwise: the next revision.
 */
export function decideVendorWrite(
  attemptCode: string,
  head: ReviewHead | null,
  contentHash: string,
  allowUpdates: boolean,
): WriteDecision {
  if (head && Object.hasOwn(head.vendorHashes, contentHash)) {
    return { kind: 'duplicate', revision: head.vendorHashes[contentHash] ?? head.revision };
  }
  if (head && !allowUpdates) throw new ReviewAlreadyExists(attemptCode);
  const revision = (head?.revision ?? 0) + 1;
  return {
    kind: 'append',
    next: { revision, vendorHashes: { ...head?.vendorHashes, [contentHash]: revision } },
  };
}

/** A staff review always becomes the next revision (edX's admin edit is never refused). */
export function decideStaffWrite(head: ReviewHead | null): WriteDecision {
  return {
    kind: 'append',
    next: { revision: (head?.revision ?? 0) + 1, vendorHashes: { ...head?.vendorHashes } },
  };
}

export type WriteResult = { kind: 'stored' | 'duplicate'; revision: number };

export interface WriteOptions {
  /** Rounds of read-decide-write before giving up with a retryable 503. */
  maxRounds?: number;
  /** Upper bound of the random pause between rounds, in milliseconds. */
  maxBackoffMs?: number;
}

/**
 * Optimistic concurrency: decide on the head as read, write under the condition that it has not
 * moved, and on a lost race re-read and decide again. Racing identical deliveries therefore all
 * end as one revision plus duplicates; racing different ones with updates off as one revision plus
 * `review_already_exists`.
 */
export async function writeRevision(
  store: ReviewStore,
  attemptCode: string,
  initialHead: ReviewHead | null,
  decide: (head: ReviewHead | null) => WriteDecision,
  draft: RevisionDraft,
  options: WriteOptions = {},
): Promise<WriteResult> {
  const maxRounds = options.maxRounds ?? 10;
  const maxBackoffMs = options.maxBackoffMs ?? 40;
  let head = initialHead;
  for (let round = 1; round <= maxRounds; round++) {
    const decision = decide(head);
    if (decision.kind === 'duplicate') return decision;
    try {
      await store.appendRevision(attemptCode, head, decision.next, draft);
      return { kind: 'stored', revision: decision.next.revision };
    } catch (error) {
      if (!(error instanceof RevisionConflict)) throw error;
    }
    await sleep(Math.random() * maxBackoffMs * Math.min(round, 4));
    head = await store.getHead(attemptCode);
  }
  throw new ConcurrentUpdate(attemptCode);
}
