import { describe, expect, inject, it } from 'vitest';
import { vendorComment, vendorPayload } from '../support/factories.js';
import {
  readAttempt,
  registerAttempt,
  sendCallback,
  settledEvents,
} from '../support/local-client.js';

/** The callback's racing cases, over HTTP through the local stack. */
const { standard, strict } = inject('localStacks');

describe('racing deliveries over HTTP', () => {
  it('leaves one review when 20 different reviews race with updates off', async () => {
    // Prepare
    const attemptCode = await registerAttempt(strict);
    const payloads = Array.from({ length: 20 }, (_, index) =>
      vendorPayload({
        attemptCode,
        reviewStatus: 'Clean',
        webCamComments: [vendorComment(`racer ${index}`)],
      }),
    );

    // Act
    const answers = await Promise.all(
      payloads.map((payload) => sendCallback(strict, payload, { secret: 'strict-secret-1' })),
    );

    // Assess
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(answers.filter((answer) => answer.status === 400).map((answer) => answer.body)).toEqual(
      Array.from({ length: 19 }, () => expect.objectContaining({ code: 'review_already_exists' })),
    );
    const events = await settledEvents(strict, attemptCode, 2);
    expect(events).toHaveLength(2);
    expect((await readAttempt(strict, attemptCode)).review).toMatchObject({ revision: 1 });
  });

  it('leaves one revision and answers every one of 40 identical deliveries with 200', async () => {
    const attemptCode = await registerAttempt(standard);
    const payload = vendorPayload({ attemptCode, reviewStatus: 'Suspicious' });

    const answers = await Promise.all(
      Array.from({ length: 40 }, () => sendCallback(standard, payload)),
    );

    expect(answers.map((answer) => answer.status)).toEqual(Array.from({ length: 40 }, () => 200));
    const events = await settledEvents(standard, attemptCode, 3);
    expect(events).toHaveLength(3);
    expect((await readAttempt(standard, attemptCode)).review).toMatchObject({ revision: 1 });
  });
});
