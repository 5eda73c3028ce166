import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleCallbackRequest } from '../../shared/callback/handle-callback';
import { readConfig } from '../../shared/config/config';
import { toHttpRequest } from '../../shared/fc/http-trigger';
import { loadRules } from '../../shared/rules/load-rules';
import { inboundDeps } from '../support/callback-deps';
import { formCallback } from '../support/fc-event';

/**
 * A call of the default hotline that stays silent, through the handler: each callback's log line says
 * in words what happened, so a silence that arms the keys is told from one that counts as no input, and
 * the event that escalates carries the count that ran out.
 */
describe('the outcome words of a silent call', () => {
  it('tells key arming, no-input retries and the escalation apart', async () => {
    const config = readConfig({ STATE_SECRETS: 'log-outcomes-state-key-01' });
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
    await send('callin', { caller: '13800138000', callee: '05923391657' });
    for (let silence = 0; silence < 4; silence++) await send('mute', {});
    const callbacks = lines.filter((line) => line.msg === 'callback');
    assert.deepEqual(
      callbacks.map((line) => line.outcomes),
      [['started', 'entered'], ['key-arming'], ['no-input'], ['no-input'], ['escalated', 'entered', 'ended']],
    );
    assert.deepEqual(
      callbacks.map((line) => line.retries),
      [undefined, undefined, { noInput: 1, noMatch: 0 }, { noInput: 2, noMatch: 0 }, { noInput: 3 }],
    );
  });
});
