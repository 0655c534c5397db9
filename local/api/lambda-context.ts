import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

export interface LambdaContextOptions {
  /** How long the invocation may run, as the function's timeout would allow. */
  timeoutMs?: number;
  memoryLimitInMB?: number;
  region?: string;
  account?: string;
}

/** The context Lambda hands a function, for the local stack, tests and benchmarks. */
export function lambdaContext(functionName: string, options: LambdaContextOptions = {}): Context {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
  const region = options.region ?? 'us-east-1';
  const account = options.account ?? '000000000000';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${account}:function:${functionName}`,
    memoryLimitInMB: String(options.memoryLimitInMB ?? 512),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `${day}/[$LATEST]${randomBytes(16).toString('hex')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
