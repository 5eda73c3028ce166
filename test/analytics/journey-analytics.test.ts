import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CALL_HORIZON_MS, JourneyAnalytics, MAX_OPEN_CALLS } from '../../shared/analytics/journey-analytics';
import type { JourneyFigures, NodeFigures } from '../../shared/analytics/journey-figures';
import { readJourneyLine } from '../../shared/analytics/journey-input';
import { OutlierFilter } from '../../shared/analytics/journey-order';
import { armKeys, callback, callin, noMatch, receipt, T0 } from './journey-lines-fixture';

/** The lines as one file of an export, through its outlier filter, as the command reads them. */
function analyse(lines: readonly string[], timezone = 'Asia/Shanghai'): JourneyFigures {
  const analytics = new JourneyAnalytics(timezone);
  const filter = new OutlierFilter();
  for (const line of lines) for (const taken of filter.push(readJourneyLine(line))) analytics.add(taken);
  for (const taken of filter.end()) analytics.add(taken);
  return analytics.figures();
}

function nodeOf(figures: JourneyFigures, flow: string, node: string): NodeFigures {
  const found = figures.flows.find((f) => f.flow === flow)?.nodes.find((n) => n.node === node);
  assert.ok(found, `no node ${flow}/${node}`);
  return found;
}

describe('journey analytics', () => {
  it('counts a key-arming silence as neither heard nor no-input, and an escalating no-match as a no-match', () => {
    const figures = analyse([
      callin('c1'),
      armKeys('c1', 8),
      noMatch('c1', 12, '我想问一下天气', 1),
      noMatch('c1', 15, '天气！', 2),
      callback('c1', 18, {
        type: 'normal',
        words: '天气',
        flow: 'main',
        nodeBefore: 'menu',
        node: 'agentQueue',
        retries: { noMatch: 3 },
        outcomes: ['escalated', 'entered', 'transfer-deferred'],
        action: 'play',
        trace: [
          'utterance matched nothing → noMatch retries used up → agentIntro',
          'enter agentIntro (say)',
          'enter agentQueue (parallelTransfer)',
        ],
      }),
      receipt('c1', '用户', 30),
    ]);
    const menu = nodeOf(figures, 'main', 'menu');
    assert.equal(menu.keyArming, 1);
    assert.equal(menu.heard, 3);
    assert.equal(menu.noMatch, 3);
    assert.equal(menu.noInput, 0);
    assert.equal(menu.noMatchRate, 1);
    assert.deepEqual(menu.escalated, { noInput: 0, noMatch: 1 });
    // 天气 and 天气！ are one group, shown as first seen.
    assert.deepEqual(menu.topNoMatch, [
      { text: '天气！', count: 2 },
      { text: '我想问一下天气', count: 1 },
    ]);
    assert.deepEqual(
      menu.exits.map((e) => [e.node, e.moves]),
      [['agentIntro', 1]],
    );
    assert.equal(menu.type, 'menu');
    assert.equal(nodeOf(figures, 'main', 'agentIntro').type, 'say');
    // Waiting at agentQueue when the caller hung up: the receipt says the user.
    assert.equal(nodeOf(figures, 'main', 'agentQueue').endings.caller, 1);
    assert.deepEqual(
      figures.flows[0]?.nodes.map((n) => n.node),
      ['greeting', 'menu', 'agentIntro', 'agentQueue'],
    );
  });

  it('counts a redelivered event nowhere: marked duplicate, or the same eventId from another instance', () => {
    const mute = (s: number, extra: Record<string, unknown>) =>
      callback('c2', s, {
        type: 'mute',
        flow: 'main',
        nodeBefore: 'menu',
        node: 'menu',
        retries: { noInput: 1, noMatch: 0 },
        outcomes: ['no-input'],
        action: 'dtmf',
        trace: ['silence → noInput retry 1/2', 'enter menu (menu)'],
        ...extra,
      });
    const figures = analyse([
      callin('c2'),
      mute(10, { eventId: 'e1' }),
      mute(10.2, { eventId: 'e1', duplicate: true }),
      mute(10.4, { eventId: 'e1' }),
    ]);
    assert.equal(nodeOf(figures, 'main', 'menu').noInput, 1);
    assert.equal(figures.read.duplicates, 2);
    assert.equal(figures.read.callbacks, 2);
  });

  it('tells who ended a call: the flow, the caller or the platform by the receipt, else unknown', () => {
    const hangup = callback('c3', 9, {
      type: 'dtmf',
      dtmf: '9',
      flow: 'main',
      nodeBefore: 'menu',
      outcomes: ['matched', 'entered', 'ended'],
      action: 'hangup',
      trace: ['key 9 → goodbye', 'enter goodbye (hangup)'],
    });
    const figures = analyse([
      callin('c3'),
      hangup,
      receipt('c3', '机器', 12),
      callin('c4', 1),
      receipt('c4', '用户', 20),
      callin('c5', 2),
      receipt('c5', '机器', 30),
      callin('c6', 3),
      callin('c7', 4),
      receipt('c7', '1', 40),
    ]);
    assert.equal(nodeOf(figures, 'main', 'goodbye').endings.flow, 1);
    assert.deepEqual(nodeOf(figures, 'main', 'menu').endings, {
      transferred: 0,
      flow: 0,
      caller: 1,
      platform: 1,
      unknown: 2,
    });
    assert.deepEqual(figures.calls.endings, { transferred: 0, flow: 1, caller: 1, platform: 1, unknown: 2 });
    assert.equal(figures.calls.containment, 1);
    // Time at menu: c3 left after 9 s; c4 waited 19 s, c5 28 s, c7 36 s (to the receipt's end, whoever
    // hung up); c6 has no receipt.
    const time = nodeOf(figures, 'main', 'menu').time;
    assert.equal(time.visits, 4);
    assert.equal(time.p50S, 19);
    assert.equal(time.p90S, 36);
  });

  it('follows a subflow and back, and a parallel transfer that failed before one that held', () => {
    const id = 'c8';
    const figures = analyse([
      callin(id),
      callback(id, 10, {
        type: 'dtmf',
        dtmf: '1',
        flowBefore: 'main',
        flow: 'identify',
        nodeBefore: 'menu',
        node: 'askCard',
        outcomes: ['matched', 'entered'],
        action: 'dtmf',
        trace: [
          'key 1 → lostIntro',
          'enter lostIntro (say)',
          'enter lostCheck (subflow)',
          'now in flow identify',
          'enter askCard (collect)',
        ],
      }),
      callback(id, 20, {
        type: 'dtmf',
        dtmf: '(sensitive)',
        flowBefore: 'identify',
        flow: 'main',
        nodeBefore: 'askCard',
        node: 'agentQueue',
        outcomes: ['matched', 'entered', 'transferred'],
        action: 'parallel_transfer',
        trace: [
          'enter done (return)',
          'return → main/agentQueue (called by lostCheck)',
          'now in flow main',
          'enter agentQueue (parallelTransfer)',
        ],
      }),
      callback(id, 40, {
        type: 'parallel_transfer',
        flow: 'main',
        nodeBefore: 'agentQueue',
        node: 'agentBusy',
        outcomes: ['transfer-failed', 'entered'],
        action: 'dtmf',
        trace: ['transfer failed → agentBusy', 'enter agentBusy (menu)'],
      }),
      callback(id, 50, {
        type: 'dtmf',
        dtmf: '1',
        flow: 'main',
        nodeBefore: 'agentBusy',
        node: 'agentQueue',
        outcomes: ['matched', 'entered', 'transferred'],
        action: 'parallel_transfer',
        trace: ['key 1 → agentQueue', 'enter agentQueue (parallelTransfer)'],
      }),
      receipt(id, '用户', 200),
    ]);
    // The return to main is ordered after the subflow node that left it, not as a start of main.
    assert.deepEqual(
      figures.flows.find((f) => f.flow === 'main')?.nodes.map((n) => n.node),
      ['greeting', 'menu', 'lostIntro', 'lostCheck', 'agentQueue', 'agentBusy'],
    );
    const lostCheck = nodeOf(figures, 'main', 'lostCheck');
    assert.deepEqual(lostCheck.exits, [{ flow: 'identify', node: 'askCard', moves: 1 }]);
    const askCard = nodeOf(figures, 'identify', 'askCard');
    assert.equal(askCard.sensitive, true);
    assert.deepEqual(askCard.exits, [{ flow: 'identify', node: 'done', moves: 1 }]);
    assert.deepEqual(nodeOf(figures, 'identify', 'done').exits, [
      { flow: 'main', node: 'agentQueue', moves: 1 },
    ]);
    const queue = nodeOf(figures, 'main', 'agentQueue');
    assert.equal(queue.entries, 2);
    assert.equal(queue.calls, 1);
    assert.equal(queue.transfers, 2);
    assert.equal(queue.transferFailed, 1);
    assert.equal(queue.endings.transferred, 1);
    assert.equal(queue.containment, 0);
    assert.equal(figures.calls.endings.transferred, 1);
    assert.deepEqual(
      figures.flows.map((f) => [f.flow, f.calls]),
      [
        ['identify', 1],
        ['main', 1],
      ],
    );
    assert.equal(figures.lines[0]?.transferred, 1);
  });

  it('counts calls per line and hour of day in the zone, after hours by the closed calendar', () => {
    const figures = analyse([
      callin('d1', 0),
      callin('d2', 3600 * 10, ['calendar office is closed → flow afterHours']),
    ]);
    const service = figures.lines.find((l) => l.line === 'service');
    assert.equal(service?.calls, 2);
    assert.equal(service?.hours[10]?.calls, 1);
    assert.equal(service?.hours[20]?.calls, 1);
    assert.equal(service?.hours[20]?.afterHours, 1);
    assert.equal(service?.afterHoursShare, 0.5);
    // The after-hours call started in afterHours, the flow its calendar chose.
    assert.ok(figures.flows.some((f) => f.flow === 'afterHours'));
    assert.equal(analyse([callin('d3', 0)], 'UTC').lines[0]?.hours[2]?.calls, 1);
  });

  it('reads SLS records, raw receipts and pushed arrays; skips what is not a line of ours', () => {
    const sls = JSON.stringify({ __time__: T0 / 1000, __source__: 'fc', content: callin('e1') });
    const message = JSON.stringify({ message: armKeys('e1', 8) });
    const raw = JSON.stringify([
      { call_id: 'e1', start_time: '2026-03-10 10:00:00', duration: '30', hangup_direction: '用户' },
    ]);
    const figures = analyse([sls, message, raw, 'not json', '{"msg":"status"}', 'x'.repeat(70_000)]);
    assert.equal(figures.read.callbacks, 2);
    assert.equal(figures.read.receipts, 1);
    assert.equal(figures.read.other, 1);
    assert.equal(figures.read.unreadable, 2);
    assert.equal(nodeOf(figures, 'main', 'menu').endings.caller, 1);
    // 8 s to the silence, then 22 s to the end of the call (start 10:00:00 plus 30 s).
    assert.deepEqual(nodeOf(figures, 'main', 'menu').time, { visits: 2, meanS: 15, p50S: 8, p90S: 22 });
  });

  it('reads a record whose lists an SLS query gave back as text', () => {
    const flat = JSON.parse(armKeys('h1', 8)) as Record<string, unknown>;
    const columns = { ...flat, outcomes: JSON.stringify(flat.outcomes), trace: JSON.stringify(flat.trace) };
    const again = { ...columns, duplicate: 'true' };
    const figures = analyse([callin('h1'), JSON.stringify(columns), JSON.stringify(again)]);
    assert.equal(nodeOf(figures, 'main', 'menu').keyArming, 1);
    assert.equal(figures.read.duplicates, 1);
  });

  it('counts an outbound call under (outbound), from the node its first event finds it at', () => {
    const figures = analyse([
      callback('o1', 0, {
        fn: 'outbound',
        type: 'normal',
        words: '是的',
        flow: 'remind',
        node: 'confirmed',
        outcomes: ['started', 'matched', 'entered', 'ended'],
        action: 'hangup',
        trace: [
          'sealed DynamicId (1 value) names flow remind → flow remind',
          'intent yes (keyword 是的) → confirmed',
          'enter confirmed (hangup)',
        ],
      }),
      callback('o2', 0, {
        fn: 'outbound',
        type: 'mute',
        flow: 'remind',
        nodeBefore: 'ask',
        node: 'ask',
        outcomes: ['started', 'no-input'],
        action: 'dtmf',
        trace: ['sealed DynamicId (1 value) names flow remind → flow remind', 'silence → noInput retry 1/2'],
      }),
    ]);
    assert.deepEqual(
      figures.lines.map((l) => [l.line, l.calls]),
      [['(outbound)', 2]],
    );
    assert.equal(nodeOf(figures, 'remind', 'confirmed').endings.flow, 1);
    // A call that starts at a listening node enters it, though no trace line says so, and the answer to
    // SmartCall's opening is heard there (the log's nodeBefore).
    assert.equal(nodeOf(figures, 'remind', 'ask').entries, 1);
    assert.equal(nodeOf(figures, 'remind', 'ask').noInput, 1);
    assert.equal(nodeOf(figures, 'remind', 'ask').heard, 1);
    assert.equal(nodeOf(figures, 'remind', 'ask').endings.unknown, 1);
  });

  it('skips lines whose time is far off from the lines around them, but follows an export across a quiet night', () => {
    const night = CALL_HORIZON_MS / 1000 + 3600;
    const off = (line: string, time: string) =>
      JSON.stringify({ ...(JSON.parse(line) as Record<string, unknown>), time });
    const week = (before: readonly string[], middle: readonly string[], after: readonly string[]) => [
      ...before,
      callin('j1', 0),
      armKeys('j1', 8),
      receipt('j1', '用户', 20),
      ...middle,
      callin('j2', night),
      armKeys('j2', night + 8),
      receipt('j2', '用户', night + 20),
      ...after,
    ];
    const future = off(armKeys('j1', 5), '9999-12-31T23:59:59.000Z');
    const nextYear = off(armKeys('j1', 5), '2027-03-10T02:00:00.000Z');
    // A few hours off, inside the export: its judges are there on both sides.
    const hoursOff = off(armKeys('j1', 5), '2026-03-10T12:00:00.000Z');
    for (const [what, lines, outliers] of [
      ['one far line', week([], [future], []), 1],
      ['one just before the quiet night', week([], [nextYear], []), 1],
      ['two in a row', week([], [future, nextYear], []), 2],
      ['hours off', week([], [hoursOff], []), 1],
      ['the first line', week([future], [], []), 1],
      ['the last line', week([], [], [future]), 1],
    ] as const) {
      const figures = analyse(lines);
      assert.equal(figures.read.outliers, outliers, what);
      assert.equal(figures.read.late, 0, what);
      assert.equal(figures.calls.calls, 2, what);
      assert.equal(nodeOf(figures, 'main', 'menu').keyArming, 2, what);
      assert.equal(figures.calls.endings.caller, 2, what);
      assert.match(figures.to ?? '', /^2026-/, what);
    }
  });

  it('keeps a call whose lines go on for longer than the horizon whole, and counts a call counted early past the limits', () => {
    const lines = [callin('p1', 0)];
    for (let s = 30; s < 3 * 3600; s += 30) lines.push(armKeys('p1', s));
    const long = analyse(lines);
    assert.equal(long.calls.calls, 1);
    assert.equal(long.read.late, 0);
    assert.equal(nodeOf(long, 'main', 'menu').keyArming, lines.length - 1);
  });

  it('joins a receipt without a time to its call, wherever it comes', () => {
    const untimed = (callId: string) =>
      JSON.stringify({ call_id: callId, hangup_direction: '用户', smart_status_code: 'ANSWERED' });
    const figures = analyse([untimed('k1'), callin('k1', 0), callin('k2', 5), untimed('k2'), untimed('k9')]);
    assert.equal(figures.calls.endings.caller, 2);
    assert.equal(figures.read.receiptsWithoutCalls, 1);
    assert.equal(figures.read.late, 0);
  });

  it('hears nothing a donothing reply answered (a parallel transfer ringing), and counts a recovery once a call', () => {
    const ringing = (s: number) =>
      callback('m1', s, {
        type: 'normal',
        words: '喂有人吗',
        flow: 'main',
        nodeBefore: 'agentQueue',
        node: 'agentQueue',
        action: 'donothing',
        trace: ['call was transferred → nothing to do'],
      });
    const recovered = (s: number) =>
      callback('m2', s, {
        type: 'mute',
        flow: 'main',
        node: 'menu',
        outcomes: ['recovered', 'entered'],
        action: 'dtmf',
        trace: [
          'state is missing; restarting the default line → flow main',
          'enter greeting (split)',
          'enter menu (menu)',
        ],
      });
    const figures = analyse([ringing(10), ringing(20), recovered(30), recovered(40)]);
    assert.equal(nodeOf(figures, 'main', 'agentQueue').heard, 0);
    assert.equal(figures.calls.recovered, 1);
    assert.equal(nodeOf(figures, 'main', 'greeting').entries, 2);
  });

  it('leaves out names no rules document can have, and says how many receipts came after their call was counted', () => {
    const late = CALL_HORIZON_MS / 1000 + 60;
    const figures = analyse([
      callback('n1', 0, {
        type: 'callin',
        line: '13812345678',
        flow: 'main',
        node: '<b>13912345678</b>',
        outcomes: ['started', 'entered'],
        action: 'answer',
        trace: [
          'line x (by caller) → flow main',
          'enter 13800138000 (menu)',
          'enter n13800138000 (menu)',
          'enter menu (<script>)',
        ],
      }),
      callin('n2', late),
      receipt('n1', '用户', late + 10),
    ]);
    const json = JSON.stringify(figures);
    assert.doesNotMatch(json, /1381234|1391234|1380013|<script>|<b>/);
    assert.equal(nodeOf(figures, 'main', 'menu').type, 'menu');
    assert.equal(figures.read.lateReceipts, 1);
    assert.equal(figures.read.late, 0);
  });

  it('counts a call once its lines stop for the horizon; a line after that is late', () => {
    const late = CALL_HORIZON_MS / 1000 + 60;
    const figures = analyse([
      callin('f1', 0),
      callin('f2', late),
      armKeys('f1', late + 1),
      receipt('f9', '用户', late + 2),
    ]);
    assert.equal(figures.read.late, 1);
    assert.equal(figures.calls.calls, 2);
    assert.equal(figures.read.receiptsWithoutCalls, 1);
    assert.equal(nodeOf(figures, 'main', 'menu').keyArming, 0);
    assert.ok(MAX_OPEN_CALLS >= 100_000);
  });

  it('never shows what a sensitive node heard, and masks digits in what it shows', () => {
    const figures = analyse([
      callin('g1'),
      noMatch('g1', 5, '我的卡号是6222 0202 1234', 1),
      noMatch('g1', 9, '(sensitive)', 2),
    ]);
    const menu = nodeOf(figures, 'main', 'menu');
    assert.equal(menu.sensitive, true);
    assert.deepEqual(menu.topNoMatch, []);
    const open = analyse([callin('g2'), noMatch('g2', 5, '我的卡号是6222 0202 1234', 1)]);
    assert.deepEqual(nodeOf(open, 'main', 'menu').topNoMatch, [
      { text: '我的卡号是**** **** ****', count: 1 },
    ]);
  });
});
