import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findLine } from '../../shared/flow/decide-next-action';
import type { CallOrigin } from '../../shared/flow/decision';
import type { CompiledRules } from '../../shared/rules/compile-rules';
import { Call, compileOrThrow, spoken } from '../support/engine-call';

const KEYS: [string] = ['flow-language-tests-key-01'];
/** Wednesday 2026-11-25, 10:00 in Shanghai. */
const WEDNESDAY_10H = Date.parse('2026-11-25T10:00:00+08:00');

/** A call under `rules`, sealed with this file's key, played at WEDNESDAY_10H unless a turn says so. */
function newCall(rules: CompiledRules, origin: CallOrigin = 'inbound'): Call {
  return new Call(rules, { origin, keys: KEYS, now: WEDNESDAY_10H });
}

const bye = (say: string) => ({ type: 'hangup' as const, say });

describe('routing a callin to a line', () => {
  const rules = compileOrThrow({
    version: 'routing',
    lines: [
      { name: 'service', numbers: ['95555'], flow: 'main' },
      { name: 'forwarded', forwardedFrom: ['02112345678'], flow: 'forwarded' },
      { name: 'shanghai', callerPrefixes: ['021'], flow: 'local' },
      { name: 'mobile138', callerPrefixes: ['138', '1380013'], flow: 'vip' },
      { name: 'blocked', callers: ['13900000000'], flow: 'blocked' },
    ],
    defaultLine: { flow: 'main' },
    flows: Object.fromEntries(
      ['main', 'forwarded', 'local', 'vip', 'blocked'].map((name) => [
        name,
        { start: 'bye', nodes: { bye: bye(name) } },
      ]),
    ),
  });

  it('takes the caller first, then the longest prefix, then the forwarding number, then the number dialled', () => {
    const route = (content: Record<string, string>) => findLine(rules, content).line?.name ?? 'default';
    assert.equal(route({ caller: '13900000000', callee: '95555' }), 'blocked');
    assert.equal(route({ caller: '13800138000', callee: '95555' }), 'mobile138');
    assert.equal(route({ caller: '02187654321', callee: '95555', orgcallee: '02112345678' }), 'shanghai');
    assert.equal(route({ caller: '13700000000', callee: '95555', orgcallee: '02112345678' }), 'forwarded');
    assert.equal(route({ caller: '13700000000', callee: '95555' }), 'service');
    assert.equal(route({ caller: '13700000000', callee: '4008001234' }), 'default');
  });

  it('hangs up politely on a blocklisted caller: the goodbye first, the hangup on the next event', () => {
    const call = newCall(rules);
    const answer = call.send('callin', { caller: '13900000000', callee: '95555' });
    assert.equal(answer.action.action, 'answer');
    assert.deepEqual(spoken(answer), ['blocked']);
    assert.deepEqual(call.send('mute').action, { action: 'hangup' });
  });
});

describe('business hours on a line', () => {
  const rules = compileOrThrow({
    version: 'hours',
    calendars: { office: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn', closed: ['2026-11-26'] } },
    lines: [
      { name: 'service', numbers: ['95555'], flow: 'open', calendar: 'office', afterHoursFlow: 'closed' },
    ],
    defaultLine: { flow: 'open' },
    flows: {
      open: { start: 'bye', nodes: { bye: bye('open') } },
      closed: { start: 'bye', nodes: { bye: bye('closed') } },
    },
  });
  const at = (iso: string) => spoken(newCall(rules).send('callin', { callee: '95555' }, Date.parse(iso)))[0];

  it('routes by the calendar in Shanghai time, whatever the machine time zone', () => {
    assert.equal(at('2026-11-25T10:00:00+08:00'), 'open');
    assert.equal(at('2026-11-25T18:00:00+08:00'), 'closed');
    assert.equal(at('2026-11-25T01:30:00Z'), 'open', '09:30 in Shanghai');
    assert.equal(at('2026-11-28T10:00:00+08:00'), 'closed', 'a Saturday');
    assert.equal(at('2026-10-01T10:00:00+08:00'), 'closed', 'National Day');
    assert.equal(at('2026-11-26T10:00:00+08:00'), 'closed', 'a closure of the user');
  });
});

describe('recovering a lost state after hours', () => {
  const rules = compileOrThrow({
    version: 'recover',
    calendars: { office: { weekly: { workdays: ['09:00-18:00'] } } },
    defaultLine: { flow: 'open', calendar: 'office', afterHoursFlow: 'closed' },
    flows: {
      open: {
        start: 'menu',
        nodes: { menu: { type: 'menu', say: '白天菜单', keys: { '1': 'bye' } }, bye: bye('再见') },
      },
      closed: { start: 'bye', nodes: { bye: bye('已下班') } },
    },
  });

  it('restarts the default line as a new call would: its after-hours flow while closed', () => {
    const night = newCall(rules).send('mute', {}, Date.parse('2026-11-25T22:00:00+08:00'));
    assert.deepEqual(spoken(night), ['已下班']);
    const day = newCall(rules).send('mute', {}, WEDNESDAY_10H);
    assert.deepEqual(spoken(day), ['白天菜单']);
  });
});

describe('collect nodes', () => {
  const rules = compileOrThrow({
    version: 'collect',
    defaultLine: { flow: 'card' },
    flows: {
      card: {
        start: 'ask',
        nodes: {
          ask: {
            type: 'collect',
            say: '请输入卡号后四位',
            saveAs: 'card4',
            minDigits: 4,
            maxDigits: 4,
            noMatch: { retries: 1, say: ['位数不对。'] },
            next: 'pin',
          },
          pin: {
            type: 'collect',
            say: '您输入的是{{vars.card4|digits}}，请输入六位密码，以井号结束',
            saveAs: 'pin',
            maxDigits: 6,
            endKey: '#',
            pattern: '^[0-9]{6}$',
            sensitive: true,
            next: 'check',
          },
          check: {
            type: 'branch',
            branches: [{ when: { var: 'card4', equals: '1234' }, goto: 'known' }],
            else: 'unknown',
          },
          known: bye('已核实'),
          unknown: bye('未找到'),
        },
      },
    },
  });

  it('collects digits, reads them back one by one, and keeps a sensitive value out of the trace', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const armed = call.send('mute');
    assert.ok(armed.action.action === 'dtmf');
    assert.equal(armed.action.maxDigits, 4);
    const pin = call.send('dtmf', { dtmf_digits: '1234' });
    assert.deepEqual(spoken(pin), ['您输入的是1 2 3 4，请输入六位密码，以井号结束']);
    assert.ok(pin.action.action === 'dtmf');
    assert.equal(pin.action.endKey, '#');
    assert.equal(pin.action.maxDigits, 7, 'six digits and the end key');
    const done = call.send('dtmf', { dtmf_digits: '654321#' });
    assert.deepEqual(spoken(done), ['已核实']);
    assert.doesNotMatch(done.trace.join('\n'), /654321/);
    assert.match(done.trace.join('\n'), /collected pin \(6 digits\)/);
  });

  it('takes digits read out loud, and asks again when they do not fit', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const short = call.send('normal', { words: '幺二三' });
    assert.deepEqual(spoken(short)[0], '位数不对。');
    const spokenDigits = call.send('normal', { words: '九八七六' });
    assert.match(spoken(spokenDigits)[0] ?? '', /9 8 7 6/);
  });

  it('branches on a collected value', () => {
    const call = newCall(rules);
    call.send('callin', {});
    call.send('dtmf', { dtmf_digits: '5555' });
    assert.deepEqual(spoken(call.send('dtmf', { dtmf_digits: '000000#' })), ['未找到']);
  });
});

describe('branches, transfers and parallel transfers', () => {
  const rules = compileOrThrow({
    version: 'transfers',
    calendars: { office: { weekly: { workdays: ['09:00-18:00'] } } },
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        nodes: {
          menu: { type: 'menu', say: '请选择', keys: { '1': 'greet', '2': 'agent', '3': 'cc' } },
          greet: {
            type: 'branch',
            branches: [
              { when: { time: '00:00-12:00' }, goto: 'morning' },
              { when: { weekdays: ['sat', 'sun'] }, goto: 'weekend' },
            ],
            else: 'afternoon',
          },
          morning: bye('{{timeOfDay}}好，尾号{{caller.last4}}的客户'),
          weekend: bye('周末好'),
          afternoon: bye('下午好'),
          agent: {
            type: 'transfer',
            say: '请稍候',
            targets: [{ when: { open: 'office' }, to: '95555' }],
            to: '13800000000',
          },
          cc: {
            type: 'parallelTransfer',
            ccName: 'hotline-cc',
            monitor: true,
            playfile: 'hold.wav',
            onFail: 'sorry',
          },
          sorry: bye('坐席忙，请稍后再拨'),
        },
      },
    },
  });

  it('branches on the time of day and fills placeholders from the call', () => {
    const call = newCall(rules);
    call.send('callin', { caller: '15201030105' });
    assert.deepEqual(spoken(call.send('dtmf', { dtmf_digits: '1' })), ['上午好，尾号0105的客户']);
    const later = newCall(rules);
    later.send('callin', {});
    assert.deepEqual(
      spoken(later.send('dtmf', { dtmf_digits: '1' }, Date.parse('2026-11-25T15:00:00+08:00'))),
      ['下午好'],
    );
  });

  it('transfers to the target for the hours', () => {
    const open = newCall(rules);
    open.send('callin', {});
    const inHours = open.send('dtmf', { dtmf_digits: '2' });
    assert.ok(inHours.action.action === 'transfer');
    assert.equal(inHours.action.number, '95555');
    const closed = newCall(rules);
    closed.send('callin', {});
    const evening = closed.send('dtmf', { dtmf_digits: '2' }, Date.parse('2026-11-25T20:00:00+08:00'));
    assert.ok(evening.action.action === 'transfer');
    assert.equal(evening.action.number, '13800000000');
  });

  it('hands the call to a call centre and takes the failure path when the platform reports a failure', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const transfer = call.send('dtmf', { dtmf_digits: '3' });
    assert.deepEqual(transfer.action, {
      action: 'parallel_transfer',
      ccName: 'hotline-cc',
      monitor: true,
      transferPlayfile: 'hold.wav',
    });
    const failed = call.send('parallel_transfer', { transfer_status: 'fail', fail_cause: 'busy' });
    assert.deepEqual(spoken(failed), ['坐席忙，请稍后再拨']);
  });

  it('does nothing more once the call centre has the call', () => {
    const call = newCall(rules);
    call.send('callin', {});
    call.send('dtmf', { dtmf_digits: '3' });
    assert.deepEqual(call.send('parallel_transfer', { transfer_status: 'success' }).action, {
      action: 'donothing',
    });
    assert.deepEqual(call.send('normal', { words: '喂' }).action, { action: 'donothing' });
  });
});

describe('intents by pattern', () => {
  const rules = compileOrThrow({
    version: 'patterns',
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        nodes: {
          menu: {
            type: 'menu',
            say: '请说出您要办理的业务',
            intents: [
              { name: 'agent', keywords: ['人工'], goto: 'agent' },
              { name: 'move', patterns: ['改(到|成)?(明天|后天|下周)'], goto: 'move' },
            ],
          },
          agent: bye('人工'),
          move: bye('改期'),
        },
      },
    },
  });

  it('matches a regular expression over the normalised words, after the keywords', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const moved = call.send('normal', { words: '能不能改到，明天？' });
    assert.deepEqual(spoken(moved), ['改期']);
    assert.match(moved.trace.join(), /intent move \(pattern/);
  });

  it('reads the first 200 characters of an utterance, so no pattern runs on a longer text', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const padded = `${'嗯'.repeat(200)}人工`;
    const heard = call.send('normal', { words: padded });
    assert.notDeepEqual(spoken(heard), ['人工'], 'a keyword past the first 200 characters is not heard');
    const near = newCall(rules);
    near.send('callin', {});
    assert.deepEqual(spoken(near.send('normal', { words: `${'嗯'.repeat(190)}人工` })), ['人工']);
  });
});

describe('outbound flows named by DynamicId', () => {
  const rules = compileOrThrow({
    version: 'outbound',
    defaultLine: { flow: 'inbound' },
    outbound: { flows: ['remind', 'survey'] },
    flows: {
      inbound: { start: 'bye', nodes: { bye: bye('呼入') } },
      remind: { start: 'bye', nodes: { bye: bye('提醒') } },
      survey: { start: 'bye', nodes: { bye: bye('回访') } },
    },
  });

  it('starts any flow listed in outbound.flows, and no other, without tracing the name it was given', () => {
    assert.deepEqual(spoken(newCall(rules, 'outbound').send('mute', { dynamic_id: 'survey' })), ['回访']);
    const refused = newCall(rules, 'outbound').send('mute', { dynamic_id: 'inbound' });
    assert.match(refused.trace[0] ?? '', /DynamicId names no flow this call may start \(7 characters\)/);
    assert.doesNotMatch(refused.trace.join(), /\(inbound\)/);
  });

  it('starts outbound.defaultFlow for a DynamicId naming no flow it may start', () => {
    const withDefault = compileOrThrow({
      ...rules.rules,
      outbound: { flows: ['survey'], defaultFlow: 'remind' },
    });
    const started = newCall(withDefault, 'outbound').send('mute', { dynamic_id: 'nosuchflow' });
    assert.deepEqual(spoken(started), ['提醒']);
    assert.match(started.trace.join(' | '), /outbound default → flow remind/);
    assert.doesNotMatch(started.trace.join(), /nosuchflow/);
  });

  it('starts outbound.defaultFlow for a DynamicId that is neither a flow name nor a sealed state', () => {
    const withDefault = compileOrThrow({
      ...rules.rules,
      outbound: { flows: ['survey'], defaultFlow: 'remind' },
    });
    for (const dynamicId of ['appt:42', '复诊', '20261130001']) {
      const started = newCall(withDefault, 'outbound').send('mute', { dynamic_id: dynamicId });
      assert.deepEqual(spoken(started), ['提醒'], dynamicId);
    }
  });

  it('never takes a plain flow name as an inbound call’s state: that would let a caller pick a flow', () => {
    const forged = newCall(rules, 'inbound').send('mute', { dynamic_id: 'survey' });
    assert.notDeepEqual(spoken(forged), ['回访']);
    assert.match(
      forged.trace[0] ?? '',
      /state is a plain name, which inbound calls never carry; restarting the default line/,
    );
  });
});

describe('guards', () => {
  const rules = compileOrThrow({
    version: 'guards',
    settings: { sessionTimeoutS: 300 },
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        maxCallS: 120,
        goodbye: '通话时间到了，再见',
        nodes: {
          menu: { type: 'menu', say: '请说', intents: [{ keywords: ['好'], goto: 'bye' }] },
          bye: bye('再见'),
        },
      },
    },
  });

  it('ends a call that has lasted longer than the flow allows, at its next event', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const late = call.send('normal', { words: '嗯' }, WEDNESDAY_10H + 121_000);
    assert.deepEqual(spoken(late), ['通话时间到了，再见']);
    assert.match(late.trace.join(), /the flow allows 120 s/);
  });
});

describe('robustness of a call', () => {
  const rules = compileOrThrow({
    version: 'robust',
    settings: { muteTimeMs: 6000 },
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        nodes: {
          menu: { type: 'menu', say: '请选择', keys: { '1': 'cc' } },
          cc: { type: 'parallelTransfer', ccName: 'hotline-cc', onFail: 'busy' },
          busy: { type: 'menu', say: '坐席忙，重试请按1', keys: { '1': 'cc' } },
        },
      },
    },
  });

  it('takes only the menu own keys: "constructor" is no key', () => {
    const call = newCall(rules);
    call.send('callin', {});
    const odd = call.send('dtmf', { dtmf_digits: 'constructor' });
    assert.equal(odd.state?.noMatch, 1);
    assert.match(odd.trace.join(), /key 11 keys is not on the menu/);
  });

  it('sends the flow mute_time again on the next listening reply', () => {
    const call = newCall(rules);
    call.send('callin', {});
    call.send('dtmf', { dtmf_digits: '1' });
    const busy = call.send('parallel_transfer', { transfer_status: 'fail' });
    assert.ok(busy.action.action === 'dtmf');
    assert.equal(busy.action.muteTimeMs, 6000);
  });

  it('changes nothing on a parallel transfer status it does not know', () => {
    const call = newCall(rules);
    call.send('callin', {});
    call.send('dtmf', { dtmf_digits: '1' });
    assert.deepEqual(call.send('parallel_transfer', { transfer_status: 'ringing' }).action, {
      action: 'donothing',
    });
    assert.deepEqual(spoken(call.send('parallel_transfer', { transfer_status: 'fail' })), [
      '坐席忙，重试请按1',
    ]);
  });
});

describe('rules versions during a call', () => {
  const v1 = compileOrThrow({
    version: 'v1',
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        nodes: { menu: { type: 'menu', say: '旧菜单', keys: { '1': 'bye' } }, bye: bye('旧再见') },
      },
    },
  });
  const v2 = compileOrThrow({
    version: 'v2',
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        nodes: { menu: { type: 'menu', say: '新菜单', keys: { '1': 'bye' } }, bye: bye('新再见') },
      },
    },
  });

  it('keeps a call under the version it started with while the instance still holds it', () => {
    const call = newCall(v1);
    call.send('callin', {});
    call.rules = v2;
    call.byTag.set(v1.tag, v1);
    const decision = call.send('dtmf', { dtmf_digits: '1' });
    assert.deepEqual(spoken(decision), ['旧再见']);
    assert.match(decision.trace[0] ?? '', /started with \(v1\)/);
  });

  it('recovers safely when that version is no longer loaded', () => {
    const call = newCall(v1);
    call.send('callin', {});
    call.rules = v2;
    const decision = call.send('dtmf', { dtmf_digits: '1' });
    assert.match(decision.trace[0] ?? '', /no longer loaded; restarting the default line/);
    assert.deepEqual(spoken(decision), ['新菜单']);
  });
});
