import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Where the machine's CPU time goes during a timed run: the local stack's process, DynamoDB
 * Local's JVM, the benchmark itself, and everything else on the machine. On two shared cores the
 * stack and the engine compete, and this is how the report shows it.
 */

/** Clock ticks per second of /proc's CPU counters (`getconf CLK_TCK`, 100 on Linux). */
const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of a process and all its threads, ms; undefined once it has gone. */
export function processCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : undefined;
}

/** The machine's busy and idle CPU time over all cores since boot, ms (first line of /proc/stat). */
export function machineCpuMs(): { busy: number; idle: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
  const [, ...values] = line.trim().split(/\s+/);
  const ticks = values.map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  const busy = ticks.slice(0, 8).reduce((sum, value) => sum + value, 0) - idle;
  return {
    busy: (busy * 1000) / TICKS_PER_SECOND,
    idle: (idle * 1000) / TICKS_PER_SECOND,
  };
}

export interface CpuShares {
  wallMs: number;
  /** CPU time of each named group of processes over the interval, ms. */
  byGroup: Record<string, number>;
  /** The benchmark's own process. */
  benchMs: number;
  /** Busy time of every other process on the machine. */
  otherMs: number;
  idleMs: number;
}

/**
 * Starts counting; the returned function stops and reports. `groups` names the processes to
 * account for (the stack's Node process, the engine's JVM); they must outlive the interval.
 */
export function startCpuMeter(groups: Record<string, number[]>): () => CpuShares {
  const sample = () => ({
    at: performance.now(),
    machine: machineCpuMs(),
    bench: process.cpuUsage(),
    groups: Object.fromEntries(
      Object.entries(groups).map(([name, pids]) => [
        name,
        pids.reduce((sum, pid) => sum + (processCpuMs(pid) ?? 0), 0),
      ]),
    ),
  });
  const first = sample();
  return () => {
    const last = sample();
    const byGroup = Object.fromEntries(
      Object.keys(groups).map((name) => [
        name,
        (last.groups[name] ?? 0) - (first.groups[name] ?? 0),
      ]),
    );
    const bench = process.cpuUsage(first.bench);
    const benchMs = (bench.user + bench.system) / 1000;
    const busy = last.machine.busy - first.machine.busy;
    const accounted = Object.values(byGroup).reduce((sum, value) => sum + value, 0) + benchMs;
    return {
      wallMs: last.at - first.at,
      byGroup,
      benchMs,
      otherMs: Math.max(0, busy - accounted),
      idleMs: last.machine.idle - first.machine.idle,
    };
  };
}
