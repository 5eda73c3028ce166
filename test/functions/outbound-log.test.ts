/**
 * An outbound call's first event is the answer to SmartCall's opening question: its log line says where it
 * was heard (`nodeBefore`: the flow's start node), as every later event's does, so that analytics counts
 * what the start menu heard.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SimulatedCall } from '../../dev/simulator/call';
import { createInProcessTransport } from '../../dev/simulator/transport';
import { ROOT } from '../support/fc-event';

describe('the outbound function logs where a first event was heard', () => {
  it('names the start node as nodeBefore when the flow starts at a menu', async () => {
    const transport = await createInProcessTransport(join(ROOT, 'examples', 'appointment-reminder.yaml'));
    const call = new SimulatedCall(transport, 'outbound', '777^1', 'remind');
    const first = await call.act({ kind: 'silence' }, Date.parse('2026-03-10T02:00:00Z'));
    assert.equal(first.log?.raw.nodeBefore, 'ask');
    assert.equal(first.log?.raw.flowBefore, undefined);
    assert.deepEqual(first.log?.outcomes, ['started', 'key-arming']);
  });
});
