import { describe, expect, it } from 'vitest';
import { lambdaContext } from '../../local/api/lambda-context.js';
import { functionPool } from '../../local/function-pool.js';

const CONTEXT = lambdaContext('fn');

/** A handler whose invocations finish only when the test says so. */
function controlledInstances() {
  const started: number[] = [];
  const running: { instance: number; event: number; finish: () => void }[] = [];
  const start = async (instance: number) => {
    started.push(instance);
    return (event: number) =>
      new Promise<string>((resolve) => {
        running.push({ instance, event, finish: () => resolve(`${instance}:${event}`) });
      });
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { started, running, start, settle };
}

describe('function pool (Lambda concurrency for the local stack)', () => {
  it('runs at most its concurrency at once and starts instances on demand', async () => {
    // Prepare
    const { started, running, start, settle } = controlledInstances();
    const pool = functionPool<number, string>({
      name: 'fn',
      concurrency: 3,
      timeoutMs: 1_000,
      start,
    });

    // Act
    const answers = Array.from({ length: 7 }, (_, event) => pool.invoke(event, CONTEXT));
    await settle();

    // Assess
    expect(started).toEqual([0, 1, 2]);
    expect(running.map((item) => item.event)).toEqual([0, 1, 2]);
    expect(pool.stats()).toMatchObject({ instances: 3, busy: 3, waiting: 4, mostWaiting: 4 });
    for (const item of running) item.finish();
    await settle();
    expect(running.map((item) => item.event)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const item of running.slice(3)) item.finish();
    await settle();
    running.at(-1)?.finish();
    expect(await Promise.all(answers)).toHaveLength(7);
    expect(started).toEqual([0, 1, 2]);
    expect(pool.stats()).toMatchObject({ busy: 0, waiting: 0, invocations: 7, waited: 4 });
  });

  it('hands waiting invocations an instance in arrival order, one invocation per instance', async () => {
    const { running, start, settle } = controlledInstances();
    const pool = functionPool<number, string>({
      name: 'fn',
      concurrency: 1,
      timeoutMs: 1_000,
      start,
    });

    const answers = [pool.invoke(1, CONTEXT), pool.invoke(2, CONTEXT), pool.invoke(3, CONTEXT)];
    await settle();
    expect(running.map((item) => item.event)).toEqual([1]);
    running[0]?.finish();
    await settle();
    expect(running.map((item) => item.event)).toEqual([1, 2]);
    running[1]?.finish();
    await settle();
    running[2]?.finish();

    expect(await Promise.all(answers)).toEqual(['0:1', '0:2', '0:3']);
  });

  it('reuses an idle instance rather than starting another', async () => {
    const { started, running, start, settle } = controlledInstances();
    const pool = functionPool<number, string>({
      name: 'fn',
      concurrency: 5,
      timeoutMs: 1_000,
      start,
    });
    await pool.warm();

    const first = pool.invoke(1, CONTEXT);
    await settle();
    running[0]?.finish();
    await first;
    const second = pool.invoke(2, CONTEXT);
    await settle();
    running[1]?.finish();

    expect(await second).toBe('0:2');
    expect(started).toEqual([0]);
  });

  it('frees the instance of an invocation that threw', async () => {
    let calls = 0;
    const pool = functionPool<number, string>({
      name: 'fn',
      concurrency: 1,
      timeoutMs: 1_000,
      start: async () => async () => {
        calls++;
        if (calls === 1) throw new Error('boom');
        return 'ok';
      },
    });

    await expect(pool.invoke(1, CONTEXT)).rejects.toThrow('boom');
    expect(await pool.invoke(2, CONTEXT)).toBe('ok');
    expect(pool.stats()).toMatchObject({ instances: 1, busy: 0 });
  });

  it("starts an invocation's deadline when an instance takes it, not when it was queued", async () => {
    // Prepare
    const remaining: number[] = [];
    let release: () => void = () => {};
    const pool = functionPool<number, string>({
      name: 'fn',
      concurrency: 1,
      timeoutMs: 1_000,
      start: async () => async (event, context) => {
        remaining.push(context.getRemainingTimeInMillis());
        if (event === 1) await new Promise<void>((resolve) => (release = resolve));
        return 'ok';
      },
    });
    // A caller's context that would have run out long ago.
    const expired = { ...CONTEXT, getRemainingTimeInMillis: () => 0 };

    // Act
    const first = pool.invoke(1, expired);
    const queued = pool.invoke(2, expired);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await Promise.all([first, queued]);

    // Assess
    expect(remaining).toHaveLength(2);
    for (const left of remaining) expect(left).toBeGreaterThan(900);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    const start = async () => async () => 'ok';
    expect(() => functionPool({ name: 'fn', concurrency: 0, timeoutMs: 1_000, start })).toThrow(
      RangeError,
    );
  });
});
