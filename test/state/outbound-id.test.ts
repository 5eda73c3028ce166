import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_DYNAMIC_ID_CHARS } from '../../shared/protocol/reply-schema';
import {
  MAX_OUTBOUND_ID_CHARS,
  MAX_OUTBOUND_VALUE_CHARS,
  MAX_OUTBOUND_VARS,
  MAX_OUTBOUND_VARS_BYTES,
  measureOutboundId,
  type OutboundIdContent,
  openOutboundId,
  sealOutboundId,
} from '../../shared/state/outbound-id';
import {
  decodeState,
  encodeState,
  indexStateNames,
  measureLongestState,
} from '../../shared/state/state-token';
import { NAME_PATTERN } from '../../shared/text/name';

const KEY = 'outbound-key-0123456789';
const OLD_KEY = 'outbound-old-0123456789';
const NOW = Date.UTC(2026, 10, 23, 2, 0, 0);
const REMINDER: OutboundIdContent = {
  flow: 'reminder',
  vars: { time: '10:30', doctor: '王医生' },
  expiresAtS: NOW / 1000 + 7200,
};
/** The longest rules tag compileRules makes: FNV-1a's 32 bits in base 36. */
const LONGEST_TAG = (2 ** 32 - 1).toString(36);

describe('sealOutboundId and openOutboundId', () => {
  it('round-trips a flow and its values in a compact, URL- and JSON-safe string', () => {
    const text = sealOutboundId(REMINDER, [KEY]);
    assert.match(text, /^o1\.[A-Za-z0-9_-]+$/);
    assert.equal(text.length, measureOutboundId(REMINDER).chars);
    assert.deepEqual(openOutboundId(text, [KEY], NOW), { kind: 'ok', ...REMINDER });
  });

  it('keeps values in any script as written, and hides them from anyone reading the text', () => {
    const content = { ...REMINDER, vars: { doctor: '王医生', place: '第二门诊 3 楼', note: 'café ☕' } };
    const text = sealOutboundId(content, [KEY]);
    assert.deepEqual(openOutboundId(text, [KEY], NOW), { kind: 'ok', ...content });
    assert.doesNotMatch(Buffer.from(text.slice(3), 'base64url').toString('utf8'), /王医生|reminder|café/);
  });

  it('seals the same content differently each time (random IV), and both open', () => {
    const a = sealOutboundId(REMINDER, [KEY]);
    const b = sealOutboundId(REMINDER, [KEY]);
    assert.notEqual(a, b);
    assert.equal(openOutboundId(b, [KEY], NOW).kind, 'ok');
    assert.equal(
      sealOutboundId(REMINDER, [KEY], Buffer.alloc(12)),
      sealOutboundId(REMINDER, [KEY], Buffer.alloc(12)),
    );
  });

  it('refuses as tampered a text changed anywhere, or sealed under a key not listed', () => {
    const text = sealOutboundId(REMINDER, [KEY]);
    const bytes = Buffer.from(text.slice(3), 'base64url');
    for (const at of [0, 12, bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[at] = (copy[at] ?? 0) ^ 1;
      assert.deepEqual(openOutboundId(`o1.${copy.toString('base64url')}`, [KEY], NOW), {
        kind: 'invalid',
        reason: 'tampered',
      });
    }
    assert.deepEqual(openOutboundId(text, ['another-key-0123456789'], NOW), {
      kind: 'invalid',
      reason: 'tampered',
    });
    assert.deepEqual(openOutboundId(text, [], NOW), { kind: 'invalid', reason: 'tampered' });
  });

  it('opens under any listed key, so the sender and the functions can rotate keys', () => {
    const old = sealOutboundId(REMINDER, [OLD_KEY]);
    const current = sealOutboundId(REMINDER, [KEY, OLD_KEY]);
    assert.equal(openOutboundId(old, [KEY, OLD_KEY], NOW).kind, 'ok');
    assert.equal(openOutboundId(current, [KEY], NOW).kind, 'ok');
    assert.equal(openOutboundId(current, [OLD_KEY], NOW).kind, 'invalid');
  });

  it('refuses as expired a genuine one from its expiry on, and as tampered a forged one whatever its expiry', () => {
    const text = sealOutboundId(REMINDER, [KEY]);
    const expiry = REMINDER.expiresAtS * 1000;
    assert.equal(openOutboundId(text, [KEY], expiry - 1).kind, 'ok');
    assert.deepEqual(openOutboundId(text, [KEY], expiry), { kind: 'invalid', reason: 'expired' });
    assert.deepEqual(openOutboundId(text, ['another-key-0123456789'], expiry), {
      kind: 'invalid',
      reason: 'tampered',
    });
  });

  it('refuses as malformed what is not its format or not readable', () => {
    for (const text of [
      '',
      'reminder',
      'o1.',
      'o1.AAAA',
      'o1.not base64!',
      '2.abcdefabcdefabcdefabcdefabcdefabcdef',
      'o2.x',
    ]) {
      assert.deepEqual(openOutboundId(text, [KEY], NOW), { kind: 'invalid', reason: 'malformed' }, text);
    }
  });

  it('is never mistaken for a flow name, nor for a call state', () => {
    const text = sealOutboundId(REMINDER, [KEY]);
    assert.equal(NAME_PATTERN.test(text), false);
    assert.equal(text.startsWith('2.'), false);
    // The same secret under both names still gives two keys: neither opens the other's text.
    const names = indexStateNames({ reminder: { nodes: { hello: {} } } });
    const state = encodeState(
      {
        rulesTag: 'abc',
        flow: 'reminder',
        node: 'hello',
        phase: 'listening',
        noInput: 0,
        noMatch: 0,
        turns: 0,
        startedAt: NOW / 1000,
        caller: '',
        vars: {},
        attempts: 0,
      },
      names,
      [KEY],
      '',
    );
    assert.deepEqual(openOutboundId(`o1.${state.slice(2)}`, [KEY], NOW), {
      kind: 'invalid',
      reason: 'tampered',
    });
    assert.deepEqual(decodeState(`2.${text.slice(3)}`, [KEY], ''), { kind: 'invalid', reason: 'tampered' });
  });

  it('refuses to seal invalid content, naming the field', () => {
    const cases: [OutboundIdContent, RegExp][] = [
      [{ ...REMINDER, flow: 'two words' }, /flow: a name is a letter/],
      [{ ...REMINDER, vars: { '9lives': 'x' } }, /vars\b.*a name is a letter/],
      [
        { ...REMINDER, vars: { note: 'x'.repeat(MAX_OUTBOUND_VALUE_CHARS + 1) } },
        /vars\.note: a value is at most 64/,
      ],
      [
        {
          ...REMINDER,
          vars: Object.fromEntries(Array.from({ length: MAX_OUTBOUND_VARS + 1 }, (_, i) => [`v${i}`, ''])),
        },
        /vars: at most 8 variables/,
      ],
      [{ ...REMINDER, expiresAtS: NOW }, /expiresAtS: the expiry is in epoch seconds, not milliseconds/],
      [{ ...REMINDER, expiresAtS: 1.5 }, /expiresAtS: the expiry is a whole number/],
    ];
    for (const [content, message] of cases) {
      assert.throws(() => sealOutboundId(content, [KEY]), message);
    }
  });

  it('refuses to seal what would not fit, naming the size and the bound', () => {
    const long = { ...REMINDER, flow: 'f'.repeat(32), vars: { a: 'x'.repeat(64), b: 'y'.repeat(20) } };
    assert.ok(measureOutboundId(long).chars > MAX_OUTBOUND_ID_CHARS);
    assert.throws(
      () => sealOutboundId(long, [KEY]),
      /it would be \d+ characters, over the 200 a dynamic_id may have/,
    );
    const wide = { ...REMINDER, flow: 'r', vars: { a: 'x'.repeat(64), b: 'y'.repeat(8) } };
    assert.ok(measureOutboundId(wide).chars <= MAX_OUTBOUND_ID_CHARS);
    assert.throws(
      () => sealOutboundId(wide, [KEY]),
      /its variables take 87 bytes as JSON, over the 78 the call's state can carry/,
    );
  });

  it('measures a flow and two values as the docs say', () => {
    assert.deepEqual(measureOutboundId(REMINDER), { chars: 117, varsBytes: 37 });
    assert.equal(measureLongestState(LONGEST_TAG, '', REMINDER.vars), 145);
    assert.equal(measureOutboundId({ ...REMINDER, vars: {} }).chars, 70);
    // The flow's name and the values' JSON share 107 bytes of the 200 characters.
    const sharing = (bytes: number) => ({ ...REMINDER, flow: 'f', vars: { a: 'x'.repeat(bytes - 1 - 8) } });
    assert.equal(measureOutboundId(sharing(107)).chars, 199);
    assert.equal(measureOutboundId(sharing(108)).chars, 201);
  });

  it('bounds the variables at the most the longest call state can carry, and no less', () => {
    assert.equal(MAX_OUTBOUND_ID_CHARS, MAX_DYNAMIC_ID_CHARS);
    const varsOf = (bytes: number) => ({ a: 'x'.repeat(bytes - '{"a":""}'.length) });
    assert.equal(Buffer.byteLength(JSON.stringify(varsOf(MAX_OUTBOUND_VARS_BYTES))), MAX_OUTBOUND_VARS_BYTES);
    let most = '{"a":""}'.length;
    while (measureLongestState(LONGEST_TAG, '', varsOf(most + 1)) <= MAX_DYNAMIC_ID_CHARS) most++;
    assert.equal(MAX_OUTBOUND_VARS_BYTES, most, `MAX_OUTBOUND_VARS_BYTES should now be ${most}`);
  });
});
