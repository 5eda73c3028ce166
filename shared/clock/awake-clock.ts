/**
 * Time the process has been running, as opposed to time that has passed. FC freezes an instance between
 * requests, and a read started by one callback goes on only while later requests run: counted on the
 * wall clock, every such read would time out during the freeze and never finish on a quiet instance.
 * An awake clock ticks while the process runs and counts a tick that comes late (the process was frozen
 * in between) as one tick, so deadlines measured on it are deadlines of work, not of idleness.
 */

/** How often the clock ticks, ms: a deadline measured on it is late by at most this much. */
export const TICK_MS = 50;

/** A gap between ticks longer than this means the process was frozen (or starved): it counts as one tick. */
const FROZEN_GAP_MS = 1_000;

export type AwakeClock = {
  /** Milliseconds awake since the clock started. */
  readonly elapsed: () => number;
  readonly stop: () => void;
};

/** What the clock reads time and ticks with: the process's own by default, a test's fakes in the tests. */
export type ClockHost = {
  /** A monotonic time in ms (`performance.now`). */
  readonly now: () => number;
  readonly every: (ms: number, tick: () => void) => { readonly stop: () => void };
};

export const PROCESS_CLOCK: ClockHost = {
  now: () => performance.now(),
  every: (ms, tick) => {
    const interval = setInterval(tick, ms);
    // Never the reason a process stays up: what it times (a socket, a read) keeps the process up itself.
    interval.unref();
    return { stop: () => clearInterval(interval) };
  },
};

/** Starts an awake clock; `onTick` (if given) runs after each tick with the time awake. */
export function startAwakeClock(
  host: ClockHost = PROCESS_CLOCK,
  onTick?: (elapsed: number) => void,
): AwakeClock {
  let awake = 0;
  let last = host.now();
  const read = (at: number) => awake + Math.min(at - last, TICK_MS);
  const ticker = host.every(TICK_MS, () => {
    const at = host.now();
    const gap = at - last;
    awake += gap <= FROZEN_GAP_MS ? gap : TICK_MS;
    last = at;
    onTick?.(awake);
  });
  return { elapsed: () => read(host.now()), stop: ticker.stop };
}

/**
 * Calls `onTimeout` once the process has been awake `ms` since now; `cancel` stops it. A freeze between
 * requests does not count towards it.
 */
export function afterAwake(
  ms: number,
  onTimeout: () => void,
  host: ClockHost = PROCESS_CLOCK,
): { readonly cancel: () => void } {
  const clock = startAwakeClock(host, (elapsed) => {
    if (elapsed < ms) return;
    clock.stop();
    onTimeout();
  });
  return { cancel: clock.stop };
}
