import { type ClockHost, TICK_MS } from '../../shared/clock/awake-clock';

/**
 * A clock host (shared/clock) the test drives: `run(ms)` lets time pass with the awake clock's ticks,
 * as a process that runs; `freeze(ms)` lets it pass without any, as FC freezes an instance.
 */
export function createFakeClock(start = 0) {
  let now = start;
  const ticks = new Set<() => void>();
  const host: ClockHost = {
    now: () => now,
    every: (_ms, tick) => {
      ticks.add(tick);
      return { stop: () => ticks.delete(tick) };
    },
  };
  return {
    host,
    now: () => now,
    run: (ms: number) => {
      for (let left = ms; left > 0; left -= TICK_MS) {
        now += Math.min(TICK_MS, left);
        for (const tick of [...ticks]) tick();
      }
    },
    freeze: (ms: number) => {
      now += ms;
    },
    ticking: () => ticks.size,
  };
}
