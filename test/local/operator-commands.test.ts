import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { StoredRevision } from '../../lib/reviews/review.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { parseStackOutputs, signedFetch } from '../../local/commands/aws.js';
import { stageTarget, type Target } from '../../local/commands/internal-api-client.js';
import { redriveDeadLetters } from '../../local/commands/redrive.js';
import { ReprocessRefused, reprocessRange } from '../../local/commands/reprocess.js';
import { runCommand } from '../support/command.js';
import { apiEvent } from '../support/factories.js';
import { internalApiHarness } from '../support/harness.js';
import { operationsHarness } from '../support/operations-harness.js';
import { revisionInsert } from '../support/streams.js';
import { appendRevision, registeredAttempt } from '../support/workflow-harness.js';

/**
 * The operator commands against the real handlers in process (an in-memory store behind the
 * internal API and the reprocess route), and their AWS signing against a recorded fetch.
 */
function inProcessTarget(store: MemoryStore) {
  const operations = operationsHarness({ store, now: () => new Date() });
  const internal = internalApiHarness(store);
  const calls: string[] = [];
  const target: Target = {
    apiUrl: 'http://in-process',
    description: 'the handlers in process',
    async request(method, path, body) {
      calls.push(`${method} ${path}`);
      let response: APIGatewayProxyResult;
      if (path === '/internal/reviews/reprocess') {
        response = await operations.reprocess(body);
      } else {
        response = await internal.invoke(apiEvent({ method, path }) as APIGatewayProxyEvent);
      }
      return { status: response.statusCode, body: JSON.parse(response.body), text: response.body };
    },
  };
  return { target, calls, operations };
}

async function deadLetter(dataDir: string, attemptCode: string, revision: StoredRevision) {
  const record = revisionInsert(attemptCode, revision);
  const arrival = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const letter = {
    requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 6 },
    DDBStreamBatchInfo: {
      shardId: 'shardId-0001',
      startSequenceNumber: record.dynamodb?.SequenceNumber,
      endSequenceNumber: record.dynamodb?.SequenceNumber,
      approximateArrivalOfFirstRecord: arrival,
      approximateArrivalOfLastRecord: arrival,
      batchSize: 1,
      streamArn: record.eventSourceARN,
    },
    records: [record],
  };
  await writeFile(join(dataDir, 'dead-letters.jsonl'), `${JSON.stringify(letter)}\n`, {
    flag: 'a',
  });
}

describe('npm run reprocess', () => {
  it('pages through a range and adds the pages up', async () => {
    const store = new MemoryStore();
    const { target } = inProcessTarget(store);
    for (let index = 0; index < 120; index++) {
      const attemptCode = await registeredAttempt(store);
      await appendRevision(store, attemptCode, { receivedAt: '2026-03-04T05:00:00.000Z' });
    }

    const totals = await reprocessRange(target, {
      from: '2026-03-04T00:00:00Z',
      to: '2026-03-05T00:00:00Z',
      republish: false,
    });

    expect(totals).toEqual({ pages: 2, examined: 120, processed: 120, republished: 0 });
  });

  it('stops with the service answer on a refused range', async () => {
    const { target } = inProcessTarget(new MemoryStore());

    const run = reprocessRange(target, {
      from: '2026-03-05T00:00:00Z',
      to: '2026-03-04T00:00:00Z',
      republish: false,
    });

    await expect(run).rejects.toThrow(ReprocessRefused);
    await expect(run).rejects.toThrow(/to: must be later than from/);
  });
});

describe('npm run redrive (the local dead letters)', () => {
  it('applies the revisions of each dead letter, records it as re-driven, and skips it next time', async () => {
    // Prepare: two revisions the stream gave up on
    const dataDir = await mkdtemp(join(tmpdir(), 'redrive-'));
    const store = new MemoryStore();
    const { target } = inProcessTarget(store);
    const codes: string[] = [];
    for (const reviewStatus of ['Clean', 'Suspicious'] as const) {
      const attemptCode = await registeredAttempt(store);
      codes.push(attemptCode);
      const revision = await appendRevision(store, attemptCode, {
        reviewStatus,
        receivedAt: new Date().toISOString(),
      });
      await deadLetter(dataDir, attemptCode, revision);
    }

    // Act
    const first = await redriveDeadLetters(target, dataDir);
    const second = await redriveDeadLetters(target, dataDir);

    // Assess
    expect(first).toEqual({ failures: 2, redriven: 2, left: 0, revisionsProcessed: 2 });
    expect(second).toEqual({ failures: 0, redriven: 0, left: 0, revisionsProcessed: 0 });
    expect((await store.getAttempt(codes[0] as string))?.status).toBe('verified');
    expect((await store.getAttempt(codes[1] as string))?.status).toBe('second_review_required');
    const ledger = (await readFile(join(dataDir, 'dead-letters-redriven.jsonl'), 'utf8'))
      .trim()
      .split('\n');
    expect(ledger).toHaveLength(2);
  });

  it('leaves a dead letter whose revision is still unapplied afterwards', async () => {
    // Prepare: a revision received long before the letter's window (it is not reprocessed)
    const dataDir = await mkdtemp(join(tmpdir(), 'redrive-'));
    const store = new MemoryStore();
    const { target } = inProcessTarget(store);
    const attemptCode = await registeredAttempt(store);
    const revision = await appendRevision(store, attemptCode, {
      receivedAt: '2026-01-01T00:00:00.000Z',
    });
    await deadLetter(dataDir, attemptCode, revision);

    // Act
    const summary = await redriveDeadLetters(target, dataDir);

    // Assess
    expect(summary).toEqual({ failures: 1, redriven: 0, left: 1, revisionsProcessed: 0 });
    await expect(readFile(join(dataDir, 'dead-letters-redriven.jsonl'), 'utf8')).rejects.toThrow();
  });
});

describe('AWS access of the commands', () => {
  it('reads a stack’s outputs from the DescribeStacks answer', () => {
    const xml = `<DescribeStacksResponse><DescribeStacksResult><Stacks><member>
      <Outputs>
        <member><Description>Base URL</Description><OutputKey>ApiUrl</OutputKey>
          <OutputValue>https://abc.execute-api.eu-west-1.amazonaws.com/prod/</OutputValue></member>
        <member><OutputValue>https://sqs.eu-west-1.amazonaws.com/1/q?a=1&amp;b=2</OutputValue>
          <OutputKey>StreamFailureQueueUrl</OutputKey></member>
      </Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`;

    expect(parseStackOutputs(xml)).toEqual({
      ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
      StreamFailureQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/1/q?a=1&b=2',
    });
  });

  it('signs internal API requests for execute-api with the operator’s credentials (SigV4)', async () => {
    // Prepare: a fetch that records what it is asked
    const seen: { url: string; headers: Record<string, string>; body: unknown }[] = [];
    const recordingFetch = (async (url: URL, init: RequestInit) => {
      seen.push({
        url: String(url),
        headers: init.headers as Record<string, string>,
        body: init.body,
      });
      return new Response('{"examined":0,"processed":0,"republished":0,"next":null}');
    }) as unknown as typeof fetch;
    const target = stageTarget(
      'prod',
      {
        region: 'eu-west-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
        fetch: recordingFetch,
      },
      { ApiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/' },
    );

    // Act
    await target.request('POST', '/internal/reviews/reprocess', { from: 'a', to: 'b' });

    // Assess
    expect(seen[0]?.url).toBe(
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/internal/reviews/reprocess',
    );
    expect(seen[0]?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
    expect(seen[0]?.body).toBe('{"from":"a","to":"b"}');
  });

  it('signs the body: two bodies, two signatures', async () => {
    const signatures: string[] = [];
    const access = {
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
      fetch: (async (_url: URL, init: RequestInit) => {
        signatures.push((init.headers as Record<string, string>).authorization ?? '');
        return new Response('');
      }) as unknown as typeof fetch,
    };
    const url = new URL('https://sqs.us-east-1.amazonaws.com/');

    await signedFetch(access, 'sqs', url, { method: 'POST', body: '{"a":1}' });
    await signedFetch(access, 'sqs', url, { method: 'POST', body: '{"a":2}' });

    expect(signatures[0]).not.toBe(signatures[1]);
  });
});

describe('the operator commands’ arguments', () => {
  it.each([
    ['local/commands/reprocess.ts', ['--to', '2026-01-02T00:00:00Z'], '--from is required'],
    [
      'local/commands/reprocess.ts',
      ['--from', 'a', '--to', 'b', '--stage', 'qa'],
      '--stage must be dev or prod',
    ],
    ['local/commands/redrive.ts', ['--url', 'not a url'], '--url must be a URL'],
    ['local/commands/redrive.ts', ['--republish'], "Unknown option '--republish'"],
  ])('%s %j: one line naming the flag, the usage, status 2', async (file, args, message) => {
    const name = file.replace(/^.*\/|\.ts$/g, '');

    const { code, stderr } = await runCommand(file, args);

    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).toContain(`usage: npm run ${name} --`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
