import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { main } from '../../../scripts/rules/rules';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));

/**
 * Runs the rules CLI in-process, as `npm run rules -- …` would (its `main`, with the output captured):
 * the command line, the files and the exit code are the user's, at a fraction of a spawn's cost.
 */
function runRules(...args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = main(args, {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    now: () => Date.parse('2026-06-01T12:00:00+08:00'),
  });
  return { status, stdout, stderr };
}

function writeTemp(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const CLEAN_YAML = `version: v1
defaultLine:
  flow: main
flows:
  main:
    start: menu
    nodes:
      menu:
        type: menu
        say: 查询请按1，结束请按9
        keys:
          1: info
          9: bye
      info:
        type: say
        say: 我们的服务时间是早上九点到晚上六点。
        next: menu
      bye:
        type: hangup
        say: 再见
`;

describe('npm run rules', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('check', () => {
    it('passes a clean document', () => {
      const result = runRules('check', writeTemp('clean.yaml', CLEAN_YAML));
      assert.equal(result.status, 0);
      assert.equal(result.stdout, '1 file checked: 0 errors, 0 warnings\n');
    });

    it('lists errors, then warnings, each with its line in the YAML, and fails on errors', () => {
      const text = CLEAN_YAML.replace('1: info', '1: billing').concat(
        '      old:\n        type: hangup\n        say: "费用: 0 元"\n',
      );
      const file = writeTemp('broken.yaml', text);
      const result = runRules('check', file);
      assert.equal(result.status, 1);
      assert.deepEqual(result.stdout.split('\n'), [
        `error    ${file}:12  flows.main.nodes.menu.keys.1: no node is named billing`,
        '1 file checked: 1 error, 0 warnings',
        '',
      ]);
      // Once it compiles, the graph is linted: errors come first, then warnings, each in file order.
      const linted = writeTemp(
        'linted.yaml',
        text.replace('1: billing', '1: info').concat('      stuck:\n        type: menu\n        say: 请讲\n'),
      );
      const second = runRules('check', linted);
      assert.equal(second.status, 1);
      const lines = second.stdout.split('\n');
      assert.match(
        lines[0] ?? '',
        new RegExp(`^error    ${linted}:24  flows\\.main\\.nodes\\.stuck: this menu has no keys`),
      );
      assert.match(
        lines[1] ?? '',
        new RegExp(`^warning  ${linted}:21  flows\\.main\\.nodes\\.old: no path from`),
      );
      assert.match(lines[2] ?? '', new RegExp(`^warning  ${linted}:23  flows\\.main\\.nodes\\.old\\.say: `));
      assert.match(
        lines[3] ?? '',
        new RegExp(`^warning  ${linted}:24  flows\\.main\\.nodes\\.stuck: no path from`),
      );
      assert.equal(lines[4], '1 file checked: 1 error, 3 warnings');
    });

    it('fails on warnings too with --strict, and checks every file given', () => {
      const warned = writeTemp('strict.yaml', CLEAN_YAML.replace('say: 再见', 'say: "再见: 0"'));
      const result = runRules('check', '--strict', writeTemp('clean.yaml', CLEAN_YAML), warned);
      assert.equal(result.status, 1);
      assert.match(result.stdout, /2 files checked: 0 errors, 1 warning \(--strict: warnings fail\)\n$/);
    });

    it('gives JSON findings their line too, and reports unreadable files', () => {
      const json = JSON.stringify(
        { ...parse(CLEAN_YAML), defaultLine: { flow: 'main', colour: 'red' } },
        null,
        2,
      );
      const file = writeTemp('rules.json', json);
      const badYaml = writeTemp('bad.yml', 'version: [');
      const missing = join(dir, 'missing.json');
      const result = runRules('check', file, badYaml, missing);
      assert.equal(result.status, 1);
      const lines = result.stdout.split('\n');
      assert.match(lines[0] ?? '', new RegExp(`^error    ${file}:5  defaultLine\\.colour: `));
      assert.match(lines[1] ?? '', new RegExp(`^error    ${badYaml}  \\(document\\): not valid YAML`));
      assert.equal(lines[2], `error    ${missing}  (file): cannot read the file (ENOENT)`);
      assert.equal(lines[3], '3 files checked: 3 errors, 0 warnings');
    });
  });

  it('graph prints Mermaid, fenced for Markdown, for one flow when asked', () => {
    const file = writeTemp('graph.yaml', CLEAN_YAML);
    const result = runRules('graph', file, '--flow', 'main', '--markdown');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^```mermaid\nflowchart TD\n {2}LD>"default line"\]\n/);
    assert.match(result.stdout, / {2}F0_N0 -->\|"key 1"\| F0_N1\n/);
    assert.match(result.stdout, /\n```\n$/);
    const unknown = runRules('graph', file, '--flow', 'nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no flow is named nope; its flows are main/);
  });

  it('compile writes the document as minified JSON and says how big it is', () => {
    const output = join(dir, 'rules.min.json');
    const result = runRules('compile', writeTemp('compile.yaml', CLEAN_YAML), '-o', output);
    assert.equal(result.status, 0);
    const written = readFileSync(output, 'utf8');
    assert.deepEqual(JSON.parse(written), parse(CLEAN_YAML));
    assert.equal(written, JSON.stringify(parse(CLEAN_YAML)));
    assert.equal(result.stderr, `${output}: ${Buffer.byteLength(written)} bytes of minified JSON\n`);
  });

  it('compile warns when the JSON is over the 4 KB environment limit, and refuses a document with errors', () => {
    const long = writeTemp(
      'long.yaml',
      CLEAN_YAML.replace('say: 再见', `say: ${'感谢您的来电'.repeat(300)}`),
    );
    const big = runRules('compile', long);
    assert.equal(big.status, 0);
    assert.deepEqual(JSON.parse(big.stdout), parse(readFileSync(long, 'utf8')));
    assert.match(big.stderr, /warning: over 4 KB, Function Compute's limit .* RULES_FILE/);
    const broken = runRules('compile', writeTemp('refused.yaml', CLEAN_YAML.replace('9: bye', '9: gone')));
    assert.equal(broken.status, 1);
    assert.equal(broken.stdout, '');
    assert.match(
      broken.stderr,
      /refused\.yaml:13 {2}flows\.main\.nodes\.menu\.keys\.9: no node is named gone/,
    );
  });

  it('schema prints the JSON Schema committed as rules.schema.json', () => {
    const result = runRules('schema');
    assert.equal(result.status, 0);
    assert.equal(
      result.stdout,
      readFileSync(join(root, 'rules.schema.json'), 'utf8'),
      'rules.schema.json is out of date: run npm run -s rules -- schema -o rules.schema.json',
    );
    const schema = JSON.parse(result.stdout) as { $schema: string; additionalProperties: boolean };
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.equal(schema.additionalProperties, false);
  });

  it('explains its usage and exits 2 on a wrong command line', () => {
    for (const args of [[], ['lint', 'x.yaml'], ['check'], ['compile', 'a.yaml', '--strict']]) {
      const result = runRules(...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.match(result.stderr, /usage:\n {2}npm run rules -- check <file\.\.\.> \[--strict\]/);
    }
  });
});
