import { DescribeTableCommand, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamApiRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { silentLogger } from '../../lib/log.js';
import { receiveVendorReview } from '../../lib/reviews/receive-vendor-review.js';
import { recordStaffReview } from '../../lib/reviews/staff-review.js';
import { createDynamoDbClient } from '../../lib/store/dynamodb-client.js';
import { DynamoDbStore } from '../../lib/store/dynamodb-store.js';
import { attemptRegistration, newAttemptCode, vendorPayload } from '../support/factories.js';
import { toPublished } from '../support/fake-eventbridge.js';
import { streamEvent, toLambdaRecord } from '../support/streams.js';
import { createTestTables } from '../support/tables.js';
import { workflowHarness } from '../support/workflow-harness.js';
import { describeWorkflowStore } from '../support/workflow-store-contract.js';

let tables: Awaited<ReturnType<typeof createTestTables>>;
let streams: DynamoDBStreamsClient;
let streamArn: string;
/** A store whose client counts the DynamoDB requests the workflow makes. */
let counted: DynamoDbStore;
const requests: string[] = [];

beforeAll(async () => {
  const endpoint = inject('dynamoDbEndpoint');
  tables = await createTestTables(endpoint);
  const { Table } = await tables.client.send(
    new DescribeTableCommand({ TableName: tables.reviewsTable }),
  );
  streamArn = Table?.LatestStreamArn ?? '';
  streams = new DynamoDBStreamsClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const client = createDynamoDbClient({ endpoint });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      requests.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  counted = new DynamoDbStore({
    client,
    attemptsTable: tables.attemptsTable,
    reviewsTable: tables.reviewsTable,
  });
});

describeWorkflowStore('DynamoDbStore', () => tables.store);

/** Every record of the reviews stream so far, read with the Streams API from the start. */
async function readStream(): Promise<StreamApiRecord[]> {
  const records: StreamApiRecord[] = [];
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  for (const shard of StreamDescription?.Shards ?? []) {
    let { ShardIterator: iterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    // An open shard always hands back a next iterator; an empty page means caught up.
    while (iterator) {
      const page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(page.Records ?? []));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return records;
}

/** This attempt's records, shaped as Lambda delivers them. */
async function lambdaRecordsOf(attemptCode: string): Promise<DynamoDBRecord[]> {
  return (await readStream())
    .filter((record) => record.dynamodb?.Keys?.attemptCode?.S === attemptCode)
    .map((record) => toLambdaRecord(record, streamArn));
}

async function rawAttempt(attemptCode: string) {
  const { Item } = await tables.client.send(
    new GetItemCommand({
      TableName: tables.attemptsTable,
      Key: { attemptCode: { S: attemptCode } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

const receive = (body: unknown) =>
  receiveVendorReview(
    {
      store: tables.store,
      allowReviewUpdates: true,
      allowCallbackSimulation: false,
      videoUrlCipher: undefined,
      log: silentLogger,
    },
    body,
  );

async function registered(overrides: Parameters<typeof attemptRegistration>[0] = {}) {
  const attemptCode = newAttemptCode();
  await tables.store.registerAttempt(attemptCode, attemptRegistration(overrides));
  return attemptCode;
}

describe('finish-review on the DynamoDB Local stream', () => {
  it('applies a vendor review from its stream records once, and republishes identically on redelivery', async () => {
    // Prepare
    const attemptCode = await registered();
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    const records = await lambdaRecordsOf(attemptCode);
    const { eventBridge, invoke } = workflowHarness({ store: counted });

    // Act
    requests.length = 0;
    const first = await invoke(streamEvent(records));
    const firstRequests = [...requests];
    const firstDelivery = eventBridge.accepted.map(toPublished);

    requests.length = 0;
    const again = await invoke(streamEvent(records));
    const againRequests = [...requests];

    // Assess
    expect(records.map((record) => record.eventName)).toContain('INSERT');
    expect(
      records.filter((record) => record.dynamodb?.NewImage?.itemType?.S === 'review_revision'),
    ).toHaveLength(1);
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    expect(firstRequests).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand']);
    expect(againRequests).toEqual(['BatchGetItemCommand']);

    const attempt = await rawAttempt(attemptCode);
    expect(attempt?.status).toEqual({ S: 'second_review_required' });
    expect(attempt?.appliedRevision).toEqual({ N: '1' });
    expect(attempt?.statusAttributedTo).toEqual({ NULL: true });

    expect(firstDelivery.map((event) => event.detailType)).toEqual([
      'review_received',
      'attempt_status_changed',
      'support_notification_requested',
    ]);
    expect(firstDelivery[0]?.detail).toMatchObject({
      attempt_code: attemptCode,
      review_revision: 1,
      attempt_status: 'submitted',
      review_status: 'Suspicious',
      is_archived: false,
    });
    expect(firstDelivery[1]?.detail).toMatchObject({
      from_status: 'submitted',
      to_status: 'second_review_required',
    });
    expect(eventBridge.accepted.slice(firstDelivery.length).map(toPublished)).toEqual(
      firstDelivery,
    );
  });

  it('ignores the MODIFY its own outcome write puts on the stream', async () => {
    const attemptCode = await registered();
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Clean' }));
    const { eventBridge, invoke } = workflowHarness({ store: tables.store });
    await invoke(streamEvent(await lambdaRecordsOf(attemptCode)));
    const published = eventBridge.accepted.length;

    const afterwards = await lambdaRecordsOf(attemptCode);
    const modifies = afterwards.filter((record) => record.eventName === 'MODIFY');
    const response = await invoke(streamEvent(modifies));

    expect(modifies).toHaveLength(1);
    expect(modifies[0]?.dynamodb?.NewImage?.outcome?.M?.disposition).toEqual({ S: 'applied' });
    expect(response.batchItemFailures).toEqual([]);
    expect(eventBridge.accepted).toHaveLength(published);
  });

  it('applies a vendor review and a staff review in order, attributing the second to the reviewer', async () => {
    const attemptCode = await registered();
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    await recordStaffReview({ store: tables.store, log: silentLogger }, attemptCode, {
      reviewStatus: 'Suspicious',
      reviewedBy: 'staff@example.org',
    });
    const { eventBridge, invoke } = workflowHarness({ store: tables.store });

    const response = await invoke(streamEvent(await lambdaRecordsOf(attemptCode)));

    expect(response.batchItemFailures).toEqual([]);
    const attempt = await rawAttempt(attemptCode);
    expect(attempt?.status).toEqual({ S: 'rejected' });
    expect(attempt?.appliedRevision).toEqual({ N: '2' });
    expect(attempt?.statusAttributedTo).toEqual({ S: 'staff@example.org' });
    expect(
      eventBridge
        .published('attempt_status_changed')
        .map((event) => [
          event.detail.from_status,
          event.detail.to_status,
          event.detail.update_attributable_to,
        ]),
    ).toEqual([
      ['submitted', 'second_review_required', null],
      ['second_review_required', 'rejected', 'staff@example.org'],
    ]);
    expect(eventBridge.published('support_notification_requested')).toHaveLength(1);
  });

  it('lets a revision that arrives after a newer one change nothing', async () => {
    const attemptCode = await registered();
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Clean' }));
    const revisions = (await lambdaRecordsOf(attemptCode)).filter(
      (record) => record.dynamodb?.NewImage?.itemType?.S === 'review_revision',
    );
    const { eventBridge, invoke } = workflowHarness({ store: tables.store });

    await invoke(streamEvent(revisions.slice(1)));
    await invoke(streamEvent(revisions.slice(0, 1)));

    expect((await rawAttempt(attemptCode))?.status).toEqual({ S: 'verified' });
    expect(
      eventBridge.published().map((event) => [event.detailType, event.detail.review_revision]),
    ).toEqual([
      ['review_received', 2],
      ['attempt_status_changed', 2],
      ['review_received', 1],
    ]);
  });

  it('stores and announces a review of an archived attempt without touching the attempt', async () => {
    const attemptCode = await registered({ status: 'verified' });
    await tables.store.archiveAttempt(attemptCode);
    await receive(vendorPayload({ attemptCode, reviewStatus: 'Suspicious' }));
    const { eventBridge, invoke } = workflowHarness({ store: counted });

    requests.length = 0;
    await invoke(streamEvent(await lambdaRecordsOf(attemptCode)));

    expect(requests).toEqual(['BatchGetItemCommand', 'UpdateItemCommand']);
    const attempt = await rawAttempt(attemptCode);
    expect(attempt?.status).toEqual({ S: 'verified' });
    expect(attempt?.appliedRevision).toBeUndefined();
    expect(
      eventBridge.published().map((event) => [event.detailType, event.detail.is_archived]),
    ).toEqual([['review_received', true]]);
  });
});
