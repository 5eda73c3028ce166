import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import * as v from 'valibot';
import { ID_FIELDS } from '../../shared/log/logger';
import { SuccessReplySchema } from '../../shared/protocol/reply-schema';
import callin from '../fixtures/callbacks/callin.json';
import docSample from '../fixtures/callbacks/callin-doc-sample.json';
import normal from '../fixtures/callbacks/normal.json';
import { startCall } from '../support/bundle-call';
import {
  type CallbackParams,
  captureLogs,
  type FcHandler,
  fcEvent,
  formCallback,
  jsonCallback,
  loadBuiltHandler,
  loadWithEnv,
  queryCallback,
  ROOT,
  replyOf,
  setFunctionEnvironment,
} from '../support/fc-event';
import { HOTLINE } from '../support/second-edition-rules';

const STATE_SECRETS = 'state-key-for-tests-0001';
const SECRET = 'callback-secret-0123456789';
const OLD_SECRET = 'callback-secret-old-987654';

function assertValidReply(body: string): v.InferOutput<typeof SuccessReplySchema> {
  const parsed = v.safeParse(SuccessReplySchema, JSON.parse(body));
  assert.ok(parsed.success, `reply is not valid: ${body}`);
  return parsed.output;
}

async function post(handler: FcHandler, params: CallbackParams, path = '/inbound') {
  const result = await handler(formCallback(params, { path }));
  return { status: result.statusCode, reply: replyOf(result), body: result.body, headers: result.headers };
}

describe('inbound bundle: the real samples of docs/reference/protocol.md', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('inbound', { STATE_SECRETS, LOG_LEVEL: 'error' });
  });
  const encodings = {
    'query string': (p: CallbackParams) => queryCallback(p, { path: '/inbound' }),
    'urlencoded form': (p: CallbackParams) => formCallback(p, { path: '/inbound' }),
    'base64 urlencoded form': (p: CallbackParams) => formCallback(p, { path: '/inbound', base64: true }),
    'JSON body': (p: CallbackParams) => jsonCallback(p, { path: '/inbound' }),
  };
  for (const [name, encode] of Object.entries(encodings)) {
    it(`answers the real callin sample sent as a ${name}`, async () => {
      const result = await handler(encode(callin));
      assert.equal(result.statusCode, 200);
      assert.equal(result.headers['content-type'], 'application/json;charset=UTF-8');
      assert.equal(result.isBase64Encoded, false);
      const reply = assertValidReply(result.body);
      assert.equal(reply.data.action, 'answer');
      assert.equal(reply.data.call_id, '130301340124^117079730123');
      assert.match(reply.data.dynamic_id ?? '', /^2\.[A-Za-z0-9_-]{40,199}$/);
    });

    it(`answers the real normal sample sent as a ${name}, carrying the callin's state`, async () => {
      const answer = replyOf(await handler(encode(callin)));
      const content = JSON.stringify({ ...JSON.parse(normal.content), dynamic_id: answer.data.dynamic_id });
      const reply = assertValidReply((await handler(encode({ ...normal, content }))).body);
      assert.notEqual(reply.data.action, 'answer');
    });
  }

  it('answers the documentation sample with curly quotes', async () => {
    const reply = assertValidReply((await handler(formCallback(docSample))).body);
    assert.equal(reply.data.action, 'answer');
  });
});

describe('inbound bundle: a call carried only by dynamic_id', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('inbound', { STATE_SECRETS, LOG_LEVEL: 'error' });
  });

  it('follows the default flow through callin → mute → dtmf → normal → mute → normal', async () => {
    const callId = '130301340124^117079730123';
    let dynamicId: unknown;
    const send = async (content_type: string, content: Record<string, string>) => {
      const body = JSON.stringify(
        content_type === 'callin' ? content : { ...content, dynamic_id: dynamicId },
      );
      const result = await handler(
        formCallback({ call_id: callId, content_type, content: body, timestamp: '1' }),
      );
      const reply = assertValidReply(result.body);
      dynamicId = reply.data.dynamic_id;
      return reply.data as Record<string, unknown>;
    };
    const answer = await send('callin', { caller: '15201030105', callee: '05923391657' });
    assert.equal(answer.action, 'answer');
    assert.equal(answer.mute_time, 6000);
    assert.equal((await send('mute', {})).action, 'dtmf');
    const hours = await send('dtmf', { dtmf_digits: '1' });
    assert.match(String(hours.action_code_param), /九点到晚上六点/);
    const menu = await send('normal', { words: '返回主菜单', is_playing: 'false' });
    assert.match(String(menu.action_code_param), /查询营业时间请按1/);
    const retry = await send('mute', {});
    assert.match(String(retry.action_code_param), /没有听到您的声音/);
    const transfer = await send('normal', { words: '帮我转人工吧' });
    assert.equal(transfer.action, 'transfer');
    assert.equal(transfer.number, '4000000000');
  });
});

describe('inbound bundle: bad input', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('inbound', { STATE_SECRETS });
  });

  it('refuses a request without call_id with 400 and the fail envelope, echoing nothing', async () => {
    const { result, logs } = await captureLogs(() =>
      handler(formCallback({ content_type: 'callin', content: '{"caller":"13912345678"}' })),
    );
    assert.equal(result.statusCode, 400);
    assert.deepEqual(replyOf(result), {
      result: 'fail',
      msg: 'not a VMS callback: call_id is missing',
      data: {},
    });
    assert.doesNotMatch(result.body, /13912345678/);
    const rejected = logs.filter((line) => line.msg === 'request rejected');
    assert.equal(rejected.length, 1);
    assert.equal(rejected[0]?.status, 400);
    assert.doesNotMatch(JSON.stringify(logs), /13912345678/);
  });

  it('refuses an unreadable body with 400', async () => {
    const result = await handler(fcEvent({ body: Buffer.from([0xff, 0x00, 0x13, 0x37]), base64: true }));
    assert.equal(result.statusCode, 400);
    assert.equal(replyOf(result).result, 'fail');
  });

  it('refuses an event that is not an HTTP trigger event with 400', async () => {
    const result = await handler(Buffer.from('definitely not json'));
    assert.equal(result.statusCode, 400);
  });

  it('refuses a body over 64 KB with 413', async () => {
    const content = JSON.stringify({ words: 'x'.repeat(70 * 1024) });
    const result = await handler(formCallback({ call_id: '1^2', content_type: 'normal', content }));
    assert.equal(result.statusCode, 413);
    assert.equal(replyOf(result).result, 'fail');
  });

  it('refuses a huge event before parsing it', async () => {
    const result = await handler(Buffer.alloc(2 * 1024 * 1024, 0x20));
    assert.equal(result.statusCode, 413);
  });

  it('answers an unknown content_type with donothing', async () => {
    const { reply, status } = await post(handler, {
      call_id: '1^2',
      content_type: 'future_event',
      content: '{}',
    });
    assert.equal(status, 200);
    assert.deepEqual(reply.data, { call_id: '1^2', action: 'donothing' });
  });

  it('answers a callin with unreadable content from the default line', async () => {
    const { reply } = await post(handler, { call_id: '1^2', content_type: 'callin', content: '{{{{' });
    assert.equal(reply.data.action, 'answer');
    assert.match(String(reply.data.action_code_param), /欢迎致电/);
  });

  it('answers a later event with a forged dynamic_id sensibly', async () => {
    const content = JSON.stringify({ dtmf_digits: '0', dynamic_id: '1.eyJ4IjoxfQ.AAAAAAAAAAAAAAAA' });
    const { reply, status } = await post(handler, { call_id: '1^2', content_type: 'dtmf', content });
    assert.equal(status, 200);
    assertValidReply(JSON.stringify(reply));
    assert.match(String(reply.data.action_code_param), /回到主菜单/);
  });

  it('refuses other methods with 405', async () => {
    const result = await handler(fcEvent({ method: 'DELETE' }));
    assert.equal(result.statusCode, 405);
  });

  it('logs each callback once, with phone numbers masked', async () => {
    const { logs } = await captureLogs(() => handler(formCallback(callin)));
    const callbackLines = logs.filter((line) => line.msg === 'callback');
    assert.equal(callbackLines.length, 1);
    assert.equal(callbackLines[0]?.caller, '152****0105');
    assert.doesNotMatch(JSON.stringify(logs), /15201030105/);
  });

  it('marks a redelivered callback as a duplicate in the log and answers it the same', async () => {
    const event = { ...callin, call_id: '9^9' };
    const first = await captureLogs(() => handler(formCallback(event)));
    const second = await captureLogs(() => handler(formCallback(event)));
    assert.equal(second.logs.find((l) => l.msg === 'callback')?.duplicate, true);
    // The same reply; only the sealed state differs, by its random IV.
    const withoutState = (body: string) => ({ ...JSON.parse(body).data, dynamic_id: undefined });
    assert.deepEqual(withoutState(second.result.body), withoutState(first.result.body));
  });
});

describe('inbound bundle: internal errors', () => {
  it('says in its status why the rules could not be loaded, naming the file', async () => {
    const handler = await loadWithEnv('inbound', {
      STATE_SECRETS,
      RULES_FILE: '/nonexistent/rules.yaml',
      RULES_LOAD_BUDGET_MS: '5000',
    });
    const status = JSON.parse((await handler(fcEvent({ method: 'GET' }))).body) as {
      ok: boolean;
      warnings: { kind: string; message: string }[];
    };
    assert.equal(status.ok, false);
    const rules = status.warnings.find((warning) => warning.kind === 'rules');
    assert.equal(
      rules?.message,
      'the emergency document (embedded-default) answers, because the rules from file could not be loaded: (file): cannot read RULES_FILE /nonexistent/rules.yaml: there is no such file',
    );
  });

  it('words invalid rules for their author, from the side file word-issues.js the bundle loads for them', async () => {
    const bundle = readFileSync(join(ROOT, 'dist', 'inbound', 'index.js'), 'utf8');
    assert.ok(bundle.includes('require("./word-issues.js")'), 'the bundle requires the wording beside it');
    assert.ok(!bundle.includes('did you mean'), 'the wording is not in the bundle itself');
    const handler = await loadWithEnv('inbound', {
      STATE_SECRETS,
      RULES: JSON.stringify({ version: '1', flows: {}, lnies: [] }),
    });
    const { logs } = await captureLogs(() => handler(formCallback(callin)));
    const failure = logs.find((line) => line.msg === 'callback failed; answered with the fallback');
    assert.match(
      String((failure?.error as { stack?: unknown })?.stack),
      /unknown key lnies \(did you mean lines\?\)/,
    );
  });

  it('logs the stack trace of a failure once per instance, then only what failed', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: '{"version": 1}' });
    const { logs } = await captureLogs(async () => {
      await handler(formCallback(callin));
      await handler(formCallback(callin));
    });
    const errors = logs.filter((line) => line.msg === 'callback failed; answered with the fallback');
    assert.equal(errors.length, 2);
    const [first, second] = errors.map((line) => line.error as Record<string, unknown>);
    assert.match(String(first?.stack), /rules from env:RULES are invalid/);
    assert.deepEqual(Object.keys(second ?? {}).sort(), ['message', 'name', 'stackLogged']);
  });

  it('answers callin with the fallback apology when the rules are invalid, and hangs up next', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: '{"version": 1}' });
    const { result, logs } = await captureLogs(() => handler(formCallback(callin)));
    assert.equal(result.statusCode, 200);
    const reply = assertValidReply(result.body);
    assert.equal(reply.data.action, 'answer');
    assert.match(String(reply.data.action_code_param), /系统暂时繁忙/);
    assert.doesNotMatch(result.body, /stack|Error|rules/i);
    const errors = logs.filter(
      (line) => line.level === 'error' && line.msg === 'callback failed; answered with the fallback',
    );
    assert.equal(errors.length, 1);
    assert.equal(errors[0]?.callId, '130301340124^117079730123');
    const next = await handler(
      formCallback({
        call_id: '1^2',
        content_type: 'mute',
        content: JSON.stringify({ dynamic_id: reply.data.dynamic_id }),
      }),
    );
    assert.deepEqual(replyOf(next).data, { call_id: '1^2', action: 'hangup' });
  });

  it('apologises and transfers when the rules configure a fallback number and the flow breaks', async () => {
    const rules = {
      version: 'loop',
      fallback: { say: '抱歉，为您转接人工。', transferTo: '95555' },
      defaultLine: { flow: 'loop' },
      flows: {
        loop: {
          start: 'menu',
          nodes: {
            menu: { type: 'menu', say: '请说', intents: [{ keywords: ['a'], goto: 'x' }] },
            x: { type: 'say', say: 'x', next: 'y' },
            y: { type: 'say', say: 'y', next: 'x' },
          },
        },
      },
    };
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: JSON.stringify(rules) });
    const answer = replyOf(await handler(formCallback(callin)));
    const content = JSON.stringify({ words: 'a', dynamic_id: answer.data.dynamic_id });
    const { result } = await captureLogs(() =>
      handler(formCallback({ call_id: callin.call_id, content_type: 'normal', content })),
    );
    assert.equal(result.statusCode, 200);
    const reply = assertValidReply(result.body);
    assert.equal(reply.data.action, 'transfer');
    assert.ok(reply.data.action === 'transfer');
    assert.equal(reply.data.number, '95555');
  });

  it('still checks the callback secret when another variable is invalid', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS: 'short', CALLBACK_SECRETS: SECRET });
    const { result } = await captureLogs(() => handler(formCallback(callin, { path: '/inbound' })));
    assert.equal(result.statusCode, 403);
    const allowed = await captureLogs(() => handler(formCallback(callin, { path: `/inbound/${SECRET}` })));
    assert.equal(allowed.result.statusCode, 200);
  });

  it('still answers with the fallback when the environment is invalid', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS: 'short' });
    const { result, logs } = await captureLogs(() => handler(formCallback(callin)));
    assert.equal(result.statusCode, 200);
    assert.equal(assertValidReply(result.body).data.action, 'answer');
    const failure = logs.find((line) => line.msg === 'callback failed; answered with the fallback');
    assert.match(JSON.stringify(failure?.error), /STATE_SECRETS is invalid/);
  });
});

describe('inbound bundle: callback secrets', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('inbound', {
      STATE_SECRETS,
      CALLBACK_SECRETS: `${SECRET},${OLD_SECRET}`,
      LOG_LEVEL: 'error',
    });
  });

  it('refuses a callback without the secret with 403 and does no processing', async () => {
    const { result, logs } = await captureLogs(() => handler(formCallback(callin, { path: '/inbound' })));
    assert.equal(result.statusCode, 403);
    assert.deepEqual(replyOf(result), {
      result: 'fail',
      msg: 'forbidden: missing or wrong callback secret',
      data: {},
    });
    assert.equal(logs.filter((line) => line.msg === 'callback').length, 0);
  });

  it('refuses a wrong secret', async () => {
    assert.equal((await post(handler, callin, '/inbound/not-the-secret-000000')).status, 403);
  });

  it('accepts the secret as the last path segment', async () => {
    const { status, reply } = await post(handler, callin, `/inbound/${SECRET}`);
    assert.equal(status, 200);
    assert.equal(reply.data.action, 'answer');
  });

  it('accepts the previous secret during rotation, and a token query parameter', async () => {
    assert.equal((await post(handler, callin, `/${OLD_SECRET}`)).status, 200);
    const viaToken = await handler(formCallback(callin, { path: '/inbound', query: { token: SECRET } }));
    assert.equal(viaToken.statusCode, 200);
  });

  it('answers GET with a status that names the function and versions, and nothing else, to the secret only', async () => {
    assert.equal((await handler(fcEvent({ method: 'GET', path: '/inbound' }))).statusCode, 403);
    const result = await handler(fcEvent({ method: 'GET', path: `/inbound/${SECRET}` }));
    assert.equal(result.statusCode, 200);
    const status = JSON.parse(result.body) as Record<string, unknown>;
    assert.equal(status.function, 'inbound');
    assert.equal(status.rulesVersion, 'default-1');
    assert.match(String(status.build), /.+-\d{4}-\d{2}-\d{2}$/);
  });
});

describe('inbound bundle: no secret configured', () => {
  it('works and warns once per instance', async () => {
    setFunctionEnvironment({ STATE_SECRETS });
    const handler = loadBuiltHandler('inbound');
    const { logs } = await captureLogs(async () => {
      await handler(fcEvent({ method: 'GET' }));
      await handler(formCallback(callin));
      await handler(formCallback(callin));
    });
    assert.equal(logs.filter((line) => String(line.msg).startsWith('CALLBACK_SECRETS is not set')).length, 1);
    assert.equal(logs.filter((line) => line.msg === 'callback').length, 2);
  });
});

describe('inbound bundle: one log line per callback, for SLS', () => {
  it('names the request, the rules version, the line, the flow, the nodes before and after, the match and the retries', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS });
    const { callId, send } = startCall(handler);
    const { logs } = await captureLogs(async () => {
      await send('callin', { caller: '13800138000', callee: '05923391657' });
      await send('mute');
      await send('mute');
      await send('normal', { words: '转人工' });
    });
    const lines = logs.filter((line) => line.msg === 'callback' && line.callId === callId);
    assert.equal(lines.length, 4);
    const [callinLine, armed, retried, matched] = lines;
    assert.equal(callinLine?.requestId, 'req-1');
    assert.equal(callinLine?.rulesVersion, 'default-1');
    assert.equal(callinLine?.line, 'default');
    assert.equal(callinLine?.flow, 'hotline');
    assert.equal(callinLine?.node, 'menu');
    assert.equal(armed?.nodeBefore, 'menu');
    assert.deepEqual(retried?.retries, { noInput: 1, noMatch: 0 });
    assert.equal(matched?.matched, 'intent agent');
    assert.equal(matched?.action, 'transfer');
    assert.equal(typeof matched?.ms, 'number');
  });

  it('names the flow before too when the call moved to another (a subflow called), and only then', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: JSON.stringify(HOTLINE) });
    const { callId, send } = startCall(handler);
    const { logs } = await captureLogs(async () => {
      await send('callin', { caller: '13800138000', callee: '05923391657' });
      await send('mute');
      await send('dtmf', { dtmf_digits: '1' });
      await send('dtmf', { dtmf_digits: '6218' });
    });
    const lines = logs.filter((line) => line.msg === 'callback' && line.callId === callId);
    const [, armed, called, collected] = lines;
    assert.equal(armed?.flowBefore, undefined);
    assert.deepEqual(
      [called?.flowBefore, called?.nodeBefore, called?.flow, called?.node],
      ['main', 'menu', 'identity', 'askCard'],
    );
    assert.equal(collected?.flowBefore, undefined);
    assert.equal(collected?.nodeBefore, 'askCard');
  });

  it('warns, in the callback line itself, of an utterance sent as text instead of words', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS });
    const { callId, send } = startCall(handler);
    const { logs } = await captureLogs(async () => {
      await send('callin', { caller: '13800138000', callee: '05923391657' });
      // A guess: the utterance as `text`, with a key that holds a phone number.
      await send('normal', { text: '转人工', '13912345678': 'x' });
      await send('normal', { words: '转人工' });
    });
    const lines = logs.filter((line) => line.msg === 'callback' && line.callId === callId);
    assert.equal(lines.length, 3, 'still one line per callback');
    const [, guessed, right] = lines;
    assert.equal(guessed?.level, 'warn');
    assert.equal(guessed?.encoding, 'form');
    assert.equal(
      guessed?.contentWarning,
      'normal content has no "words" but has "text", "***********", which nothing reads: ' +
        'see the fields of each event in docs/reference/protocol.md',
    );
    assert.equal(right?.level, 'info');
    assert.equal(right?.contentWarning, undefined);
  });

  it('marks the first callback of an instance cold, and no other', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS });
    const { logs } = await captureLogs(async () => {
      await startCall(handler).send('callin', { caller: '13800138000', callee: '05923391657' });
      await startCall(handler).send('callin', { caller: '13800138000', callee: '05923391657' });
    });
    const callbacks = logs.filter((line) => line.msg === 'callback');
    assert.deepEqual(
      callbacks.map((line) => line.cold === true),
      [true, false],
    );
  });
});

describe('inbound bundle: rotating the state key', () => {
  it('keeps calls in flight across instances while two keys are valid, then on the new key alone', async () => {
    const OLD = 'state-key-before-rotation-1';
    const NEW = 'state-key-after-rotation-22';
    const before = await loadWithEnv('inbound', { STATE_SECRETS: OLD });
    const during = await loadWithEnv('inbound', { STATE_SECRETS: `${NEW},${OLD}` });
    const after = await loadWithEnv('inbound', { STATE_SECRETS: NEW });
    const callId = '130301349999^117079739999';
    const event = async (handler: FcHandler, type: string, content: Record<string, string>) => {
      const { result } = await captureLogs(() =>
        handler(formCallback({ call_id: callId, content_type: type, content: JSON.stringify(content) })),
      );
      return assertValidReply(result.body).data as {
        action: string;
        dynamic_id?: string;
        action_code_param?: string;
      };
    };
    const answered = await event(before, 'callin', { caller: '13800138000', callee: '05923391657' });
    // The next event reaches an instance already rotated: the call goes on where it was, not from the top.
    const armed = await event(during, 'mute', { dynamic_id: String(answered.dynamic_id) });
    assert.equal(armed.action, 'dtmf');
    assert.doesNotMatch(String(armed.action_code_param), /回到主菜单/);
    // Sealed by the rotated instance with the new key, so an instance that dropped the old one reads it.
    const chosen = await event(after, 'dtmf', { dtmf_digits: '0', dynamic_id: String(armed.dynamic_id) });
    assert.equal(chosen.action, 'transfer');
    // And a state only the old key sealed is refused once the old key is gone: the call recovers safely.
    const stale = await event(after, 'mute', { dynamic_id: String(answered.dynamic_id) });
    assert.match(String(stale.action_code_param), /回到主菜单/);
  });
});

describe('inbound bundle: no state key configured', () => {
  it('says once per instance, loudly, that states are forgeable and how to set a key', async () => {
    const handler = await loadWithEnv('inbound', {});
    const { logs } = await captureLogs(async () => {
      await handler(formCallback(callin));
      await handler(formCallback(callin));
    });
    const warnings = logs.filter((line) => String(line.msg).startsWith('STATE_SECRETS is not set'));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.level, 'warn');
    assert.match(
      String(warnings[0]?.msg),
      /could read and forge .* Set STATE_SECRETS to a random text of 16 or more characters/,
    );
  });
});

describe('inbound bundle: keys heard by a sensitive collect node', () => {
  /** A hotline that asks for a PIN of `digits` digits, kept out of logs (`sensitive`). */
  const pinRules = (digits: number) =>
    JSON.stringify({
      version: `pin-${digits}`,
      defaultLine: { flow: 'pin' },
      flows: {
        pin: {
          start: 'ask',
          nodes: {
            ask: {
              type: 'collect',
              say: '请输入密码',
              saveAs: 'pin',
              maxDigits: digits,
              sensitive: true,
              next: 'bye',
            },
            bye: { type: 'hangup', say: '再见' },
          },
        },
      },
    });

  it('never logs them, not even a single key', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: pinRules(1) });
    const { send } = startCall(handler);
    const { logs } = await captureLogs(async () => {
      await send('callin', { caller: '13800138000', callee: '05923391657' });
      await send('mute');
      await send('dtmf', { dtmf_digits: '4' });
    });
    const keyed = logs.find((line) => line.msg === 'callback' && line.type === 'dtmf');
    assert.equal(keyed?.dtmf, '(sensitive)');
    // No 4 in any text of the line, the trace included (the numbers called hold none).
    assert.doesNotMatch(textOfLine(keyed), /4/);
  });

  it('never logs them said aloud either, even spread out so that no three digits stand together', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: pinRules(4) });
    const { send } = startCall(handler);
    const { logs } = await captureLogs(async () => {
      await send('callin', { caller: '13800138000', callee: '05923391657' });
      await send('normal', { words: '六 嗯 六 嗯 八 嗯 八' });
    });
    const said = logs.find((line) => line.msg === 'callback' && line.type === 'normal');
    assert.equal(said?.matched, 'collected pin');
    assert.equal(said?.words, '(sensitive)');
    assert.doesNotMatch(textOfLine(said), /六|八|6.*6.*8.*8/);
  });
});

/** A log line's text fields, trace included, without its ids and times and numeric fields (`ms`). */
function textOfLine(line: Record<string, unknown> | undefined): string {
  assert.ok(line !== undefined);
  return JSON.stringify(line, (key, value) =>
    ID_FIELDS.has(key) || typeof value === 'number' ? undefined : value,
  );
}
