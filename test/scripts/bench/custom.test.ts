import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../../../dev/fc-event';
import { CONCURRENCIES, formatRounds, measureCustom, tickShare } from '../../../scripts/bench/custom';

/**
 * The custom-runtime part of `npm run bench` (scripts/bench/custom.ts) on a tiny plan, through the suite's
 * dist/: every contender answers, and each row says what it measured. The bench itself runs apart.
 */
describe('the bench of the custom runtime', () => {
  it('loads server.js at each concurrency and the bundle one at a time, and reports each', async () => {
    const rows = await measureCustom(
      { rounds: 1, warmup: 20, requests: 60, budgetMs: 10_000 },
      join(ROOT, 'dist'),
    );
    assert.equal(rows.length, 1 + CONCURRENCIES.length);
    assert.match(rows[0]?.figure ?? '', /built-in, one at a time, callbacks per CPU-s/);
    for (const [index, concurrency] of CONCURRENCIES.entries()) {
      const row = rows[index + 1];
      assert.match(row?.figure ?? '', new RegExp(`server\\.js, ${concurrency} in flight`));
      assert.ok(Number(row?.value) > 0, row?.value);
      assert.match(
        row?.detail ?? '',
        /× the built-in's; per wall-s \d+; latency p50 [\d.]+ ms, p99 [\d.]+ ms; peak memory \d+ MB; CPU read to the 10 ms tick, ±[\d.]+% of a round's \d+ ms; 1 round$/,
      );
      assert.equal(row?.pass, undefined);
    }
  });
});

describe("the custom runtime bench's rows", () => {
  it('show a range whenever more than one round ran, even rounds that agree to the tick', () => {
    assert.equal(formatRounds([1786, 1786], 0), '1786 (1786–1786)');
    assert.equal(formatRounds([1700, 1800, 1750], 0), '1750 (1700–1800)');
    assert.equal(formatRounds([1786], 0), '1786');
    assert.equal(tickShare([560, 560]), "CPU read to the 10 ms tick, ±1.8% of a round's 560 ms");
  });
});
