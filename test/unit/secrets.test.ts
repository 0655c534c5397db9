import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../lib/log.js';
import { secretListReader } from '../../lib/secrets.js';

/** A Secrets Manager stand-in: answers from a queue of values or failures, counting calls. */
class FakeSecretsManager {
  calls = 0;
  constructor(private readonly answers: (string | Error)[]) {}
  async send(command: GetSecretValueCommand) {
    this.calls++;
    expect(command).toBeInstanceOf(GetSecretValueCommand);
    const answer = this.answers.shift();
    if (answer instanceof Error || answer === undefined) throw answer ?? new Error('no answer');
    return { SecretString: answer };
  }
}

const source = { kind: 'secrets-manager' as const, secretId: 'arn:secret' };

describe('secretListReader', () => {
  it('returns inline values without any client', async () => {
    expect(await secretListReader({ kind: 'inline', values: ['a', 'b'] })()).toEqual(['a', 'b']);
  });

  it('fetches once, caches for the TTL, then reads again (rotation)', async () => {
    let clock = 0;
    const client = new FakeSecretsManager(['old', 'old,new']);
    const read = secretListReader(source, { client, ttlMs: 1000, now: () => clock });

    const first = await Promise.all([read(), read()]);
    clock = 999;
    const cached = await read();
    clock = 1000;
    const refreshed = await read();

    expect(first).toEqual([['old'], ['old']]);
    expect(cached).toEqual(['old']);
    expect(refreshed).toEqual(['old', 'new']);
    expect(client.calls).toBe(2);
  });

  it('keeps the cached value when a refresh fails, and fails when it has none', async () => {
    let clock = 0;
    const client = new FakeSecretsManager(['s1', new Error('unavailable')]);
    const read = secretListReader(source, {
      client,
      ttlMs: 10,
      now: () => clock,
      log: silentLogger,
    });
    await read();
    clock = 20;

    expect(await read()).toEqual(['s1']);
    await expect(
      secretListReader(source, { client: new FakeSecretsManager([new Error('down')]) })(),
    ).rejects.toThrow('down');
    await expect(
      secretListReader(source, { client: new FakeSecretsManager([' , ']) })(),
    ).rejects.toThrow(/empty/);
  });
});
