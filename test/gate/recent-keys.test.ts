import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventIdOf, RecentKeys } from '../../shared/gate/recent-keys';

describe('recent keys', () => {
  it('tells a key seen among the last ones, forgetting the oldest past its capacity', () => {
    const recent = new RecentKeys(2);
    assert.equal(recent.hasSeen('a'), false);
    assert.equal(recent.hasSeen('a'), true);
    recent.hasSeen('b');
    recent.hasSeen('c');
    assert.equal(recent.hasSeen('a'), false);
  });

  it('digests an event key as 20 letters, the same for the same key, never a digit', () => {
    const id = eventIdOf('1^2|dtmf|1700000000000|sealed');
    assert.match(id, /^[a-z]{20}$/);
    assert.equal(eventIdOf('1^2|dtmf|1700000000000|sealed'), id);
    assert.notEqual(eventIdOf('1^2|dtmf|1700000000001|sealed'), id);
  });
});
