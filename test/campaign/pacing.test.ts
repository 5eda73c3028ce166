/**
 * shared/campaign/pacing.ts: what a campaign does with each answer, how long it pauses, and how fast it
 * sends, on a clock the test moves.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffMs,
  createRateLimiter,
  decide,
  describeStop,
  MAX_ATTEMPTS,
  MIN_RATE,
  type SendOutcome,
  SLOW_DOWN_MS,
  SPEED_UP_EVERY_MS,
} from '../../shared/campaign/pacing';

const apiError = (code: string, http = 400): SendOutcome => ({ kind: 'api-error', code, http });

describe('an answer', () => {
  it('is turned into what becomes of the row', () => {
    assert.deepEqual(decide({ kind: 'placed', callId: 'c' }, 1), { kind: 'placed' });
    assert.deepEqual(decide({ kind: 'uncertain', why: 'timeout after the request was written' }, 1), {
      kind: 'uncertain',
      why: 'timeout after the request was written',
    });
    assert.deepEqual(decide(apiError('Throttling.User'), 1), {
      kind: 'retry',
      throttled: true,
      why: 'Throttling.User',
    });
    assert.deepEqual(decide(apiError('ServiceUnavailable', 503), 2), {
      kind: 'retry',
      throttled: false,
      why: 'ServiceUnavailable',
    });
    assert.deepEqual(decide({ kind: 'not-written', why: 'ECONNREFUSED before the request was written' }, 1), {
      kind: 'retry',
      throttled: false,
      why: 'ECONNREFUSED before the request was written',
    });
    assert.deepEqual(decide(apiError('SignatureDoesNotMatch'), 1), {
      kind: 'stop',
      code: 'SignatureDoesNotMatch',
    });
    assert.deepEqual(decide(apiError('isv.OUT_OF_SERVICE'), 1), { kind: 'stop', code: 'isv.OUT_OF_SERVICE' });
    assert.deepEqual(decide(apiError('isv.BLACK_KEY_CONTROL_LIMIT'), 1), {
      kind: 'refused',
      code: 'isv.BLACK_KEY_CONTROL_LIMIT',
    });
    assert.deepEqual(decide(apiError('InternalError', 500), 1), {
      kind: 'uncertain',
      why: 'answered InternalError',
    });
    assert.deepEqual(decide({ kind: 'api-error', code: 'Throttling' }, 1), {
      kind: 'retry',
      throttled: true,
      why: 'Throttling',
    });
  });

  it('is retried at most MAX_ATTEMPTS times in one run', () => {
    assert.deepEqual(decide(apiError('Throttling.User'), MAX_ATTEMPTS), {
      kind: 'exhausted',
      throttled: true,
      why: 'Throttling.User',
    });
  });

  it('that stops says what to check, never the API’s message', () => {
    assert.match(describeStop('InvalidTimeStamp.Expired'), /clock/);
    assert.match(describeStop('SignatureDoesNotMatch'), /credentials/);
    assert.match(describeStop('InvalidAccessKeyId.NotFound'), /credentials/);
    assert.match(describeStop('isv.AMOUNT_NOT_ENOUGH'), /balance/);
    assert.match(describeStop('Forbidden.RAM'), /RAM permission/);
    assert.match(describeStop('isv.RAM_PERMISSION_DENY'), /RAM permission/);
    assert.match(describeStop('isv.PRODUCT_UN_SUBSCRIPT'), /subscription/);
    assert.match(describeStop('InvalidAction.NotFound'), /endpoint/);
  });
});

describe('the pause after a failed try', () => {
  it('doubles from 1 s up to 30 s, shortened by up to half at random', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffMs(attempt, () => 0.999999)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
    );
    assert.deepEqual(
      [1, 2, 6].map((attempt) => backoffMs(attempt, () => 0)),
      [500, 1000, 15000],
    );
  });
});

describe('the rate', () => {
  it('spaces requests evenly, with no burst after a quiet spell', () => {
    const limiter = createRateLimiter(4);
    assert.deepEqual(
      [0, 0, 0, 0].map((now) => limiter.reserve(now)),
      [0, 250, 500, 750],
    );
    // A long pause earns no burst: the next ones are spaced again from then.
    assert.deepEqual([limiter.reserve(10_000), limiter.reserve(10_000)], [10_000, 10_250]);
  });

  it('never lets a second hold more requests than the rate, when timers fire late', () => {
    const limiter = createRateLimiter(4);
    // Slots at 0, 250, 500, 750, 1000; the first four timers fire late, all at 990.
    const slots = [0, 0, 0, 0, 0].map(() => limiter.reserve(0));
    assert.deepEqual(slots, [0, 250, 500, 750, 1000]);
    assert.deepEqual(
      [990, 990, 990, 990].map((now) => limiter.admit(now)),
      [990, 990, 990, 990],
    );
    // The fifth, on time at 1000, would be the fifth request in the second from 1 to 1000: it waits.
    assert.equal(limiter.admit(1000), 1991);
    assert.equal(limiter.admit(1991), 1991);
    // Every sliding second of what was admitted holds four at most.
    const admitted = [990, 990, 990, 990, 1991];
    for (const start of admitted)
      assert.ok(admitted.filter((t) => t >= start && t < start + 1000).length <= 4, String(start));
  });

  it('keeps a fractional rate: 1.5 a second is one request in any 667 ms, not one a second', () => {
    const limiter = createRateLimiter(1.5);
    assert.equal(limiter.admit(0), 0);
    assert.equal(limiter.admit(500), 668);
    assert.equal(limiter.admit(668), 668);
  });

  it('halves when the API throttles (once for answers together), said once, and climbs back', () => {
    const limiter = createRateLimiter(10);
    assert.equal(limiter.throttled(0), true);
    assert.equal(limiter.rate(), 5);
    // Requests in flight answer together: one halving for them.
    assert.equal(limiter.throttled(10), false);
    assert.equal(limiter.rate(), 5);
    limiter.throttled(2000);
    assert.equal(limiter.rate(), 2.5);
    limiter.reserve(2000 + SLOW_DOWN_MS - 1);
    assert.equal(limiter.rate(), 2.5);
    limiter.reserve(2000 + SLOW_DOWN_MS);
    assert.equal(limiter.rate(), 3.5);
    limiter.reserve(2000 + SLOW_DOWN_MS + 1);
    assert.equal(limiter.rate(), 3.5);
    for (let t = 2000 + SLOW_DOWN_MS; limiter.rate() < 10; t += SPEED_UP_EVERY_MS) limiter.reserve(t);
    assert.equal(limiter.rate(), 10);
  });

  it('never falls below its floor', () => {
    const limiter = createRateLimiter(1);
    for (let t = 0; t < 20_000; t += 1000) limiter.throttled(t);
    assert.equal(limiter.rate(), MIN_RATE);
    const slow = createRateLimiter(0.05);
    slow.throttled(0);
    assert.equal(slow.rate(), 0.05);
  });
});
