import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { type CompiledRules, compileRules } from '../../shared/rules/compile-rules';
import { LazyMap } from '../../shared/rules/lazy-map';
import { parseYaml } from '../../shared/rules/yaml-parser';

const root = resolve(import.meta.dirname, '../..');

describe('LazyMap', () => {
  it('builds a value on first use only, keeps it (undefined included), and lists what it holds', () => {
    const calls: string[] = [];
    const map = new LazyMap<number>(
      (key) => {
        calls.push(key);
        return key === 'none' ? undefined : key.length;
      },
      () => ['a', 'none', 'ccc'],
    );
    assert.equal(map.get('ccc'), 3);
    assert.equal(map.get('ccc'), 3);
    assert.equal(map.get('none'), undefined);
    assert.equal(map.has('none'), false);
    assert.deepEqual(calls, ['ccc', 'none']);
    assert.equal(map.has('a'), true);
    assert.equal(map.size, 2);
    assert.deepEqual(
      [...map],
      [
        ['a', 1],
        ['ccc', 3],
      ],
    );
    assert.deepEqual(
      [...map.entries()],
      [
        ['a', 1],
        ['ccc', 3],
      ],
    );
    assert.deepEqual([...map.keys()], ['a', 'ccc']);
    assert.deepEqual([...map.values()], [1, 3]);
    const seen: [string, number, boolean][] = [];
    map.forEach(function (this: unknown, value, key, self) {
      seen.push([key, value, self === map && this === 'that']);
    }, 'that');
    assert.deepEqual(seen, [
      ['a', 1, true],
      ['ccc', 3, true],
    ]);
    assert.deepEqual(calls, ['ccc', 'none', 'a'], 'each key built once, however it is asked for');
  });

  it('lets an error of a build surface where the value is asked for, and throws it again without building twice', () => {
    let builds = 0;
    const map = new LazyMap<string>(
      (key) => {
        builds++;
        throw new Error(`cannot build ${key}`);
      },
      () => ['x'],
    );
    assert.throws(() => map.get('x'), /cannot build x/);
    assert.throws(() => map.get('x'), /cannot build x/);
    assert.throws(() => [...map], /cannot build x/);
    assert.equal(builds, 1);
  });
});

/** The indexes built one by one, as a callback asks for them, and all at once, as a tool lists them. */
function indexes(
  compiled: CompiledRules,
): Record<
  'intents' | 'patterns' | 'dropsOnLeave' | 'handlers' | 'dropsOnLeavingFlow',
  ReadonlyMap<string, unknown>
> {
  return {
    intents: compiled.intents,
    patterns: compiled.patterns,
    dropsOnLeave: compiled.dropsOnLeave,
    handlers: compiled.handlers,
    dropsOnLeavingFlow: compiled.dropsOnLeavingFlow,
  };
}

describe('the lazily built indexes of a compiled document', () => {
  for (const example of ['bank-card-service', 'appointment-reminder']) {
    it(`give the same answers asked one by one or listed whole (${example})`, () => {
      const document = parseYaml(readFileSync(join(root, 'examples', `${example}.yaml`), 'utf8'));
      const first = compileRules(document);
      const second = compileRules(document);
      assert.ok(first.ok && second.ok);
      const nodeKeys = Object.entries(first.compiled.rules.flows).flatMap(([flow, { nodes }]) =>
        Object.keys(nodes).map((node) => `${flow}/${node}`),
      );
      const flowNames = Object.keys(first.compiled.rules.flows);
      const asked = indexes(first.compiled);
      const listed = indexes(second.compiled);
      // Asked for one key at a time (a callback), in reverse, then listed: the same entries as a list made first.
      const one = (map: ReadonlyMap<string, unknown>, keys: readonly string[]) =>
        new Map(
          [...keys]
            .reverse()
            .flatMap((key) => (map.get(key) === undefined ? [] : [[key, map.get(key)] as const])),
        );
      for (const name of ['intents', 'dropsOnLeave'] as const) {
        const whole = new Map(listed[name]);
        assert.deepEqual(one(asked[name], nodeKeys), new Map([...whole].reverse()), name);
        assert.deepEqual(new Map(asked[name]), whole, name);
      }
      for (const name of ['handlers', 'dropsOnLeavingFlow'] as const) {
        const whole = new Map(listed[name]);
        assert.deepEqual(one(asked[name], flowNames), new Map([...whole].reverse()), name);
        assert.deepEqual(new Map(asked[name]), whole, name);
      }
      // Every pattern the document tests is compiled once and shared by the matchers that use it.
      const patterns = second.compiled.patterns;
      for (const [source, regex] of patterns) {
        assert.equal(regex.source, new RegExp(source, 'u').source);
        assert.equal(patterns.get(source), regex);
      }
      for (const matchers of second.compiled.intents.values())
        for (const { patterns } of matchers)
          for (const regex of patterns) assert.equal(second.compiled.patterns.get(regex.source), regex);
      // Names the document does not have hold nothing.
      for (const map of Object.values(asked)) {
        for (const key of ['nowhere', 'nowhere/at-all', '/', 'constructor', 'toString/x'])
          assert.equal(map.get(key), undefined, key);
      }
    });
  }

  it('has the bank example hold intents, handlers and patterns (the comparison above is not empty)', () => {
    const document = parseYaml(readFileSync(join(root, 'examples', 'bank-card-service.yaml'), 'utf8'));
    const compiled = compileRules(document);
    assert.ok(compiled.ok);
    assert.ok(compiled.compiled.intents.size > 0);
    assert.ok(compiled.compiled.handlers.size > 0);
    assert.ok(compiled.compiled.patterns.size > 0);
  });
});
