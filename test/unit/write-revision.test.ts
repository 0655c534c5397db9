import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConcurrentUpdate } from '../../lib/errors.js';
import { decideStaffWrite, writeRevision } from '../../lib/reviews/append-revision.js';
import { RevisionConflict } from '../../lib/reviews/ports.js';
import type { RevisionDraft } from '../../lib/reviews/review.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { attemptRegistration, signedCallback, vendorPayload } from '../support/factories.js';
import { callbackHarness } from '../support/harness.js';

// The pauses between write rounds are recorded instead of slept, so a test can read them.
const pauses = vi.hoisted(() => [] as number[]);
vi.mock('node:timers/promises', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:timers/promises')>()),
  setTimeout: async (ms: number) => {
    pauses.push(ms);
  },
}));

const draft: RevisionDraft = {
  source: 'staff',
  reviewStatus: 'Clean',
  reviewedBy: 'staff@example.org',
  rawData: {},
  contentHash: 'h',
  encryptedVideoUrl: null,
  comments: [],
  receivedAt: '2026-01-01T00:00:00.000Z',
};

/** A store where another writer wins the race `losses` times before this one may write. */
class ContendedStore extends MemoryStore {
  appendCalls = 0;
  constructor(private losses: number) {
    super();
  }
  override async appendRevision(...args: Parameters<MemoryStore['appendRevision']>) {
    this.appendCalls++;
    if (this.losses > 0) {
      this.losses--;
      throw new RevisionConflict(args[0]);
    }
    return super.appendRevision(...args);
  }
}

beforeEach(() => {
  pauses.length = 0;
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('writeRevision: rounds', () => {
  it('still writes in the last allowed round', async () => {
    const store = new ContendedStore(2);

    const result = await writeRevision(store, 'A', null, decideStaffWrite, draft, { maxRounds: 3 });

    expect(result).toEqual({ kind: 'stored', revision: 1 });
    expect(store.appendCalls).toBe(3);
  });

  it('gives up after the last allowed round, without another write', async () => {
    const store = new ContendedStore(3);

    const writing = writeRevision(store, 'A', null, decideStaffWrite, draft, { maxRounds: 3 });

    await expect(writing).rejects.toEqual(new ConcurrentUpdate('A'));
    expect(store.appendCalls).toBe(3);
  });

  it('allows ten rounds by default', async () => {
    const lucky = new ContendedStore(9);
    const unlucky = new ContendedStore(10);

    await expect(writeRevision(lucky, 'A', null, decideStaffWrite, draft)).resolves.toEqual({
      kind: 'stored',
      revision: 1,
    });
    await expect(writeRevision(unlucky, 'A', null, decideStaffWrite, draft)).rejects.toEqual(
      new ConcurrentUpdate('A'),
    );
    expect(unlucky.appendCalls).toBe(10);
  });

  it('passes on an error that is not a lost race at once', async () => {
    const store = new ContendedStore(0);
    const failure = new Error('disk on fire');
    store.appendRevision = async () => {
      throw failure;
    };

    await expect(writeRevision(store, 'A', null, decideStaffWrite, draft)).rejects.toBe(failure);
    expect(pauses).toEqual([]);
  });
});

describe('writeRevision: pauses', () => {
  it('pauses a random share of a bound that grows with each round up to four times the base', async () => {
    const store = new ContendedStore(6);

    await writeRevision(store, 'A', null, decideStaffWrite, draft, { maxBackoffMs: 10 });

    // Math.random() is 0.5: half of 10, 20, 30, 40, 40, 40 ms.
    expect(pauses).toEqual([5, 10, 15, 20, 20, 20]);
  });

  it('uses a base of 40 ms by default', async () => {
    const store = new ContendedStore(1);

    await writeRevision(store, 'A', null, decideStaffWrite, draft);

    expect(pauses).toEqual([20]);
  });

  it('does not pause when the first write succeeds', async () => {
    await writeRevision(new ContendedStore(0), 'A', null, decideStaffWrite, draft);

    expect(pauses).toEqual([]);
  });
});

describe('review callback: a write race lost every time', () => {
  it('answers 503 concurrent_update with Retry-After, storing nothing', async () => {
    // Prepare
    const store = new ContendedStore(Number.POSITIVE_INFINITY);
    await store.registerAttempt('RACED', attemptRegistration());
    const { invoke } = callbackHarness({ store });

    // Act
    const response = await invoke(signedCallback(vendorPayload({ attemptCode: 'RACED' })));

    // Assess
    expect(response.statusCode).toBe(503);
    expect(response.headers?.['Retry-After']).toBe('1');
    expect(JSON.parse(response.body)).toEqual({
      detail: 'The review of attempt RACED is being updated concurrently; retry shortly',
      code: 'concurrent_update',
    });
    expect(store.appendCalls).toBe(10);
    expect(await store.getLatestRevision('RACED')).toBeNull();
  });
});
