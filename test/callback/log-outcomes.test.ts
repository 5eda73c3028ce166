import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleCallbackRequest } from '../../shared/callback/handle-callback';
import { readConfig } from '../../shared/config/config';
import { toHttpRequest } from '../../shared/fc/http-trigger';
import { loadRules } from '../../shared/rules/load-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { inboundDeps } from '../support/callback-deps';
import { formCallback } from '../support/fc-event';

/**
 * One inbound call through the handler, under `rules` (the embedded default without them): `send` delivers
 * an event carrying the last reply's `dynamic_id`; `callbacks` are the `callback` log lines so far.
 */
function startCall(rules?: RulesInput) {
  const config = readConfig({
    STATE_SECRETS: 'log-outcomes-state-key-01',
    ...(rules === undefined ? {} : { RULES: JSON.stringify(rules) }),
  });
  const lines: Record<string, unknown>[] = [];
  const deps = inboundDeps(config, () => loadRules(config, () => undefined), lines);
  let dynamicId: string | undefined;
  const send = async (type: string, content: Record<string, string>) => {
    const params = {
      call_id: '7^8',
      content_type: type,
      content: JSON.stringify(dynamicId === undefined ? content : { ...content, dynamic_id: dynamicId }),
    };
    const converted = toHttpRequest(formCallback(params), 64 * 1024);
    assert.ok(converted.ok);
    const reply = JSON.parse((await handleCallbackRequest(converted.request, deps)).body) as {
      data: { dynamic_id?: string };
    };
    dynamicId = reply.data.dynamic_id;
  };
  const callbacks = () => lines.filter((line) => line.msg === 'callback');
  return { send, callbacks, answer: () => send('callin', { caller: '13800138000', callee: '05923391657' }) };
}

/**
 * A call of the default hotline that stays silent, through the handler: each callback's log line says
 * in words what happened, so a silence that arms the keys is told from one that counts as no input, and
 * the event that escalates carries the count that ran out.
 */
describe('the outcome words of a silent call', () => {
  it('tells key arming, no-input retries and the escalation apart', async () => {
    const call = startCall();
    await call.answer();
    for (let silence = 0; silence < 4; silence++) await call.send('mute', {});
    const callbacks = call.callbacks();
    assert.deepEqual(
      callbacks.map((line) => line.outcomes),
      [['started', 'entered'], ['key-arming'], ['no-input'], ['no-input'], ['escalated', 'entered', 'ended']],
    );
    assert.deepEqual(
      callbacks.map((line) => line.retries),
      [undefined, undefined, { noInput: 1, noMatch: 0 }, { noInput: 2, noMatch: 0 }, { noInput: 3 }],
    );
    // The default hotline tags no node: no line has a tag.
    assert.ok(callbacks.every((line) => !('tag' in line)));
  });
});

const TAGGED: RulesInput = {
  version: 'log-outcomes-tags',
  defaultLine: { flow: 'main' },
  flows: {
    main: {
      start: 'ask',
      nodes: {
        ask: { type: 'menu', say: '确认请按1，取消请按2。', keys: { '1': 'check', '2': 'cancelled' } },
        check: {
          type: 'branch',
          tag: 'checking',
          branches: [{ when: { var: 'x' }, goto: 'ask' }],
          else: 'done',
        },
        done: { type: 'hangup', tag: 'confirmed', say: '已确认。' },
        cancelled: { type: 'hangup', say: '已取消。' },
      },
    },
  },
};

describe("a callback's log line names the outcome tag of the node the call is at", () => {
  it('carries the tag of a tagged node, and none for an untagged one or one only passed through', async () => {
    // Key 1 passes the tagged branch `check` to `done`; key 2 goes to `cancelled`, which has no tag.
    for (const [key, node, tag] of [
      ['1', 'done', 'confirmed'],
      ['2', 'cancelled', undefined],
    ] as const) {
      const call = startCall(TAGGED);
      await call.answer();
      await call.send('dtmf', { dtmf_digits: key });
      assert.deepEqual(
        call.callbacks().map((line) => [line.node, line.tag]),
        [
          ['ask', undefined],
          [node, tag],
        ],
      );
    }
  });
});
