import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { readSavedValues } from '../../shared/lookup/saved-values';
import { type LookupNode, LookupNodeSchema } from '../../shared/rules/rules-schema';
import { decodeState, encodeState, indexStateNames, measureStateBytes } from '../../shared/state/state-token';

/** A node's `save` as the compiled rules hold it (defaults filled in). */
function saveOf(save: Record<string, Record<string, unknown>>): LookupNode['save'] {
  return v.parse(LookupNodeSchema, { type: 'lookup', use: 'x', save, next: 'a', onError: 'b' }).save;
}

const ANSWER = JSON.parse(`{
  "data": { "balance": 1234.5, "name": "张三", "card": "6222", "code": 42, "vip": true, "none": null },
  "items": [{ "name": "first" }, { "name": "second" }],
  "__proto__": { "polluted": "yes" },
  "big": 12345678901234567890,
  "neg": -3
}`) as unknown;

describe('readSavedValues', () => {
  it('reads values by dotted path, through objects and array positions', () => {
    const save = saveOf({
      balance: { from: 'data.balance', type: 'number', maxBytes: 12 },
      name: { from: 'data.name', maxBytes: 6 },
      second: { from: 'items.1.name', maxBytes: 10 },
      card: { from: 'data.card', type: 'digits', maxBytes: 4 },
      vip: { from: 'data.vip', type: 'boolean', maxBytes: 5 },
    });
    assert.deepEqual(readSavedValues(save, ANSWER), {
      ok: true,
      values: { balance: '1234.5', name: '张三', second: 'second', card: '6222', vip: 'true' },
    });
  });

  it('saves nothing, successfully, when the node saves nothing', () => {
    assert.deepEqual(readSavedValues(undefined, ANSWER), { ok: true, values: {} });
  });

  it('finds a value missing when a step leads nowhere, to null, or out of a list', () => {
    for (const from of [
      'data.nothing',
      'data.none',
      'items.2.name',
      'items.01.name',
      'items.name',
      'data.card.0',
    ]) {
      assert.deepEqual(readSavedValues(saveOf({ x: { from, maxBytes: 10 } }), ANSWER), {
        ok: false,
        why: 'missing',
        field: 'x',
      });
    }
  });

  it('never follows __proto__, constructor or prototype, own or inherited', () => {
    for (const from of ['__proto__.polluted', 'data.constructor', 'items.constructor', 'data.toString']) {
      const result = readSavedValues(saveOf({ x: { from, maxBytes: 64 } }), ANSWER);
      assert.deepEqual(result, { ok: false, why: 'missing', field: 'x' }, from);
    }
  });

  it('checks each type: text strings, JSON numbers, digit strings or whole numbers, booleans', () => {
    const read = (from: string, type: string) =>
      readSavedValues(saveOf({ x: { from, type, maxBytes: 32 } }), ANSWER);
    assert.deepEqual(read('data.balance', 'text'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('data.card', 'number'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('data.name', 'digits'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('data.code', 'digits'), { ok: true, values: { x: '42' } });
    assert.deepEqual(read('neg', 'digits'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('big', 'digits'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('neg', 'number'), { ok: true, values: { x: '-3' } });
    assert.deepEqual(read('data.vip', 'text'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('data.card', 'boolean'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(read('items', 'text'), { ok: false, why: 'invalid', field: 'x' });
    assert.deepEqual(readSavedValues(saveOf({ x: { from: 'e', type: 'digits', maxBytes: 4 } }), { e: '' }), {
      ok: false,
      why: 'invalid',
      field: 'x',
    });
  });

  it('bounds a value by its UTF-8 bytes once JSON-escaped, as the sealed state counts them', () => {
    const read = (value: string, maxBytes: number) =>
      readSavedValues(saveOf({ x: { from: 'v', maxBytes } }), { v: value }).ok;
    assert.equal(read('张三', 6), true);
    assert.equal(read('张三', 5), false);
    assert.equal(read('a"b', 3), false);
    assert.equal(read('a"b', 4), true);
    assert.equal(read('\n', 2), true);
    assert.equal(read('\u0001', 5), false);
    assert.equal(read('\u0001', 6), true);
    assert.equal(read('😀', 4), true);
    assert.equal(read('😀', 3), false);
  });

  it('reports the first value that fails, by name only', () => {
    const save = saveOf({
      ok: { from: 'data.card', maxBytes: 4 },
      long: { from: 'data.name', maxBytes: 1 },
      gone: { from: 'nothing', maxBytes: 1 },
    });
    assert.deepEqual(readSavedValues(save, ANSWER), { ok: false, why: 'invalid', field: 'long' });
  });

  it('keeps every value within maxBytes within the state’s 64-character limit, so it seals and opens', () => {
    const names = indexStateNames({ f: { nodes: { n: {} } } });
    const samples = ['x', '张', '😀', '\ud800', '\u0001', '"', '\\', '\u2028', 'é', '\u007f'];
    for (const sample of samples) {
      let value = sample.repeat(64);
      while (measureStateBytes(value) > 64) value = value.slice(0, -1);
      assert.ok(value.length <= 64, JSON.stringify(sample));
      const state = {
        rulesTag: 'abc',
        flow: 'f',
        node: 'n',
        phase: 'listening',
        noInput: 0,
        noMatch: 0,
        turns: 0,
        startedAt: 1,
        caller: '',
        vars: { v: value },
        attempts: 0,
      } as const;
      const decoded = decodeState(encodeState(state, names, ['k'], 'call'), ['k'], 'call');
      assert.equal(decoded.kind, 'ok', JSON.stringify(sample));
    }
  });
});
