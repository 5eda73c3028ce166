import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { type LookupServer, startLookupServer } from '../../dev/lookup-server';
import { NodeSchema } from '../../shared/rules/rules-schema';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import {
  type ReplyData,
  restoreClock,
  type SendEvent,
  setClock,
  spoken,
  startCall,
} from '../support/bundle-call';
import { captureLogs, type FcHandler, loadWithEnv, ROOT } from '../support/fc-event';

/**
 * examples/bank-card-service.yaml, walked call by call through the built inbound bundle: each event
 * carries only the `dynamic_id` of the reply before it, as the platform does, and the clock the bundle
 * is hosted on (test/support/clock.ts) is stopped at a local instant for each call. Its lookups (the PIN
 * check and the balance) go to a stand-in on 127.0.0.1 instead of the bank's gateway.
 */

const RULES_FILE = join(ROOT, 'examples', 'bank-card-service.yaml');
const TOKEN = 'bank-example-token-0c1d';
const TICKET = 'T-5e21aa';
/** The example's rules and secrets, its lookups sent to the stand-in (set once it is listening). */
let ENV: Record<string, string> = {};
let server: LookupServer;

const SERVICE_NUMBER = '95000';
const CUSTOMER = '13812345678';
const CARD_DESK = '05925550101';
const LOST_CARD_LINE = '05925550110';
const VIP_DESK = '05925550188';

/** The main menu's answer, after either greeting of the split (`greeting`). */
const GREETING_AND_MENU = /^.{2}好，(欢迎致电信用卡服务热线|信用卡服务)。挂失银行卡请按1/;

/** Weekday instants, in the calendar's zone. */
const TUESDAY_MORNING = '2026-03-10T10:00:00+08:00';
const TUESDAY_EVENING = '2026-03-10T20:30:00+08:00';

/**
 * Starts a call: `callin` from `caller` to `callee`, then a `send` for its later events. Every reply
 * must pass `SuccessReplySchema` and name this call's id; its `dynamic_id` is all that goes on to the
 * next event.
 */
async function dial(
  handler: FcHandler,
  caller: string,
  callee = SERVICE_NUMBER,
): Promise<{ answer: ReplyData; send: SendEvent }> {
  const { callId, send: post } = startCall(handler);
  const send: SendEvent = async (type, content = {}) => {
    const data = await post(type, content);
    assert.equal(data.call_id, callId);
    return data;
  };
  const answer = await send('callin', { caller, callee });
  return { answer, send };
}

/**
 * What anyone who sees a reply can read: every field, and the bytes of the sealed state (encrypted, so
 * a value inside it must not show).
 */
function readableParts(data: ReplyData): string {
  const { dynamic_id: dynamicId, ...rest } = data;
  const state =
    dynamicId === undefined ? '' : Buffer.from(dynamicId.slice(2), 'base64url').toString('latin1');
  return `${JSON.stringify(rest)}\n${state}`;
}

describe('bank-card service example as a document', () => {
  it('uses every node type, as docs/rules.md says', () => {
    const rules = parseYaml(readFileSync(RULES_FILE, 'utf8')) as {
      flows: Record<string, { nodes: Record<string, { type: string }> }>;
    };
    const used = new Set(
      Object.values(rules.flows).flatMap(({ nodes }) => Object.values(nodes).map((n) => n.type)),
    );
    const every = NodeSchema.options.map((option) => option.entries.type.literal);
    assert.deepEqual([...used].sort(), [...every].sort());
  });

  it('passes the linter with no errors and no warnings', () => {
    const { errors, warnings } = lintRules(parseYaml(readFileSync(RULES_FILE, 'utf8')));
    assert.deepEqual({ errors, warnings }, { errors: [], warnings: [] });
  });
});

describe('bank-card service example, walked through the bundle', () => {
  before(async () => {
    const requireHeaders = { authorization: `Bearer ${TOKEN}` };
    server = await startLookupServer({
      routes: {
        '/v1/verify-pin': { answer: { data: { verified: true, ticket: TICKET } }, requireHeaders },
        '/v1/card-balance': {
          answer: { data: { available: 12345.67, dueDate: '12月25日' } },
          requireHeaders,
        },
      },
    });
    // The example as written, its lookups sent to the stand-in instead of the bank's gateway.
    const rules = parseYaml(readFileSync(RULES_FILE, 'utf8')) as {
      lookups: { verify: { url: string }; balance: { url: string } };
    };
    rules.lookups.verify.url = `${server.url}/v1/verify-pin`;
    rules.lookups.balance.url = `${server.url}/v1/card-balance`;
    ENV = {
      RULES: JSON.stringify(rules),
      STATE_SECRETS: 'example-tests-state-key-1',
      LOG_LEVEL: 'error',
      LOOKUP_BANK_TOKEN: TOKEN,
      // A cold start's budget far over what a loaded test machine needs: these tests are about the flow.
      RULES_LOAD_BUDGET_MS: '5000',
    };
  });
  after(() => server.stop());

  describe('bank-card service example: a weekday in office hours', () => {
    let handler: FcHandler;
    before(async () => {
      handler = await loadWithEnv('inbound', ENV);
    });
    afterEach(restoreClock);

    it('walks a lost card from the menu key to the card-service desk, keeping the PIN out of logs and replies', async () => {
      // Logged at info here, so that there are callback lines to search for the PIN.
      const logged = await loadWithEnv('inbound', { ...ENV, LOG_LEVEL: 'info' });
      setClock(TUESDAY_MORNING);
      const pin = '583920';
      const { result: replies, logs } = await captureLogs(async () => {
        const { answer, send } = await dial(logged, CUSTOMER);
        return [
          answer,
          await send('mute'),
          await send('dtmf', { dtmf_digits: '1' }),
          await send('dtmf', { dtmf_digits: '6218' }),
          await send('dtmf', { dtmf_digits: '1' }),
          await send('dtmf', { dtmf_digits: `${pin}#` }),
        ];
      });
      const [answer, armed, askCard, readBack, askPin, transfer] = replies;
      assert.ok(answer && armed && askCard && readBack && askPin && transfer);

      // callin: only answer may follow it, so the menu is played and no key is collected yet.
      assert.equal(answer.action, 'answer');
      // Either greeting of the split (the call id is new each run), then the menu.
      assert.match(spoken(answer), GREETING_AND_MENU);
      // The first silence arms the keys, repeating the menu without an apology.
      assert.equal(armed.action, 'dtmf');
      assert.equal(armed.action === 'dtmf' && armed.dtmf_max_numbers, 1);
      assert.match(spoken(armed), /^挂失银行卡请按1/);
      // Key 1: the lost-card path asks for exactly 4 digits.
      assert.equal(askCard.action === 'dtmf' && askCard.dtmf_max_numbers, 4);
      // The identity check, a subflow, starts: the card's last 4 digits.
      assert.match(spoken(askCard), /临时挂失。请输入银行卡卡号最后4位/);
      // The digits come back one by one, then 1 confirms.
      assert.equal(readBack.action === 'dtmf' && readBack.dtmf_max_numbers, 1);
      assert.match(spoken(readBack), /卡号后4位是 6 2 1 8。确认请按1，重新输入请按2/);
      // The PIN: 6 digits and the end key.
      assert.ok(askPin.action === 'dtmf');
      assert.equal(askPin.dtmf_max_numbers, 7);
      assert.equal(askPin.dtmf_end_character, '#');
      assert.match(spoken(askPin), /6位查询密码，以井号键结束/);
      // The PIN is checked by the card system (sent in the body), then, back in the main flow, the
      // lost-card desk takes the call in office hours.
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, CARD_DESK);
      assert.match(spoken(transfer), /^身份验证通过。正在为您转接挂失专席/);
      const verify = server.requests.at(-1);
      assert.equal(verify?.path, '/v1/verify-pin');
      assert.deepEqual(JSON.parse(verify?.body ?? ''), { card4: '6218', pin });

      const callbackLines = logs.filter((line) => line.msg === 'callback');
      assert.equal(callbackLines.length, 6);
      assert.match(JSON.stringify(callbackLines.at(-1)?.trace), /collected pin \(6 digits\)/);
      assert.doesNotMatch(JSON.stringify(logs), new RegExp(pin));
      for (const reply of replies) assert.doesNotMatch(readableParts(reply), new RegExp(pin));
    });

    it('asks for the PIN again, in other words each time, when it is not 6 digits', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      await send('normal', { words: '我要挂失' });
      await send('dtmf', { dtmf_digits: '6218' });
      await send('dtmf', { dtmf_digits: '1' });
      const short = await send('dtmf', { dtmf_digits: '1234#' });
      assert.equal(short.action, 'dtmf');
      assert.match(spoken(short), /^密码是6位数字，请重新输入，以井号键结束。请输入6位查询密码/);
      const letters = await send('dtmf', { dtmf_digits: '12*456#' });
      assert.match(spoken(letters), /^输入仍不正确，请最后再试一次。请输入6位查询密码/);
      const third = await send('dtmf', { dtmf_digits: '99#' });
      assert.ok(third.action === 'transfer');
      assert.equal(third.number, CARD_DESK);
    });

    it('lets the caller re-enter the card digits by saying 不对 at the read-back', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      const askCard = await send('normal', { words: '我的信用卡丢了。' });
      assert.equal(askCard.action === 'dtmf' && askCard.dtmf_max_numbers, 4);
      assert.match(spoken(await send('dtmf', { dtmf_digits: '6281' })), /6 2 8 1/);
      const again = await send('normal', { words: '不对，输错了' });
      assert.equal(again.action === 'dtmf' && again.dtmf_max_numbers, 4);
      assert.match(spoken(again), /^请输入银行卡卡号最后4位/);
      assert.match(spoken(await send('dtmf', { dtmf_digits: '6218' })), /6 2 1 8/);
      const askPin = await send('normal', { words: '对的' });
      assert.equal(askPin.action === 'dtmf' && askPin.dtmf_end_character, '#');
    });

    it('sends a lost card to the 24-hour line when the call runs past closing time', async () => {
      setClock('2026-03-10T17:58:00+08:00');
      const { answer, send } = await dial(handler, CUSTOMER);
      assert.match(spoken(answer), /^下午好，(欢迎致电|信用卡服务)/);
      await send('normal', { words: '挂失' });
      await send('dtmf', { dtmf_digits: '6218' });
      await send('dtmf', { dtmf_digits: '1' });
      setClock('2026-03-10T18:00:30+08:00');
      const transfer = await send('dtmf', { dtmf_digits: '583920#' });
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, LOST_CARD_LINE);
    });

    it('understands a choice spoken before the keys are armed', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      const balance = await send('normal', { words: '帮我查一下余额' });
      assert.equal(balance.action === 'dtmf' && balance.dtmf_max_numbers, 4);
      assert.match(spoken(balance), /^查询余额前，需要先验证您的身份。请输入银行卡卡号最后4位/);
    });

    it('asks again in other words after a wrong key twice, then puts the caller through to an agent', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      await send('mute');
      const first = await send('dtmf', { dtmf_digits: '7' });
      assert.equal(first.action, 'dtmf');
      assert.match(spoken(first), /^抱歉，没能识别您的选择。挂失银行卡请按1/);
      const second = await send('dtmf', { dtmf_digits: '8' });
      assert.match(spoken(second), /^还是没能识别，您可以直接说「挂失」「余额」或「人工」。挂失银行卡请按1/);
      // Retries used up: the transfer prompt is played, the parallel transfer follows on the next event.
      const escalated = await send('dtmf', { dtmf_digits: '5' });
      assert.equal(escalated.action, 'play');
      assert.match(spoken(escalated), /^正在为您转接人工客服，请稍候。$/);
      const transfer = await send('mute');
      assert.ok(transfer.action === 'parallel_transfer');
      assert.equal(transfer.cc_name, 'card-service');
      assert.equal(transfer.is_monitor, false);
    });

    it('asks again in other words after silence, then says goodbye and hangs up', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      const armed = await send('mute');
      assert.match(spoken(armed), /^挂失银行卡请按1/);
      assert.match(spoken(await send('mute')), /^抱歉，没有听到您的声音。挂失银行卡请按1/);
      const timeout = await send('dtmf', { dtmf_digits: 'noInputTimeout' });
      assert.match(spoken(timeout), /^您还在线吗？您可以按键，也可以直接说出要办理的业务。挂失银行卡请按1/);
      const goodbye = await send('mute');
      assert.ok(goodbye.action === 'play');
      assert.equal(spoken(goodbye), '感谢您的来电，再见。');
      assert.equal(goodbye.action_code_break, false);
      assert.equal((await send('mute')).action, 'hangup');
    });

    it('offers a way out when the parallel transfer fails, and tries again on key 1', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      assert.equal((await send('normal', { words: '转人工' })).action, 'play');
      assert.equal((await send('mute')).action, 'parallel_transfer');
      const busy = await send('parallel_transfer', { transfer_status: 'fail', fail_cause: 'busy' });
      assert.ok(busy.action === 'dtmf');
      assert.equal(busy.dtmf_max_numbers, 1);
      assert.match(spoken(busy), /^抱歉，当前坐席全忙。继续等待请按1/);
      const retry = await send('dtmf', { dtmf_digits: '1' });
      assert.ok(retry.action === 'parallel_transfer');
      assert.equal(retry.cc_name, 'card-service');
      assert.equal((await send('parallel_transfer', { transfer_status: 'success' })).action, 'donothing');
    });
  });

  describe('bank-card service example: the office calendar', () => {
    let handler: FcHandler;
    before(async () => {
      handler = await loadWithEnv('inbound', ENV);
    });
    afterEach(restoreClock);

    const AFTER_HOURS = /人工服务时间为工作日上午9点至下午6点/;
    const MAIN_MENU = GREETING_AND_MENU;

    it('answers after hours with the hours and puts a lost card through to the 24-hour line on key 1', async () => {
      setClock(TUESDAY_EVENING);
      const { answer, send } = await dial(handler, CUSTOMER);
      // firstMenu: once: the notice with the answer, a second of silence, then the menu, heard once.
      assert.ok(answer.action === 'answer');
      assert.equal(
        spoken(answer),
        '晚上好，人工服务时间为工作日上午9点至下午6点，周六上午9点至12点，法定节假日休息。',
      );
      assert.equal(answer.mute_time, 1000);
      const armed = await send('mute');
      assert.equal(armed.action === 'dtmf' && armed.dtmf_max_numbers, 1);
      assert.match(spoken(armed), /^如需挂失银行卡，请按1转接24小时挂失专线/);
      const transfer = await send('dtmf', { dtmf_digits: '1' });
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, LOST_CARD_LINE);
      assert.match(spoken(transfer), /24小时挂失专线/);
    });

    it('puts a lost card spoken after hours through to the 24-hour line', async () => {
      setClock(TUESDAY_EVENING);
      const { send } = await dial(handler, CUSTOMER);
      const transfer = await send('normal', { words: '我的卡被偷了' });
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, LOST_CARD_LINE);
    });

    it('says goodbye after hours when the caller stays silent', async () => {
      setClock(TUESDAY_EVENING);
      const { send } = await dial(handler, CUSTOMER);
      await send('mute');
      assert.match(spoken(await send('mute')), /^抱歉，没有听到您的选择。如需挂失银行卡/);
      const goodbye = await send('mute');
      assert.equal(goodbye.action, 'play');
      assert.equal(spoken(goodbye), '感谢您的来电，请在服务时间再拨，再见。');
      assert.equal((await send('mute')).action, 'hangup');
    });

    it('counts a statutory holiday as closed', async () => {
      setClock('2026-10-01T10:00:00+08:00'); // 国庆节, a Thursday
      const { answer } = await dial(handler, CUSTOMER);
      assert.match(spoken(answer), AFTER_HOURS);
    });

    it('opens a make-up working Saturday with the weekday hours, unlike an ordinary Saturday afternoon', async () => {
      setClock('2026-10-10T15:00:00+08:00'); // 调休: a working Saturday after the National Day holiday
      assert.match(spoken((await dial(handler, CUSTOMER)).answer), MAIN_MENU);
      setClock('2026-10-17T15:00:00+08:00'); // an ordinary Saturday, past its 12:00 closing
      assert.match(spoken((await dial(handler, CUSTOMER)).answer), AFTER_HOURS);
      setClock('2026-10-17T10:00:00+08:00');
      assert.match(spoken((await dial(handler, CUSTOMER)).answer), MAIN_MENU);
    });

    it("stays closed on the office's own closure date and opens the day after", async () => {
      setClock('2026-06-15T10:00:00+08:00'); // a Monday, closed for the core-banking upgrade
      assert.match(spoken((await dial(handler, CUSTOMER)).answer), AFTER_HOURS);
      setClock('2026-06-16T10:00:00+08:00');
      assert.match(spoken((await dial(handler, CUSTOMER)).answer), MAIN_MENU);
    });

    it('routes the 400 number like the short number', async () => {
      setClock(TUESDAY_MORNING);
      assert.match(spoken((await dial(handler, CUSTOMER, '4000009500')).answer), MAIN_MENU);
    });
  });

  describe('bank-card service example: callers with a line of their own', () => {
    let handler: FcHandler;
    before(async () => {
      handler = await loadWithEnv('inbound', ENV);
    });
    afterEach(restoreClock);

    it('greets a VIP by the last digits of their number and puts them through to their desk', async () => {
      setClock(TUESDAY_MORNING);
      const { answer, send } = await dial(handler, '13900001111');
      assert.ok(answer.action === 'answer');
      assert.equal(spoken(answer), '尾号1111的尊敬的贵宾客户，上午好。正在为您接通专属服务经理，请稍候。');
      // The transfer waits for the next event: only answer or hangup may follow callin.
      assert.equal(answer.mute_time, 2000);
      const transfer = await send('mute');
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, VIP_DESK);
    });

    it('puts a VIP through to the 24-hour line outside office hours, skipping the after-hours flow', async () => {
      setClock(TUESDAY_EVENING);
      const { answer, send } = await dial(handler, '05928881234');
      assert.match(spoken(answer), /^尾号1234的尊敬的贵宾客户，晚上好/);
      const transfer = await send('mute');
      assert.ok(transfer.action === 'transfer');
      assert.equal(transfer.number, LOST_CARD_LINE);
    });

    it('refuses a blocklisted caller politely: the goodbye in full, then a hang-up on the next event', async () => {
      setClock(TUESDAY_MORNING);
      const { answer, send } = await dial(handler, '15500001111');
      assert.ok(answer.action === 'answer');
      assert.match(spoken(answer), /^您好，本热线暂时无法受理您的来电。.*再见。$/);
      assert.equal(answer.action_code_break, false);
      assert.equal(answer.mute_time, 2000);
      assert.deepEqual(await send('mute'), { call_id: answer.call_id, action: 'hangup' });
    });

    it('refuses a blocklisted caller at any hour and whatever they say', async () => {
      setClock(TUESDAY_EVENING);
      const { answer, send } = await dial(handler, '13000000000');
      assert.match(spoken(answer), /^您好，本热线暂时无法受理您的来电/);
      assert.equal((await send('normal', { words: '我要挂失' })).action, 'hangup');
    });
  });

  describe('bank-card service example: the balance looked up in the card system', () => {
    let handler: FcHandler;
    before(async () => {
      handler = await loadWithEnv('inbound', ENV);
    });
    afterEach(restoreClock);

    it('checks the PIN once, then says the balance and the due date, sending the card digits and the ticket', async () => {
      setClock(TUESDAY_MORNING);
      const { send } = await dial(handler, CUSTOMER);
      await send('normal', { words: '查余额' });
      await send('dtmf', { dtmf_digits: '6218' });
      await send('dtmf', { dtmf_digits: '1' });
      const said = await send('dtmf', { dtmf_digits: '583920#' });
      assert.match(
        spoken(said),
        /^身份验证通过。您尾号 6 2 1 8 的银行卡可用额度为 12345\.67 元，本期还款日为 12月25日。返回主菜单请按1/,
      );
      assert.equal(said.action === 'dtmf' && said.dtmf_max_numbers, 1);
      const [verify, balance] = server.requests.slice(-2);
      assert.deepEqual(JSON.parse(verify?.body ?? ''), { card4: '6218', pin: '583920' });
      assert.equal(balance?.method, 'POST');
      assert.deepEqual(JSON.parse(balance?.body ?? ''), { card4: '6218', ticket: TICKET });
      // The PIN was dropped once sent; the ticket travels sealed.
      assert.doesNotMatch(readableParts(said), /583920|T-5e21aa/);
      const menu = await send('normal', { words: '返回主菜单' });
      assert.match(spoken(menu), /^挂失银行卡请按1/);
    });
  });
});
