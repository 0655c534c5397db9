import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod';
import {
  SIGNATURE_HEADER,
  SIGNATURE_TOLERANCE_SECONDS,
  TIMESTAMP_HEADER,
} from '../../lib/http/signature.js';
import { ErrorBody, errorWith } from './components.js';
import { type AnswerSpec, type Authorisation, ROUTES, type RouteSpec } from './routes.js';

/**
 * Builds `docs/openapi.json` (OpenAPI 3.1) from the route table. Schemas are converted by zod to
 * JSON Schema draft 2020-12, the dialect OpenAPI 3.1 uses; every schema with an `id` becomes a
 * named component.
 */

type JsonObject = Record<string, unknown>;

export const OPENAPI_FILE = 'docs/openapi.json';

const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');

const LOCAL_SERVER = {
  url: 'http://127.0.0.1:3000',
  description: 'The local stack (`npm start`; the port is `PORT`).',
};
const AWS_SERVER = {
  url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
  description: 'A deployed stage (the `ApiUrl` output of the stateless stack).',
  variables: {
    apiId: { default: 'a1b2c3d4e5', description: 'The REST API id.' },
    region: { default: 'us-east-1' },
    stage: { default: 'prod', enum: ['prod', 'dev'] },
  },
};

const header = (name: string) =>
  name
    .split('-')
    .map((word) => word[0]?.toUpperCase() + word.slice(1))
    .join('-');

const SECURITY_SCHEMES = {
  vendorSignature: {
    type: 'apiKey',
    in: 'header',
    name: header(SIGNATURE_HEADER),
    description: `\`v1=\` followed by the lowercase hex HMAC-SHA256, keyed with the shared secret, of the timestamp header's value, a dot, and the raw request body: \`v1=hex(HMAC-SHA256(secret, "<timestamp>.<body>"))\`. Computed over the exact bytes sent. Any of the configured secrets (a comma-separated list, for rotation) verifies it. Required unless the deployment sets \`CALLBACK_AUTH=none\`.`,
  },
  vendorTimestamp: {
    type: 'apiKey',
    in: 'header',
    name: header(TIMESTAMP_HEADER),
    description: `The time of signing in Unix seconds. A timestamp more than ${SIGNATURE_TOLERANCE_SECONDS} s before or after the server's clock is refused (401), so a captured request cannot be replayed later.`,
  },
  iam: {
    type: 'apiKey',
    in: 'header',
    name: 'Authorization',
    description:
      'In AWS, requests are signed with AWS Signature Version 4 for the service `execute-api` by a principal allowed `execute-api:Invoke` (the stack outputs a managed policy for it). An unsigned request answers 404 `not_found`, a signed one without permission 403. The local stack, reachable from this machine only, takes unsigned requests.',
    'x-amazon-apigateway-authtype': 'awsSigv4',
  },
} as const;

const SECURITY: Record<Authorisation, JsonObject[]> = {
  'vendor-signature': [{ vendorSignature: [], vendorTimestamp: [] }],
  iam: [{ iam: [] }],
  none: [],
};

/** What API Gateway and its WAF answer before a function runs, on every deployed route. */
function gatewayAnswers(authorisation: Authorisation): Record<number, AnswerSpec> {
  const iam = authorisation === 'iam';
  const answers: Record<number, AnswerSpec> = {
    403: iam
      ? {
          description:
            'Refused by the gateway: the WAF blocked the request (`request_blocked`), the signature is invalid or expired (`not_authenticated`), or the caller may not invoke the route (`permission_denied`).',
          codes: ['request_blocked', 'not_authenticated', 'permission_denied'],
        }
      : {
          description: 'The WAF blocked the request (`request_blocked`).',
          codes: ['request_blocked'],
        },
    429: {
      description: 'The per-address WAF limit or the stage throttling was reached; retry later.',
      codes: ['throttled'],
    },
    502: { description: 'The function failed to answer; retry.', codes: ['bad_gateway'] },
    504: { description: 'The function did not answer in time; retry.', codes: ['gateway_timeout'] },
  };
  if (iam) {
    answers[404] = {
      description: 'An unsigned request answers like an unknown route (`not_found`).',
      codes: ['not_found'],
    };
  }
  return answers;
}

/** The route's own answers with the gateway's merged in (codes of a shared status combined). */
function allAnswers(route: RouteSpec): Record<number, AnswerSpec> {
  if (route.localOnly) return route.answers;
  const merged: Record<number, AnswerSpec> = { ...route.answers };
  for (const [status, gateway] of Object.entries(gatewayAnswers(route.authorisation))) {
    const own = merged[Number(status)];
    const codes = [...new Set([...(own?.codes ?? []), ...(gateway.codes ?? [])])] as [
      string,
      ...string[],
    ];
    merged[Number(status)] = {
      description: own ? `${own.description} ${gateway.description}` : gateway.description,
      body: errorWith(codes),
      codes,
    };
  }
  return merged;
}

class SchemaConverter {
  readonly components: Record<string, JsonObject> = {};

  /** The JSON Schema of `schema`, named components hoisted into `components`. */
  convert(schema: z.core.$ZodType, io: 'input' | 'output'): JsonObject {
    const converted = z.toJSONSchema(schema, {
      io,
      override: ({ jsonSchema }) => {
        const node = jsonSchema as JsonObject;
        // Answers may gain fields within a version: clients must ignore the ones they do not know.
        if (io === 'output' && node.additionalProperties === false)
          delete node.additionalProperties;
        // A default is what the service fills in for a missing request field, not part of an answer.
        if (io === 'output') delete node.default;
      },
    }) as JsonObject;
    const text = JSON.stringify(converted).replaceAll('"#/$defs/', '"#/components/schemas/');
    const {
      $schema: _,
      $defs,
      ...root
    } = JSON.parse(text) as JsonObject & {
      $defs?: Record<string, JsonObject>;
    };
    for (const [name, definition] of Object.entries($defs ?? {})) {
      const existing = this.components[name];
      if (existing && JSON.stringify(existing) !== JSON.stringify(definition)) {
        throw new Error(`Schema ${name} converts differently in two places (${io})`);
      }
      this.components[name] = definition;
    }
    return root;
  }
}

/** A refusal is the shared `Error` with its `code` narrowed to the ones it can carry. */
function answerSchema(answer: AnswerSpec, schemas: SchemaConverter): JsonObject {
  if (!answer.codes) return schemas.convert(answer.body as z.ZodType, 'output');
  return { ...schemas.convert(ErrorBody, 'output'), properties: { code: { enum: answer.codes } } };
}

function answerObject(answer: AnswerSpec, schemas: SchemaConverter): JsonObject {
  return {
    description: answer.description,
    ...(answer.headers
      ? {
          headers: Object.fromEntries(
            Object.entries(answer.headers).map(([name, spec]) => [
              name,
              {
                description: spec.description,
                required: spec.required ?? false,
                schema: { type: 'string' },
              },
            ]),
          ),
        }
      : {}),
    ...(answer.body
      ? { content: { 'application/json': { schema: answerSchema(answer, schemas) } } }
      : {}),
  };
}

function parameters(route: RouteSpec, schemas: SchemaConverter): JsonObject[] {
  const path = Object.entries(route.pathParameters ?? {}).map(([name, schema]) => {
    const { description, example, ...converted } = schemas.convert(schema, 'input');
    return {
      name,
      in: 'path',
      required: true,
      ...(description ? { description } : {}),
      schema: converted,
      ...(example !== undefined ? { example } : {}),
    };
  });
  const query = Object.entries(route.query?._zod.def.shape ?? {}).map(([name, schema]) => {
    const { description, ...converted } = schemas.convert(schema, 'input');
    return {
      name,
      in: 'query',
      required: !z.safeParse(schema, undefined).success,
      ...(description ? { description } : {}),
      schema: converted,
    };
  });
  return [...path, ...query];
}

function operation(route: RouteSpec, schemas: SchemaConverter): JsonObject {
  const parameterList = parameters(route, schemas);
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    ...(parameterList.length > 0 ? { parameters: parameterList } : {}),
    ...(route.body
      ? {
          requestBody: {
            required: true,
            description: route.body.description,
            content: {
              'application/json': {
                schema: schemas.convert(route.body.schema, 'input'),
                ...(route.body.example !== undefined ? { example: route.body.example } : {}),
              },
            },
          },
        }
      : {}),
    responses: Object.fromEntries(
      Object.entries(allAnswers(route)).map(([status, answer]) => [
        status,
        answerObject(answer, schemas),
      ]),
    ),
    security: SECURITY[route.authorisation],
    ...(route.localOnly ? { servers: [LOCAL_SERVER] } : {}),
  };
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(resolve(REPOSITORY_ROOT, 'package.json'), 'utf8'));
  return (manifest as { version: string }).version;
}

export function openApiDocument(routes: readonly RouteSpec[] = ROUTES): JsonObject {
  const schemas = new SchemaConverter();
  const paths: Record<string, JsonObject> = {};
  for (const route of routes) {
    const item = paths[route.path] ?? {};
    if (item[route.method]) throw new Error(`Two routes for ${route.method} ${route.path}`);
    item[route.method] = operation(route, schemas);
    paths[route.path] = item;
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'proctoring-reviews',
      version: packageVersion(),
      summary: "A proctoring vendor's review callback and the internal API around it.",
      description:
        'Receives a proctoring vendor\'s exam-review callbacks (SoftwareSecure "Reviewer Data Transfer") and turns them into attempt-status changes and events, as Open edX\'s edx-proctoring does. The same routes answer in AWS and on the local stack. Every refusal answers `{"detail", "code"}`; a method a route does not take answers 405 `method_not_allowed` with an `Allow` header, an unknown route 404 `not_found`. The prose reference is docs/api.md. Generated by `npm run openapi`; do not edit by hand.',
    },
    servers: [LOCAL_SERVER, AWS_SERVER],
    tags: [
      {
        name: 'vendor',
        description: 'Called by the proctoring vendor, signed with a shared secret.',
      },
      {
        name: 'internal',
        description: 'Called by the LMS and support staff; IAM-authorised in AWS.',
      },
      {
        name: 'operations',
        description: 'For operators and support staff; IAM-authorised in AWS.',
      },
      { name: 'local stack', description: 'Served only by `npm start`.' },
    ],
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(schemas.components).sort(([a], [b]) => a.localeCompare(b)),
      ),
      securitySchemes: SECURITY_SCHEMES,
    },
  };
}
