import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CallResult,
  costOf,
  createBudgetGuard,
  createSpendWindow,
  DEFAULT_GUARD_LIMITS,
  describeGuardStatus,
  type GuardLimits,
  MAX_TOKENS_PER_CALL,
  MAX_WINDOW,
  SPEND_BUCKETS,
} from '../../shared/classify/budget-guard';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** 2026-01-05T09:00:00Z: a whole minute, so that a test's minutes are the spend window's. */
const START = Date.UTC(2026, 0, 5, 9);

/** Limits a test can reason about: 1 s latency, half failing, 10 calls from 5, 60 s off, no spend limit. */
const LIMITS: GuardLimits = {
  latencyP95Ms: 1_000,
  maxFailureRate: 0.5,
  window: 10,
  minSamples: 5,
  maxSpendPerHour: 0,
  cooldownS: 60,
  // 0.002 a call of {@link USAGE}: 1 for 1,000 tokens in, 10 for 1,000 out.
  prices: { inputPer1k: 0.001, outputPer1k: 0.01 },
};
const USAGE = { promptTokens: 1_000, completionTokens: 100 };
const COST = 0.002;

const fast: CallResult = { ok: true, ms: 200 };
const slow: CallResult = { ok: true, ms: 2_000 };
const failed: CallResult = { ok: false, ms: 300 };

/** A guard on a clock the test moves: `wait(ms)` lets wall time pass, `set(at)` puts it anywhere. */
function guardOn(limits: Partial<GuardLimits> = {}) {
  let now = START;
  const guard = createBudgetGuard({ ...LIMITS, ...limits }, () => now);
  return {
    guard,
    wait: (ms: number) => {
      now += ms;
    },
    set: (at: number) => {
      now = at;
    },
    now: () => now,
    /** Records `count` calls like `result`, each admitted first; the changes that are not undefined. */
    calls: (count: number, result: CallResult) => {
      const changes = [];
      for (let i = 0; i < count; i++) {
        assert.deepEqual(guard.admit(), { ok: true, probe: false }, `call ${i + 1} admitted`);
        const change = guard.record(result);
        if (change !== undefined) changes.push(change);
      }
      return changes;
    },
  };
}

/** A guard tripped on latency at START: 5 slow calls. */
function trippedOnLatency(limits: Partial<GuardLimits> = {}) {
  const on = guardOn(limits);
  assert.equal(on.calls(5, slow).length, 1);
  assert.equal(on.guard.status().state, 'off');
  return on;
}

describe('the budget guard trips', () => {
  it('on a slow p95 once it has minSamples calls, and not before', () => {
    const { guard, calls } = guardOn();
    assert.deepEqual(calls(4, slow), []);
    assert.equal(guard.status().state, 'on');
    assert.deepEqual(guard.record(slow), {
      kind: 'tripped',
      why: 'latency',
      detail: 'p95 2000 ms over 1000 ms in the last 5 calls',
      cooldownS: 60,
    });
  });

  it('on the p95 by nearest rank: 1 slow call of 20 is not, 2 are', () => {
    const { guard, calls } = guardOn({ window: 20 });
    assert.deepEqual(calls(19, fast), []);
    assert.deepEqual(calls(1, slow), [], 'rank 19 of 20 is still a fast call');
    assert.equal(guard.status().recent.p95Ms, 200);
    // The window drops the oldest fast call: 18 fast, 2 slow.
    const [change] = calls(1, slow);
    assert.deepEqual(change, {
      kind: 'tripped',
      why: 'latency',
      detail: 'p95 2000 ms over 1000 ms in the last 20 calls',
      cooldownS: 60,
    });
  });

  it('on slow failures (a timeout is slow) when failures alone do not trip it', () => {
    const { calls } = guardOn({ maxFailureRate: 1 });
    const [change] = calls(5, { ok: false, ms: 1_500 });
    assert.equal(change?.kind === 'tripped' && change.why, 'latency');
  });

  it('on failures only from minSamples calls', () => {
    const { guard, calls } = guardOn();
    assert.deepEqual(calls(4, failed), []);
    assert.deepEqual(guard.status().recent, { calls: 4, failures: 4, p95Ms: 300 });
    assert.equal(calls(1, failed)[0]?.kind, 'tripped');
  });

  it('on a share of failures above the limit, not at it, among the last window of calls', () => {
    const { guard, calls } = guardOn();
    assert.deepEqual(calls(5, fast), []);
    assert.deepEqual(calls(5, failed), [], '5 of 10 is not above 50%');
    assert.deepEqual(guard.status().recent, { calls: 10, failures: 5, p95Ms: 300 });
    // The window of 10 drops the oldest fast call: 6 of 10.
    assert.deepEqual(calls(1, failed), [
      { kind: 'tripped', why: 'errors', detail: '6 of 10 calls failed, over 50%', cooldownS: 60 },
    ]);
  });

  it('on errors before latency when both hold', () => {
    const { calls } = guardOn();
    const [change] = calls(5, { ok: false, ms: 5_000 });
    assert.equal(change?.kind === 'tripped' && change.why, 'errors');
  });

  it('on spend above the limit first, from the first call, whatever else holds', () => {
    const { guard, calls } = guardOn({ maxSpendPerHour: 0.01 });
    assert.deepEqual(calls(5, { ...fast, usage: USAGE }), [], '0.01 is not above 0.01');
    assert.ok(Math.abs(guard.status().spendLastHour - 5 * COST) < 1e-12);
    const [change] = calls(1, { ok: false, ms: 9_000, usage: USAGE });
    assert.deepEqual(change, {
      kind: 'tripped',
      why: 'spend',
      detail: 'spent 0.012 CNY in the last hour, over 0.01',
      cooldownS: 3_600,
    });
    const single = guardOn({ maxSpendPerHour: 0.001 });
    assert.equal(single.calls(1, { ...fast, usage: USAGE })[0]?.kind, 'tripped', 'before minSamples');
  });

  it('never on spend with no spend limit', () => {
    const { guard, calls } = guardOn();
    assert.deepEqual(calls(50, { ...fast, usage: { promptTokens: 1e6, completionTokens: 1e6 } }), []);
    assert.equal(guard.status().state, 'on');
  });
});

describe('the budget guard, off', () => {
  it('refuses until the cooldown is over, saying why and for how long', () => {
    const { guard, wait } = trippedOnLatency();
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    wait(59_999);
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 1 });
    assert.equal(guard.status().retryInS, 1);
  });

  it('admits exactly one probe once the cooldown is over, and refuses the others meanwhile', () => {
    const { guard, wait } = trippedOnLatency();
    wait(60_000);
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
    assert.equal(guard.status().state, 'probing');
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    wait(10_000);
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 50_000 });
  });

  it('recovers on a probe that is fast and gives a verdict, with the old calls forgotten', () => {
    const { guard, wait, calls } = trippedOnLatency();
    wait(60_000);
    guard.admit();
    wait(200);
    assert.deepEqual(guard.record(fast), { kind: 'recovered', offForMs: 60_200, why: 'latency' });
    assert.equal(guard.status().state, 'on');
    assert.deepEqual(guard.status().recent, { calls: 1, failures: 0, p95Ms: 200 });
    assert.deepEqual(guard.admit(), { ok: true, probe: false });
    // Were the 5 slow calls still in the window, these would trip it again at once.
    assert.deepEqual(calls(4, fast), []);
    assert.deepEqual(guard.status().recent, { calls: 5, failures: 0, p95Ms: 200 });
  });

  it('is off for another cooldown when the probe fails or is slow, and counts the outage from the trip', () => {
    const { guard, wait } = trippedOnLatency();
    wait(60_000);
    guard.admit();
    assert.deepEqual(guard.record(failed), {
      kind: 'probe-failed',
      why: 'errors',
      detail: 'the probe failed after 300 ms',
    });
    assert.equal(guard.status().state, 'off');
    assert.deepEqual(guard.admit(), { ok: false, why: 'errors', retryInMs: 60_000 });
    wait(60_000);
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
    assert.deepEqual(guard.record({ ok: true, ms: 1_200 }), {
      kind: 'probe-failed',
      why: 'latency',
      detail: 'the probe took 1200 ms, over 1000 ms',
    });
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    wait(60_000);
    guard.admit();
    assert.deepEqual(guard.record({ ok: true, ms: 1_000 }), {
      kind: 'recovered',
      offForMs: 180_000,
      why: 'latency',
    });
    assert.equal(guard.status().tripped, 1, 'failed probes are not trips');
  });

  it('admits another probe when one was never recorded (its request abandoned) for a cooldown', () => {
    const { guard, wait } = trippedOnLatency();
    wait(60_000);
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
    wait(59_999);
    assert.equal(guard.admit().ok, false);
    wait(1);
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    assert.equal(guard.record(fast)?.kind, 'recovered');
  });

  it('adds the spend of a call recorded late while off, and changes nothing else', () => {
    const { guard } = trippedOnLatency({ maxSpendPerHour: 1 });
    const before = guard.status();
    assert.equal(guard.record({ ...failed, usage: USAGE }), undefined);
    const after = guard.status();
    assert.ok(Math.abs(after.spendLastHour - before.spendLastHour - COST) < 1e-12);
    assert.deepEqual({ ...after, spendLastHour: 0 }, { ...before, spendLastHour: 0, recent: after.recent });
    assert.equal(after.state, 'off');
    assert.equal(after.why, 'latency');
  });

  it('on a spend trip, admits no probe until enough of the hour’s spend has aged out', () => {
    const { guard, calls, wait, set } = guardOn({ maxSpendPerHour: 0.01 });
    const paid = { ...fast, usage: USAGE };
    calls(3, paid);
    wait(10 * MINUTE);
    calls(2, paid);
    const [change] = calls(1, paid);
    // Minute 0's 0.006 leaves at minute 60, and what is left, 0.006, is under the limit: 50 minutes.
    assert.deepEqual(change, {
      kind: 'tripped',
      why: 'spend',
      detail: 'spent 0.012 CNY in the last hour, over 0.01',
      cooldownS: 50 * 60,
    });
    wait(60_000);
    assert.deepEqual(guard.admit(), { ok: false, why: 'spend', retryInMs: 49 * MINUTE });
    assert.equal(guard.status().retryInS, 49 * 60);
    set(START + HOUR - 1);
    assert.equal(guard.admit().ok, false);
    set(START + HOUR);
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
    assert.deepEqual(guard.record(paid), { kind: 'recovered', offForMs: 50 * MINUTE, why: 'spend' });
  });

  it('fails a probe that takes the hour’s spend over the limit, whatever the trip was for', () => {
    const { guard, wait } = trippedOnLatency({ maxSpendPerHour: COST / 2 });
    wait(60_000);
    guard.admit();
    const change = guard.record({ ...fast, usage: USAGE });
    assert.deepEqual(change, {
      kind: 'probe-failed',
      why: 'spend',
      detail: 'spent 0.002 CNY in the last hour, over 0.001',
    });
    assert.equal(guard.admit().ok, false);
  });
});

describe('the budget guard’s spend window', () => {
  it('forgets what was spent an hour ago, by the minute', () => {
    const { guard, set } = guardOn({ maxSpendPerHour: 1 });
    guard.record({ ...fast, usage: USAGE });
    set(START + 30 * MINUTE + 15_000);
    guard.record({ ...fast, usage: USAGE });
    guard.record({ ...fast, usage: USAGE });
    set(START + HOUR - 1);
    assert.ok(Math.abs(guard.status().spendLastHour - 3 * COST) < 1e-12);
    set(START + HOUR);
    assert.ok(Math.abs(guard.status().spendLastHour - 2 * COST) < 1e-12, 'minute 0 is gone');
    set(START + 90 * MINUTE);
    assert.equal(guard.status().spendLastHour, 0);
  });

  it('keeps at most an hour of minute buckets, however long it runs', () => {
    const window = createSpendWindow();
    for (let minute = 0; minute < 100_000; minute++) window.add(START + minute * MINUTE, 1);
    assert.equal(window.bucketsInUse(), SPEND_BUCKETS);
    assert.equal(window.total(START + 99_999 * MINUTE), SPEND_BUCKETS);
    assert.equal(window.total(START + 100_000 * MINUTE + HOUR), 0);
  });

  it('ignores a cost that is not a positive number', () => {
    const window = createSpendWindow();
    for (const cost of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) window.add(START, cost);
    assert.equal(window.bucketsInUse(), 0);
    assert.equal(window.total(START), 0);
  });

  it('says when the spend falls to a limit, oldest minutes first', () => {
    const window = createSpendWindow();
    window.add(START, 3);
    window.add(START + 5 * MINUTE + 30_000, 2);
    window.add(START + 20 * MINUTE, 1);
    const at = START + 30 * MINUTE;
    assert.equal(window.fallsTo(6, at), at);
    assert.equal(window.fallsTo(5, at), START + HOUR);
    assert.equal(window.fallsTo(1, at), START + 65 * MINUTE);
    assert.equal(window.fallsTo(0, at), START + 80 * MINUTE);
  });
});

describe('the budget guard’s memory', () => {
  it('holds the last window of 100,000 calls and an hour of their spend', () => {
    const { guard, wait } = guardOn({ maxFailureRate: 1, latencyP95Ms: 1e9, maxSpendPerHour: 1e9 });
    for (let i = 0; i < 100_000; i++) {
      guard.record({ ok: i % 3 !== 0, ms: i, usage: USAGE });
      wait(1_000);
    }
    const status = guard.status();
    assert.equal(status.state, 'on');
    // The last 10: 99,990 to 99,999, of which 99,990, 99,993, 99,996 and 99,999 failed; rank 10 of 10.
    assert.deepEqual(status.recent, { calls: 10, failures: 4, p95Ms: 99_999 });
    // One call a second: the minute of the clock now (no call yet, at 100,000 s) and the 59 before it.
    const secondsCounted = 100_000 - Math.floor(100_000 / 60 - 59) * 60;
    assert.ok(Math.abs(status.spendLastHour - secondsCounted * COST) < 1e-9, String(status.spendLastHour));
  });
});

describe('the budget guard’s inputs', () => {
  it('counts a time that is not a number as a failure at the latency limit, a negative one as 0', () => {
    const { guard, calls } = guardOn();
    calls(2, { ok: true, ms: -50 });
    assert.deepEqual(guard.status().recent, { calls: 2, failures: 0, p95Ms: 0 });
    const changes = calls(3, { ok: true, ms: Number.NaN });
    assert.deepEqual(guard.status().recent, { calls: 5, failures: 3, p95Ms: 1_000 });
    assert.deepEqual(changes, [
      { kind: 'tripped', why: 'errors', detail: '3 of 5 calls failed, over 50%', cooldownS: 60 },
    ]);
  });

  it('costs usage at the prices, tokens not a count as none, and caps them', () => {
    const prices = DEFAULT_GUARD_LIMITS.prices;
    assert.ok(Math.abs(costOf({ promptTokens: 1_000, completionTokens: 1_000 }, prices) - 0.00165) < 1e-15);
    assert.equal(costOf({ promptTokens: Number.NaN, completionTokens: -5 }, prices), 0);
    assert.equal(
      costOf(
        { promptTokens: Number.POSITIVE_INFINITY, completionTokens: 0 },
        { inputPer1k: 1, outputPer1k: 1 },
      ),
      MAX_TOKENS_PER_CALL / 1_000,
    );
    assert.equal(costOf(USAGE, { inputPer1k: Number.NaN, outputPer1k: -1 }), 0);
  });

  it('survives a clock set back: no wait longer than a cooldown, no negative outage', () => {
    const { guard, set, wait } = trippedOnLatency();
    set(START - 24 * HOUR);
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    wait(60_000);
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
    set(START - 48 * HOUR);
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    assert.deepEqual(guard.record(fast), { kind: 'recovered', offForMs: 0, why: 'latency' });
  });

  it('reads a clock that is not a number as its last good reading', () => {
    let now = START;
    const guard = createBudgetGuard(LIMITS, () => now);
    for (let i = 0; i < 5; i++) guard.record(slow);
    now = Number.NaN;
    assert.deepEqual(guard.admit(), { ok: false, why: 'latency', retryInMs: 60_000 });
    now = START + 60_000;
    assert.deepEqual(guard.admit(), { ok: true, probe: true });
  });

  it('reads limits out of range as the nearest in range, and one that is not a number as none', () => {
    const { guard, calls } = guardOn({ window: Number.NaN, minSamples: 50, latencyP95Ms: Number.NaN });
    assert.deepEqual(calls(19, { ok: true, ms: 1e6 }), [], 'no latency limit; minSamples read as the window');
    assert.deepEqual(calls(1, failed), []);
    assert.equal(guard.status().recent.calls, DEFAULT_GUARD_LIMITS.window);
    const tight = guardOn({ window: 0, maxFailureRate: -1, cooldownS: -5 });
    const [change] = tight.calls(1, failed);
    assert.deepEqual(change, {
      kind: 'tripped',
      why: 'errors',
      detail: '1 of 1 calls failed, over 0%',
      cooldownS: 0,
    });
    assert.deepEqual(tight.guard.admit(), { ok: true, probe: true }, 'no cooldown');
    assert.equal(tight.guard.status().recent.calls, 1);
    for (const [cooldownS, read] of [
      [Number.NaN, DEFAULT_GUARD_LIMITS.cooldownS],
      [1e9, 86_400],
    ] as const) {
      const [trip] = guardOn({ cooldownS, minSamples: 1 }).calls(1, failed);
      assert.equal(trip?.kind === 'tripped' && trip.cooldownS, read, `cooldownS ${cooldownS}`);
    }
    const wide = guardOn({ window: 5_000, maxFailureRate: 1 });
    wide.calls(MAX_WINDOW + 1, fast);
    assert.equal(wide.guard.status().recent.calls, MAX_WINDOW);
  });
});

describe('the budget guard’s status', () => {
  it('says how it stands, on and off, in fields and in one line', () => {
    const { guard, calls, wait } = guardOn({ maxSpendPerHour: 1 });
    assert.deepEqual(guard.status(), {
      state: 'on',
      recent: { calls: 0, failures: 0 },
      spendLastHour: 0,
      tripped: 0,
    });
    calls(1, { ...failed, usage: USAGE });
    calls(1, fast);
    assert.equal(
      describeGuardStatus(guard.status()),
      'on; 2 recent calls, 1 failed, p95 300 ms; spent 0.002 CNY in the last hour; tripped 0 times',
    );
    calls(3, slow);
    wait(12_500);
    assert.deepEqual(guard.status(), {
      state: 'off',
      why: 'latency',
      detail: 'p95 2000 ms over 1000 ms in the last 5 calls',
      retryInS: 48,
      recent: { calls: 5, failures: 1, p95Ms: 2_000 },
      spendLastHour: COST,
      tripped: 1,
    });
    assert.equal(
      describeGuardStatus(guard.status()),
      'off (latency: p95 2000 ms over 1000 ms in the last 5 calls), retry in 48 s; ' +
        '5 recent calls, 1 failed, p95 2000 ms; spent 0.002 CNY in the last hour; tripped 1 time',
    );
    wait(60_000);
    assert.equal(guard.status().retryInS, 0);
    guard.admit();
    const probing = guard.status();
    assert.equal(probing.state, 'probing');
    assert.equal(probing.retryInS, undefined);
    assert.match(
      describeGuardStatus(probing),
      /^probing \(latency: p95 2000 ms over 1000 ms in the last 5 calls\); /,
    );
  });

  it('has defaults that need a few calls to trip and keep the fallback off for a minute', () => {
    const { latencyP95Ms, window, minSamples, cooldownS, maxSpendPerHour } = DEFAULT_GUARD_LIMITS;
    assert.ok(minSamples > 1 && minSamples <= window);
    assert.equal(cooldownS, 60);
    assert.equal(maxSpendPerHour, 0);
    const guard = createBudgetGuard(DEFAULT_GUARD_LIMITS, () => START);
    for (let i = 1; i < minSamples; i++)
      assert.equal(guard.record({ ok: false, ms: latencyP95Ms + 1 }), undefined);
    assert.equal(guard.record({ ok: false, ms: latencyP95Ms + 1 })?.kind, 'tripped');
  });
});
