/**
 * Lambda's execution model for one function of the local stack: each execution environment (an
 * instance) serves one invocation at a time, new instances start on demand up to the function's
 * concurrency, idle ones are reused, and invocations beyond the concurrency wait their turn (in
 * Lambda they would be throttled; a local stack that answers load with errors would hide real
 * bugs behind fake ones).
 *
 * An instance is the entry module loaded afresh, so it has its own module-scope state, SDK clients
 * and socket pool, exactly as a Lambda environment has: requests of one instance never queue
 * behind another instance's sockets.
 */
import type { Context } from 'aws-lambda';

export type Invoke<E, R> = (event: E, context: Context) => Promise<R>;

export interface FunctionPoolOptions<E, R> {
  name: string;
  /** At most this many invocations run at once. */
  concurrency: number;
  /** The function's timeout: an invocation's deadline counts from when an instance takes it. */
  timeoutMs: number;
  /** Starts instance number `instance` (0, 1, …) and resolves with its handler. */
  start: (instance: number) => Promise<Invoke<E, R>>;
}

export interface FunctionPoolStats {
  name: string;
  concurrency: number;
  /** Instances started so far (cold starts). */
  instances: number;
  busy: number;
  waiting: number;
  /** Invocations so far, and how many of them had to wait for an instance. */
  invocations: number;
  waited: number;
  /** The most invocations ever waiting at once. */
  mostWaiting: number;
}

export interface FunctionPool<E, R> {
  invoke: Invoke<E, R>;
  /** Starts the first instance now, so a function that cannot start fails the stack's start. */
  warm(): Promise<void>;
  stats(): FunctionPoolStats;
}

export function functionPool<E, R>(options: FunctionPoolOptions<E, R>): FunctionPool<E, R> {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new RangeError(`${options.name}: concurrency must be a positive integer`);
  }
  const idle: Invoke<E, R>[] = [];
  const waiters: ((instance: Invoke<E, R>) => void)[] = [];
  let started = 0;
  let busy = 0;
  let invocations = 0;
  let waited = 0;
  let mostWaiting = 0;

  const startInstance = async (): Promise<Invoke<E, R>> => {
    const number = started++;
    try {
      return await options.start(number);
    } catch (error) {
      started--;
      throw error;
    }
  };

  const acquire = async (): Promise<Invoke<E, R>> => {
    const free = idle.pop();
    if (free) return free;
    if (started < options.concurrency) return startInstance();
    waited++;
    return new Promise((resolve) => {
      waiters.push(resolve);
      mostWaiting = Math.max(mostWaiting, waiters.length);
    });
  };

  const release = (instance: Invoke<E, R>) => {
    const next = waiters.shift();
    if (next) next(instance);
    else idle.push(instance);
  };

  return {
    async invoke(event, context) {
      invocations++;
      const instance = await acquire();
      busy++;
      // Waiting for an instance is not part of the invocation: its time starts now.
      const deadline = Date.now() + options.timeoutMs;
      const invocation = {
        ...context,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      try {
        return await instance(event, invocation);
      } finally {
        busy--;
        release(instance);
      }
    },
    async warm() {
      if (started === 0) idle.push(await startInstance());
    },
    stats: () => ({
      name: options.name,
      concurrency: options.concurrency,
      instances: started,
      busy,
      waiting: waiters.length,
      invocations,
      waited,
      mostWaiting,
    }),
  };
}
