import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOG_LINE_CHARS, readLogLine } from '../../shared/log/log-export';

/** Takes objects that have a `msg`, as a reader of callback lines would. */
const withMsg = (value: unknown) =>
  value !== null && typeof value === 'object' && 'msg' in value ? (value as { msg: unknown }) : undefined;

describe('readLogLine', () => {
  const line = JSON.stringify({ msg: 'callback', callId: '1^2' });

  it("takes the function's own line, or the one an SLS record holds in content or message", () => {
    assert.deepEqual(readLogLine(line, withMsg), { msg: 'callback', callId: '1^2' });
    for (const key of ['content', 'message'])
      assert.deepEqual(readLogLine(JSON.stringify({ __time__: 1, [key]: line }), withMsg), {
        msg: 'callback',
        callId: '1^2',
      });
  });

  it('takes nothing from junk, a line too long, or an envelope of something else', () => {
    for (const raw of [
      'not json',
      'null',
      '42',
      JSON.stringify({ content: 'not json' }),
      JSON.stringify({ content: { msg: 'an object, not text' } }),
      JSON.stringify({ content: JSON.stringify({ content: line }) }),
      `{"msg":"x","pad":"${'x'.repeat(MAX_LOG_LINE_CHARS)}"}`,
    ])
      assert.equal(readLogLine(raw, withMsg), undefined, raw.slice(0, 60));
  });
});
