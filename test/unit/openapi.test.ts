import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { AttemptStore, ReviewHistoryStore, ReviewStore } from '../../lib/reviews/ports.js';
import { MemoryStore } from '../../lib/store/memory-store.js';
import { formatJson } from '../../local/format-json.js';
import { OPENAPI_FILE, openApiDocument } from '../../local/openapi/document.js';
import { ROUTES, type RouteSpec } from '../../local/openapi/routes.js';
import {
  apiEvent,
  attemptRegistration,
  newAttemptCode,
  signedCallback,
  vendorPayload,
} from '../support/factories.js';
import { callbackHarness, internalApiHarness } from '../support/harness.js';
import { operationsHarness } from '../support/operations-harness.js';

const ROOT = resolve(import.meta.dirname, '../..');
const committed = readFileSync(resolve(ROOT, OPENAPI_FILE), 'utf8');

describe('docs/openapi.json', () => {
  it('is what `npm run openapi` generates from the route table, byte for byte', () => {
    expect(committed).toBe(formatJson(openApiDocument()));
  });

  it('is a valid OpenAPI 3.1 document, every reference resolved', async () => {
    const validator = new Validator();

    const result = await validator.validate(JSON.parse(committed));

    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('gives each route a unique operation id and the signature scheme to the callback only', () => {
    const document = JSON.parse(committed) as {
      paths: Record<string, Record<string, { operationId: string; security: unknown[] }>>;
    };
    const operations = Object.values(document.paths).flatMap((item) => Object.values(item));

    expect(new Set(operations.map((operation) => operation.operationId)).size).toBe(ROUTES.length);
    const signed = operations.filter((operation) =>
      JSON.stringify(operation.security).includes('vendorSignature'),
    );
    expect(signed.map((operation) => operation.operationId)).toEqual(['receiveVendorReview']);
  });
});

/** Throws what a throttled DynamoDB throws, on any store call. */
function throttledStore(): AttemptStore & ReviewStore & ReviewHistoryStore {
  const error = Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
  });
  return new Proxy(new MemoryStore(), {
    get: (target, property) => {
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? () => Promise.reject(error) : value;
    },
  });
}

function brokenStore(): AttemptStore & ReviewStore & ReviewHistoryStore {
  return new Proxy(new MemoryStore(), {
    get: (target, property) => {
      const value = Reflect.get(target, property);
      return typeof value === 'function' ? () => Promise.reject(new Error('a bug')) : value;
    },
  });
}

const path = (code: string, suffix = '') =>
  `/internal/attempts/${encodeURIComponent(code)}${suffix}`;
const json = (method: string, target: string, body?: unknown) =>
  apiEvent({ method, path: target, body: body === undefined ? undefined : JSON.stringify(body) });
const tooLarge = (method: string, target: string) =>
  apiEvent({ method, path: target, body: `{"x":"${'a'.repeat(1024 * 1024)}"}` });

const query = (target: string, parameters: Record<string, string>) => ({
  ...apiEvent({ method: 'GET', path: target }),
  queryStringParameters: parameters,
});
const RANGE = { from: '2026-03-04T00:00:00Z', to: '2026-03-05T00:00:00Z' };

interface Scenario {
  name: string;
  operationId: string;
  run: () => Promise<APIGatewayProxyResult>;
}

/** A registered attempt and the two handlers over one in-memory store. */
function world(store: AttemptStore & ReviewStore & ReviewHistoryStore = new MemoryStore()) {
  const internal = internalApiHarness(store);
  const callback = callbackHarness({ store });
  const code = newAttemptCode();
  const register = () => internal.invoke(json('PUT', path(code), attemptRegistration()));
  return { internal, callback, code, register };
}

async function registered(store?: AttemptStore & ReviewStore & ReviewHistoryStore) {
  const w = world(store);
  await w.register();
  return w;
}

const invokeCallback = (
  event: APIGatewayProxyEvent,
  store?: AttemptStore & ReviewStore & ReviewHistoryStore,
) => callbackHarness(store ? { store } : {}).invoke(event);

const SCENARIOS: Scenario[] = [
  // The vendor callback
  {
    name: 'an accepted review',
    operationId: 'receiveVendorReview',
    run: async () => {
      const { callback, code } = await registered();
      return callback.invoke(signedCallback(vendorPayload({ attemptCode: code })));
    },
  },
  {
    name: 'a re-delivered review',
    operationId: 'receiveVendorReview',
    run: async () => {
      const { callback, code } = await registered();
      await callback.invoke(signedCallback(vendorPayload({ attemptCode: code })));
      return callback.invoke(signedCallback(vendorPayload({ attemptCode: code })));
    },
  },
  {
    name: 'a payload missing a field',
    operationId: 'receiveVendorReview',
    run: () => invokeCallback(signedCallback({ reviewStatus: 'Clean' })),
  },
  {
    name: 'an unknown attempt',
    operationId: 'receiveVendorReview',
    run: () => invokeCallback(signedCallback(vendorPayload({ attemptCode: newAttemptCode() }))),
  },
  {
    name: 'a wrong record locator',
    operationId: 'receiveVendorReview',
    run: async () => {
      const { callback, code } = await registered();
      return callback.invoke(
        signedCallback(vendorPayload({ attemptCode: code, externalId: 'someone-else' })),
      );
    },
  },
  {
    name: 'an unknown review status',
    operationId: 'receiveVendorReview',
    run: async () => {
      const { callback, code } = await registered();
      return callback.invoke(
        signedCallback(vendorPayload({ attemptCode: code, reviewStatus: 'clean' })),
      );
    },
  },
  {
    name: 'a changed review with updates off',
    operationId: 'receiveVendorReview',
    run: async () => {
      const store = new MemoryStore();
      const { code } = await registered(store);
      const strict = callbackHarness({ store, allowReviewUpdates: false });
      await strict.invoke(signedCallback(vendorPayload({ attemptCode: code })));
      return strict.invoke(
        signedCallback(vendorPayload({ attemptCode: code, reviewStatus: 'Clean' })),
      );
    },
  },
  {
    name: 'a wrong signature',
    operationId: 'receiveVendorReview',
    run: () =>
      invokeCallback(
        signedCallback(vendorPayload({ attemptCode: newAttemptCode() }), { secret: 'guess' }),
      ),
  },
  {
    name: 'a body over 1 MiB',
    operationId: 'receiveVendorReview',
    run: () => invokeCallback(tooLarge('POST', '/api/edx_proctoring/proctoring_review_callback/')),
  },
  {
    name: 'a throttled database',
    operationId: 'receiveVendorReview',
    run: () =>
      invokeCallback(
        signedCallback(vendorPayload({ attemptCode: newAttemptCode() })),
        throttledStore(),
      ),
  },
  {
    name: 'a bug',
    operationId: 'receiveVendorReview',
    run: () =>
      invokeCallback(
        signedCallback(vendorPayload({ attemptCode: newAttemptCode() })),
        brokenStore(),
      ),
  },
  // Register
  { name: 'a registration', operationId: 'registerAttempt', run: async () => world().register() },
  {
    name: 'a malformed registration',
    operationId: 'registerAttempt',
    run: () =>
      internalApiHarness().invoke(
        json('PUT', path(newAttemptCode()), { ...attemptRegistration(), status: 'finished' }),
      ),
  },
  {
    name: 'an archived attempt registered again',
    operationId: 'registerAttempt',
    run: async () => {
      const { internal, code, register } = await registered();
      await internal.invoke(json('DELETE', path(code)));
      return register();
    },
  },
  {
    name: 'a registration over 1 MiB',
    operationId: 'registerAttempt',
    run: () => internalApiHarness().invoke(tooLarge('PUT', path(newAttemptCode()))),
  },
  {
    name: 'a registration while the database throttles',
    operationId: 'registerAttempt',
    run: () => world(throttledStore()).register(),
  },
  {
    name: 'a registration hitting a bug',
    operationId: 'registerAttempt',
    run: () => world(brokenStore()).register(),
  },
  // Read
  {
    name: 'an attempt with a review',
    operationId: 'readAttempt',
    run: async () => {
      const { internal, callback, code } = await registered();
      await callback.invoke(signedCallback(vendorPayload({ attemptCode: code })));
      return internal.invoke(json('GET', path(code)));
    },
  },
  {
    name: 'an attempt without a review',
    operationId: 'readAttempt',
    run: async () => {
      const { internal, code } = await registered();
      return internal.invoke(json('GET', path(code)));
    },
  },
  {
    name: 'a malformed code',
    operationId: 'readAttempt',
    run: () => internalApiHarness().invoke(json('GET', '/internal/attempts/a%20b')),
  },
  {
    name: 'an unknown attempt',
    operationId: 'readAttempt',
    run: () => internalApiHarness().invoke(json('GET', path(newAttemptCode()))),
  },
  {
    name: 'a read while the database throttles',
    operationId: 'readAttempt',
    run: () => internalApiHarness(throttledStore()).invoke(json('GET', path(newAttemptCode()))),
  },
  {
    name: 'a read hitting a bug',
    operationId: 'readAttempt',
    run: () => internalApiHarness(brokenStore()).invoke(json('GET', path(newAttemptCode()))),
  },
  // Archive
  {
    name: 'an archived attempt',
    operationId: 'archiveAttempt',
    run: async () => {
      const { internal, code } = await registered();
      return internal.invoke(json('DELETE', path(code)));
    },
  },
  {
    name: 'a malformed code',
    operationId: 'archiveAttempt',
    run: () => internalApiHarness().invoke(json('DELETE', '/internal/attempts/a%20b')),
  },
  {
    name: 'an unknown attempt',
    operationId: 'archiveAttempt',
    run: () => internalApiHarness().invoke(json('DELETE', path(newAttemptCode()))),
  },
  {
    name: 'an archive while the database throttles',
    operationId: 'archiveAttempt',
    run: () => internalApiHarness(throttledStore()).invoke(json('DELETE', path(newAttemptCode()))),
  },
  {
    name: 'an archive hitting a bug',
    operationId: 'archiveAttempt',
    run: () => internalApiHarness(brokenStore()).invoke(json('DELETE', path(newAttemptCode()))),
  },
  // Staff review
  {
    name: 'a staff review',
    operationId: 'recordStaffReview',
    run: async () => {
      const { internal, code } = await registered();
      return internal.invoke(
        json('PUT', path(code, '/review'), {
          reviewStatus: 'Suspicious',
          reviewedBy: 'staff@example.org',
          comment: 'Confirmed',
        }),
      );
    },
  },
  {
    name: 'an unknown review status',
    operationId: 'recordStaffReview',
    run: async () => {
      const { internal, code } = await registered();
      return internal.invoke(
        json('PUT', path(code, '/review'), { reviewStatus: 'Fine', reviewedBy: 'staff' }),
      );
    },
  },
  {
    name: 'a staff review without a reviewer',
    operationId: 'recordStaffReview',
    run: () =>
      internalApiHarness().invoke(
        json('PUT', path(newAttemptCode(), '/review'), { reviewStatus: 'Clean' }),
      ),
  },
  {
    name: 'an unknown attempt',
    operationId: 'recordStaffReview',
    run: () =>
      internalApiHarness().invoke(
        json('PUT', path(newAttemptCode(), '/review'), {
          reviewStatus: 'Clean',
          reviewedBy: 'staff',
        }),
      ),
  },
  {
    name: 'a staff review over 1 MiB',
    operationId: 'recordStaffReview',
    run: () => internalApiHarness().invoke(tooLarge('PUT', path(newAttemptCode(), '/review'))),
  },
  {
    name: 'a staff review while the database throttles',
    operationId: 'recordStaffReview',
    run: () =>
      internalApiHarness(throttledStore()).invoke(
        json('PUT', path(newAttemptCode(), '/review'), {
          reviewStatus: 'Clean',
          reviewedBy: 'staff',
        }),
      ),
  },
  {
    name: 'a staff review hitting a bug',
    operationId: 'recordStaffReview',
    run: () =>
      internalApiHarness(brokenStore()).invoke(
        json('PUT', path(newAttemptCode(), '/review'), {
          reviewStatus: 'Clean',
          reviewedBy: 'staff',
        }),
      ),
  },
  // The staff queue
  {
    name: 'a page of one status',
    operationId: 'listAttempts',
    run: async () => {
      const { internal } = await registered();
      return internal.invoke(query('/internal/attempts', { status: 'submitted', limit: '10' }));
    },
  },
  {
    name: 'an unknown status',
    operationId: 'listAttempts',
    run: () => internalApiHarness().invoke(query('/internal/attempts', { status: 'waiting' })),
  },
  {
    name: 'a queue while the database throttles',
    operationId: 'listAttempts',
    run: () =>
      internalApiHarness(throttledStore()).invoke(query('/internal/attempts', { status: 'error' })),
  },
  {
    name: 'a queue hitting a bug',
    operationId: 'listAttempts',
    run: () =>
      internalApiHarness(brokenStore()).invoke(query('/internal/attempts', { status: 'error' })),
  },
  // The review history
  {
    name: 'a history',
    operationId: 'readReviewHistory',
    run: async () => {
      const { internal, callback, code } = await registered();
      await callback.invoke(signedCallback(vendorPayload({ attemptCode: code })));
      return internal.invoke(json('GET', path(code, '/reviews')));
    },
  },
  {
    name: 'a malformed code',
    operationId: 'readReviewHistory',
    run: () => internalApiHarness().invoke(json('GET', '/internal/attempts/a%20b/reviews')),
  },
  {
    name: 'an unknown attempt',
    operationId: 'readReviewHistory',
    run: () => internalApiHarness().invoke(json('GET', path(newAttemptCode(), '/reviews'))),
  },
  {
    name: 'a history while the database throttles',
    operationId: 'readReviewHistory',
    run: () =>
      internalApiHarness(throttledStore()).invoke(json('GET', path(newAttemptCode(), '/reviews'))),
  },
  {
    name: 'a history hitting a bug',
    operationId: 'readReviewHistory',
    run: () =>
      internalApiHarness(brokenStore()).invoke(json('GET', path(newAttemptCode(), '/reviews'))),
  },
  // The video link
  {
    name: 'a review with a video link',
    operationId: 'readReviewVideo',
    run: async () => {
      const { internal, callback, code } = await registered();
      await callback.invoke(signedCallback(vendorPayload({ attemptCode: code })));
      return internal.invoke(json('GET', path(code, '/review/video')));
    },
  },
  {
    name: 'a malformed code',
    operationId: 'readReviewVideo',
    run: () => internalApiHarness().invoke(json('GET', '/internal/attempts/a%20b/review/video')),
  },
  {
    name: 'an unknown attempt',
    operationId: 'readReviewVideo',
    run: () => internalApiHarness().invoke(json('GET', path(newAttemptCode(), '/review/video'))),
  },
  {
    name: 'an attempt without a review',
    operationId: 'readReviewVideo',
    run: async () => {
      const { internal, code } = await registered();
      return internal.invoke(json('GET', path(code, '/review/video')));
    },
  },
  {
    name: 'a video while the database throttles',
    operationId: 'readReviewVideo',
    run: () =>
      internalApiHarness(throttledStore()).invoke(
        json('GET', path(newAttemptCode(), '/review/video')),
      ),
  },
  {
    name: 'a video hitting a bug',
    operationId: 'readReviewVideo',
    run: () =>
      internalApiHarness(brokenStore()).invoke(
        json('GET', path(newAttemptCode(), '/review/video')),
      ),
  },
  // Reprocessing
  {
    name: 'a range',
    operationId: 'reprocessReviews',
    run: () => operationsHarness().reprocess(RANGE),
  },
  {
    name: 'a range the wrong way round',
    operationId: 'reprocessReviews',
    run: () => operationsHarness().reprocess({ from: RANGE.to, to: RANGE.from }),
  },
  {
    name: 'a body over 1 MiB',
    operationId: 'reprocessReviews',
    run: () => operationsHarness().reprocessEvent(tooLarge('POST', '/internal/reviews/reprocess')),
  },
  {
    name: 'a revision that cannot be recorded',
    operationId: 'reprocessReviews',
    run: async () => {
      const store = new (class extends MemoryStore {
        override async recordOutcome(): Promise<void> {
          throw new Error('a bug in the outcome write');
        }
      })();
      const harness = operationsHarness({ store });
      const code = newAttemptCode();
      await store.registerAttempt(code, attemptRegistration());
      await callbackHarness({ store }).invoke(signedCallback(vendorPayload({ attemptCode: code })));
      return harness.reprocess({
        from: new Date(Date.now() - 60_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      });
    },
  },
  {
    name: 'a range while the database throttles',
    operationId: 'reprocessReviews',
    run: () => operationsHarness({ store: throttledStore() as MemoryStore }).reprocess(RANGE),
  },
  {
    name: 'a range hitting a bug',
    operationId: 'reprocessReviews',
    run: () => operationsHarness({ store: brokenStore() as MemoryStore }).reprocess(RANGE),
  },
];

/** Codes the table documents that no scenario here produces, each with where it is shown. */
const PRODUCED_ELSEWHERE: Record<string, string> = {
  concurrent_update:
    'ten lost races in a row: test/integration/dynamodb-store.test.ts races writers',
};

function routeById(operationId: string): RouteSpec {
  const route = ROUTES.find((candidate) => candidate.operationId === operationId);
  if (!route) throw new Error(`no route ${operationId}`);
  return route;
}

describe('the functions answer what the route table documents', () => {
  const produced = new Set<string>();

  it.each(SCENARIOS.map((scenario) => [`${scenario.operationId}: ${scenario.name}`, scenario]))(
    '%s',
    async (_name, scenario) => {
      // Act
      const response = await scenario.run();

      // Assess: a documented status, and a body its schema accepts without dropping anything.
      const answer = routeById(scenario.operationId).answers[response.statusCode];
      expect(answer, `status ${response.statusCode} is documented`).toBeDefined();
      const body = answer?.body ? (JSON.parse(response.body) as unknown) : undefined;
      if (answer?.body) expect(answer.body.parse(body)).toEqual(body);
      else expect(response.body ?? '').toBe('');
      for (const name of Object.keys(answer?.headers ?? {})) {
        expect(Object.keys(response.headers ?? {}).map((key) => key.toLowerCase())).toContain(
          name.toLowerCase(),
        );
      }
      const code = (body as { code?: unknown } | undefined)?.code;
      produced.add(`${scenario.operationId} ${response.statusCode} ${String(code ?? '')}`);
    },
  );

  it('documents no code a function cannot answer', () => {
    const unproduced = ROUTES.filter((route) => !route.localOnly).flatMap((route) =>
      Object.entries(route.answers).flatMap(([status, answer]) =>
        (answer.codes ?? [])
          .filter((code) => !(code in PRODUCED_ELSEWHERE))
          .filter((code) => !produced.has(`${route.operationId} ${status} ${code}`))
          .map((code) => `${route.operationId} ${status} ${code}`),
      ),
    );

    expect(unproduced).toEqual([]);
  });
});
