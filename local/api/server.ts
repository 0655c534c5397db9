import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

/**
 * The local stand-in for API Gateway (REST, Lambda proxy): it matches a request to a route read
 * from the synthesized template, builds the proxy event the deployed gateway would send (with
 * `binaryMediaTypes: ['*\/*']`, so bodies arrive base64-encoded, byte for byte), calls the
 * function, and answers with its result. What the gateway itself answers (unknown route, body over
 * the gateway's limit) is answered here in the same shape.
 */
export type ProxyHandler = (
  event: APIGatewayProxyEvent,
  context: Context,
) => Promise<APIGatewayProxyResult>;

export interface ApiRoute {
  /** A resource path as API Gateway writes it, e.g. `/internal/attempts/{attemptCode}`. */
  resource: string;
  /** HTTP methods, or `ANY`. */
  methods: readonly string[];
  functionName: string;
  handler: ProxyHandler;
}

export interface LocalApiOptions {
  routes: readonly ApiRoute[];
  port: number;
  host?: string;
  stage?: string;
  /** Extra local-only routes (such as `/health`), answered before the gateway routes. */
  extraRoutes?: Record<
    string,
    (request: IncomingMessage) => Promise<{ status: number; body: unknown }>
  >;
  onRequest?: (line: { method: string; path: string; status: number; durationMs: number }) => void;
}

/** API Gateway REST refuses bodies over 10 MB before any function runs. */
export const GATEWAY_MAX_BODY_BYTES = 10 * 1024 * 1024;

interface CompiledRoute extends ApiRoute {
  pattern: RegExp;
  parameters: string[];
}

function compileRoute(route: ApiRoute): CompiledRoute {
  const parameters: string[] = [];
  const source = route.resource
    .replace(/\/+$/, '')
    .split('/')
    .map((part) => {
      const parameter = /^\{(.+?)(\+)?\}$/.exec(part);
      if (!parameter) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      parameters.push(parameter[1] ?? '');
      return parameter[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { ...route, pattern: new RegExp(`^${source}/?$`), parameters };
}

function gatewayError(status: number, detail: string, code: string): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ detail, code }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > GATEWAY_MAX_BODY_BYTES) return 'too-large';
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function headerMaps(request: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = request.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] ?? '';
    const value = raw[index + 1] ?? '';
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  return { headers, multiValueHeaders };
}

function queryMaps(url: URL) {
  if ([...url.searchParams.keys()].length === 0) {
    return { queryStringParameters: null, multiValueQueryStringParameters: null };
  }
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    single[key] = value;
    multi[key] = [...(multi[key] ?? []), value];
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

export interface LocalApi {
  server: Server;
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startLocalApi(options: LocalApiOptions): Promise<LocalApi> {
  const routes = options.routes.map(compileRoute);
  const stage = options.stage ?? 'local';
  const host = options.host ?? '127.0.0.1';

  const answer = async (request: IncomingMessage): Promise<APIGatewayProxyResult> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const extra = options.extraRoutes?.[url.pathname];
    if (extra) {
      const { status, body } = await extra(request);
      return {
        statusCode: status,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      };
    }

    let path: string;
    try {
      path = decodeURI(url.pathname);
    } catch {
      return gatewayError(400, 'Malformed request path.', 'bad_request');
    }
    const route = routes.find((candidate) => candidate.pattern.test(url.pathname));
    if (!route) return gatewayError(404, 'Not found.', 'not_found');
    if (!route.methods.includes('ANY') && !route.methods.includes(method)) {
      // The gateway has no method there: as deployed, that answers like an unknown route.
      return gatewayError(404, 'Not found.', 'not_found');
    }

    const body = await readBody(request);
    if (body === 'too-large')
      return gatewayError(413, 'Request body too large.', 'payload_too_large');
    const match = route.pattern.exec(url.pathname);
    const pathParameters =
      route.parameters.length > 0
        ? Object.fromEntries(
            route.parameters.map((name, index) => [name, safeDecode(match?.[index + 1] ?? '')]),
          )
        : null;
    const requestId = randomUUID();
    const { headers, multiValueHeaders } = headerMaps(request);
    const event: APIGatewayProxyEvent = {
      resource: route.resource,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      ...queryMaps(url),
      pathParameters,
      stageVariables: null,
      body: body.length > 0 ? body.toString('base64') : null,
      isBase64Encoded: body.length > 0,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        httpMethod: method,
        path: `/${stage}${path}`,
        protocol: `HTTP/${request.httpVersion}`,
        requestId,
        requestTimeEpoch: Date.now(),
        resourceId: 'local',
        resourcePath: route.resource,
        stage,
        identity: {
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          userAgent: request.headers['user-agent'] ?? null,
        },
      } as APIGatewayProxyEvent['requestContext'],
    };
    try {
      return await route.handler(event, {
        ...lambdaContext(route.functionName, { timeoutMs: 29_000 }),
        awsRequestId: requestId,
      });
    } catch {
      // A function that throws past its own error handling is a 502 at the gateway.
      return gatewayError(502, 'Internal server error.', 'bad_gateway');
    }
  };

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const started = Date.now();
    answer(request)
      .catch(() => gatewayError(500, 'Internal Server Error', 'internal_error'))
      .then((result) => {
        const body = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
        response.writeHead(result.statusCode, {
          ...(result.headers as Record<string, string> | undefined),
          'Content-Length': String(body.length),
        });
        response.end(body);
        options.onRequest?.({
          method: request.method ?? '',
          path: request.url ?? '',
          status: result.statusCode,
          durationMs: Date.now() - started,
        });
      });
  });
  // Vendors and load tests keep connections open; do not let idle ones pile up forever.
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    server,
    port,
    url: `http://${host}:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
