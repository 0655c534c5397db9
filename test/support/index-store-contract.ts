import { describe, expect, it } from 'vitest';
import type { ReviewHistoryStore } from '../../lib/reviews/ports.js';
import type { StoredRevision } from '../../lib/reviews/review.js';
import { planOutcome } from '../../lib/workflow/outcome.js';
import type { RevisionFinder } from '../../lib/workflow/ports.js';
import {
  appendRevision,
  registeredAttempt,
  staffRevision,
  type WorkflowTestStore,
} from './workflow-harness.js';

export type IndexedTestStore = WorkflowTestStore & RevisionFinder & ReviewHistoryStore;

/**
 * The indexes and history reads every store must provide, run against the in-memory store
 * (unit) and the DynamoDB store on DynamoDB Local (integration). Each test gets an empty store,
 * because the indexes span the whole table.
 */
export function describeIndexedStore(name: string, freshStore: () => Promise<IndexedTestStore>) {
  async function processed(store: IndexedTestStore, attemptCode: string, revision: StoredRevision) {
    const state = await store.getWorkflowState(attemptCode, revision.revision);
    if (!state.attempt) throw new Error('no attempt');
    const outcome = planOutcome({
      facts: { attemptCode, ...revision },
      attempt: state.attempt,
      appliedRevision: state.appliedRevision,
      requireFailureSecondReviews: true,
      processedAt: new Date('2026-03-04T06:00:00.000Z'),
    });
    await store.recordOutcome(attemptCode, revision.revision, outcome);
    return outcome;
  }
  const at = (second: number) =>
    new Date(Date.parse('2026-03-04T05:00:00.000Z') + second * 1000).toISOString();
  const keyOf = (listed: { facts: { attemptCode: string; revision: number } }) =>
    `${listed.facts.attemptCode}#${listed.facts.revision}`;

  describe(`${name}: pending revisions`, () => {
    it('lists revisions without an outcome received before the cutoff, oldest first, and drops them once processed', async () => {
      // Prepare: three revisions; the middle one is processed, the last is after the cutoff
      const store = await freshStore();
      const first = await registeredAttempt(store);
      const second = await registeredAttempt(store);
      await appendRevision(store, first, { receivedAt: at(2), reviewStatus: 'Suspicious' });
      const done = await appendRevision(store, second, { receivedAt: at(1) });
      await appendRevision(store, first, { receivedAt: at(10), ...staffRevision('Clean') });
      await processed(store, second, done);

      // Act
      const page = await store.listPendingRevisions(at(5), 10, null);

      // Assess
      expect(page).toEqual({
        revisions: [
          {
            receivedAt: at(2),
            facts: {
              attemptCode: first,
              revision: 1,
              source: 'vendor',
              reviewStatus: 'Suspicious',
              reviewedBy: null,
            },
          },
        ],
        next: null,
      });
      const later = await store.listPendingRevisions(at(11), 10, null);
      expect(later.revisions.map((listed) => listed.facts)).toEqual([
        expect.objectContaining({ attemptCode: first, revision: 1 }),
        {
          attemptCode: first,
          revision: 2,
          source: 'staff',
          reviewStatus: 'Clean',
          reviewedBy: 'staff@example.org',
        },
      ]);
    });

    it('pages with a position, each revision once, and no empty last page', async () => {
      const store = await freshStore();
      for (let index = 0; index < 5; index++) {
        await appendRevision(store, await registeredAttempt(store), { receivedAt: at(index) });
      }

      const seen: string[] = [];
      const sizes: number[] = [];
      let next = null;
      do {
        const page = await store.listPendingRevisions(at(100), 2, next);
        seen.push(...page.revisions.map(keyOf));
        sizes.push(page.revisions.length);
        next = page.next;
      } while (next);

      expect(sizes).toEqual([2, 2, 1]);
      expect(new Set(seen).size).toBe(5);
    });
  });

  describe(`${name}: revisions by time`, () => {
    it('lists every revision received in [from, to), processed or not, and pages through them', async () => {
      // Prepare: revisions at 0 (before), 1, 2 (processed), 3, and 4 (= to)
      const store = await freshStore();
      const codes: string[] = [];
      const revisions: StoredRevision[] = [];
      for (let second = 0; second <= 4; second++) {
        const attemptCode = await registeredAttempt(store);
        codes.push(attemptCode);
        revisions.push(await appendRevision(store, attemptCode, { receivedAt: at(second) }));
      }
      await processed(store, codes[2] as string, revisions[2] as StoredRevision);

      // Act
      const first = await store.listRevisionsReceived(at(1), at(4), 2, null);
      const second = await store.listRevisionsReceived(at(1), at(4), 2, first.next);

      // Assess
      expect(first.revisions.map((listed) => listed.facts.attemptCode)).toEqual(codes.slice(1, 3));
      expect(first.next).not.toBeNull();
      expect(second.revisions.map((listed) => listed.facts.attemptCode)).toEqual([codes[3]]);
      expect(second.next).toBeNull();
    });
  });

  describe(`${name}: attempts by status`, () => {
    it('lists live attempts with a status, newest change first; a status change moves them, archiving removes them', async () => {
      // Prepare: three attempts waiting for review, registered in order
      const store = await freshStore();
      const codes: string[] = [];
      for (let index = 0; index < 3; index++) {
        codes.push(await registeredAttempt(store, { status: 'second_review_required' }));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const [oldest, middle, newest] = codes as [string, string, string];
      const revision = await appendRevision(store, middle, staffRevision('Clean'));
      await processed(store, middle, revision);
      await store.archiveAttempt(newest);

      // Act
      const waiting = await store.listAttemptsByStatus('second_review_required', 10, null);
      const verified = await store.listAttemptsByStatus('verified', 10, null);

      // Assess
      expect(waiting.attempts.map((attempt) => attempt.attemptCode)).toEqual([oldest]);
      expect(verified.attempts.map((attempt) => attempt.attemptCode)).toEqual([middle]);
      expect(verified.attempts[0]).toMatchObject({ status: 'verified', archived: false });
      expect(waiting.next).toBeNull();
    });

    it('pages newest first with a position, each attempt once', async () => {
      const store = await freshStore();
      const codes: string[] = [];
      for (let index = 0; index < 5; index++) {
        codes.push(await registeredAttempt(store, { status: 'error' }));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }

      const listed: string[] = [];
      let next = null;
      do {
        const page = await store.listAttemptsByStatus('error', 2, next);
        listed.push(...page.attempts.map((attempt) => attempt.attemptCode));
        next = page.next;
      } while (next);

      expect(listed).toEqual([...codes].reverse());
    });
  });

  describe(`${name}: review history and video link`, () => {
    it('reads every revision with its outcome, and the newest video link', async () => {
      const store = await freshStore();
      const attemptCode = await registeredAttempt(store);
      const first = await appendRevision(store, attemptCode, {
        reviewStatus: 'Suspicious',
        encryptedVideoUrl: 'v1.token-one',
        comments: [
          { start: 1, stop: 2, duration: 1, comment: 'c', status: 'Suspicious', source: 'webcam' },
        ],
      });
      const outcome = await processed(store, attemptCode, first);
      await appendRevision(store, attemptCode, { encryptedVideoUrl: 'v1.token-two' });
      await appendRevision(store, attemptCode, staffRevision('Clean'));

      const history = await store.getReviewHistory(attemptCode);
      const video = await store.getLatestVideoLink(attemptCode);

      expect(history.map((entry) => [entry.revision, entry.outcome?.disposition ?? null])).toEqual([
        [1, 'applied'],
        [2, null],
        [3, null],
      ]);
      expect(history[0]).toEqual({
        ...first,
        outcome: {
          decidedStatus: outcome.decidedStatus,
          fromStatus: outcome.fromStatus,
          toStatus: outcome.toStatus,
          disposition: outcome.disposition,
          processedAt: outcome.processedAt,
        },
      });
      expect(video).toEqual({ revision: 2, encryptedVideoUrl: 'v1.token-two' });
      expect(await store.getLatestVideoLink(await registeredAttempt(store))).toBeNull();
    });
  });
}
