import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { PROMPT_PLACEHOLDER } from '../../shared/flow/render-prompt';
import { listVariablesRead } from '../../shared/rules/node-types';
import { FlowSchema, LookupSchema } from '../../shared/rules/rules-schema';
import {
  hasStrayBraces,
  listPromptVariables,
  readLookupTemplate,
  TEMPLATE_PATTERN,
} from '../../shared/rules/templates';

describe('templates', () => {
  it('read {{…}} with the pattern the prompt renderer fills in', () => {
    assert.equal(TEMPLATE_PATTERN.source, PROMPT_PLACEHOLDER.source);
    assert.equal(TEMPLATE_PATTERN.flags, PROMPT_PLACEHOLDER.flags);
  });

  it('split a lookup text into written text, the caller, variables, secrets and other forms', () => {
    assert.deepEqual(readLookupTemplate('/a/{{vars.card}}-{{ caller }}{{env.LOOKUP_T}}{{timeOfDay}}/b'), [
      { kind: 'text', text: '/a/' },
      { kind: 'var', name: 'card' },
      { kind: 'text', text: '-' },
      { kind: 'caller' },
      { kind: 'env', name: 'LOOKUP_T' },
      { kind: 'other', expression: 'timeOfDay' },
      { kind: 'text', text: '/b' },
    ]);
    assert.deepEqual(readLookupTemplate(''), []);
    assert.deepEqual(readLookupTemplate('{{vars.1x}}'), [{ kind: 'other', expression: 'vars.1x' }]);
  });

  it('find braces that are not a template', () => {
    assert.equal(hasStrayBraces('{{vars.a}} and {{ caller }}'), false);
    for (const text of ['{{vars.a', 'a}}', '{{ vars.a b }}', '{{}}'])
      assert.equal(hasStrayBraces(text), true, text);
  });

  it('list the variables a prompt reads, filters and all', () => {
    const prompt = [
      '卡号{{vars.card|digits}}',
      { tts: '{{ vars.name }}{{caller.last4}}' },
      { audio: 'a.wav' },
    ];
    assert.deepEqual([...listPromptVariables(prompt)], ['card', 'name']);
  });
});

describe('listVariablesRead', () => {
  const flow = v.parse(FlowSchema, {
    start: 'get',
    noMatch: { retries: 1, say: ['{{vars.flowRetry}}'] },
    nodes: {
      get: { type: 'lookup', use: 'account', filler: '请稍候{{vars.filler}}', next: 'menu', onError: 'menu' },
      menu: {
        type: 'menu',
        say: '{{vars.said}}',
        keys: { '1': 'route' },
        noInput: { retries: 1, say: ['{{vars.ownRetry}}'] },
      },
      route: {
        type: 'branch',
        branches: [{ when: { var: 'tested' }, goto: 'menu' }],
        else: 'menu',
      },
    },
  });
  const lookups = {
    account: v.parse(LookupSchema, {
      url: 'https://api.example.com/{{vars.inPath}}',
      query: { q: '{{vars.inQuery}}' },
      headers: { 'X-A': '{{vars.inHeader}}' },
    }),
  };
  const readAt = (node: string) => [...listVariablesRead(flow.nodes[node] as never, flow, lookups)].sort();

  it('counts prompts, the retry wordings a node uses, conditions and what its lookup sends', () => {
    assert.deepEqual(readAt('get'), ['filler', 'inHeader', 'inPath', 'inQuery']);
    assert.deepEqual(readAt('menu'), ['flowRetry', 'ownRetry', 'said']);
    assert.deepEqual(readAt('route'), ['tested']);
  });

  it('reads nothing of a lookup the document does not have', () => {
    assert.deepEqual([...listVariablesRead(flow.nodes.get as never, flow, undefined)], ['filler']);
  });
});
