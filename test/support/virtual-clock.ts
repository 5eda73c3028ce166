import type { CampaignClock } from '../../shared/campaign/campaign-clock';

/**
 * A campaign clock (shared/campaign/campaign-run.ts) on virtual time: a pause takes no real time. Pauses
 * wake in the order of their ends, one at a time, each once nothing else is left to run (after pending
 * I/O and promises), with the clock set to its end; a pause whose signal aborts ends at once. `slept`
 * lists every pause asked for, in milliseconds.
 */
export function createVirtualClock(startMs: number): CampaignClock & {
  readonly slept: number[];
  advance(ms: number): void;
} {
  let now = startMs;
  let sequence = 0;
  let scheduled = false;
  const timers: { at: number; order: number; wake: () => void }[] = [];
  const slept: number[] = [];
  const tick = () => {
    scheduled = false;
    timers.sort((a, b) => a.at - b.at || a.order - b.order);
    const next = timers.shift();
    if (next === undefined) return;
    now = Math.max(now, next.at);
    next.wake();
    if (timers.length > 0) schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(tick);
  };
  return {
    now: () => now,
    slept,
    advance: (ms) => {
      now += ms;
    },
    sleep: (ms, signal) => {
      slept.push(ms);
      return new Promise<void>((resolve) => {
        if (signal?.aborted === true || ms <= 0) {
          resolve();
          return;
        }
        const onAbort = () => {
          const at = timers.indexOf(timer);
          if (at !== -1) timers.splice(at, 1);
          resolve();
        };
        const timer = {
          at: now + ms,
          order: sequence++,
          wake: () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        schedule();
      });
    },
  };
}
