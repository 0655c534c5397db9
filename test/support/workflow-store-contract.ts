import { describe, expect, it } from 'vitest';
import type { StoredRevision } from '../../lib/reviews/review.js';
import { planOutcome, type RevisionOutcome } from '../../lib/workflow/outcome.js';
import { OutcomeConflict } from '../../lib/workflow/ports.js';
import { attemptRegistration } from './factories.js';
import {
  appendRevision,
  registeredAttempt,
  staffRevision,
  type WorkflowTestStore,
} from './workflow-harness.js';

/**
 * The workflow bookkeeping every store must provide, run against the in-memory store (unit) and
 * the DynamoDB store (integration), so the two stay faithful to each other.
 */
export function describeWorkflowStore(name: string, store: () => WorkflowTestStore) {
  async function plan(attemptCode: string, revision: StoredRevision): Promise<RevisionOutcome> {
    const state = await store().getWorkflowState(attemptCode, revision.revision);
    if (!state.attempt) throw new Error('no attempt');
    return planOutcome({
      facts: { attemptCode, ...revision },
      attempt: state.attempt,
      appliedRevision: state.appliedRevision,
      requireFailureSecondReviews: true,
      processedAt: new Date('2026-03-04T05:06:07.000Z'),
    });
  }

  describe(`${name}: workflow bookkeeping`, () => {
    it('knows nothing of an unknown attempt or revision', async () => {
      expect(await store().getWorkflowState('unknown', 1)).toEqual({
        attempt: null,
        appliedRevision: null,
        revisionExists: false,
        outcome: null,
      });
    });

    it('reads a fresh revision as unprocessed', async () => {
      const attemptCode = await registeredAttempt(store());
      await appendRevision(store(), attemptCode);

      const state = await store().getWorkflowState(attemptCode, 1);

      expect(state).toMatchObject({ appliedRevision: null, revisionExists: true, outcome: null });
      expect(state.attempt?.status).toBe('submitted');
    });

    it('applies an outcome to the attempt and records it on the revision, together', async () => {
      // Prepare
      const attemptCode = await registeredAttempt(store());
      const revision = await appendRevision(store(), attemptCode, staffRevision('Suspicious'));
      const outcome = await plan(attemptCode, revision);

      // Act
      await store().recordOutcome(attemptCode, 1, outcome);

      // Assess
      const state = await store().getWorkflowState(attemptCode, 1);
      expect(state.attempt?.status).toBe('rejected');
      expect(state.appliedRevision).toBe(1);
      expect(state.outcome).toEqual(outcome);
    });

    it('records an outcome once only', async () => {
      const attemptCode = await registeredAttempt(store());
      const revision = await appendRevision(store(), attemptCode);
      const outcome = await plan(attemptCode, revision);
      await store().recordOutcome(attemptCode, 1, outcome);

      await expect(
        store().recordOutcome(attemptCode, 1, {
          ...outcome,
          processedAt: '2026-03-05T00:00:00.000Z',
        }),
      ).rejects.toBeInstanceOf(OutcomeConflict);
      expect((await store().getWorkflowState(attemptCode, 1)).outcome).toEqual(outcome);
    });

    it('refuses to apply when the status moved since it was read, recording nothing', async () => {
      const attemptCode = await registeredAttempt(store());
      const revision = await appendRevision(store(), attemptCode);
      const outcome = await plan(attemptCode, revision);
      await store().registerAttempt(attemptCode, attemptRegistration({ status: 'error' }));

      await expect(store().recordOutcome(attemptCode, 1, outcome)).rejects.toBeInstanceOf(
        OutcomeConflict,
      );
      const state = await store().getWorkflowState(attemptCode, 1);
      expect(state).toMatchObject({ appliedRevision: null, outcome: null });
      expect(state.attempt?.status).toBe('error');
    });

    it('refuses to apply to an attempt archived since it was read', async () => {
      const attemptCode = await registeredAttempt(store());
      const revision = await appendRevision(store(), attemptCode);
      const outcome = await plan(attemptCode, revision);
      await store().archiveAttempt(attemptCode);

      await expect(store().recordOutcome(attemptCode, 1, outcome)).rejects.toBeInstanceOf(
        OutcomeConflict,
      );
      expect((await store().getWorkflowState(attemptCode, 1)).attempt).toMatchObject({
        status: 'submitted',
        archived: true,
      });
    });

    it('refuses to apply a revision no newer than the applied one', async () => {
      const attemptCode = await registeredAttempt(store());
      const first = await appendRevision(store(), attemptCode);
      const second = await appendRevision(store(), attemptCode, staffRevision('Suspicious'));
      const late = await plan(attemptCode, first);
      await store().recordOutcome(attemptCode, 2, await plan(attemptCode, second));

      await expect(
        store().recordOutcome(attemptCode, 1, { ...late, fromStatus: 'rejected' }),
      ).rejects.toBeInstanceOf(OutcomeConflict);
      expect((await store().getWorkflowState(attemptCode, 2)).appliedRevision).toBe(2);
    });

    it('records a superseded or archived outcome without touching the attempt', async () => {
      const attemptCode = await registeredAttempt(store());
      const first = await appendRevision(store(), attemptCode, { reviewStatus: 'Suspicious' });
      const second = await appendRevision(store(), attemptCode);
      await store().recordOutcome(attemptCode, 2, await plan(attemptCode, second));
      const late = await plan(attemptCode, first);

      await store().recordOutcome(attemptCode, 1, late);

      const state = await store().getWorkflowState(attemptCode, 1);
      expect(late.disposition).toBe('superseded');
      expect(state.outcome).toEqual(late);
      expect(state.appliedRevision).toBe(2);
      expect(state.attempt?.status).toBe('verified');
    });

    it('refuses an outcome for a revision that does not exist', async () => {
      const attemptCode = await registeredAttempt(store());
      const revision = await appendRevision(store(), attemptCode);
      const outcome = await plan(attemptCode, revision);

      await expect(store().recordOutcome(attemptCode, 2, outcome)).rejects.toBeInstanceOf(
        OutcomeConflict,
      );
      expect((await store().getWorkflowState(attemptCode, 1)).attempt?.status).toBe('submitted');
    });

    it('keeps the applied revision when the attempt is registered again', async () => {
      const attemptCode = await registeredAttempt(store());
      const revision = await appendRevision(store(), attemptCode);
      await store().recordOutcome(attemptCode, 1, await plan(attemptCode, revision));

      await store().registerAttempt(attemptCode, attemptRegistration({ status: 'submitted' }));

      expect((await store().getWorkflowState(attemptCode, 1)).appliedRevision).toBe(1);
    });
  });
}
