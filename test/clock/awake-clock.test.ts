import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { afterAwake, startAwakeClock, TICK_MS } from '../../shared/clock/awake-clock';
import { createFakeClock } from '../support/fake-clock';

const fakeHost = () => createFakeClock();

describe('the awake clock', () => {
  it('counts the time the process runs, and a freeze as one tick', () => {
    const { host, run, freeze } = fakeHost();
    const clock = startAwakeClock(host);
    run(1_000);
    assert.equal(clock.elapsed(), 1_000);
    freeze(60_000);
    assert.equal(clock.elapsed(), 1_000 + TICK_MS, 'read straight after a thaw');
    // The first tick after the thaw spans the freeze: it counts as one tick; the next as itself.
    run(2 * TICK_MS);
    assert.equal(clock.elapsed(), 1_000 + 2 * TICK_MS);
    clock.stop();
  });

  it('times out after so long awake, not after so long frozen, and stops ticking', () => {
    const { host, run, freeze, ticking } = fakeHost();
    let fired = 0;
    afterAwake(500, () => fired++, host);
    run(300);
    freeze(10 * 60_000);
    run(100);
    assert.equal(fired, 0);
    run(150);
    assert.equal(fired, 1);
    run(1_000);
    assert.equal(fired, 1);
    assert.equal(ticking(), 0);
  });

  it('can be cancelled', () => {
    const { host, run, ticking } = fakeHost();
    let fired = 0;
    const deadline = afterAwake(100, () => fired++, host);
    deadline.cancel();
    run(1_000);
    assert.equal(fired, 0);
    assert.equal(ticking(), 0);
  });
});
