import { InternalAttemptNotFound, MalformedPayload } from '../errors.js';
import { parseWith } from '../validation.js';
import type { Attempt } from './attempt.js';
import { attemptCodeSchema, attemptRegistrationSchema } from './attempt.js';
import { FIELD_LIMITS } from './field-limits.js';
import type { AttemptStore, ReviewStore } from './ports.js';
import type { StoredRevision } from './review.js';

/** The attempt use cases behind the internal API (register, read, archive). */
export type AttemptDependencies = { store: AttemptStore & ReviewStore };

/** An attempt with its latest review revision: what the internal API shows of it. */
export interface AttemptRecord {
  attempt: Attempt;
  latest: StoredRevision | null;
}

async function withLatestRevision(
  deps: AttemptDependencies,
  attempt: Attempt,
): Promise<AttemptRecord> {
  return { attempt, latest: await deps.store.getLatestRevision(attempt.attemptCode) };
}

export function parseAttemptCode(value: string | undefined): string {
  const result = attemptCodeSchema.safeParse(value);
  if (!result.success) {
    throw new MalformedPayload(
      `The attempt code must be 1 to ${FIELD_LIMITS.attemptCode} printable characters`,
      'attemptCode',
    );
  }
  return result.data;
}

export async function registerAttempt(
  deps: AttemptDependencies,
  attemptCode: string,
  body: unknown,
): Promise<AttemptRecord> {
  const registration = parseWith(attemptRegistrationSchema, body, 'attempt');
  const attempt = await deps.store.registerAttempt(attemptCode, registration);
  return withLatestRevision(deps, attempt);
}

export async function readAttempt(
  deps: AttemptDependencies,
  attemptCode: string,
): Promise<AttemptRecord> {
  const attempt = await deps.store.getAttempt(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);
  return withLatestRevision(deps, attempt);
}

/** edX's reset or removal: the attempt keeps its last status and later reviews never change it. */
export async function archiveAttempt(
  deps: AttemptDependencies,
  attemptCode: string,
): Promise<AttemptRecord> {
  const attempt = await deps.store.archiveAttempt(attemptCode);
  if (!attempt) throw new InternalAttemptNotFound(attemptCode);
  return withLatestRevision(deps, attempt);
}
