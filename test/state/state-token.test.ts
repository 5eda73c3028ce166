import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { type CallState, decodeState, encodeState } from '../../shared/state/state-token';

const STATE: CallState = {
  rulesTag: 'abc123',
  flow: 'hotline',
  node: 'menu',
  phase: 'keysUnarmed',
  noInput: 1,
  noMatch: 2,
  turns: 3,
  startedAt: 1_795_000_000,
};

describe('encodeState and decodeState', () => {
  it('round-trips a state in a compact, URL- and JSON-safe string', () => {
    const token = encodeState(STATE, ['key-one-0123456789']);
    assert.match(token, /^1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{16}$/);
    assert.ok(token.length < 120, `${token.length} characters`);
    assert.deepEqual(decodeState(token, ['key-one-0123456789']), { kind: 'ok', state: STATE });
  });

  it('accepts a state signed with an older key during rotation', () => {
    const token = encodeState(STATE, ['old-key-0123456789']);
    assert.equal(decodeState(token, ['new-key-0123456789', 'old-key-0123456789']).kind, 'ok');
  });

  it('rejects a state signed with another key', () => {
    const token = encodeState(STATE, ['key-one-0123456789']);
    assert.deepEqual(decodeState(token, ['key-two-0123456789']), { kind: 'invalid', reason: 'signature' });
  });

  it('rejects a state whose payload was changed, even with the signature kept', () => {
    const token = encodeState(STATE, ['k-0123456789abcdef']);
    const [format, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify(['abc123', 'hotline', 'agent', 0, 0, 0, 0, 0])).toString(
      'base64url',
    );
    assert.deepEqual(decodeState(`${format}.${forged}.${signature}`, ['k-0123456789abcdef']), {
      kind: 'invalid',
      reason: 'signature',
    });
  });

  it('reports a missing state, a plain flow name and garbage distinctly', () => {
    assert.deepEqual(decodeState(undefined, ['k']), { kind: 'missing' });
    assert.deepEqual(decodeState('', ['k']), { kind: 'missing' });
    assert.deepEqual(decodeState('remind_v2', ['k']), { kind: 'flow', flow: 'remind_v2' });
    assert.deepEqual(decodeState('a.b', ['k']), { kind: 'invalid', reason: 'malformed' });
    assert.deepEqual(decodeState('2.x.y', ['k']), { kind: 'invalid', reason: 'format' });
    assert.deepEqual(decodeState('{"node":"agent"}', ['k']), { kind: 'invalid', reason: 'malformed' });
  });

  it('rejects a correctly signed payload of the wrong shape', () => {
    const key = 'k-0123456789abcdef';
    // Signed the way encodeState signs, so that only the shape check can refuse it.
    const body = `1.${Buffer.from(JSON.stringify(['abc', 'hotline'])).toString('base64url')}`;
    const signature = createHmac('sha256', key).update(body).digest('base64url').slice(0, 16);
    assert.deepEqual(decodeState(`${body}.${signature}`, [key]), { kind: 'invalid', reason: 'malformed' });
  });
});
