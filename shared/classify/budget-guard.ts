/**
 * The per-instance guard of the language-model fallback: it turns the fallback off for a cooldown when
 * the model is slow, failing or costing too much, then lets one call through (a probe) to see whether it
 * may come back on. A caller whose utterance the guard refuses is a no-match, as without the fallback
 * (`guard-off`): the call goes on, only less clever, and a struggling provider is not sent more.
 *
 * It is in memory, one per instance: an FC instance serves one request at a time, and what each instance
 * sees of the provider is enough to judge it. Everything is timed on the wall clock the instance is given
 * (`now`, epoch ms), not on the awake clock (shared/clock): the instance is frozen between requests, and a
 * cooldown or an hour of spend is time that passes for the provider and the bill, frozen or not.
 *
 * Pure: no timer, no I/O, no global; the memory is fixed when the guard is created (a ring of the last
 * calls, a minute's bucket of spend for each of the last 60).
 */
import { CLASSIFIER_LIMITS } from '../rules/classifier-limits';
import type { TokenUsage } from './classify-types';

export type GuardPrices = {
  /** Currency units (CNY) per 1,000 prompt tokens. */
  readonly inputPer1k: number;
  /** Currency units (CNY) per 1,000 completion tokens. */
  readonly outputPer1k: number;
};

export type GuardLimits = {
  /** Trips when the p95 of the recent calls' latency (ms) is above this; a probe slower than it fails. */
  readonly latencyP95Ms: number;
  /** 0 to 1: trips when the share of failures among the recent calls is above this. */
  readonly maxFailureRate: number;
  /** How many recent calls latency and failures are judged on (1 to {@link MAX_WINDOW}). */
  readonly window: number;
  /** No latency or failure trip before this many recent calls (at most `window`). */
  readonly minSamples: number;
  /** Currency units (CNY) spent in the last hour, from the answers' usage and `prices`; 0: no limit. */
  readonly maxSpendPerHour: number;
  /** How long a trip keeps the fallback off before one probe call, seconds. */
  readonly cooldownS: number;
  readonly prices: GuardPrices;
};

/**
 * The guard's defaults, the rules schema's (CLASSIFIER_LIMITS). The latency limit is under the default
 * wait (700 ms), which cuts a slower classification off, so that a slow provider trips it; the cooldown is short because a provider's bad minute is usually a minute. Spend is not limited: at one
 * request at a time an instance makes a few thousand classifications an hour at most, well under 1 CNY
 * at qwen-flash's prices (0.00015 and 0.0015 CNY per 1,000 tokens in and out).
 */
export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  latencyP95Ms: CLASSIFIER_LIMITS.latencyP95Ms.default,
  maxFailureRate: 0.5,
  window: CLASSIFIER_LIMITS.window.default,
  minSamples: CLASSIFIER_LIMITS.minSamples.default,
  maxSpendPerHour: 0,
  cooldownS: CLASSIFIER_LIMITS.cooldownS.default,
  prices: { inputPer1k: 0.00015, outputPer1k: 0.0015 },
};

/** The largest window: a longer one judges the provider on calls too old to say how it is now. */
export const MAX_WINDOW = 1_000;
/** The longest cooldown, seconds: a limit beyond it is read as this (the fallback is never off for days). */
const MAX_COOLDOWN_S = 86_400;
/** Tokens counted per answer at most, each way: a usage beyond it is a provider's error, not a bill. */
export const MAX_TOKENS_PER_CALL = 1_000_000;

/** Why the guard turned the fallback off. */
export type TripReason = 'latency' | 'errors' | 'spend';

/** Whether a classification may be sent now; a probe is the one call that decides whether the guard turns on. */
export type GuardAdmission =
  | { readonly ok: true; readonly probe: boolean }
  | { readonly ok: false; readonly why: TripReason; readonly retryInMs: number };

/** What became of an admitted call: whether it gave a verdict, how long it took, the tokens it used. */
export type CallResult = { readonly ok: boolean; readonly ms: number; readonly usage?: TokenUsage };

/** What a record changed, for the log. */
export type GuardChange =
  | {
      readonly kind: 'tripped';
      readonly why: TripReason;
      /** In words, with the numbers: "p95 1480 ms over 1000 ms in the last 20 calls". */
      readonly detail: string;
      /** Seconds (rounded up) the fallback is off before a probe: the cooldown, or longer for spend ({@link createBudgetGuard}). */
      readonly cooldownS: number;
    }
  | {
      readonly kind: 'recovered';
      /** How long the fallback was off, from the trip to the probe that succeeded (failed probes included). */
      readonly offForMs: number;
      /** Why it had been off (the trip's reason, or a failed probe's). */
      readonly why: TripReason;
    }
  | { readonly kind: 'probe-failed'; readonly why: TripReason; readonly detail: string };

/** How the guard stands, for the function's status and the log. */
export type GuardStatus = {
  readonly state: 'on' | 'off' | 'probing';
  /** Why it is off or probing. */
  readonly why?: TripReason;
  readonly detail?: string;
  /** Off: seconds until a probe is admitted (0: the next classification is one). */
  readonly retryInS?: number;
  /** The calls latency and failures are judged on (since the last recovery, at most `window`). */
  readonly recent: { readonly calls: number; readonly failures: number; readonly p95Ms?: number };
  /** Currency units spent in the last hour (this minute and the 59 before). */
  readonly spendLastHour: number;
  /** Trips since the guard was created (failed probes not counted). */
  readonly tripped: number;
};

export type BudgetGuard = {
  /** Whether a classification may be sent now; every admitted one is to be {@link BudgetGuard.record}ed. */
  admit(): GuardAdmission;
  /** An admitted call's result; what it changed, if anything. */
  record(result: CallResult): GuardChange | undefined;
  status(): GuardStatus;
};

/** The cost of an answer's usage at `prices`; tokens that are not a finite count are 0, and capped. */
export function costOf(usage: TokenUsage, prices: GuardPrices): number {
  return (
    (tokens(usage.promptTokens) * price(prices.inputPer1k) +
      tokens(usage.completionTokens) * price(prices.outputPer1k)) /
    1_000
  );
}

const tokens = (count: number): number => (count > 0 ? Math.min(count, MAX_TOKENS_PER_CALL) : 0);
const price = (per1k: number): number => (per1k > 0 && Number.isFinite(per1k) ? per1k : 0);

/** A spend window's bucket: one minute of wall time. */
const SPEND_BUCKET_MS = 60_000;
/** The spend window's buckets: an hour of minutes. */
export const SPEND_BUCKETS = 60;

export type SpendWindow = {
  /** Adds a call's cost, spent at `at` (epoch ms). */
  add(at: number, cost: number): void;
  /** The spend of the hour up to `at`: the bucket of `at`'s minute and the 59 before it. */
  total(at: number): number;
  /**
   * When, with no more spend, the hour's spend will be at most `limit`: `at` if it is already, else the
   * start of the minute in which enough of it has aged out.
   */
  fallsTo(limit: number, at: number): number;
  /** The buckets that hold spend: at most {@link SPEND_BUCKETS}, however long it runs. */
  bucketsInUse(): number;
};

/**
 * Spend over the last hour in {@link SPEND_BUCKETS} buckets of a minute, each slot reused by the minute
 * an hour later: fixed memory, however many calls. A bucket counts while its minute is within an hour of
 * the time asked about, either way, so that a clock set back a few minutes still counts what was spent.
 */
export function createSpendWindow(): SpendWindow {
  const minutes = new Float64Array(SPEND_BUCKETS).fill(Number.NaN);
  const costs = new Float64Array(SPEND_BUCKETS);
  const minuteOf = (at: number): number => Math.floor(at / SPEND_BUCKET_MS);
  const slotOf = (minute: number): number => ((minute % SPEND_BUCKETS) + SPEND_BUCKETS) % SPEND_BUCKETS;
  const counts = (slot: number, minute: number): boolean =>
    Math.abs(minute - (minutes[slot] ?? Number.NaN)) < SPEND_BUCKETS;
  const total = (at: number): number => {
    const minute = minuteOf(at);
    let sum = 0;
    for (let slot = 0; slot < SPEND_BUCKETS; slot++) if (counts(slot, minute)) sum += costs[slot] ?? 0;
    return sum;
  };
  return {
    add: (at, cost) => {
      if (!(cost > 0) || !Number.isFinite(cost)) return;
      const minute = minuteOf(at);
      const slot = slotOf(minute);
      if (minutes[slot] !== minute) {
        minutes[slot] = minute;
        costs[slot] = 0;
      }
      costs[slot] = (costs[slot] ?? 0) + cost;
    },
    total,
    fallsTo: (limit, at) => {
      const minute = minuteOf(at);
      const held: { minute: number; cost: number }[] = [];
      for (let slot = 0; slot < SPEND_BUCKETS; slot++) {
        if (counts(slot, minute)) held.push({ minute: minutes[slot] ?? 0, cost: costs[slot] ?? 0 });
      }
      held.sort((a, b) => a.minute - b.minute);
      let left = total(at);
      for (const bucket of held) {
        if (left <= limit) break;
        left -= bucket.cost;
        // The bucket stops counting when the minute an hour after its own starts.
        if (left <= limit) return Math.max(at, (bucket.minute + SPEND_BUCKETS) * SPEND_BUCKET_MS);
      }
      return at;
    },
    bucketsInUse: () => minutes.filter((minute) => !Number.isNaN(minute)).length,
  };
}

/** The last `size` calls, oldest overwritten first. */
function createRing(size: number) {
  const ms = new Float64Array(size);
  const failed = new Uint8Array(size);
  let next = 0;
  let count = 0;
  return {
    push: (ok: boolean, took: number): void => {
      ms[next] = took;
      failed[next] = ok ? 0 : 1;
      next = (next + 1) % size;
      count = Math.min(count + 1, size);
    },
    clear: (): void => {
      next = 0;
      count = 0;
    },
    count: (): number => count,
    failures: (): number => failed.subarray(0, count).reduce((sum, one) => sum + one, 0),
    /** The 95th percentile by nearest rank: the smallest latency that at least 95% of the calls took or less. */
    p95: (): number | undefined => {
      if (count === 0) return undefined;
      const sorted = ms.slice(0, count).sort();
      return sorted[Math.ceil(0.95 * count) - 1];
    },
  };
}

/**
 * Limits as the guard reads them: a number out of range as the nearest in range (counts whole), and one
 * that is not a number as no limit, or for the window and the cooldown as the default.
 */
function readLimits(limits: GuardLimits) {
  const window = clampWhole(limits.window, 1, MAX_WINDOW, DEFAULT_GUARD_LIMITS.window);
  const cooldownS = Number.isNaN(limits.cooldownS)
    ? DEFAULT_GUARD_LIMITS.cooldownS
    : Math.min(Math.max(limits.cooldownS, 0), MAX_COOLDOWN_S);
  return {
    latencyMs: Number.isNaN(limits.latencyP95Ms)
      ? Number.POSITIVE_INFINITY
      : Math.max(limits.latencyP95Ms, 0),
    failureRate: Number.isNaN(limits.maxFailureRate) ? 1 : Math.min(Math.max(limits.maxFailureRate, 0), 1),
    window,
    minSamples: clampWhole(limits.minSamples, 1, window, 1),
    maxSpend: limits.maxSpendPerHour > 0 ? limits.maxSpendPerHour : 0,
    cooldownS,
    cooldownMs: cooldownS * 1_000,
    prices: limits.prices,
  };
}

function clampWhole(value: number, low: number, high: number, otherwise: number): number {
  return Number.isFinite(value) ? Math.min(Math.max(Math.floor(value), low), high) : otherwise;
}

/** The guard off, or waiting for a probe's result. */
type Off = {
  readonly kind: 'off' | 'probing';
  readonly why: TripReason;
  readonly detail: string;
  /** When it tripped (the outage began), for `offForMs`. */
  readonly since: number;
  /** Off: when the cooldown ends. Probing: when the probe was admitted. */
  at: number;
};

/** Where the guard is. */
type Mode = { readonly kind: 'on' } | Off;

/**
 * A guard on `limits`, timed on `now` (wall time, epoch ms).
 *
 * - On, each record adds the call to the ring of the last `window` and its cost to the hour's spend, then
 *   checks, in this order: spend (the hour's above `maxSpendPerHour`), errors (at least `minSamples`
 *   calls, and the share that failed above `maxFailureRate`), latency (at least `minSamples` calls, and
 *   the p95 by nearest rank above `latencyP95Ms`; a failure's time counts, a timeout being slow). The
 *   first that holds trips the guard: off for `cooldownS`.
 * - Off, `admit` refuses, saying in how long it may admit. A spend trip stays off longer than the
 *   cooldown when the hour's spend is still over the limit then, until enough of it has aged out: a probe
 *   before that would be spent for nothing.
 * - Then one call is admitted as a probe, and the guard is probing: others are refused until it is
 *   recorded, or until a cooldown has passed since it was admitted (its request was abandoned: another
 *   probe is admitted, so the guard never stays stuck). While probing, the next record is the probe's.
 * - A probe that gave a verdict within `latencyP95Ms`, with the hour's spend not over the limit, turns the
 *   guard on with the ring cleared (the calls that tripped it must not trip it again at once): `recovered`.
 *   Otherwise the guard is off for another cooldown: `probe-failed`, with the probe's reason (spend over,
 *   the probe failed, the probe slow, checked in this order).
 * - A record while off (a call admitted before the trip, recorded late) adds its spend and nothing else.
 *
 * Defensive about its inputs: a `ms` that is not a finite number is a failure taking `latencyP95Ms`, a
 * negative one 0; tokens are capped ({@link costOf}); a clock read that is not finite is the last good
 * one; a clock set back shortens nothing below zero and lengthens no wait beyond a cooldown.
 */
export function createBudgetGuard(limits: GuardLimits, now: () => number): BudgetGuard {
  const config = readLimits(limits);
  const ring = createRing(config.window);
  const spend = createSpendWindow();
  let mode: Mode = { kind: 'on' };
  let tripped = 0;
  let lastTime = 0;
  /** The time a call whose time is not a number is counted as taking: the limit, or 0 with none. */
  const slowest = Number.isFinite(config.latencyMs) ? config.latencyMs : 0;

  const read = (): number => {
    const at = now();
    if (Number.isFinite(at)) lastTime = at;
    return lastTime;
  };

  /** When the guard, off, may admit a probe, as seen at `at`. */
  const offUntil = (off: Off, at: number): number => {
    // A clock set back: the wait from now is at most a cooldown.
    off.at = Math.min(off.at, at + config.cooldownMs);
    if (off.why !== 'spend' || config.maxSpend === 0) return off.at;
    return Math.max(off.at, spend.fallsTo(config.maxSpend, at));
  };

  const spendOver = (at: number): string | undefined => {
    const spent = spend.total(at);
    if (config.maxSpend === 0 || spent <= config.maxSpend) return undefined;
    return `spent ${money(spent)} CNY in the last hour, over ${money(config.maxSpend)}`;
  };

  /** Why the recent calls trip the guard, checked in order: spend, errors, latency. */
  const tripOf = (at: number): { why: TripReason; detail: string } | undefined => {
    const spent = spendOver(at);
    if (spent !== undefined) return { why: 'spend', detail: spent };
    const calls = ring.count();
    if (calls < config.minSamples) return undefined;
    const failures = ring.failures();
    if (failures / calls > config.failureRate) {
      return {
        why: 'errors',
        detail: `${failures} of ${calls} calls failed, over ${percent(config.failureRate)}`,
      };
    }
    const p95 = ring.p95() ?? 0;
    if (p95 > config.latencyMs) {
      return {
        why: 'latency',
        detail: `p95 ${Math.round(p95)} ms over ${Math.round(config.latencyMs)} ms in the last ${calls} calls`,
      };
    }
    return undefined;
  };

  /** Why a probe's result keeps the guard off, checked in order: spend, the probe failed, the probe slow. */
  const probeFault = (
    ok: boolean,
    ms: number,
    at: number,
  ): { why: TripReason; detail: string } | undefined => {
    const spent = spendOver(at);
    if (spent !== undefined) return { why: 'spend', detail: spent };
    if (!ok) return { why: 'errors', detail: `the probe failed after ${Math.round(ms)} ms` };
    if (ms > config.latencyMs) {
      return {
        why: 'latency',
        detail: `the probe took ${Math.round(ms)} ms, over ${Math.round(config.latencyMs)} ms`,
      };
    }
    return undefined;
  };

  const goOff = (why: TripReason, detail: string, since: number, at: number) => {
    const off: Off = { kind: 'off', why, detail, since, at: at + config.cooldownMs };
    mode = off;
    return Math.ceil((offUntil(off, at) - at) / 1_000);
  };

  return {
    admit: () => {
      const at = read();
      if (mode.kind === 'on') return { ok: true, probe: false };
      if (mode.kind === 'probing') {
        mode.at = Math.min(mode.at, at);
        if (at - mode.at < config.cooldownMs) {
          return { ok: false, why: mode.why, retryInMs: mode.at + config.cooldownMs - at };
        }
      } else {
        const retryInMs = offUntil(mode, at) - at;
        if (retryInMs > 0) return { ok: false, why: mode.why, retryInMs };
      }
      mode = { kind: 'probing', why: mode.why, detail: mode.detail, since: mode.since, at };
      return { ok: true, probe: true };
    },

    record: (result) => {
      const at = read();
      const ok = result.ok === true && Number.isFinite(result.ms);
      const ms = Number.isFinite(result.ms) ? Math.max(result.ms, 0) : slowest;
      if (result.usage !== undefined) spend.add(at, costOf(result.usage, config.prices));
      const before = mode;
      if (before.kind === 'probing') {
        const fault = probeFault(ok, ms, at);
        if (fault !== undefined) {
          ring.push(ok, ms);
          goOff(fault.why, fault.detail, before.since, at);
          return { kind: 'probe-failed', why: fault.why, detail: fault.detail };
        }
        ring.clear();
        ring.push(ok, ms);
        mode = { kind: 'on' };
        return { kind: 'recovered', offForMs: Math.max(0, at - before.since), why: before.why };
      }
      ring.push(ok, ms);
      if (before.kind === 'off') return undefined;
      const trip = tripOf(at);
      if (trip === undefined) return undefined;
      tripped += 1;
      const cooldownS = goOff(trip.why, trip.detail, at, at);
      return { kind: 'tripped', why: trip.why, detail: trip.detail, cooldownS };
    },

    status: () => {
      const at = read();
      const calls = ring.count();
      const p95Ms = ring.p95();
      const recent = { calls, failures: ring.failures(), ...(p95Ms === undefined ? {} : { p95Ms }) };
      const common = { recent, spendLastHour: spend.total(at), tripped };
      if (mode.kind === 'on') return { state: 'on', ...common };
      const base = { state: mode.kind, why: mode.why, detail: mode.detail, ...common };
      if (mode.kind === 'probing') return base;
      return { ...base, retryInS: Math.max(0, Math.ceil((offUntil(mode, at) - at) / 1_000)) };
    },
  };
}

/** The status in one line, for the log: "off (latency: p95 1480 ms over 1000 ms …), retry in 42 s; …". */
export function describeGuardStatus(status: GuardStatus): string {
  const state =
    status.why === undefined
      ? status.state
      : `${status.state} (${status.why}${status.detail === undefined ? '' : `: ${status.detail}`})`;
  const retry = status.retryInS === undefined ? '' : `, retry in ${status.retryInS} s`;
  const { calls, failures, p95Ms } = status.recent;
  const p95 = p95Ms === undefined ? '' : `, p95 ${Math.round(p95Ms)} ms`;
  const times = status.tripped === 1 ? 'time' : 'times';
  return (
    `${state}${retry}; ${calls} recent ${calls === 1 ? 'call' : 'calls'}, ${failures} failed${p95}; ` +
    `spent ${money(status.spendLastHour)} CNY in the last hour; tripped ${status.tripped} ${times}`
  );
}

/** An amount of money to three significant digits: "0.0123", "1.5". */
const money = (amount: number): string => String(Number(amount.toPrecision(3)));

const percent = (rate: number): string => `${Number((rate * 100).toFixed(1))}%`;
