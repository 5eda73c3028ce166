import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { DEFAULT_RULES } from '../../shared/rules/default-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { sealOutboundId } from '../../shared/state/outbound-id';
import { type FcHandler, formCallback, loadWithEnv, replyOf } from '../support/fc-event';

const RULES: RulesInput = {
  ...DEFAULT_RULES,
  version: 'outbound-test',
  outbound: { defaultFlow: 'survey' },
  flows: {
    ...DEFAULT_RULES.flows,
    survey: {
      start: 'ask',
      nodes: {
        ask: {
          type: 'menu',
          say: '满意请说满意或按1，不满意请按2。',
          keys: { '1': 'thanks', '2': 'sorry' },
          intents: [{ keywords: ['满意'], goto: 'thanks' }],
        },
        thanks: { type: 'hangup', say: '感谢您的评价，再见。' },
        sorry: { type: 'hangup', say: '我们会改进，再见。' },
      },
    },
  },
};

describe('outbound bundle', () => {
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('outbound', {
      STATE_SECRETS: 'state-key-for-tests-0001',
      RULES: JSON.stringify(RULES),
      LOG_LEVEL: 'error',
    });
  });

  const send = async (content_type: string, content: Record<string, string>) =>
    replyOf(
      await handler(
        formCallback({ call_id: '200^300', content_type, content: JSON.stringify(content), timestamp: '1' }),
      ),
    ).data;

  it('starts the flow named by SmartCall DynamicId on the first event, without answer', async () => {
    const data = await send('normal', { words: '满意', dynamic_id: 'survey' });
    assert.equal(data.action, 'play');
    assert.match(String(data.action_code_param), /感谢您的评价/);
    assert.deepEqual((await send('mute', { dynamic_id: String(data.dynamic_id) })).action, 'hangup');
  });

  it('starts the outbound default flow when the first event carries no DynamicId', async () => {
    const data = await send('mute', {});
    assert.equal(data.action, 'dtmf');
    const next = await send('dtmf', { dtmf_digits: '2', dynamic_id: String(data.dynamic_id) });
    assert.match(String(next.action_code_param), /我们会改进/);
  });

  it('starts outbound.defaultFlow when DynamicId names no flow the call may start', async () => {
    // The survey's opening was SmartCall's own; "喂" is no answer to it, so the menu asks again.
    const data = await send('normal', { words: '喂', dynamic_id: 'nosuchflow' });
    assert.notEqual(data.action, 'answer');
    assert.match(String(data.action_code_param), /满意请说满意或按1/);
    assert.doesNotMatch(String(data.action_code_param), /回到主菜单/);
  });

  it('still answers a callin sent to the outbound URL by mistake', async () => {
    const data = await send('callin', { caller: '13800138000', callee: '05923391657' });
    assert.equal(data.action, 'answer');
  });
});

describe('outbound bundle with OUTBOUND_SECRETS', () => {
  const OUTBOUND_SECRET = 'outbound-key-for-tests-01';
  let handler: FcHandler;
  before(async () => {
    handler = await loadWithEnv('outbound', {
      STATE_SECRETS: 'state-key-for-tests-0001',
      OUTBOUND_SECRETS: `another-outbound-key-02,${OUTBOUND_SECRET}`,
      RULES: JSON.stringify({
        ...RULES,
        outbound: { ...RULES.outbound, vars: { doctor: { maxBytes: 15 }, time: { maxBytes: 5 } } },
        flows: {
          ...RULES.flows,
          reminder: {
            start: 'tell',
            nodes: { tell: { type: 'hangup', say: '{{vars.doctor}}{{vars.time}}等您。' } },
          },
        },
      } satisfies RulesInput),
      LOG_LEVEL: 'error',
    });
  });

  const first = async (dynamicId: string) =>
    replyOf(
      await handler(
        formCallback({
          call_id: '200^301',
          content_type: 'mute',
          content: JSON.stringify({ dynamic_id: dynamicId }),
          timestamp: '1',
        }),
      ),
    ).data;
  const seal = (expiresInS: number, key = OUTBOUND_SECRET) =>
    sealOutboundId(
      {
        flow: 'reminder',
        vars: { time: '10:30', doctor: '王医生' },
        expiresAtS: Math.floor(Date.now() / 1000) + expiresInS,
      },
      [key],
    );

  it('starts the flow a sealed DynamicId names, its prompts reading the values it carries', async () => {
    const data = await first(seal(3600));
    assert.equal(data.action, 'play');
    assert.match(String(data.action_code_param), /王医生10：30等您/);
  });

  it('refuses an expired one, and one sealed under a key it does not hold', async () => {
    for (const dynamicId of [seal(-1), seal(3600, 'a-sender-key-it-lacks-0')]) {
      const data = await first(dynamicId);
      assert.doesNotMatch(String(data.action_code_param), /王医生/);
      assert.match(String(data.action_code_param), /回到主菜单/);
    }
  });
});
