/**
 * shared/campaign/progress.ts: the progress line, rewritten in place on a terminal at most every half
 * second, written every ten seconds elsewhere.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunCounts } from '../../shared/campaign/campaign-run';
import { createProgress } from '../../shared/campaign/progress';

const counts = (placed: number, requests: number, more: Partial<RunCounts> = {}): RunCounts => ({
  placed,
  refused: 0,
  uncertain: 0,
  doNotCall: 0,
  outsideHours: 0,
  requests,
  started: requests,
  waiting: 0,
  inFlight: 0,
  ...more,
});

describe('the progress line', () => {
  it('is rewritten in place on a terminal, every half second at most, and ended before the summary', () => {
    let now = 0;
    const written: string[] = [];
    const progress = createProgress({
      now: () => now,
      write: (text) => written.push(text),
      tty: true,
      placedBefore: 100,
      total: 300,
      queued: 200,
    });
    now = 100;
    progress.update(counts(1, 1));
    assert.deepEqual(written, []);
    now = 1000;
    progress.update(counts(10, 10, { refused: 2, uncertain: 1, doNotCall: 3 }));
    now = 1200;
    progress.update(counts(11, 11));
    progress.end();
    assert.deepEqual(written, [
      '\rplaced 110/300 · refused 2 · uncertain 1 · dnc 3 · waiting 0 · 10 calls/s · ETA 19 s\u001b[K',
      '\n',
    ]);
  });

  it('is a line every ten seconds elsewhere, with nothing to end', () => {
    let now = 0;
    const written: string[] = [];
    const progress = createProgress({
      now: () => now,
      write: (text) => written.push(text),
      tty: false,
      placedBefore: 0,
      total: 3,
      queued: 3,
    });
    now = 9_999;
    progress.update(counts(0, 0, { waiting: 3 }));
    now = 10_000;
    progress.update(counts(0, 0, { waiting: 3 }));
    now = 20_000;
    progress.update(counts(1, 1, { waiting: 2 }));
    now = 30_000;
    progress.update(counts(2, 2));
    progress.end();
    assert.deepEqual(written, [
      'placed 0/3 · refused 0 · uncertain 0 · dnc 0 · waiting 3 · 0 calls/s\n',
      // No ETA while rows wait for the calling hours: the wait said until when.
      'placed 1/3 · refused 0 · uncertain 0 · dnc 0 · waiting 2 · 0.1 calls/s\n',
      'placed 2/3 · refused 0 · uncertain 0 · dnc 0 · waiting 0 · 0.1 calls/s · ETA 10 s\n',
    ]);
  });
});
