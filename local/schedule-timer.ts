import type { Context } from 'aws-lambda';
import type { Logger } from '../lib/log.js';
import { lambdaContext } from './api/lambda-context.js';

/**
 * The local stand-in for an EventBridge Scheduler schedule: invokes a function every interval,
 * with a Lambda context of the function's timeout. A run never overlaps the previous one (the
 * deployed reconciler has a reserved concurrency of 1): the next starts an interval after the
 * previous one ended. A failed run is logged and not retried, as the deployed schedule does.
 */
export type ScheduledHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface ScheduleTimerOptions {
  functionName: string;
  handler: ScheduledHandler;
  intervalMs: number;
  /** The function's timeout, for `getRemainingTimeInMillis`. */
  timeoutMs: number;
  log: Logger;
}

export interface ScheduleStats {
  runs: number;
  failedRuns: number;
  /** What the last successful run returned (the reconciler's summary). */
  lastResult: unknown;
}

export interface ScheduleTimer {
  stats(): ScheduleStats;
  /** Stops the timer, after the run in progress if there is one. */
  stop(): Promise<void>;
}

export function startScheduleTimer(options: ScheduleTimerOptions): ScheduleTimer {
  const stats: ScheduleStats = { runs: 0, failedRuns: 0, lastResult: null };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const run = async () => {
    timer = undefined;
    const event = {
      'detail-type': 'Scheduled Event',
      source: 'aws.scheduler',
      time: new Date().toISOString(),
      detail: {},
    };
    try {
      stats.lastResult = await options.handler(
        event,
        lambdaContext(options.functionName, { timeoutMs: options.timeoutMs }),
      );
    } catch (error) {
      stats.failedRuns++;
      options.log.warn('scheduled run failed', { functionName: options.functionName, error });
    } finally {
      stats.runs++;
    }
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run().finally(() => {
        running = undefined;
        schedule();
      });
    }, options.intervalMs);
    // The timer alone does not keep the process alive.
    timer.unref();
  };
  schedule();

  return {
    stats: () => ({ ...stats }),
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
