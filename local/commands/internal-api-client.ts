import { setTimeout as sleep } from 'node:timers/promises';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import * as z from 'zod';
import { type AwsAccess, operatorAccess, signedFetch, stackOutputs } from './aws.js';

/**
 * Where the operator commands send their requests: the local stack (plain HTTP on loopback), or a
 * deployed stage's IAM-authorised internal API, each request signed with the operator's
 * credentials. A stage's URLs come from its stateless stack's outputs.
 */
export interface Target {
  /** The API's base URL, ending without a slash. */
  apiUrl: string;
  description: string;
  /** Set for a deployed stage. */
  aws?: { access: AwsAccess; outputs: Record<string, string> };
  request(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
  text: string;
}

export const targetOptionsSchema = z.object({
  stage: z.enum(['dev', 'prod'], { message: 'must be dev or prod' }).optional(),
  url: z.url({ message: 'must be a URL' }).optional(),
  region: z.string().min(1).optional(),
});

export type TargetOptions = z.infer<typeof targetOptionsSchema>;

/** The `parseArgs` spelling of the target options, for commands that accept them. */
const TARGET_FLAGS = {
  stage: { type: 'string' },
  region: { type: 'string' },
  url: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/**
 * Reads a command's flags (the target's and its own) and validates them with `schema`; on a bad
 * or unknown flag it prints the problem and `usage`, and exits with status 2.
 */
export function commandArguments<Schema extends z.ZodType>(
  schema: Schema,
  flags: ParseArgsConfig['options'],
  usage: string,
): z.infer<Schema> {
  try {
    const { values } = parseArgs({ options: { ...TARGET_FLAGS, ...flags } });
    const result = schema.safeParse(values);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new Error(`--${String(issue?.path[0])} ${issue?.message}`);
    }
    return result.data;
  } catch (error) {
    console.error(`${(error as Error).message}\nusage: ${usage}`);
    process.exit(2);
  }
}

function parsed(status: number, text: string): ApiAnswer {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status, body, text };
}

export function localTarget(apiUrl: string): Target {
  const base = apiUrl.replace(/\/+$/, '');
  return {
    apiUrl: base,
    description: `the local stack at ${base}`,
    async request(method, path, body) {
      const response = await fetch(`${base}${path}`, {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return parsed(response.status, await response.text());
    },
  };
}

export function stageTarget(
  stage: string,
  access: AwsAccess,
  outputs: Record<string, string>,
): Target {
  const apiUrl = outputs.ApiUrl?.replace(/\/+$/, '');
  if (!apiUrl) throw new Error(`The stack of stage ${stage} has no ApiUrl output`);
  return {
    apiUrl,
    description: `stage ${stage} at ${apiUrl} (${access.region})`,
    aws: { access, outputs },
    async request(method, path, body) {
      const answer = await signedFetch(access, 'execute-api', new URL(`${apiUrl}${path}`), {
        method,
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      return parsed(answer.status, answer.text);
    },
  };
}

/** The stage's stack when `--stage` is given; the local stack (`--url`, else PORT) otherwise. */
export async function resolveTarget(options: TargetOptions): Promise<Target> {
  if (!options.stage) {
    return localTarget(options.url ?? `http://127.0.0.1:${process.env.PORT ?? '3000'}`);
  }
  const access = operatorAccess(options.region);
  const outputs = await stackOutputs(access, `proctoring-reviews-${options.stage}-stateless`);
  return stageTarget(options.stage, access, outputs);
}

/**
 * Sends a request until it gets an answer below 500: a 5xx or a dropped connection is retried
 * with backoff (reprocessing a page twice changes nothing).
 */
export async function withRetries(
  send: () => Promise<ApiAnswer>,
  attempts = 8,
  baseDelayMs = 250,
): Promise<ApiAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await send();
      if (answer.status < 500 || attempt >= attempts) return answer;
    } catch (error) {
      if (attempt >= attempts) throw error;
    }
    await sleep(Math.min(10_000, baseDelayMs * 2 ** (attempt - 1)));
  }
}
