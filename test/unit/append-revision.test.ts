import { describe, expect, it } from 'vitest';
import { ConcurrentUpdate, ReviewAlreadyExists } from '../../lib/errors.js';
import {
  decideStaffWrite,
  decideVendorWrite,
  writeRevision,
} from '../../lib/reviews/append-revision.js';
import { RevisionConflict } from '../../lib/reviews/ports.js';
import type { ReviewHead, RevisionDraft } from '../../lib/reviews/review.js';
import { MemoryStore } from '../../lib/store/memory-store.js';

const draft: RevisionDraft = {
  source: 'vendor',
  reviewStatus: 'Clean',
  reviewedBy: null,
  rawData: {},
  contentHash: 'h2',
  encryptedVideoUrl: null,
  comments: [],
  receivedAt: '2026-01-01T00:00:00.000Z',
};

describe('decideVendorWrite', () => {
  const head: ReviewHead = { revision: 3, vendorHashes: { h1: 3 } };

  it.each([
    [
      'no review yet, updates on',
      null,
      'h1',
      true,
      { kind: 'append', next: { revision: 1, vendorHashes: { h1: 1 } } },
    ],
    [
      'no review yet, updates off',
      null,
      'h1',
      false,
      { kind: 'append', next: { revision: 1, vendorHashes: { h1: 1 } } },
    ],
    [
      'same as the latest vendor review, updates on',
      head,
      'h1',
      true,
      { kind: 'duplicate', revision: 3 },
    ],
    [
      'same as the latest vendor review, updates off',
      head,
      'h1',
      false,
      { kind: 'duplicate', revision: 3 },
    ],
    [
      'a different review, updates on',
      head,
      'h2',
      true,
      { kind: 'append', next: { revision: 4, vendorHashes: { h1: 3, h2: 4 } } },
    ],
  ] as const)('%s', (_case, current, hash, allowUpdates, expected) => {
    expect(decideVendorWrite('A', current, hash, allowUpdates)).toEqual(expected);
  });

  it.each([true, false])(
    'answers a re-send of an older vendor review as a duplicate of it (updates %s)',
    (allowUpdates) => {
      // Prepare: vendor revisions 1 and 3, a staff revision 4 on top
      const history: ReviewHead = { revision: 4, vendorHashes: { h1: 1, h3: 3 } };

      // Act
      const decision = decideVendorWrite('A', history, 'h1', allowUpdates);

      // Assess
      expect(decision).toEqual({ kind: 'duplicate', revision: 1 });
    },
  );

  it('refuses a different review with updates off, also when only staff reviewed so far', () => {
    expect(() => decideVendorWrite('A', head, 'h2', false)).toThrow(ReviewAlreadyExists);
    expect(() => decideVendorWrite('A', { revision: 1, vendorHashes: {} }, 'h2', false)).toThrow(
      ReviewAlreadyExists,
    );
  });
});

describe('decideStaffWrite', () => {
  it('always appends and keeps the latest vendor hash', () => {
    expect(decideStaffWrite(null)).toEqual({
      kind: 'append',
      next: { revision: 1, vendorHashes: {} },
    });
    expect(decideStaffWrite({ revision: 2, vendorHashes: { v: 2 } })).toEqual({
      kind: 'append',
      next: { revision: 3, vendorHashes: { v: 2 } },
    });
  });
});

describe('writeRevision', () => {
  /** A store that loses the race a given number of times: another writer moves the head first. */
  class ContendedStore extends MemoryStore {
    constructor(private losses: number) {
      super();
    }
    override async appendRevision(...args: Parameters<MemoryStore['appendRevision']>) {
      if (this.losses > 0) {
        this.losses--;
        const [code] = args;
        const head = await this.getHead(code);
        await super.appendRevision(
          code,
          head,
          { revision: (head?.revision ?? 0) + 1, vendorHashes: { other: 1 } },
          draft,
        );
        throw new RevisionConflict(code);
      }
      return super.appendRevision(...args);
    }
  }

  it('re-reads the head and decides again after losing a race', async () => {
    const store = new ContendedStore(2);

    const result = await writeRevision(
      store,
      'A',
      null,
      (head) => decideVendorWrite('A', head, 'h2', true),
      draft,
      {
        maxBackoffMs: 0,
      },
    );

    expect(result).toEqual({ kind: 'stored', revision: 3 });
  });

  it('turns a race lost to an identical delivery into a duplicate', async () => {
    const store = new ContendedStore(1);

    const result = await writeRevision(
      store,
      'A',
      null,
      (head) => decideVendorWrite('A', head, 'other', true),
      draft,
      {
        maxBackoffMs: 0,
      },
    );

    expect(result).toEqual({ kind: 'duplicate', revision: 1 });
  });

  it('gives up with a retryable 503 after the configured rounds', async () => {
    const store = new ContendedStore(5);

    const writing = writeRevision(store, 'A', null, decideStaffWrite, draft, {
      maxRounds: 3,
      maxBackoffMs: 0,
    });

    await expect(writing).rejects.toBeInstanceOf(ConcurrentUpdate);
  });
});
