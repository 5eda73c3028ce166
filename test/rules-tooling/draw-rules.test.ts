import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CompiledRules, compileRules } from '../../shared/rules/compile-rules';
import { DEFAULT_RULES } from '../../shared/rules/default-rules';
import { drawRules } from '../../shared/rules-tooling/draw-rules';
import { HOTLINE } from '../support/second-edition-rules';

function compile(document: unknown): CompiledRules {
  const result = compileRules(document);
  assert.ok(result.ok, JSON.stringify(result.ok ? [] : result.issues));
  return result.compiled;
}

const bye = { type: 'hangup', say: '再见' };

/** Two flows, one line with a calendar, outbound calls, and a node of every type. */
const TWO_FLOWS = {
  version: 'v1',
  calendars: { office: { weekly: { workdays: ['09:00-18:00'] } } },
  lines: [
    {
      name: 'service',
      numbers: ['05923391657', '05923391658'],
      callerPrefixes: ['0592'],
      flow: 'main',
      calendar: 'office',
      afterHoursFlow: 'night',
    },
  ],
  defaultLine: { flow: 'main' },
  outbound: { defaultFlow: 'night', flows: ['night'] },
  flows: {
    main: {
      start: 'hello',
      noMatch: { retries: 1, escalateTo: 'agent' },
      nodes: {
        hello: { type: 'say', say: '您好', next: 'route' },
        route: { type: 'branch', branches: [{ when: { open: 'office' }, goto: 'menu' }], else: 'end' },
        menu: {
          type: 'menu',
          say: '查询请按1',
          keys: { '1': 'card' },
          intents: [{ name: 'card', keywords: ['查询'], goto: 'card' }],
        },
        card: {
          type: 'collect',
          say: '请输入卡号',
          saveAs: 'card',
          maxDigits: 19,
          next: 'desk',
          noInput: { retries: 1, escalateTo: 'end' },
        },
        desk: { type: 'parallelTransfer', ccName: 'card-desk', onFail: 'agent' },
        agent: { type: 'transfer', targets: [{ when: { time: '09:00-18:00' }, to: '95555' }] },
        end: bye,
      },
    },
    night: { start: 'bye', nodes: { bye } },
  },
};

describe('drawRules', () => {
  it('draws each line into the start of its flow, and each flow as a subgraph of shaped nodes', () => {
    assert.equal(
      drawRules(compile(TWO_FLOWS)),
      [
        'flowchart TD',
        '  L0>"service<br/>2 numbers, 1 caller prefix"]',
        '  L0 -->|"office open"| F0_N0',
        '  L0 -->|"office closed"| F1_N0',
        '  LD>"default line"]',
        '  LD --> F0_N0',
        '  LO>"outbound, no DynamicId"]',
        '  LO --> F1_N0',
        '  LN>"outbound, DynamicId names"]',
        '  LN -->|"night"| F1_N0',
        '  subgraph F0["flow main"]',
        '    F0_N0["▶ hello<br/>您好"]',
        '    F0_N1{{"route"}}',
        '    F0_N2{"menu<br/>查询请按1"}',
        '    F0_N3[/"card<br/>请输入卡号"/]',
        '    F0_N4[/"desk<br/>call centre card-desk"\\]',
        '    F0_N5[["agent<br/>1 conditional target"]]',
        '    F0_N6(["end<br/>再见"])',
        '    F0_BYE(["goodbye"])',
        '  end',
        '  F0_N0 --> F0_N1',
        '  F0_N1 -->|"office open"| F0_N2',
        '  F0_N1 -->|"else"| F0_N6',
        '  F0_N2 -->|"key 1 / card"| F0_N3',
        '  F0_N2 -.->|"no input"| F0_BYE',
        '  F0_N2 -.->|"no match"| F0_N5',
        '  F0_N3 -->|"card"| F0_N4',
        '  F0_N3 -.->|"no input"| F0_N6',
        '  F0_N3 -.->|"no match"| F0_N5',
        '  F0_N4 -->|"transfer failed"| F0_N5',
        '  F0_N5 -.->|"no target applies"| F0_BYE',
        '  subgraph F1["flow night"]',
        '    F1_N0(["▶ bye<br/>再见"])',
        '  end',
        '',
      ].join('\n'),
    );
  });

  it('shows how many numbers a line takes, never the numbers', () => {
    const drawn = drawRules(compile(TWO_FLOWS));
    assert.doesNotMatch(drawn, /3391657|0592/);
  });

  it('escapes what Mermaid would read as syntax in prompts and names its nodes by position', () => {
    const drawn = drawRules(
      compile({
        version: 'v1',
        defaultLine: { flow: 'main' },
        flows: {
          main: { start: 'end', nodes: { end: { type: 'hangup', say: '按"#"号键 <b>|` 结束\n再见' } } },
        },
      }),
    );
    assert.match(drawn, /F0_N0\(\["▶ end<br\/>按#34;#35;#34;号键 #60;b#62;#124;#96; 结束 再见"\]\)/);
    assert.doesNotMatch(drawn, /^\s*end\b.*\[/m);
  });

  it('cuts long prompts to a short excerpt', () => {
    const say = ['一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十', '第二句'];
    const drawn = drawRules(
      compile({
        version: 'v1',
        defaultLine: { flow: 'main' },
        flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say } } } },
      }),
    );
    assert.match(drawn, /<br\/>一二三四五六七八九十一二三四五六七八九十一二三四…"/);
  });

  it('draws only one flow, and the lines into it, when asked', () => {
    const drawn = drawRules(compile(TWO_FLOWS), { flow: 'night' });
    assert.deepEqual(drawn.split('\n').slice(0, 4), [
      'flowchart TD',
      '  L0>"service<br/>2 numbers, 1 caller prefix"]',
      '  L0 -->|"office closed"| F1_N0',
      '  LO>"outbound, no DynamicId"]',
    ]);
    assert.doesNotMatch(drawn, /flow main|LD/);
    assert.match(drawn, /subgraph F1\["flow night"\]/);
  });

  it('refuses a flow the rules do not have', () => {
    assert.throws(() => drawRules(compile(TWO_FLOWS), { flow: 'nope' }), /no flow is named nope/);
  });

  it('draws the same text every time', () => {
    const compiled = compile(DEFAULT_RULES);
    assert.equal(drawRules(compiled), drawRules(compile(structuredClone(DEFAULT_RULES))));
    assert.match(drawRules(compiled), /F0_N1 -->\|"key 1 \/ hours"\| F0_N2/);
  });

  it('draws a subflow call to the start of its flow, and the handlers in force in each flow', () => {
    const drawn = drawRules(compile(HOTLINE)).split('\n');
    const handlers =
      '    F0_HANDLERS[\\"handlers<br/>人工 → main/agent<br/>再说一遍 → repeat<br/>主菜单 → restart"\\]';
    assert.ok(drawn.includes(handlers), drawn.join('\n'));
    assert.ok(drawn.includes(handlers.replace('F0_', 'F1_')));
    assert.ok(drawn.includes('    F0_N2>"lostCheck<br/>runs flow identity"]'));
    assert.ok(drawn.includes('    F1_N3(("failed<br/>return failed"))'));
    assert.ok(drawn.includes('  F0_N2 -->|"identity returns"| F0_N3'));
    assert.ok(drawn.includes('  F0_N2 -->|"identity returns failed"| F0_N6'));
    // After both subgraphs, so that the start node is declared in its own.
    assert.deepEqual(drawn.slice(-3), ['  F0_N2 -.->|"calls"| F1_N0', '  F0_N4 -.->|"calls"| F1_N0', '']);
    // A flow's own handler replaces the document's, and names what selects it: a pattern, else a key.
    const own = compile({
      ...HOTLINE,
      flows: {
        ...HOTLINE.flows,
        identity: {
          ...HOTLINE.flows.identity,
          handlers: [
            { name: 'agent', patterns: ['^人工$'], goto: 'failed' },
            { name: 'back', keys: ['*'], flow: 'main' },
          ],
        },
      },
    });
    const identityOnly = drawRules(own, { flow: 'identity' });
    assert.match(
      identityOnly,
      /F1_HANDLERS\[\\"handlers<br\/>\/\^人工\$\/ → identity\/failed<br\/>key \* → main\/welcome<br\/>再说一遍 → repeat<br\/>主菜单 → restart"\\\]/,
    );
    assert.doesNotMatch(identityOnly, /calls/, 'no call is drawn into a flow left out');
  });

  it('notes no handlers in a flow where nothing listens', () => {
    const withQuiet = compile({
      ...HOTLINE,
      flows: { ...HOTLINE.flows, quiet: { start: 'bye', nodes: { bye: { type: 'hangup', say: '再见。' } } } },
    });
    const drawn = drawRules(withQuiet);
    assert.equal(drawn.match(/_HANDLERS\[/g)?.length, 2, 'main and identity listen; quiet does not');
    assert.doesNotMatch(drawRules(withQuiet, { flow: 'quiet' }), /_HANDLERS/);
  });
});
