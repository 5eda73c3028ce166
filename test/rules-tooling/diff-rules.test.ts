import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { type Rules, type RulesInput, RulesSchema } from '../../shared/rules/rules-schema';
import { diffRules, formatRulesDiff, hasCallerChanges } from '../../shared/rules-tooling/diff-rules';

function rules(input: RulesInput): Rules {
  return v.parse(RulesSchema, input);
}

const BASE: RulesInput = {
  version: 'v1',
  calendars: { office: { weekly: { workdays: ['09:00-18:00'] } } },
  lines: [
    { name: 'vip', callers: ['13900001111'], callerPrefixes: ['0592888'], flow: 'vip' },
    { name: 'service', numbers: ['95000'], flow: 'main', calendar: 'office', afterHoursFlow: 'closed' },
  ],
  defaultLine: { flow: 'main' },
  fallback: { say: '系统繁忙', transferTo: '05925550110' },
  flows: {
    main: {
      start: 'menu',
      goodbye: '再见',
      noInput: { retries: 1, say: ['没有听到'] },
      nodes: {
        menu: { type: 'menu', say: ['请按0', { audio: 'intro.wav' }], keys: { '0': 'agent' } },
        agent: {
          type: 'transfer',
          targets: [{ when: { open: 'office' }, to: '05925550101' }],
          to: '05925550110',
        },
      },
    },
    vip: {
      start: 'desk',
      nodes: {
        desk: { type: 'parallelTransfer', ccName: 'vip-desk', onFail: 'bye' },
        bye: { type: 'hangup' },
      },
    },
    closed: { start: 'bye', nodes: { bye: { type: 'hangup', say: '下班了' } } },
  },
};

describe('diffRules', () => {
  it('finds no difference between one document written in two key orders', () => {
    const reordered = structuredClone(BASE);
    const main = reordered.flows.main as NonNullable<RulesInput['flows'][string]>;
    main.nodes = { agent: main.nodes.agent, menu: main.nodes.menu } as typeof main.nodes;
    reordered.flows = { closed: reordered.flows.closed, ...reordered.flows } as typeof reordered.flows;
    assert.notEqual(JSON.stringify(rules(reordered)), JSON.stringify(rules(BASE)));
    const diff = diffRules(rules(BASE), rules(reordered));
    assert.equal(diff.identical, true);
    assert.equal(hasCallerChanges(diff), false);
    assert.equal(
      formatRulesDiff(diff, { before: 'live', after: 'local' }),
      'version: v1 (both live and local)\nno differences\n',
    );
  });

  it('says when only the version changed', () => {
    const diff = diffRules(rules(BASE), rules({ ...BASE, version: 'v2' }));
    assert.equal(diff.identical, false);
    assert.equal(hasCallerChanges(diff), false);
    assert.equal(
      formatRulesDiff(diff, { before: 'live', after: 'local' }),
      'version: v1 (live) → v2 (local)\nno changes for callers (the documents differ only in form)\n',
    );
  });

  it('routes numbers by their digits, so rewriting one is no change, and names where each goes', () => {
    const after = structuredClone(BASE);
    after.lines = [
      { name: 'vip', callers: ['+86 139 0000 1111'], callerPrefixes: ['0592889'], flow: 'vip' },
      { name: 'service', numbers: ['95000'], flow: 'main', calendar: 'office' },
    ];
    const diff = diffRules(rules(BASE), rules(after));
    assert.deepEqual(diff.routes, [
      { change: 'removed', key: 'caller prefix 0592888', before: 'line vip: flow vip' },
      {
        change: 'changed',
        key: 'dialled 95000',
        before: 'line service: flow main, after hours closed (calendar office)',
        after: 'line service: flow main, after hours (the same flow) (calendar office)',
      },
      { change: 'added', key: 'caller prefix 0592889', after: 'line vip: flow vip' },
    ]);
    // A caller prefix written internationally routes as before: no change, as the compiler indexes it.
    const dashed = structuredClone(BASE);
    dashed.lines = [
      { name: 'vip', callers: ['13900001111'], callerPrefixes: ['0086592888'], flow: 'vip' },
      ...(BASE.lines?.slice(1) ?? []),
    ];
    assert.deepEqual(diffRules(rules(BASE), rules(dashed)).routes, []);
  });

  it('lists flows and nodes added, removed and changed, with the fields that changed', () => {
    const after = structuredClone(BASE);
    const flows = after.flows as Record<string, NonNullable<RulesInput['flows'][string]>>;
    delete flows.closed;
    flows.extra = { start: 'bye', nodes: { bye: { type: 'hangup' } } };
    const main = flows.main as NonNullable<RulesInput['flows'][string]>;
    main.maxTurns = 20;
    main.nodes.menu = {
      type: 'menu',
      say: ['请按0', { audio: 'intro.wav' }],
      keys: { '0': 'agent', '9': 'bye' },
    };
    main.nodes.bye = { type: 'hangup' };
    after.defaultLine = { flow: 'main' };
    after.lines = [after.lines?.[0] as NonNullable<RulesInput['lines']>[number]];
    const diff = diffRules(rules(BASE), rules(after));
    assert.deepEqual(diff.flows, [
      {
        change: 'changed',
        key: 'main',
        before: 'starts at menu, 2 nodes',
        after: 'starts at menu, 3 nodes',
        fields: ['maxTurns'],
      },
      { change: 'removed', key: 'closed', before: 'starts at bye, 1 node' },
      { change: 'added', key: 'extra', after: 'starts at bye, 1 node' },
    ]);
    assert.deepEqual(diff.nodes, [
      { change: 'changed', key: 'main/menu', before: 'menu', after: 'menu', fields: ['keys'] },
      { change: 'added', key: 'main/bye', after: 'hangup' },
    ]);
    const text = formatRulesDiff(diff, { before: 'live', after: 'local' });
    assert.match(
      text,
      /\nflows:\n {2}~ main: maxTurns\n {2}- closed\n {2}\+ extra\nnodes:\n {2}~ main\/menu \(menu\): keys\n {2}\+ main\/bye \(hangup\)\n/,
    );
  });

  it('compares every prompt by its words, audio included', () => {
    const after = structuredClone(BASE);
    const main = after.flows.main as NonNullable<RulesInput['flows'][string]>;
    main.goodbye = '再会';
    main.noInput = { retries: 1, say: ['没有听到', '您还在吗'] };
    main.nodes.menu = { type: 'menu', say: ['请按0', { audio: 'intro2.wav' }], keys: { '0': 'agent' } };
    after.fallback = { say: { tts: '系统繁忙' }, transferTo: '05925550110' };
    const diff = diffRules(rules(BASE), rules(after));
    assert.deepEqual(diff.prompts, [
      { change: 'changed', key: 'main.goodbye', before: '再见', after: '再会' },
      { change: 'changed', key: 'main.noInput.say', before: '没有听到', after: '没有听到 / 您还在吗' },
      {
        change: 'changed',
        key: 'main/menu.say',
        before: '请按0 + [audio intro.wav]',
        after: '请按0 + [audio intro2.wav]',
      },
    ]);
  });

  it('compares the numbers calls are handed to: targets, the fallback, call centres', () => {
    const after = structuredClone(BASE);
    const main = after.flows.main as NonNullable<RulesInput['flows'][string]>;
    main.nodes.agent = { type: 'transfer', to: '05925550199' };
    after.fallback = { say: '系统繁忙' };
    const vip = after.flows.vip as NonNullable<RulesInput['flows'][string]>;
    vip.nodes.desk = { type: 'parallelTransfer', ccName: 'vip-desk-2', onFail: 'bye' };
    const diff = diffRules(rules(BASE), rules(after));
    assert.deepEqual(diff.transfers, [
      { change: 'removed', key: 'fallback', before: '05925550110' },
      {
        change: 'changed',
        key: 'main/agent',
        before: '05925550101 when {"open":"office"}; else 05925550110',
        after: '05925550199',
      },
      { change: 'changed', key: 'vip/desk', before: 'call centre vip-desk', after: 'call centre vip-desk-2' },
    ]);
    assert.match(
      formatRulesDiff(diff, { before: 'live', after: 'local' }),
      /\ntransfer numbers:\n {2}- fallback: 05925550110\n {2}~ main\/agent: .* → 05925550199\n/,
    );
  });

  it('lists other settings that changed, calendars by name', () => {
    const after = structuredClone(BASE);
    after.calendars = {
      office: { weekly: { workdays: ['09:00-17:00'] } },
      weekend: { weekly: { sat: ['10:00-12:00'] } },
    };
    after.timezone = 'Asia/Hong_Kong';
    const diff = diffRules(rules(BASE), rules(after));
    assert.deepEqual(
      diff.settings.map((entry) => [entry.change, entry.key]),
      [
        ['changed', 'timezone'],
        ['changed', 'calendars.office'],
        ['added', 'calendars.weekend'],
      ],
    );
  });
});
