import { Agent, createServer, request as httpRequest, type IncomingMessage } from 'node:http';

/**
 * A pass-through in front of DynamoDB Local for the functions' requests: it counts them by
 * operation (the benchmark's "requests per review" are counted here, not estimated) and can throttle
 * some of them the way DynamoDB does, for fault injection.
 */
export interface DynamoDbProxyOptions {
  /** The engine's URL. */
  target: string;
  /** Probability of answering a request with `ProvisionedThroughputExceededException`. */
  throttle?: number;
  random?: () => number;
  /** At most this many requests reach the engine at once; the others wait, in order. */
  maxInFlight?: number;
}

export interface DynamoDbProxy {
  endpoint: string;
  /** Requests per operation since start (throttled ones included), and how many were throttled. */
  stats(): { requests: Record<string, number>; throttled: number };
  stop(): Promise<void>;
}

const THROTTLED_BODY = JSON.stringify({
  __type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  message:
    'The level of configured provisioned throughput for the table was exceeded (injected fault)',
});

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export async function startDynamoDbProxy(options: DynamoDbProxyOptions): Promise<DynamoDbProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true });
  const random = options.random ?? Math.random;
  const requests: Record<string, number> = {};
  let throttled = 0;
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const slot = async () => {
    if (options.maxInFlight === undefined || inFlight < options.maxInFlight) {
      inFlight++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else inFlight--;
  };

  const server = createServer((request, response) => {
    const operation =
      String(request.headers['x-amz-target'] ?? 'unknown')
        .split('.')
        .pop() ?? 'unknown';
    requests[operation] = (requests[operation] ?? 0) + 1;
    readAll(request)
      .then(async (body) => {
        if ((options.throttle ?? 0) > 0 && random() < (options.throttle ?? 0)) {
          throttled++;
          response.writeHead(400, {
            'Content-Type': 'application/x-amz-json-1.0',
            'Content-Length': String(Buffer.byteLength(THROTTLED_BODY)),
          });
          response.end(THROTTLED_BODY);
          return;
        }
        await slot();
        let released = false;
        const done = () => {
          if (released) return;
          released = true;
          release();
        };
        response.once('close', done);
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: request.method,
            path: request.url,
            headers: { ...request.headers, host: target.host },
            agent,
          },
          (answer) => {
            response.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(response);
          },
        );
        upstream.on('error', () => {
          if (!response.headersSent) response.writeHead(502);
          response.end();
        });
        upstream.end(body);
      })
      .catch(() => {
        if (!response.headersSent) response.writeHead(400);
        response.end();
      });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats: () => ({ requests: { ...requests }, throttled }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          agent.destroy();
          resolve();
        });
      }),
  };
}
