import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineError, startDeadline } from '../../shared/clock/deadline';

describe('a callback deadline', () => {
  it('counts down from its budget on the clock it is given, and grows by a wait', () => {
    let now = 1_000;
    const deadline = startDeadline(() => now, 400);
    now += 150;
    assert.equal(deadline.remainingMs(), 250);
    deadline.extend(800);
    assert.equal(deadline.remainingMs(), 1050);
    assert.equal(deadline.budgetMs(), 1200);
    deadline.extend(-5);
    assert.equal(deadline.budgetMs(), 1200, 'a deadline never shrinks');
    now += 5_000;
    assert.equal(deadline.remainingMs(), 0);
  });

  it('passes a value at hand through without a timer', () => {
    const deadline = startDeadline(() => 0, 10);
    assert.equal(deadline.within(7, 'a number'), 7);
  });

  it('rejects a wait that outlives it, naming what it waited for, and leaves the wait alone', async () => {
    const deadline = startDeadline(() => Date.now(), 20);
    let settled = false;
    const slow = new Promise<string>((resolve) =>
      setTimeout(() => {
        settled = true;
        resolve('late');
      }, 60),
    );
    await assert.rejects(
      Promise.resolve(deadline.within(slow, 'lookup account')),
      (error: unknown) =>
        error instanceof DeadlineError &&
        /budget of 20 ms ran out waiting for lookup account/.test(error.message),
    );
    assert.equal(await slow, 'late');
    assert.ok(settled);
  });

  it('answers with the value when it comes in time', async () => {
    const deadline = startDeadline(() => Date.now(), 1_000);
    assert.equal(await deadline.within(Promise.resolve('soon'), 'rules'), 'soon');
  });
});
