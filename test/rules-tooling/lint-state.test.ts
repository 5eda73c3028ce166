import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileRules } from '../../shared/rules/compile-rules';
import { analyseFlowVariables } from '../../shared/rules-tooling/flow-variables';
import { LONGEST_CALLER, listLongestStates, measureStateChars } from '../../shared/rules-tooling/lint-state';
import { encodeState, measureStateBytes } from '../../shared/state/state-token';

const DOCUMENT = {
  version: 'v1',
  defaultLine: { flow: 'main' },
  lookups: { who: { url: 'https://api.example.com/who', query: { phone: '{{caller}}' } } },
  flows: {
    main: {
      start: 'hello',
      nodes: {
        hello: { type: 'say', say: '您好', next: 'who' },
        who: {
          type: 'lookup',
          use: 'who',
          save: { name: { from: 'name', maxBytes: 12 } },
          next: 'pin',
          onError: 'bye',
        },
        pin: {
          type: 'collect',
          say: '请输入密码',
          saveAs: 'pin',
          maxDigits: 6,
          scope: 'once',
          next: 'check',
        },
        check: {
          type: 'branch',
          branches: [{ when: { var: 'pin', equals: '1234' }, goto: 'ok' }],
          else: 'bye',
        },
        ok: { type: 'say', say: '{{vars.name}}您好', next: 'bye' },
        bye: { type: 'hangup', say: '再见' },
      },
    },
  },
};

function compile() {
  const result = compileRules(DOCUMENT);
  assert.ok(result.ok);
  const flow = result.compiled.rules.flows.main;
  assert.ok(flow);
  return {
    compiled: result.compiled,
    flow,
    variables: analyseFlowVariables('main', flow, result.compiled.rules.lookups),
  };
}

describe('the longest states of a flow', () => {
  it('are measured where a reply leaves the call, with what may be held there', () => {
    const { compiled, flow, variables } = compile();
    assert.ok(compiled.keepsCaller, 'the lookup sends {{caller}}');
    assert.deepEqual(listLongestStates(compiled, flow, variables), [
      { node: 'who', caller: LONGEST_CALLER, vars: {} },
      { node: 'pin', caller: LONGEST_CALLER, vars: { name: 'x'.repeat(12) } },
      // pin is dropped as the call leaves check, which reads it; hello, check and ok are passed within a reply.
      { node: 'bye', caller: LONGEST_CALLER, vars: { name: 'x'.repeat(12) } },
    ]);
  });

  it('are never shorter than a real state holding values of those sizes', () => {
    const { compiled, flow, variables } = compile();
    const [, , bye] = listLongestStates(compiled, flow, variables);
    assert.ok(bye);
    const bound = measureStateChars(compiled, bye);
    // Values of the same bytes, however written (Chinese, escapes, emoji), seal no longer than ASCII ones.
    const names = ['张三四五', 'a"b\\\u0001', '😀😀😀'];
    for (const name of names) {
      assert.equal(measureStateBytes(name), 12, name);
      const token = encodeState(
        {
          rulesTag: compiled.tag,
          flow: 'main',
          node: 'bye',
          phase: 'transferPending',
          noInput: 9,
          noMatch: 9,
          turns: 500,
          startedAt: 1_800_000_000,
          caller: LONGEST_CALLER,
          vars: { name },
          attempts: 3,
        },
        compiled.names,
        ['key'],
        'call',
      );
      assert.ok(token.length <= bound, `${token.length} > ${bound}`);
    }
  });
});
