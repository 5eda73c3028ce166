import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesIssue } from '../../shared/rules/compile-rules';
import { lintRules } from '../../shared/rules-tooling/lint-rules';

type Flows = Record<string, { start: string; nodes: Record<string, unknown>; [key: string]: unknown }>;

/** A document whose default line starts flow `main`, with these flows. */
function document(flows: Flows, extra: Record<string, unknown> = {}) {
  return { version: 'v1', defaultLine: { flow: 'main' }, flows, ...extra };
}

/** A flow calling `calls` (each in turn, its last node a hangup or a return). */
function caller(calls: readonly string[], end: Record<string, unknown> = { type: 'hangup', say: '再见' }) {
  const nodes: Record<string, unknown> = {};
  calls.forEach((flow, i) => {
    nodes[`call${i}`] = { type: 'subflow', flow, next: i + 1 < calls.length ? `call${i + 1}` : 'end' };
  });
  nodes.end = end;
  // A menu to hear handlers at, which leads to the first call.
  nodes.menu = { type: 'menu', say: '请按1', keys: { '1': calls.length === 0 ? 'end' : 'call0' } };
  return { start: 'menu', nodes };
}

const back = { type: 'return' };
const messages = (issues: readonly RulesIssue[]) => issues.map((issue) => `${issue.path}: ${issue.message}`);

describe('lint of subflows', () => {
  it('reports a flow calling itself, and a cycle of calls, once each', () => {
    const self = lintRules(document({ main: caller(['main']) }));
    assert.deepEqual(messages(self.errors), [
      'flows.main.nodes.call0: unbounded recursion: this node calls flow main, the flow it is in (main → main), so each round runs one subflow deeper, and past 3 the call gets the fallback; end the called flow with return instead of calling a flow the call is already in',
    ]);
    const cycle = lintRules(
      document({ main: caller(['a']), a: caller(['b'], back), b: caller(['a'], back) }),
    );
    assert.deepEqual(messages(cycle.errors), [
      'flows.a.nodes.call0: unbounded recursion: flow a calls flow b, which leads back to flow a (a → b → a), so each round runs one subflow deeper, and past 3 the call gets the fallback; end the called flow with return instead of calling a flow the call is already in',
    ]);
  });

  it('reports a call chain deeper than a call state holds, and passes one exactly as deep', () => {
    const three = {
      main: caller(['f1']),
      f1: caller(['f2'], back),
      f2: caller(['f3'], back),
      f3: caller([], back),
    };
    assert.deepEqual(messages(lintRules(document(three)).errors), []);
    const four = { ...three, f3: caller(['f4'], back), f4: caller([], back) };
    assert.deepEqual(messages(lintRules(document(four)).errors), [
      "flows.f3.nodes.call0: a call in flow main would run flow f4 here 4 subflows deep (main → f1 → f2 → f3 → f4), more than the 3 a call's state holds, and would get the fallback; run fewer flows within each other, such as by doing this step in the calling flow",
    ]);
  });

  it('reports return nodes in a flow nothing calls, and in a flow a call can start in', () => {
    const lonely = lintRules(
      document({ main: caller([]), alone: { start: 'a', nodes: { a: back, b: back } } }),
    );
    assert.deepEqual(messages(lonely.errors), [
      'flows.alone.nodes.a: every return needs a caller, and no subflow node calls flow alone, so a call reaching this return (and its 1 other return nodes) has nowhere to go back to and ends with the goodbye; call the flow from a subflow node (type: subflow, flow: alone), or end here with a hangup',
    ]);
    const started = lintRules(
      document(
        { main: caller(['check']), check: caller([], back) },
        {
          lines: [{ name: 'direct', numbers: ['95588'], flow: 'check' }],
          outbound: { defaultFlow: 'check' },
          handlers: [{ name: 'verify', keywords: ['验证'], flow: 'check' }],
        },
      ),
    );
    assert.deepEqual(messages(started.errors), [
      'flows.check.nodes.end: a call can start in flow check (by line direct, outbound.defaultFlow, handler verify), and there this return has no caller to go back to and ends the call with the goodbye; start calls in a flow that calls check from a subflow node instead',
    ]);
  });

  it('counts a subflow call and a handler flow as uses of a flow no line starts', () => {
    const unused = lintRules(document({ main: caller([]), spare: caller([]) }));
    assert.deepEqual(
      unused.warnings.map((w) => w.path),
      ['flows.spare'],
    );
    const called = lintRules(document({ main: caller(['spare']), spare: caller([], back) }));
    assert.deepEqual(messages(called.warnings), []);
    const handled = lintRules(
      document(
        {
          main: {
            start: 'menu',
            nodes: { menu: { type: 'menu', say: '请说', keys: { '1': 'bye' } }, bye: { type: 'hangup' } },
          },
          spare: caller([]),
        },
        { handlers: [{ name: 'spare', keywords: ['备用'], flow: 'spare' }] },
      ),
    );
    assert.deepEqual(messages(handled.warnings), []);
  });
});

describe('a loop through a subflow node', () => {
  it('says the hop limit ends it with the fallback when nothing in it waits for the caller', () => {
    const result = lintRules(
      document({
        main: {
          start: 'hello',
          nodes: {
            hello: { type: 'say', say: '您好。', next: 'check' },
            check: { type: 'subflow', flow: 'quick', next: 'again' },
            again: { type: 'say', say: '再来。', next: 'check' },
          },
        },
        quick: { start: 'done', nodes: { done: { type: 'return' } } },
      }),
    );
    const loop = messages(result.errors).find((message) => message.includes('no way out'));
    assert.match(
      loop ?? '',
      /unless the flows it calls wait for the caller, the engine passes it within one reply until its hop limit and the call gets the fallback/,
    );
  });
});
