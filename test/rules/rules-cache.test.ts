import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readConfig } from '../../shared/config/config';
import { createLogger } from '../../shared/log/logger';
import { loadRules } from '../../shared/rules/load-rules';
import { createRulesCache, RULES_FILE_CHECK_MS } from '../../shared/rules/rules-cache';
import { parseYaml } from '../../shared/rules/yaml-parser';

const doc = (version: string) =>
  JSON.stringify({
    version,
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup' } } } },
  });

const noFile = {
  readText: () => {
    throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  },
  parseYaml,
};
const withFile = (text: string) => ({ readText: () => text, parseYaml });

describe('loadRules', () => {
  it('uses the embedded default when nothing is configured', () => {
    const loaded = loadRules(readConfig({}), noFile);
    assert.ok(loaded.ok);
    assert.equal(loaded.source, 'embedded-default');
  });

  it('prefers inline RULES over RULES_FILE', () => {
    const loaded = loadRules(
      readConfig({ RULES: doc('inline'), RULES_FILE: '/x.json' }),
      withFile(doc('file')),
    );
    assert.ok(loaded.ok);
    assert.equal(loaded.compiled.rules.version, 'inline');
  });

  it('reports a file that cannot be read, and a document that is not JSON', () => {
    const unreadable = loadRules(readConfig({ RULES_FILE: '/missing.json' }), noFile);
    assert.ok(!unreadable.ok);
    assert.equal(
      unreadable.issues[0]?.message,
      'cannot read RULES_FILE /missing.json: there is no such file',
    );
    const broken = loadRules(readConfig({ RULES: '{version:' }), noFile);
    assert.ok(!broken.ok);
    assert.match(broken.issues[0]?.message ?? '', /not valid JSON/);
  });

  it('reads a YAML file by its extension, and inline YAML that does not start with {', () => {
    const yaml =
      'version: y1\ndefaultLine: {flow: main}\nflows:\n  main:\n    start: bye\n    nodes:\n      bye: {type: hangup}\n';
    const fromFile = loadRules(readConfig({ RULES_FILE: '/mnt/rules/rules.yaml' }), withFile(yaml));
    assert.ok(fromFile.ok);
    assert.equal(fromFile.compiled.rules.version, 'y1');
    const inline = loadRules(readConfig({ RULES: yaml }), noFile);
    assert.ok(inline.ok);
  });

  it('reports broken YAML with its line', () => {
    const loaded = loadRules(readConfig({ RULES_FILE: '/r.yml' }), withFile('version: x\nflows: [\n'));
    assert.ok(!loaded.ok);
    assert.match(loaded.issues[0]?.message ?? '', /not valid YAML: .*line/);
  });
});

describe('createRulesCache', () => {
  function setup() {
    const files = { text: doc('v1'), fingerprint: 'a' };
    let now = 0;
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line), 'info');
    const getRules = createRulesCache(
      { readText: () => files.text, parseYaml, fingerprint: () => files.fingerprint },
      () => now,
      () => log,
    );
    const config = readConfig({ RULES_FILE: '/mnt/rules/rules.json' });
    const version = () => {
      const loaded = getRules(config);
      return loaded.ok ? loaded.compiled.rules.version : 'invalid';
    };
    return { files, version, lines, advance: (ms: number) => (now += ms) };
  }

  it('reloads a changed file after the check interval, not before', () => {
    const { files, version, advance } = setup();
    assert.equal(version(), 'v1');
    files.text = doc('v2');
    files.fingerprint = 'b';
    advance(RULES_FILE_CHECK_MS - 1);
    assert.equal(version(), 'v1');
    advance(1);
    assert.equal(version(), 'v2');
  });

  it('keeps the last good rules when the changed file is invalid, and says so once', () => {
    const { files, version, advance, lines } = setup();
    version();
    files.text = '{"version":"broken"}';
    files.fingerprint = 'b';
    advance(RULES_FILE_CHECK_MS);
    assert.equal(version(), 'v1');
    advance(RULES_FILE_CHECK_MS);
    assert.equal(version(), 'v1');
    assert.equal(lines.filter((line) => line.includes('keeping the last good rules')).length, 1);
  });
});
