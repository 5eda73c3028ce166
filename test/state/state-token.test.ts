import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sealOutboundId } from '../../shared/state/outbound-id';
import {
  type CallState,
  type DecodedState,
  decodeState,
  encodeState,
  indexStateNames,
  openState,
} from '../../shared/state/state-token';

const STATE: CallState = {
  rulesTag: 'abc123',
  flow: 'hotline',
  node: 'menu',
  phase: 'keysUnarmed',
  noInput: 1,
  noMatch: 2,
  turns: 3,
  startedAt: 1_795_000_000,
  caller: '15201030105',
  vars: { card: '6222', pin: '123456' },
  attempts: 0,
};
const KEY = 'key-one-0123456789';
const CALL = '130301340124^117079730123';
const LONG = 'n'.repeat(32);
const NAMES = indexStateNames({
  intro: { nodes: { hello: {} } },
  hotline: { nodes: { welcome: {}, menu: {} } },
  [LONG]: { nodes: { [LONG]: {} } },
});

/** Decodes and opens a token back into a named state. */
function open(token: string, keys: string[]): CallState | DecodedState {
  const decoded = decodeState(token, keys, CALL);
  return decoded.kind === 'ok' ? (openState(decoded.state, NAMES) ?? decoded) : decoded;
}

describe('encodeState and decodeState', () => {
  it('round-trips a state in a compact, URL- and JSON-safe string', () => {
    const token = encodeState(STATE, NAMES, [KEY], CALL);
    assert.match(token, /^2\.[A-Za-z0-9_-]+$/);
    assert.ok(token.length < 200, `${token.length} characters`);
    assert.deepEqual(open(token, [KEY]), STATE);
    assert.equal(decodeState(token, [KEY], CALL).kind, 'ok');
  });

  it('hides the caller and collected values from anyone reading the token', () => {
    const token = encodeState(STATE, NAMES, [KEY], CALL);
    const readable = Buffer.from(token.slice(2), 'base64url').toString('latin1');
    assert.doesNotMatch(readable, /15201030105|123456|hotline/);
  });

  it('seals the same state differently each time, and both open', () => {
    const a = encodeState(STATE, NAMES, [KEY], CALL);
    const b = encodeState(STATE, NAMES, [KEY], CALL);
    assert.notEqual(a, b);
    assert.equal(decodeState(b, [KEY], CALL).kind, 'ok');
  });

  it('accepts a state sealed with an older key during rotation', () => {
    const token = encodeState(STATE, NAMES, ['old-key-0123456789'], CALL);
    assert.equal(decodeState(token, ['new-key-0123456789', 'old-key-0123456789'], CALL).kind, 'ok');
  });

  it('refuses a state taken from another call', () => {
    const token = encodeState(STATE, NAMES, [KEY], CALL);
    assert.deepEqual(decodeState(token, [KEY], '130301340124^999999999999'), {
      kind: 'invalid',
      reason: 'tampered',
    });
  });

  it('rejects a state sealed with another key', () => {
    const token = encodeState(STATE, NAMES, [KEY], CALL);
    assert.deepEqual(decodeState(token, ['key-two-0123456789'], CALL), {
      kind: 'invalid',
      reason: 'tampered',
    });
  });

  it('rejects a state with any byte changed', () => {
    const sealed = Buffer.from(encodeState(STATE, NAMES, [KEY], CALL).slice(2), 'base64url');
    for (const index of [0, 13, sealed.length - 1]) {
      const copy = Buffer.from(sealed);
      copy[index] = (copy[index] ?? 0) ^ 0x80;
      assert.deepEqual(decodeState(`2.${copy.toString('base64url')}`, [KEY], CALL), {
        kind: 'invalid',
        reason: 'tampered',
      });
    }
  });

  it('reports a missing state, a plain flow name and garbage distinctly', () => {
    assert.deepEqual(decodeState(undefined, [KEY], CALL), { kind: 'missing' });
    assert.deepEqual(decodeState('', [KEY], CALL), { kind: 'missing' });
    assert.deepEqual(decodeState('remind_v2', [KEY], CALL), { kind: 'flow', flow: 'remind_v2' });
    assert.deepEqual(decodeState('a b', [KEY], CALL), { kind: 'invalid', reason: 'malformed' });
    assert.deepEqual(decodeState('2.AAAA', [KEY], CALL), { kind: 'invalid', reason: 'malformed' });
    assert.deepEqual(decodeState('1.x.y', [KEY], CALL), { kind: 'invalid', reason: 'format' });
    assert.deepEqual(decodeState('{"node":"agent"}', [KEY], CALL), { kind: 'invalid', reason: 'malformed' });
  });

  it("opens a sender's sealed DynamicId with the outbound keys, at the time given, on any call", () => {
    const outboundKey = 'outbound-key-0123456789';
    const now = 1_795_000_000_000;
    const text = sealOutboundId({ flow: 'reminder', vars: { time: '10:30' }, expiresAtS: now / 1000 + 60 }, [
      outboundKey,
    ]);
    const outbound = { keys: ['outbound-new-0123456789', outboundKey], nowMs: now };
    const expected = { kind: 'outbound', flow: 'reminder', vars: { time: '10:30' } };
    assert.deepEqual(decodeState(text, [KEY], CALL, { outbound }), expected);
    assert.deepEqual(decodeState(text, [KEY], '130301340124^999999999999', { outbound }), expected);
    assert.deepEqual(decodeState(text, [KEY], CALL, { outbound: { ...outbound, nowMs: now + 60_000 } }), {
      kind: 'invalid',
      reason: 'expired',
    });
    // A state key does not open it, and without outbound keys nothing does.
    assert.deepEqual(decodeState(text, [outboundKey], CALL), { kind: 'invalid', reason: 'tampered' });
    assert.deepEqual(decodeState(text, [KEY], CALL, { outbound: { keys: [], nowMs: now } }), {
      kind: 'invalid',
      reason: 'tampered',
    });
    assert.deepEqual(decodeState('o1.AAAA', [KEY], CALL, { outbound }), {
      kind: 'invalid',
      reason: 'malformed',
    });
  });

  it('carries positions, not names: the longest names, a caller and two values stay under 200 characters', () => {
    const state = {
      ...STATE,
      flow: LONG,
      node: LONG,
      caller: '+8613800138000',
      vars: { card: '6222020200112233', code: '1234' },
    };
    const token = encodeState(state, NAMES, [KEY], CALL);
    assert.ok(token.length < 200, `${token.length} characters`);
    assert.deepEqual(open(token, [KEY]), state);
  });

  it('opens nothing when the positions do not exist in these rules', () => {
    const decoded = decodeState(
      encodeState({ ...STATE, flow: LONG, node: LONG }, NAMES, [KEY], CALL),
      [KEY],
      CALL,
    );
    assert.ok(decoded.kind === 'ok');
    assert.equal(openState(decoded.state, indexStateNames({ hotline: { nodes: { menu: {} } } })), undefined);
  });

  it('refuses to seal a state at a node the rules do not have', () => {
    assert.throws(() => encodeState({ ...STATE, node: 'nowhere' }, NAMES, [KEY], CALL), /not in these rules/);
  });
});
