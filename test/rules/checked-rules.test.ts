import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { buildSync } from 'esbuild';
import {
  CHECKED_FIELD,
  isCheckedRules,
  RULES_SCHEMA_VERSION,
  withoutMark,
  writeCheckedRules,
} from '../../shared/rules/checked-rules';
import { compileRules } from '../../shared/rules/compile-rules';
import { loadRulesText } from '../../shared/rules/load-rules';
import type { Rules } from '../../shared/rules/rules-schema';
import { parseYaml } from '../../shared/rules/yaml-parser';

const root = resolve(import.meta.dirname, '../..');

/**
 * What decides whether a document is valid: its JSON Schema, and every source file that the schema and the
 * checks run as a document is compiled read, found by bundling `compile-rules.ts` (which imports the
 * schema) and listing what esbuild took in. A document marked by `rules compile` is taken as valid by all
 * of them.
 */
function validationFiles(): string[] {
  const built = buildSync({
    entryPoints: [join(root, 'shared', 'rules', 'compile-rules.ts')],
    bundle: true,
    platform: 'node',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const sources = Object.keys(built.metafile.inputs).filter((file) => file.startsWith('shared/'));
  return ['rules.schema.json', ...sources.sort()];
}

/**
 * SHA-256 of {@link validationFiles} (names and contents) for each schema version. When this test fails,
 * validation may have changed: if it did (a document valid before may be refused now, or the reverse),
 * raise RULES_SCHEMA_VERSION in shared/rules/checked-rules.ts and record the new fingerprint for it here,
 * so that documents compiled before are validated in full again; if it did not (a comment, a refactor),
 * record the new fingerprint for the same version.
 */
const SCHEMA_FINGERPRINTS: Readonly<Record<number, string>> = {
  1: '9dade4a90a6c3cf41dcf9557ca1bd853c5a04dfe8d014aae8549850907e42d3f',
  2: '862696ff6eb8de6466b308074970214fb081afe565c0c8e0d8a287250ebea918',
};

const bank = () => {
  const compiled = compileRules(
    parseYaml(readFileSync(join(root, 'examples', 'bank-card-service.yaml'), 'utf8')),
  );
  assert.ok(compiled.ok);
  return compiled.compiled.rules;
};

const load = (text: string) => loadRulesText('file', text, 'json', parseYaml);

describe('checked rules', () => {
  it('ties the schema version to validation: a changed schema or check needs a new version', () => {
    const hash = createHash('sha256');
    const files = validationFiles();
    assert.ok(
      files.includes('shared/calendar/local-time.ts') && files.includes('shared/rules/rules-schema.ts'),
    );
    for (const file of files) hash.update(`${file}\n`).update(readFileSync(join(root, file)));
    const fingerprint = hash.digest('hex');
    assert.equal(
      fingerprint,
      SCHEMA_FINGERPRINTS[RULES_SCHEMA_VERSION],
      `validation may have changed: raise RULES_SCHEMA_VERSION (shared/rules/checked-rules.ts) and record ${fingerprint} for it in this test (for the same version if validation did not change)`,
    );
  });

  it('marks the validated document last, and knows it again', () => {
    const text = writeCheckedRules(bank());
    assert.match(text, new RegExp(`,"${CHECKED_FIELD}":"${RULES_SCHEMA_VERSION}:[A-Za-z0-9_-]{43}"}$`));
    assert.ok(isCheckedRules(text));
    assert.ok(isCheckedRules(`${text}\n`), 'a final newline, as stdout has');
    assert.deepEqual(withoutMark(JSON.parse(text)), JSON.parse(JSON.stringify(bank())));
    assert.equal(writeCheckedRules(JSON.parse(text) as Rules), text, 'a mark is never marked again');
  });

  it('refuses any text the mark does not cover exactly', () => {
    const text = writeCheckedRules(bank());
    const edited = text.replace('"version":"', '"version":"x');
    assert.notEqual(edited, text);
    const otherVersion = text.replace(
      `"${CHECKED_FIELD}":"${RULES_SCHEMA_VERSION}:`,
      `"${CHECKED_FIELD}":"0:`,
    );
    for (const bad of [
      edited,
      otherVersion,
      JSON.stringify(bank()),
      `${text} {}`,
      text.replace(/"}$/, 'x"}'),
      `{"a":{"x":1${text.slice(text.lastIndexOf(','))}}`,
      '',
      `,"${CHECKED_FIELD}":"1:${'a'.repeat(43)}"}`,
    ]) {
      assert.equal(isCheckedRules(bad), false, bad.slice(-80));
    }
  });

  it('leaves anything without a mark as it is', () => {
    for (const value of [null, 'text', 3, [1], { version: 'v' }]) assert.equal(withoutMark(value), value);
    assert.deepEqual(withoutMark({ version: 'v', [CHECKED_FIELD]: 'x' }), { version: 'v' });
  });

  it('loads a marked document without validating it, as the same rules and tag as validated in full', () => {
    const text = writeCheckedRules(bank());
    const checked = load(text);
    const full = load(JSON.stringify(bank()));
    assert.ok(checked.ok && full.ok);
    assert.equal(checked.compiled.tag, full.compiled.tag);
    assert.deepEqual(checked.compiled.rules, full.compiled.rules);
    // Past the schema (a version over 64 characters) yet marked: taken as validated, which proves the
    // schema is skipped; the same text edited anywhere else is validated, and refused as before.
    const long = writeCheckedRules({ ...bank(), version: 'v'.repeat(65) });
    assert.ok(load(long).ok);
    const edited = load(long.replace('"timezone":"Asia/Shanghai"', '"timezone":"Asia/Shanghai" '));
    const plain = load(JSON.stringify({ ...bank(), version: 'v'.repeat(65) }));
    assert.ok(!edited.ok && !plain.ok);
    assert.deepEqual(edited.issues, plain.issues);
  });

  it('takes names, lookups and the classifier as checked by the mark, and checks them after an edit', () => {
    const rules = bank();
    const broken = { ...rules, defaultLine: { ...rules.defaultLine, flow: 'gone' } };
    const marked = writeCheckedRules(broken);
    assert.ok(load(marked).ok, 'the mark says rules compile checked it: a forged mark is believed');
    const edited = load(marked.replace('"timezone":"Asia/Shanghai"', '"timezone":"Asia/Shanghai" '));
    const plain = load(JSON.stringify(broken));
    assert.ok(!edited.ok && !plain.ok);
    assert.deepEqual(edited.issues, plain.issues);
    assert.match(plain.issues.map((i) => i.message).join('\n'), /gone/);
  });

  it('validates a hand-edited compiled document in full, and accepts it when it is valid', () => {
    const text = writeCheckedRules(bank()).replace(`"version":"${bank().version}"`, '"version":"edited"');
    assert.equal(isCheckedRules(text), false);
    const loaded = load(text);
    assert.ok(loaded.ok);
    assert.equal(loaded.compiled.rules.version, 'edited');
    assert.equal(Object.hasOwn(loaded.compiled.rules, CHECKED_FIELD), false);
  });
});

describe('a mark over a document that is not valid', () => {
  it('validates in full a marked document with a pattern that does not compile, which lazy indexes would only meet in a call', () => {
    for (const edit of [
      (rules: Rules) => {
        const menu = Object.values(rules.flows)
          .flatMap((flow) => Object.values(flow.nodes))
          .find((node) => node.type === 'menu' && node.intents !== undefined);
        assert.ok(menu?.type === 'menu' && menu.intents?.[0] !== undefined);
        menu.intents[0].patterns = ['('];
      },
      (rules: Rules) => {
        assert.ok(rules.handlers?.[0] !== undefined);
        rules.handlers[0].patterns = ['['];
      },
    ]) {
      const rules = structuredClone(bank());
      edit(rules);
      const loaded = load(writeCheckedRules(rules));
      assert.equal(loaded.ok, false);
      assert.ok(!loaded.ok && loaded.issues.some((issue) => /does not compile/.test(issue.message)));
    }
  });

  it('is validated in full instead of thrown (a mark another tool made)', () => {
    const marked = writeCheckedRules({ version: 'x' } as unknown as Rules);
    const loaded = load(marked);
    assert.equal(loaded.ok, false);
    assert.ok(!loaded.ok && loaded.issues.length > 0);
  });
});
