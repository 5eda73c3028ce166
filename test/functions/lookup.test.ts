/**
 * A flow with a lookup, through the built inbound bundle and its side file `lookup-client.js`, against the
 * lookup stand-in on 127.0.0.1: the balance it answers is said; a hanging server gets the filler, then
 * the node's `onError` after at most 3 attempts, and no callback takes longer than its budget and wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LookupServer, startLookupServer } from '../../dev/lookup-server';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { type ReplyData, spoken, startCall } from '../support/bundle-call';
import { captureLogs, type FcHandler, loadWithEnv } from '../support/fc-event';

const STATE_SECRETS = 'lookup-bundle-tests-state-key';
const TOKEN = 'lookup-bundle-secret-token-9f3a';
const BUDGET_MS = 400;
const WAIT_MS = 100;

/** The bank's balance flow, its lookup at `origin` + `path`. */
function balanceRules(origin: string, path: string): RulesInput {
  return {
    version: 'lookup-bundle',
    defaultLine: { flow: 'balance' },
    lookups: {
      account: {
        url: `${origin}${path}`,
        query: { phone: '{{caller}}' },
        headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
        timeoutMs: 150,
        waitMs: WAIT_MS,
      },
    },
    flows: {
      balance: {
        start: 'getAccount',
        nodes: {
          getAccount: {
            type: 'lookup',
            use: 'account',
            save: { balance: { from: 'data.balance', type: 'number', maxBytes: 12 } },
            filler: '正在为您查询，请稍候。',
            next: 'sayBalance',
            onError: 'sorry',
          },
          sayBalance: { type: 'hangup', say: '您的余额是{{vars.balance}}元。' },
          sorry: { type: 'hangup', say: '抱歉，暂时无法查询，请稍后再拨。' },
        },
      },
    },
  };
}

/** A fresh inbound instance serving `rules`, with the lookup secret in its environment. */
function inboundWith(rules: RulesInput): Promise<FcHandler> {
  return loadWithEnv('inbound', {
    STATE_SECRETS,
    CALLBACK_BUDGET_MS: String(BUDGET_MS),
    RULES: JSON.stringify(rules),
    LOOKUP_TOKEN: TOKEN,
  });
}

describe('a lookup through the built bundle', () => {
  let server: LookupServer;
  before(async () => {
    server = await startLookupServer({
      routes: {
        '/account': {
          answer: { data: { balance: 1234.5 } },
          requireHeaders: { authorization: `Bearer ${TOKEN}` },
        },
        '/hang': { mode: 'hang' },
      },
    });
  });
  after(() => server.stop());

  it('says the balance the server answers, sending the secret header and the caller', async () => {
    const handler = await inboundWith(balanceRules(server.url, '/account'));
    const { send } = startCall(handler);
    const { result, logs } = await captureLogs(() =>
      send('callin', { caller: '13800138000', callee: '95000' }),
    );
    assert.equal(result.action, 'answer');
    assert.equal(spoken(result), '您的余额是1234.5元。');
    const request = server.requests.at(-1);
    assert.equal(request?.query.phone, '13800138000');
    const line = logs.find((l) => l.msg === 'callback');
    assert.deepEqual(line?.lookups, [
      { use: 'account', outcome: 'ok', attempts: 1, values: { balance: '****.*' } },
    ]);
    assert.doesNotMatch(JSON.stringify(logs), new RegExp(TOKEN));
  });

  it('plays the filler while the server hangs, then goes to onError after at most 3 attempts, each callback within its budget', {
    timeout: 20_000,
  }, async () => {
    const handler = await inboundWith(balanceRules(server.url, '/hang'));
    const before = server.requests.length;
    const { send } = startCall(handler);
    const replies: ReplyData[] = [];
    const { logs } = await captureLogs(async () => {
      replies.push(await send('callin', { caller: '13800138000', callee: '95000' }));
      // The platform sends a mute after each filler or silence; the call goes on until it is told to end.
      for (let event = 0; event < 12 && replies.at(-1)?.dynamic_id !== undefined; event++) {
        if (spoken(replies.at(-1) as ReplyData).includes('抱歉')) break;
        replies.push(await send('mute'));
      }
    });
    assert.equal(spoken(replies[0] as ReplyData), '正在为您查询，请稍候。', 'the filler, on the first wait');
    assert.equal(replies[0]?.action, 'answer');
    const last = replies.at(-1) as ReplyData;
    assert.equal(spoken(last), '抱歉，暂时无法查询，请稍后再拨。', 'the onError branch, in the end');
    for (const middle of replies.slice(1, -1)) {
      assert.equal(middle.action, 'play');
      assert.equal(spoken(middle), '', 'later waits are a short silence, not the filler again');
    }
    const sent = server.requests.length - before;
    assert.ok(sent >= 1 && sent <= 3, `${sent} attempts sent`);
    const callbacks = logs.filter((l) => l.msg === 'callback');
    assert.equal(callbacks.length, replies.length);
    for (const line of callbacks) {
      assert.ok(Number(line.ms) <= BUDGET_MS + WAIT_MS, `a callback took ${line.ms} ms`);
    }
    const failed = callbacks.at(-1)?.lookups as { outcome: string; why: string; attempts: number }[];
    assert.equal(failed[0]?.outcome, 'failed');
    assert.equal(failed[0]?.why, 'timeout');
    assert.ok((failed[0]?.attempts ?? 0) <= 3);
    assert.deepEqual(callbacks.at(-1)?.outcomes, ['lookup-failed', 'entered', 'ended']);
  });
});
