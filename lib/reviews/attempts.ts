import { MalformedPayload, UnknownAttempt } from '../errors.js';
import { parseWith } from '../validation.js';
import { attemptCodeSchema, attemptRegistrationSchema } from './attempt.js';
import { type AttemptView, attemptView } from './attempt-view.js';
import type { AttemptStore, ReviewStore } from './ports.js';

/** The attempt use cases behind the internal API (register, read, archive). */
export type AttemptDependencies = { store: AttemptStore & ReviewStore };

export function parseAttemptCode(value: string | undefined): string {
  const result = attemptCodeSchema.safeParse(value);
  if (!result.success) {
    throw new MalformedPayload(
      'The attempt code must be 1 to 255 printable characters',
      'attemptCode',
    );
  }
  return result.data;
}

export async function registerAttempt(
  deps: AttemptDependencies,
  attemptCode: string,
  body: unknown,
): Promise<AttemptView> {
  const registration = parseWith(attemptRegistrationSchema, body, 'attempt');
  const attempt = await deps.store.registerAttempt(attemptCode, registration);
  return attemptView(attempt, await deps.store.getLatestRevision(attemptCode));
}

export async function readAttempt(
  deps: AttemptDependencies,
  attemptCode: string,
): Promise<AttemptView> {
  const attempt = await deps.store.getAttempt(attemptCode);
  if (!attempt) throw new UnknownAttempt(attemptCode);
  return attemptView(attempt, await deps.store.getLatestRevision(attemptCode));
}

/** edX's reset or removal: the attempt keeps its last status and later reviews never change it. */
export async function archiveAttempt(
  deps: AttemptDependencies,
  attemptCode: string,
): Promise<AttemptView> {
  const attempt = await deps.store.archiveAttempt(attemptCode);
  if (!attempt) throw new UnknownAttempt(attemptCode);
  return attemptView(attempt, await deps.store.getLatestRevision(attemptCode));
}
