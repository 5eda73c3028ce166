/**
 * The split node: which branch a call takes (a hash of its call id and the node's position), that the
 * shares hold over many calls, and what the engine does with it (the reply, the trace, a resumed decision).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseSplitBranch } from '../../shared/flow/choose-split';
import { readSplitTaken, splitTaken } from '../../shared/flow/trace-phrases';
import type { LookupAnswer } from '../../shared/lookup/lookup-types';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { describeShare } from '../../shared/rules/split-shares';
import { Call, compileOrThrow, spoken } from '../support/engine-call';

const KEYS: [string] = ['test-state-key-0123456789'];
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);

/** 20,000 call ids of VMS's shape, differing in their last digits only. */
const IDS = Array.from({ length: 20_000 }, (_, i) => `130301340124^${1170797301000000 + i}`);

/** Each branch's share of {@link IDS}, in percent. */
function measureShares(weights: readonly number[], flow = 'main', node = 'greeting'): number[] {
  const counts = weights.map(() => 0);
  for (const id of IDS) {
    const index = chooseSplitBranch(id, flow, node, weights);
    counts[index] = (counts[index] ?? 0) + 1;
  }
  return counts.map((count) => (count * 100) / IDS.length);
}

describe('split: the choice', () => {
  it('gives the same branch for the same call and node, every time', () => {
    for (const id of IDS.slice(0, 200)) {
      const first = chooseSplitBranch(id, 'main', 'greeting', [90, 10]);
      assert.equal(chooseSplitBranch(id, 'main', 'greeting', [90, 10]), first);
    }
  });

  for (const weights of [
    [90, 10],
    [50, 50],
    [1, 99],
    [1, 1, 1],
    [5, 10, 85],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 55],
  ]) {
    it(`keeps each share of ${weights.join(':')} within 2 percentage points over 20,000 call ids`, () => {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      const measured = measureShares(weights);
      for (const [i, weight] of weights.entries()) {
        const expected = (weight * 100) / total;
        const got = measured[i] ?? 0;
        assert.ok(
          Math.abs(got - expected) <= 2,
          `branch ${i}: ${got.toFixed(2)}% of calls, its weight says ${expected.toFixed(2)}% (all: ${measured.map((m) => m.toFixed(2)).join(', ')})`,
        );
      }
    });
  }

  it('chooses independently at two nodes of one call: each pair of 50:50 branches takes a quarter', () => {
    const pairs = [0, 0, 0, 0];
    for (const id of IDS) {
      const a = chooseSplitBranch(id, 'main', 'greeting', [50, 50]);
      const b = chooseSplitBranch(id, 'main', 'closing', [50, 50]);
      pairs[a * 2 + b] = (pairs[a * 2 + b] ?? 0) + 1;
    }
    for (const count of pairs) assert.ok(Math.abs((count * 100) / IDS.length - 25) <= 2, pairs.join(', '));
  });

  it('reads the node, not its name alone: the same node name in another flow chooses apart', () => {
    const differ = IDS.slice(0, 1000).filter(
      (id) =>
        chooseSplitBranch(id, 'main', 'greeting', [50, 50]) !==
        chooseSplitBranch(id, 'other', 'greeting', [50, 50]),
    );
    assert.ok(differ.length > 400 && differ.length < 600, `${differ.length} of 1000 differ`);
  });

  it('writes shares for people, a small one never as 0%', () => {
    assert.equal(describeShare(90, 100), '90%');
    assert.equal(describeShare(1, 3), '33.3%');
    assert.equal(describeShare(1, 1000), '0.1%');
    assert.equal(describeShare(1, 9001), '0.011%');
  });
});

/** A greeting split in front of a say and a menu; key 9 goes back to the split. */
const GREETING = {
  version: 'split-test',
  defaultLine: { flow: 'main' },
  lookups: { profile: { url: 'https://api.example.com/ivr/profile' } },
  flows: {
    main: {
      start: 'greeting',
      nodes: {
        greeting: {
          type: 'split',
          branches: [
            { name: 'classic', weight: 90, goto: 'welcome' },
            { name: 'short', weight: 10, goto: 'welcomeShort' },
          ],
        },
        welcome: { type: 'say', say: '欢迎致电客服中心。', next: 'menu' },
        welcomeShort: {
          type: 'menu',
          say: '您好，请说您要办的事。',
          intents: [{ keywords: ['再听'], goto: 'greeting' }],
        },
        menu: {
          type: 'menu',
          say: '再听请说再听。',
          intents: [
            { keywords: ['再听'], goto: 'greeting' },
            { keywords: ['查询'], goto: 'look' },
          ],
        },
        look: { type: 'lookup', use: 'profile', next: 'after', onError: 'bye' },
        after: {
          type: 'split',
          branches: [
            { weight: 1, goto: 'bye' },
            { weight: 1, goto: 'byeToo' },
          ],
        },
        bye: { type: 'hangup', say: '再见。' },
        byeToo: { type: 'hangup', say: '再会。' },
      },
    },
  },
} satisfies RulesInput;

const rules = compileOrThrow(GREETING);
/** Call ids that take each branch of `greeting` (90:10), found with chooseSplitBranch. */
const CLASSIC_ID = '130301340124^117079730101';
const SHORT_ID = '130301340124^117079730105';

function call(callId: string, answer?: (need: unknown) => LookupAnswer): Call {
  return new Call(rules, { keys: KEYS, now: NOW, callId, ...(answer === undefined ? {} : { answer }) });
}

describe('split: the engine', () => {
  it('sends a call down the branch its id chooses, in the same reply, and traces which', () => {
    assert.equal(chooseSplitBranch(CLASSIC_ID, 'main', 'greeting', [90, 10]), 0);
    assert.equal(chooseSplitBranch(SHORT_ID, 'main', 'greeting', [90, 10]), 1);
    const classic = call(CLASSIC_ID).send('callin', { caller: '13800138000' });
    assert.deepEqual(spoken(classic), ['欢迎致电客服中心。', '再听请说再听。']);
    assert.ok(classic.trace.includes('split greeting: classic (90/100) → welcome'), classic.trace.join('\n'));
    const short = call(SHORT_ID).send('callin', { caller: '13800138000' });
    assert.deepEqual(spoken(short), ['您好，请说您要办的事。']);
    assert.ok(short.trace.includes('split greeting: short (10/100) → welcomeShort'), short.trace.join('\n'));
  });

  it('takes the same branch on a duplicated callin and on a revisit of the node', () => {
    for (const id of [CLASSIC_ID, SHORT_ID]) {
      const first = call(id).send('callin', { caller: '13800138000' });
      const again = call(id).send('callin', { caller: '13800138000' });
      assert.deepEqual(spoken(again), spoken(first));
      const back = call(id);
      back.send('callin', { caller: '13800138000' });
      const revisit = back.send('normal', { words: '再听' });
      assert.deepEqual(spoken(revisit), spoken(first));
    }
  });

  it('chooses after a lookup with the call id the paused decision kept', () => {
    const ok: LookupAnswer = { kind: 'ok', data: {}, attempts: 1 };
    const ends = IDS.slice(0, 40).map((id) => {
      const looked = call(id, () => ok);
      looked.send('callin', { caller: '13800138000' });
      if (chooseSplitBranch(id, 'main', 'greeting', [90, 10]) === 1) return undefined;
      const decision = looked.send('normal', { words: '查询' });
      const line = decision.trace.find((text) => readSplitTaken(text) !== undefined) ?? '';
      const expected = chooseSplitBranch(id, 'main', 'after', [1, 1]);
      assert.deepEqual(readSplitTaken(line), {
        node: 'after',
        branch: String(expected),
        target: expected === 0 ? 'bye' : 'byeToo',
      });
      return spoken(decision)[0];
    });
    // Both ways were taken by some of the ids: the choice after the lookup does read the call id.
    assert.deepEqual(new Set(ends.filter((end) => end !== undefined)), new Set(['再见。', '再会。']));
  });
});

describe('split: the trace line', () => {
  it('is read back as written', () => {
    const line = splitTaken('greeting', 'short', 10, 100, 'welcomeShort');
    assert.equal(line, 'split greeting: short (10/100) → welcomeShort');
    assert.deepEqual(readSplitTaken(line), { node: 'greeting', branch: 'short', target: 'welcomeShort' });
    assert.equal(readSplitTaken('branches.0 holds → welcome'), undefined);
    assert.equal(readSplitTaken('enter greeting (split)'), undefined);
  });
});
