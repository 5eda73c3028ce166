import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, before, describe, it } from 'node:test';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { sealOutboundId } from '../../shared/state/outbound-id';
import {
  type ReplyData,
  restoreClock,
  type SendEvent,
  setClock,
  spoken,
  startCall,
} from '../support/bundle-call';
import { type FcHandler, loadWithEnv, ROOT } from '../support/fc-event';

/**
 * examples/appointment-reminder.yaml, walked call by call through the built outbound bundle. A SmartCall
 * call has no callin: its first event carries SmartCall's `DynamicId` (a flow name, or nothing), each
 * later one only the `dynamic_id` of the reply before it. The clock the bundle is hosted on
 * (test/support/clock.ts) is stopped at a local instant for each call.
 */

const RULES_FILE = join(ROOT, 'examples', 'appointment-reminder.yaml');
// A cold start's budget far over what a loaded test machine needs to read the file: these tests are about the flow.
const OUTBOUND_SECRET = 'example-tests-clinic-key-01';
const ENV = {
  RULES_FILE,
  STATE_SECRETS: 'example-tests-state-key-1',
  OUTBOUND_SECRETS: OUTBOUND_SECRET,
  LOG_LEVEL: 'error',
  RULES_LOAD_BUDGET_MS: '5000',
};

const CLINIC_DESK = '05925551234';
/** A Tuesday morning, while the front desk is staffed. */
const DESK_HOURS = '2026-03-10T10:00:00+08:00';
const ASK = /按时到诊请按1或说「好的」，取消预约请按2，需要改时间请按3/;

/**
 * A SmartCall call: `send` posts its events, the first with `smartCallDynamicId` (when given), each
 * later one with the `dynamic_id` of the previous reply. Every reply must pass `SuccessReplySchema`, and
 * none may be `answer`: only a callin is answered, and a SmartCall call has none.
 */
function placeCall(handler: FcHandler, smartCallDynamicId?: string): SendEvent {
  const { send } = startCall(handler, {
    firstDynamicId: smartCallDynamicId,
    callIdBase: [140301340000, 127079730000],
  });
  return async (type, content = {}) => {
    const data = await send(type, content);
    assert.notEqual(data.action, 'answer');
    return data;
  };
}

/** Checks a goodbye: played in full (no barge-in), and the hang-up on the next event. */
async function assertGoodbye(send: SendEvent, reply: ReplyData, words: RegExp): Promise<void> {
  assert.ok(reply.action === 'play');
  assert.match(spoken(reply), words);
  assert.equal(reply.action_code_break, false);
  assert.equal(reply.mute_time, 2000);
  assert.equal((await send('mute')).action, 'hangup');
}

describe('appointment reminder example as a document', () => {
  it('passes the linter with no errors and no warnings', () => {
    const { errors, warnings } = lintRules(parseYaml(readFileSync(RULES_FILE, 'utf8')));
    assert.deepEqual({ errors, warnings }, { errors: [], warnings: [] });
  });
});

describe('appointment reminder example', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('outbound', ENV);
  });
  afterEach(restoreClock);

  it('confirms the appointment when the patient answers SmartCall’s question with 好的，我会准时到', async () => {
    setClock(DESK_HOURS);
    const send = placeCall(handler, 'remind');
    const reply = await send('normal', { words: '好的，我会准时到', is_playing: 'false' });
    await assertGoodbye(send, reply, /^好的，已为您确认预约，请按时到诊/);
  });

  it('says the time and the doctor a sealed DynamicId carries when it confirms', async () => {
    setClock(DESK_HOURS);
    const dynamicId = sealOutboundId(
      {
        flow: 'remind',
        vars: { time: '明天上午10点半', doctor: '王医生' },
        expiresAtS: Math.floor(Date.parse(DESK_HOURS) / 1000) + 86_400,
      },
      [OUTBOUND_SECRET],
    );
    const send = placeCall(handler, dynamicId);
    const reply = await send('normal', { words: '好的', is_playing: 'false' });
    await assertGoodbye(send, reply, /^好的，已为您确认明天上午10点半王医生的复诊，请按时到诊/);
  });

  it('cancels on key 2, the keys armed by the first silence', async () => {
    setClock(DESK_HOURS);
    const send = placeCall(handler, 'remind');
    const armed = await send('mute');
    assert.ok(armed.action === 'dtmf');
    assert.equal(armed.dtmf_max_numbers, 1);
    assert.match(spoken(armed), /^这里是安和口腔诊所的复诊提醒。/);
    assert.match(spoken(armed), ASK);
    const reply = await send('dtmf', { dtmf_digits: '2' });
    await assertGoodbye(send, reply, /^好的，已为您取消本次预约/);
  });

  for (const words of ['我想改到下周三', '能不能改成后天', '那就改明天吧']) {
    it(`puts a reschedule (${words}) through to the front desk while it is staffed`, async () => {
      setClock(DESK_HOURS);
      const send = placeCall(handler, 'remind');
      const transfer = await send('normal', { words });
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, CLINIC_DESK);
      assert.equal(spoken(transfer), '正在为您转接诊所前台，请稍候。');
    });
  }

  it('reads a reschedule spoken before a plain 好的 as a reschedule', async () => {
    setClock(DESK_HOURS);
    const transfer = await placeCall(handler, 'remind')('normal', { words: '好的，不过要改到下周' });
    assert.equal(transfer.action, 'transfer');
  });

  it('promises a call back for a reschedule once the front desk has closed', async () => {
    setClock('2026-03-10T19:00:00+08:00');
    const send = placeCall(handler, 'remind');
    await send('mute');
    const reply = await send('dtmf', { dtmf_digits: '3' });
    await assertGoodbye(send, reply, /^诊所前台已下班，我们会在下一个工作日回电/);
  });

  it('asks again after silence, with an apology the second time, then says a polite goodbye', async () => {
    setClock(DESK_HOURS);
    const send = placeCall(handler, 'remind');
    // The first silence after SmartCall's opening asks the flow's own question and arms the keys.
    const armed = await send('mute');
    assert.equal(armed.action, 'dtmf');
    assert.match(spoken(armed), /^这里是安和口腔诊所/);
    const retry = await send('mute');
    assert.equal(retry.action, 'dtmf');
    assert.match(spoken(retry), /^抱歉，没有听到您的回答。这里是安和口腔诊所/);
    const goodbye = await send('dtmf', { dtmf_digits: 'noInputTimeout' });
    await assertGoodbye(send, goodbye, /^抱歉打扰了，我们稍后会再与您联系/);
  });

  it('puts the patient through to the front desk when their answer is not understood twice', async () => {
    setClock(DESK_HOURS);
    const send = placeCall(handler, 'remind');
    const retry = await send('normal', { words: '你们是哪里' });
    assert.match(spoken(retry), /^抱歉，我没有听懂。这里是安和口腔诊所/);
    const transfer = await send('normal', { words: '嗯嗯' });
    assert.ok(transfer.action === 'transfer');
    assert.equal(transfer.number, CLINIC_DESK);
  });

  it('starts outbound.defaultFlow when SmartCall gives no DynamicId', async () => {
    setClock(DESK_HOURS);
    const send = placeCall(handler);
    const armed = await send('mute');
    assert.match(spoken(armed), ASK);
    const reply = await send('normal', { words: '取消吧，那天去不了' });
    await assertGoodbye(send, reply, /^好的，已为您取消本次预约/);
  });
});
