import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { AttemptArchived, ReviewAlreadyExists } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { RevisionConflict } from '../../lib/reviews/ports.js';
import { receiveVendorReview } from '../../lib/reviews/receive-vendor-review.js';
import type { RevisionDraft } from '../../lib/reviews/review.js';
import { recordStaffReview } from '../../lib/reviews/staff-review.js';
import { CHUNK_BYTES } from '../../lib/store/blobs.js';
import type { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import {
  attemptRegistration,
  newAttemptCode,
  vendorComment,
  vendorPayload,
} from '../support/factories.js';
import { createTestTables } from '../support/tables.js';

let tables: Awaited<ReturnType<typeof createTestTables>>;
let store: DynamoDbStore;

beforeAll(async () => {
  tables = await createTestTables(inject('dynamoDbEndpoint'));
  store = tables.store;
});

async function registered(overrides: Parameters<typeof attemptRegistration>[0] = {}) {
  const attemptCode = newAttemptCode();
  await store.registerAttempt(attemptCode, attemptRegistration(overrides));
  return attemptCode;
}

function draft(overrides: Partial<RevisionDraft> = {}): RevisionDraft {
  return {
    source: 'vendor',
    reviewStatus: 'Clean',
    reviewedBy: null,
    rawData: { reviewStatus: 'Clean' },
    contentHash: 'hash-1',
    encryptedVideoUrl: null,
    comments: [],
    receivedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const receive = (body: unknown, allowReviewUpdates: boolean) =>
  receiveVendorReview(
    {
      store,
      allowReviewUpdates,
      allowCallbackSimulation: false,
      videoUrlCipher: undefined,
      log: silentLogger,
    },
    body,
  );

describe('DynamoDbStore: attempts', () => {
  it('registers, reads back and replaces a live attempt', async () => {
    // Prepare
    const attemptCode = newAttemptCode();

    // Act
    const first = await store.registerAttempt(
      attemptCode,
      attemptRegistration({ status: 'started' }),
    );
    const replaced = await store.registerAttempt(
      attemptCode,
      attemptRegistration({ status: 'submitted' }),
    );
    const read = await store.getAttempt(attemptCode);

    // Assess
    expect(first).toMatchObject({ attemptCode, status: 'started', archived: false });
    expect(replaced.status).toBe('submitted');
    expect(read).toEqual({
      ...attemptRegistration({ status: 'submitted' }),
      attemptCode,
      archived: false,
    });
  });

  it('keeps null and absent optional fields as null', async () => {
    const attemptCode = await registered({ externalId: null, startedAt: null, completedAt: null });

    const read = await store.getAttempt(attemptCode);

    expect(read).toMatchObject({ externalId: null, startedAt: null, completedAt: null });
  });

  it('archives an attempt (idempotently), keeps its status and refuses to replace it', async () => {
    const attemptCode = await registered({ status: 'verified' });

    const archived = await store.archiveAttempt(attemptCode);
    const again = await store.archiveAttempt(attemptCode);

    expect(archived).toMatchObject({ archived: true, status: 'verified' });
    expect(again).toMatchObject({ archived: true });
    await expect(store.registerAttempt(attemptCode, attemptRegistration())).rejects.toBeInstanceOf(
      AttemptArchived,
    );
  });

  it('answers null for unknown attempts', async () => {
    expect(await store.getAttempt('unknown')).toBeNull();
    expect(await store.archiveAttempt('unknown')).toBeNull();
    expect(await store.getAttemptAndHead('unknown')).toEqual({ attempt: null, head: null });
  });
});

describe('DynamoDbStore: review revisions', () => {
  it('writes a revision with its comments and reads it back with the head', async () => {
    // Prepare
    const attemptCode = await registered();
    const comments = [
      { start: 1, stop: 2, duration: 1, comment: 'w', status: 'Clean', source: 'webcam' as const },
      {
        start: 3,
        stop: 4,
        duration: 1,
        comment: 'd',
        status: 'Suspicious',
        source: 'desktop' as const,
      },
    ];

    // Act
    await store.appendRevision(
      attemptCode,
      null,
      { revision: 1, vendorHashes: { 'hash-1': 1 } },
      draft({ comments }),
    );

    // Assess
    const { attempt, head } = await store.getAttemptAndHead(attemptCode);
    expect(attempt?.attemptCode).toBe(attemptCode);
    expect(head).toEqual({ revision: 1, vendorHashes: { 'hash-1': 1 } });
    expect(await store.getLatestRevision(attemptCode)).toEqual({
      ...draft({ comments }),
      revision: 1,
    });
  });

  it('refuses a write whose expected head is stale and leaves nothing of it behind', async () => {
    const attemptCode = await registered();
    await store.appendRevision(attemptCode, null, { revision: 1, vendorHashes: { a: 1 } }, draft());

    const stale = store.appendRevision(
      attemptCode,
      null,
      { revision: 1, vendorHashes: { b: 1 } },
      draft({ contentHash: 'b' }),
    );

    await expect(stale).rejects.toBeInstanceOf(RevisionConflict);
    expect(await store.getHead(attemptCode)).toEqual({ revision: 1, vendorHashes: { a: 1 } });
  });

  it('keeps each revision with only its own comments', async () => {
    const attemptCode = await registered();
    const comment = (text: string) => ({
      start: 0,
      stop: 0,
      duration: 0,
      comment: text,
      status: 'Clean',
      source: 'webcam' as const,
    });
    await store.appendRevision(
      attemptCode,
      null,
      { revision: 1, vendorHashes: { a: 1 } },
      draft({ comments: [comment('one'), comment('two')] }),
    );
    await store.appendRevision(
      attemptCode,
      { revision: 1, vendorHashes: { a: 1 } },
      { revision: 2, vendorHashes: { b: 2 } },
      draft({ comments: [comment('three')] }),
    );

    expect((await store.getRevision(attemptCode, 1))?.comments.map((c) => c.comment)).toEqual([
      'one',
      'two',
    ]);
    expect((await store.getLatestRevision(attemptCode))?.comments.map((c) => c.comment)).toEqual([
      'three',
    ]);
  });

  it('stores a 1 MiB review that does not compress, split across items under the 400 KB limit', async () => {
    // Prepare: random base64 does not compress, so the raw data alone needs several chunks
    const attemptCode = await registered();
    const photo = randomBytes(700_000).toString('base64').slice(0, 1_000_000);
    const comments = Array.from({ length: 400 }, (_, index) => ({
      start: index,
      stop: index + 1,
      duration: 1,
      comment: randomBytes(300).toString('hex'),
      status: 'Clean',
      source: 'webcam' as const,
    }));

    // Act
    await store.appendRevision(
      attemptCode,
      null,
      { revision: 1, vendorHashes: { big: 1 } },
      draft({ rawData: { userPhotoBase64String: photo }, comments }),
    );

    // Assess
    const read = await store.getLatestRevision(attemptCode);
    expect(read?.rawData.userPhotoBase64String).toBe(photo);
    expect(read?.comments).toEqual(comments);
    const { Items = [] } = await tables.client.send(
      new QueryCommand({
        TableName: tables.reviewsTable,
        KeyConditionExpression: 'attemptCode = :pk',
        ExpressionAttributeValues: { ':pk': { S: attemptCode } },
      }),
    );
    expect(Items.filter((item) => item.itemType?.S === 'review_raw_chunk').length).toBeGreaterThan(
      1,
    );
    for (const item of Items) expect(item.data?.B?.length ?? 0).toBeLessThanOrEqual(CHUNK_BYTES);
  });
});

describe('DynamoDbStore: vendor re-sends', () => {
  it('recognises a re-send of any earlier vendor review, also across a staff review', async () => {
    // Prepare: vendor Clean (1), vendor Suspicious (2), staff (3)
    const attemptCode = await registered();
    const clean = vendorPayload({ attemptCode, reviewStatus: 'Clean' });
    await receive(clean, true);
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }), true);
    await recordStaffReview({ store, log: silentLogger }, attemptCode, {
      reviewStatus: 'Clean',
      reviewedBy: 'staff@example.org',
    });

    // Act
    const resent = await receive(structuredClone(clean), true);

    // Assess
    expect(resent).toEqual({ kind: 'duplicate', revision: 1 });
    expect((await store.getHead(attemptCode))?.revision).toBe(3);
  });

  it('reads a head written before every vendor hash was kept', async () => {
    const attemptCode = await registered();
    await tables.client.send(
      new PutItemCommand({
        TableName: tables.reviewsTable,
        Item: {
          attemptCode: { S: attemptCode },
          sk: { S: 'HEAD' },
          revision: { N: '2' },
          latestVendorHash: { S: 'old-hash' },
          updatedAt: { S: '2025-01-01T00:00:00.000Z' },
        },
      }),
    );

    expect(await store.getHead(attemptCode)).toEqual({
      revision: 2,
      vendorHashes: { 'old-hash': 2 },
    });
  });
});

describe('DynamoDbStore: comment texts are stored once', () => {
  /** Every stored byte of one revision's chunks, decompressed, by item type. */
  async function storedChunks(attemptCode: string) {
    const { Items = [] } = await tables.client.send(
      new QueryCommand({
        TableName: tables.reviewsTable,
        KeyConditionExpression: 'attemptCode = :pk',
        ExpressionAttributeValues: { ':pk': { S: attemptCode } },
        ConsistentRead: true,
      }),
    );
    const text = (itemType: string) =>
      gunzipSync(
        Buffer.concat(
          Items.filter((item) => item.itemType?.S === itemType).map(
            (item) => item.data?.B ?? new Uint8Array(),
          ),
        ),
      ).toString('utf8');
    return { raw: text('review_raw_chunk'), comments: text('review_comments_chunk') };
  }

  it('keeps a vendor comment’s text only in the comment list and reads the body back as sent', async () => {
    // Prepare: texts that do not compress, an extra field and a different key order in a comment.
    const attemptCode = await registered();
    const texts = Array.from({ length: 3 }, () => randomBytes(2_000).toString('hex'));
    const payload = vendorPayload({
      attemptCode,
      webCamComments: [
        vendorComment(texts[0] ?? ''),
        {
          eventStatus: 'Clean',
          comments: texts[1] ?? '',
          duration: 1,
          eventFinish: 2,
          eventStart: 1,
          frame: 7,
        },
      ],
      desktopComments: [vendorComment(texts[2] ?? '', 'Rules Violation', 3)],
    });

    // Act
    await receive(payload, true);

    // Assess
    const { raw, comments } = await storedChunks(attemptCode);
    for (const text of texts) {
      expect(raw).not.toContain(text);
      expect(comments.split(text)).toHaveLength(2);
    }
    const { videoReviewLink: _link, ...sent } = payload;
    const read = await store.getLatestRevision(attemptCode);
    expect(JSON.stringify(read?.rawData)).toBe(JSON.stringify(sent));
  });

  it('keeps a staff comment’s text only in the comment list', async () => {
    const attemptCode = await registered();
    const text = randomBytes(2_000).toString('hex');
    const body = { reviewStatus: 'Clean', reviewedBy: 'staff@example.org', comment: text };

    await recordStaffReview({ store, log: silentLogger }, attemptCode, body);

    const { raw, comments } = await storedChunks(attemptCode);
    expect(raw).not.toContain(text);
    expect(comments).toContain(text);
    const read = await store.getLatestRevision(attemptCode);
    expect(JSON.stringify(read?.rawData)).toBe(JSON.stringify(body));
    expect(read?.comments.map((comment) => comment.comment)).toEqual([text]);
  });

  it('reads a revision stored with its texts in the body unchanged', async () => {
    const attemptCode = await registered();
    const rawData = { webCamComments: [{ comments: 'kept in the body' }], reviewStatus: 'Clean' };

    await store.appendRevision(
      attemptCode,
      null,
      { revision: 1, vendorHashes: { 'old-layout': 1 } },
      draft({
        rawData,
        comments: [
          {
            start: 0,
            stop: 1,
            duration: 1,
            comment: 'another text',
            status: 'Clean',
            source: 'webcam',
          },
        ],
      }),
    );

    expect((await store.getLatestRevision(attemptCode))?.rawData).toEqual(rawData);
  });
});

describe('DynamoDbStore: racing deliveries', () => {
  it('leaves exactly one review when 20 different reviews race with updates off', async () => {
    // Prepare
    const attemptCode = await registered();
    const payloads = Array.from({ length: 20 }, (_, index) =>
      vendorPayload({
        attemptCode,
        reviewStatus: 'Clean',
        webCamComments: [vendorComment(`delivery ${index}`)],
      }),
    );

    // Act
    const results = await Promise.allSettled(payloads.map((payload) => receive(payload, false)));

    // Assess
    const stored = results.filter((result) => result.status === 'fulfilled');
    const refused = results.filter((result) => result.status === 'rejected');
    expect(stored).toHaveLength(1);
    expect(refused).toHaveLength(19);
    for (const result of refused) expect(result.reason).toBeInstanceOf(ReviewAlreadyExists);
    expect(await store.getHead(attemptCode)).toMatchObject({ revision: 1 });
    expect(await store.getRevision(attemptCode, 2)).toBeNull();
  });

  it('leaves one revision, and answers every one, when 40 identical deliveries race', async () => {
    const attemptCode = await registered();
    const payload = vendorPayload({ attemptCode });

    const results = await Promise.all(
      Array.from({ length: 40 }, () => receive(structuredClone(payload), true)),
    );

    expect(results.filter((result) => result.kind === 'stored')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'duplicate')).toHaveLength(39);
    expect(await store.getHead(attemptCode)).toMatchObject({ revision: 1 });
    expect(await store.getRevision(attemptCode, 2)).toBeNull();
  });

  it('numbers racing staff reviews without gaps or overwrites', async () => {
    const attemptCode = await registered();

    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        recordStaffReview({ store, log: silentLogger }, attemptCode, {
          reviewStatus: 'Suspicious',
          reviewedBy: `staff-${index}@example.org`,
        }),
      ),
    );

    const reviewers = await Promise.all(
      Array.from(
        { length: 8 },
        async (_, index) => (await store.getRevision(attemptCode, index + 1))?.reviewedBy,
      ),
    );
    expect(new Set(reviewers).size).toBe(8);
    expect(await store.getHead(attemptCode)).toMatchObject({ revision: 8, vendorHashes: {} });
  });
});
