import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { handleCallbackRequest } from '../../shared/callback/handle-callback';
import { readConfig } from '../../shared/config/config';
import { toHttpRequest } from '../../shared/fc/http-trigger';
import { loadRules } from '../../shared/rules/load-rules';
import { inboundDeps } from '../support/callback-deps';
import { formCallback } from '../support/fc-event';

/**
 * The first callback an instance answers says how long its process had run (`uptimeMs`) and how long the
 * rules took to load (`rulesMs`): what a cold start cost, for the SLS query of cold callins by hour.
 */
describe('the cold line', () => {
  it('carries the uptime and the rules load time, on the first callback only', async () => {
    const config = readConfig({ STATE_SECRETS: 'cold-line-state-key-0001' });
    const lines: Record<string, unknown>[] = [];
    let clock = 1_000;
    const deps = inboundDeps(
      config,
      async () => {
        clock += 7;
        return loadRules(config, () => undefined);
      },
      lines,
      { now: () => clock, uptimeMs: () => 321 },
    );
    const send = async (callId: string) => {
      const params = {
        call_id: callId,
        content_type: 'callin',
        content: JSON.stringify({ caller: '13800138000' }),
      };
      const converted = toHttpRequest(formCallback(params), 64 * 1024);
      assert.ok(converted.ok);
      await handleCallbackRequest(converted.request, deps);
    };
    await send('1^1');
    await send('1^2');
    const [first, second] = lines.filter((line) => line.msg === 'callback');
    assert.equal(first?.cold, true);
    assert.equal(first?.uptimeMs, 321);
    assert.equal(first?.rulesMs, 7);
    assert.equal(second?.cold, undefined);
    assert.equal(second?.uptimeMs, undefined);
    assert.equal(second?.rulesMs, undefined);
  });
});
