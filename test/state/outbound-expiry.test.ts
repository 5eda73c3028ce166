/**
 * shared/state/outbound-expiry.ts: the lifetimes and expiries the commands that seal a DynamicId take.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readExpiry, readLifetime, readLifetimeOption } from '../../shared/state/outbound-expiry';

const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);

describe('a DynamicId lifetime', () => {
  it('is seconds, minutes, hours or days, at most 31 days', () => {
    assert.deepEqual(['90s', '30m', '2h', '7d'].map(readLifetime), [90, 1800, 7200, 604_800]);
    assert.equal(readLifetime('2 h'), undefined);
    assert.equal(readLifetimeOption('31d'), 31 * 86_400);
    assert.equal(readLifetimeOption('32d'), '--expires 32d is more than 31 days');
    assert.equal(readLifetimeOption('0s', 'expires'), 'expires 0s is no lifetime');
    assert.equal(
      readLifetimeOption('soon'),
      '--expires takes a lifetime such as 90s, 30m, 2h or 7d, not soon',
    );
  });

  it('or, as an expiry, a time with its offset, in the future and within 31 days', () => {
    const nowS = NOW / 1000;
    assert.equal(readExpiry(undefined, NOW, 60), nowS + 60);
    assert.equal(readExpiry('2h', NOW, 60), nowS + 7200);
    assert.equal(readExpiry('2026-11-23T18:00+08:00', NOW, 60), Date.parse('2026-11-23T10:00:00Z') / 1000);
    assert.match(readExpiry('2026-11-23T09:00+08:00', NOW, 60) as string, /is not in the future/);
    assert.match(readExpiry('2027-11-23T09:00+08:00', NOW, 60) as string, /more than 31 days away/);
    assert.match(readExpiry('2026-13-45T09:00+08:00', NOW, 60) as string, /is no time/);
    assert.match(readExpiry('tomorrow', NOW, 60) as string, /takes a lifetime such as 2h or a time/);
  });
});
