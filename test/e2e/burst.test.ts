import { describe, expect, inject, it } from 'vitest';
import {
  attemptRegistration,
  newAttemptCode,
  vendorComment,
  vendorPayload,
} from '../support/factories.js';
import {
  call,
  eventsFor,
  eventually,
  type HttpAnswer,
  readAttempt,
  registerAttempt,
  sendCallback,
} from '../support/local-client.js';

/**
 * Exam-end bursts through the running local stack: load alone never gets a 5xx (the functions run
 * at the concurrency the template gives them and extra invocations wait), and the stream workflow,
 * run in parallel across attempts, keeps each attempt's revisions in order.
 */
const { standard } = inject('localStacks');

const register = (attemptCode: string) =>
  call(
    standard,
    'PUT',
    `/internal/attempts/${attemptCode}`,
    JSON.stringify(attemptRegistration({ status: 'submitted' })),
  );

const statusCounts = (answers: HttpAnswer[]) =>
  answers.reduce<Record<number, number>>((counts, answer) => {
    counts[answer.status] = (counts[answer.status] ?? 0) + 1;
    return counts;
  }, {});

describe('a burst of requests', () => {
  it('answers 500 registrations and callbacks in flight at once without a 5xx', async () => {
    // Prepare: attempts for the callbacks, themselves registered 250 at once.
    const reviewed = Array.from({ length: 250 }, () => newAttemptCode());
    const prepared = await Promise.all(reviewed.map(register));
    expect(statusCounts(prepared)).toEqual({ 200: 250 });
    const fresh = Array.from({ length: 250 }, () => newAttemptCode());

    // Act: 250 new registrations and 250 callbacks, all sent before any answer arrives.
    const answers = await Promise.all([
      ...fresh.map(register),
      ...reviewed.map((attemptCode) =>
        sendCallback(standard, vendorPayload({ attemptCode, reviewStatus: 'Clean' })),
      ),
    ]);

    // Assess
    expect(statusCounts(answers)).toEqual({ 200: 500 });
    // Every review reached the bus: the workflow kept up with the burst too.
    await eventually(async () => {
      const received = await Promise.all(
        reviewed.map(async (attemptCode) => (await eventsFor(standard, attemptCode)).length),
      );
      expect(received.filter((count) => count === 2)).toHaveLength(reviewed.length);
    }, 60_000);
  }, 240_000);
});

describe('per-attempt order under the parallel stream workflow', () => {
  it('ends each attempt at its last revision, with events in revision order', async () => {
    // Prepare: a few attempts that get many revisions, and many that get one.
    const statuses = ['Suspicious', 'Clean', 'Not Reviewed', 'Rules Violation', 'Suspicious'];
    const expected: Record<string, string> = {
      Clean: 'verified',
      'Rules Violation': 'verified',
      Suspicious: 'second_review_required',
      'Not Reviewed': 'error',
    };
    const busy = await Promise.all(Array.from({ length: 4 }, () => registerAttempt(standard)));
    const quiet = await Promise.all(Array.from({ length: 60 }, () => registerAttempt(standard)));

    // Act: each busy attempt's revisions one after another (so their order is known), while
    // the quiet attempts' single reviews arrive in between.
    const busyRuns = busy.map(async (attemptCode, lane) => {
      const index = (round: number) => (round + lane) % statuses.length;
      for (let round = 0; round < statuses.length; round++) {
        const reviewStatus = statuses[index(round)] as string;
        // A comment per round: no review repeats an earlier one, which would be a no-op.
        const webCamComments = [vendorComment(`round ${round}`)];
        const answer = await sendCallback(
          standard,
          vendorPayload({ attemptCode, reviewStatus, webCamComments }),
        );
        expect(answer.status).toBe(200);
      }
      return statuses.map((_, round) => statuses[index(round)] as string);
    });
    const quietRun = Promise.all(
      quiet.map((attemptCode, index) =>
        sendCallback(
          standard,
          vendorPayload({ attemptCode, reviewStatus: statuses[index % statuses.length] as string }),
        ),
      ),
    );
    const [sequences, quietAnswers] = await Promise.all([Promise.all(busyRuns), quietRun]);

    // Assess
    expect(statusCounts(quietAnswers)).toEqual({ 200: quiet.length });
    for (const [lane, attemptCode] of busy.entries()) {
      const sequence = sequences[lane] as string[];
      const received = await eventually(async () => {
        const events = (await eventsFor(standard, attemptCode)).filter(
          (event) => event['detail-type'] === 'review_received',
        );
        expect(events).toHaveLength(sequence.length);
        return events;
      }, 60_000);
      // First deliveries in revision order, each seeing the status its predecessor left.
      expect(received.map((event) => event.detail.review_revision)).toEqual([1, 2, 3, 4, 5]);
      expect(received.map((event) => event.detail.review_status)).toEqual(sequence);
      expect(received.slice(1).map((event) => event.detail.attempt_status)).toEqual(
        sequence.slice(0, -1).map((status) => expected[status]),
      );
      expect((await readAttempt(standard, attemptCode)).status).toBe(
        expected[sequence.at(-1) as string],
      );
    }
    for (const attemptCode of quiet) {
      await eventually(async () => {
        expect((await eventsFor(standard, attemptCode)).length).toBeGreaterThanOrEqual(2);
      }, 60_000);
    }
  }, 240_000);
});
