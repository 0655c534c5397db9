import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signatureFor } from '../../lib/http/signature.js';
import type { AttemptRegistration } from '../../lib/reviews/attempt.js';
import { attemptRegistration, CALLBACK_PATH, newAttemptCode } from './factories.js';

/** A small client for a running local stack, speaking only HTTP and reading its data folder. */
export interface StackAddress {
  url: string;
  dataDir: string;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

export async function call(
  stack: StackAddress,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: keep the text.
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

export async function registerAttempt(
  stack: StackAddress,
  overrides: Partial<AttemptRegistration> = {},
  attemptCode = newAttemptCode(),
): Promise<string> {
  const answer = await call(
    stack,
    'PUT',
    `/internal/attempts/${attemptCode}`,
    JSON.stringify(attemptRegistration(overrides)),
  );
  if (answer.status !== 200)
    throw new Error(`registration failed: ${answer.status} ${answer.text}`);
  return attemptCode;
}

export function sendCallback(
  stack: StackAddress,
  payload: unknown,
  options: { secret?: string; path?: string; headers?: Record<string, string> } = {},
): Promise<HttpAnswer> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  return call(stack, 'POST', options.path ?? CALLBACK_PATH, body, {
    'Content-Type': 'application/json',
    'X-Proctoring-Timestamp': timestamp,
    'X-Proctoring-Signature': signatureFor(
      options.secret ?? 'local-development-secret',
      timestamp,
      body,
    ),
    ...options.headers,
  });
}

export async function readAttempt(
  stack: StackAddress,
  attemptCode: string,
): Promise<Record<string, unknown>> {
  const answer = await call(stack, 'GET', `/internal/attempts/${attemptCode}`);
  if (answer.status !== 200) throw new Error(`read failed: ${answer.status} ${answer.text}`);
  return answer.body as Record<string, unknown>;
}

export type Envelope = {
  id: string;
  'detail-type': string;
  source: string;
  detail: Record<string, unknown> & {
    event_id: string;
    attempt_code: string;
    review_revision: number;
  };
};

/** The JSON objects of a JSON-lines file the stack writes; none while the file does not exist. */
export async function readJsonLines<T>(file: string): Promise<T[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

/** Every event the local bus recorded for an attempt, oldest first. */
export async function eventsFor(stack: StackAddress, attemptCode: string): Promise<Envelope[]> {
  const all = await readJsonLines<Envelope>(join(stack.dataDir, 'events.jsonl'));
  return all.filter((event) => event.detail.attempt_code === attemptCode);
}

/** What a rule's target received, from `rules/<rule>.jsonl`. */
export function ruleDeliveries(stack: StackAddress, rule: string): Promise<Envelope[]> {
  return readJsonLines<Envelope>(join(stack.dataDir, 'rules', `${rule}.jsonl`));
}

/** Polls until `check` passes (it throws until then) or the time is up, then rethrows. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

/** Waits for an attempt's events to reach `count`, then a little longer to catch extras. */
export async function settledEvents(
  stack: StackAddress,
  attemptCode: string,
  count: number,
): Promise<Envelope[]> {
  await eventually(async () => {
    const events = await eventsFor(stack, attemptCode);
    if (events.length < count)
      throw new Error(`${events.length} of ${count} events for ${attemptCode}`);
  });
  await sleep(500);
  return eventsFor(stack, attemptCode);
}
