import { describe, expect, it } from 'vitest';
import { receiveVendorReview } from '../../lib/reviews/receive-vendor-review.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { attemptRegistration, vendorPayload } from '../support/factories.js';
import { capturedLog } from '../support/harness.js';

describe('receiveVendorReview without a clock', () => {
  it('records the current time as received', async () => {
    // Prepare
    const store = new MemoryStore();
    await store.registerAttempt('A-1', attemptRegistration());
    const before = Date.now();

    // Act
    const result = await receiveVendorReview(
      {
        store,
        allowReviewUpdates: true,
        allowCallbackSimulation: false,
        videoUrlCipher: undefined,
        log: capturedLog().log,
      },
      vendorPayload({ attemptCode: 'A-1' }),
    );

    // Assess
    expect(result).toEqual({ kind: 'stored', revision: 1 });
    const receivedAt = Date.parse((await store.getLatestRevision('A-1'))?.receivedAt ?? '');
    expect(receivedAt).toBeGreaterThanOrEqual(before);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());
  });
});
