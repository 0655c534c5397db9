import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type SecretSource, splitList } from './config.js';
import type { Logger } from './log.js';

/** Reads a comma-separated list of secrets, cached so a warm function does not call AWS per request. */
export type SecretListReader = () => Promise<string[]>;

export interface SecretReaderOptions {
  /** How long a fetched value is used before it is read again (rotation takes effect after this). */
  ttlMs?: number;
  client?: Pick<SecretsManagerClient, 'send'>;
  log?: Logger;
  now?: () => number;
}

export function secretListReader(
  source: SecretSource,
  options: SecretReaderOptions = {},
): SecretListReader {
  if (source.kind === 'inline') {
    const values = [...source.values];
    return async () => values;
  }
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let client = options.client;
  let cached: { values: string[]; fetchedAt: number } | undefined;
  let inFlight: Promise<string[]> | undefined;

  const fetchValues = async (): Promise<string[]> => {
    client ??= new SecretsManagerClient({ maxAttempts: 3 });
    const { SecretString } = await client.send(
      new GetSecretValueCommand({ SecretId: source.secretId }),
    );
    const values = splitList(SecretString ?? '');
    if (values.length === 0) throw new Error(`Secret ${source.secretId} is empty`);
    return values;
  };

  return async () => {
    if (cached && now() - cached.fetchedAt < ttlMs) return cached.values;
    inFlight ??= fetchValues()
      .then((values) => {
        cached = { values, fetchedAt: now() };
        return values;
      })
      .catch((error: unknown) => {
        // A brief Secrets Manager outage should not stop a warm function that already has the values.
        if (cached) {
          options.log?.warn('secret refresh failed; using the cached value', { error });
          return cached.values;
        }
        throw error;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
