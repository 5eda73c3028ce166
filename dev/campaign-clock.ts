/**
 * The clock a campaign's local pieces run on: the VMS API stand-in (dev/vms-api-server.ts) counts its rate
 * window and times the calls it plays on it. By default it is the real one; `--now TIME` starts it at
 * another instant and lets it run at real speed (so a campaign can be tried in calling hours at any hour);
 * a test passes {@link instantClock}, whose sleeps advance it at once.
 */

import type { CampaignClock } from '../shared/campaign/campaign-clock';

export type { CampaignClock };

/** The longest single timer node takes (about 24.8 days): a longer wait is taken in pieces. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Waits `ms` of real time, or until `signal` aborts. */
function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true || ms <= 0) {
      resolve();
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const step = Math.min(ms, MAX_TIMER_MS);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      if (ms > step) realSleep(ms - step, signal).then(resolve);
      else resolve();
    }, step);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The real clock. */
export const REAL_CLOCK: CampaignClock = { now: () => Date.now(), sleep: realSleep };

/** A clock that reads `startMs` now and runs from there at the speed of `base` (real speed by default). */
export function clockStartingAt(startMs: number, base: CampaignClock = REAL_CLOCK): CampaignClock {
  const offset = startMs - base.now();
  return { now: () => base.now() + offset, sleep: base.sleep };
}

/** A clock for tests: it stands still, and each sleep moves it on by its time at once. */
export function instantClock(startMs: number): CampaignClock & { advance: (ms: number) => void } {
  let now = startMs;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += Math.max(0, ms);
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** A `--now TIME` as typed: a date and time with its offset, `2026-03-10T10:00+08:00`. */
const CLOCK_START = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant a `--now TIME` names (ISO 8601 with its offset: `2026-03-10T10:00+08:00`, `…Z`), or the
 * message of a usage error. A time without its offset is refused: it would mean another instant on a
 * machine set to another zone.
 */
export function readClockStart(typed: string): number | string {
  const ms = CLOCK_START.test(typed) ? Date.parse(typed) : Number.NaN;
  if (Number.isNaN(ms))
    return `--now takes a time with its offset, such as 2026-03-10T10:00+08:00; not ${typed}`;
  return ms;
}
