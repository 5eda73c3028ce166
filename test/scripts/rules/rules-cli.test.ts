import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { parse } from 'yaml';
import { isCheckedRules, writeCheckedRules } from '../../../shared/rules/checked-rules';
import { compileRules } from '../../../shared/rules/compile-rules';
import { runRules } from '../../support/rules-cli';

const root = resolve(import.meta.dirname, '../../..');

/** What `rules compile` writes for a valid YAML document: its validated form, marked as checked. */
function compiledForm(yaml: string): string {
  const compiled = compileRules(parse(yaml));
  assert.ok(compiled.ok);
  return writeCheckedRules(compiled.compiled.rules);
}
const dir = mkdtempSync(join(tmpdir(), 'rules-cli-'));

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
    it('passes a clean document', async () => {
      const result = await runRules('check', writeTemp('clean.yaml', CLEAN_YAML));
      assert.equal(result.status, 0);
      assert.equal(result.stderr, '1 file checked: 0 errors, 0 warnings\n');
    });

    it('lists errors, then warnings, each with its line in the YAML, and fails on errors', async () => {
      const text = CLEAN_YAML.replace('1: info', '1: billing').concat(
        '      old:\n        type: hangup\n        say: "费用: 0 元"\n',
      );
      const file = writeTemp('broken.yaml', text);
      const result = await runRules('check', file);
      assert.equal(result.status, 1);
      assert.deepEqual(result.stderr.split('\n'), [
        `error    ${file}:12  flows.main.nodes.menu.keys.1: no node is named billing`,
        '1 file checked: 1 error, 0 warnings',
        '',
      ]);
      // Once it compiles, the graph is linted: errors come first, then warnings, each in file order.
      const linted = writeTemp(
        'linted.yaml',
        text.replace('1: billing', '1: info').concat('      stuck:\n        type: menu\n        say: 请讲\n'),
      );
      const second = await runRules('check', linted);
      assert.equal(second.status, 1);
      const lines = second.stderr.split('\n');
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

    it('fails on warnings too with --strict, and checks every file given', async () => {
      const warned = writeTemp('strict.yaml', CLEAN_YAML.replace('say: 再见', 'say: "再见: 0"'));
      const result = await runRules('check', '--strict', writeTemp('clean.yaml', CLEAN_YAML), warned);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /2 files checked: 0 errors, 1 warning \(--strict: warnings fail\)\n$/);
    });

    it('gives JSON findings their line too, and reports unreadable files', async () => {
      const json = JSON.stringify(
        { ...parse(CLEAN_YAML), defaultLine: { flow: 'main', colour: 'red' } },
        null,
        2,
      );
      const file = writeTemp('rules.json', json);
      const badYaml = writeTemp('bad.yml', 'version: [');
      const missing = join(dir, 'missing.json');
      const result = await runRules('check', file, badYaml, missing);
      assert.equal(result.status, 1);
      const lines = result.stderr.split('\n');
      assert.match(lines[0] ?? '', new RegExp(`^error    ${file}:5  defaultLine\\.colour: `));
      assert.match(lines[1] ?? '', new RegExp(`^error    ${badYaml}  \\(document\\): not valid YAML`));
      assert.equal(lines[2], `error    ${missing}  (file): cannot read the file (ENOENT)`);
      assert.equal(lines[3], '3 files checked: 3 errors, 0 warnings');
    });
  });

  it('graph prints Mermaid, fenced for Markdown, for one flow when asked', async () => {
    const file = writeTemp('graph.yaml', CLEAN_YAML);
    const result = await runRules('graph', file, '--flow', 'main', '--markdown');
    assert.equal(result.status, 0);
    assert.match(result.stdout, /^```mermaid\nflowchart TD\n {2}LD>"default line"\]\n/);
    assert.match(result.stdout, / {2}F0_N0 -->\|"key 1"\| F0_N1\n/);
    assert.match(result.stdout, /\n```\n$/);
    const unknown = await runRules('graph', file, '--flow', 'nope');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no flow is named nope; its flows are main/);
  });

  it('writes a result to -o FILE as it would print it, nothing on stdout, and says when it cannot', async () => {
    const file = writeTemp('to-file.yaml', CLEAN_YAML);
    const printed = await runRules('graph', file, '--markdown');
    const output = join(dir, 'flows.md');
    const written = await runRules('graph', file, '--markdown', '-o', output);
    assert.equal(written.status, 0);
    assert.equal(written.stdout, '');
    assert.equal(readFileSync(output, 'utf8'), printed.stdout);
    const nowhere = join(dir, 'no-such-folder', 'schedule.json');
    const failed = await runRules('schedule', file, '--json', '-o', nowhere);
    assert.equal(failed.status, 1);
    assert.equal(failed.stdout, '');
    assert.equal(
      failed.stderr.split('\n')[0],
      `${file}: name a calendar with --calendar; it has no calendars`,
    );
    const schema = await runRules('schema', '-o', nowhere);
    assert.equal(schema.status, 1);
    assert.match(
      schema.stderr,
      /^cannot write .*schedule\.json \(ENOENT\): check that its folder exists and may be written\n$/,
    );
  });

  it('compile writes the validated document as minified JSON marked as checked, and says how big it is', async () => {
    const output = join(dir, 'rules.min.json');
    const result = await runRules('compile', writeTemp('compile.yaml', CLEAN_YAML), '-o', output);
    assert.equal(result.status, 0);
    const written = readFileSync(output, 'utf8');
    assert.equal(written, compiledForm(CLEAN_YAML));
    assert.ok(isCheckedRules(written));
    assert.equal(JSON.parse(written).version, parse(CLEAN_YAML).version);
    const [bytes, size, ...rest] = result.stderr.split('\n');
    assert.equal(bytes, `${output}: ${Buffer.byteLength(written)} bytes of minified JSON`);
    assert.match(
      size ?? '',
      new RegExp(
        `^the environment of (inbound|outbound) is \\d+ bytes: RULES ${Buffer.byteLength(written)} bytes, ` +
          'and the \\d+ other variables s\\.yaml sets for inbound and outbound \\d+ bytes .*, ' +
          "within FC's limit of 4096 bytes for all of a function's environment variables together$",
      ),
    );
    assert.deepEqual(rest, ['']);
  });

  it('compile warns from 3 KB of environment and over 4 KB (which deploy:check refuses), and refuses a document with errors', async () => {
    const sized = (repeat: number) =>
      writeTemp(
        `long-${repeat}.yaml`,
        CLEAN_YAML.replace('say: 再见', `say: ${'感谢您的来电'.repeat(repeat)}`),
      );
    // About 3.4 KB of RULES with s.yaml's other variables: near the limit, still compiled.
    const near = await runRules('compile', sized(170));
    assert.equal(near.status, 0);
    assert.equal(near.stdout, `${compiledForm(readFileSync(sized(170), 'utf8'))}\n`);
    assert.match(
      near.stderr,
      /\nwarning: the environment of \w+ is \d+ bytes: .*: near FC's limit .*RULES_URL/,
    );
    // Over the limit: still written (for RULES_FILE), with the warning that it cannot be RULES.
    const big = await runRules('compile', sized(300));
    assert.equal(big.status, 0);
    assert.equal(big.stdout, `${compiledForm(readFileSync(sized(300), 'utf8'))}\n`);
    assert.match(
      big.stderr,
      /\nwarning: the environment of \w+ is \d+ bytes: .*: over FC's limit of 4096 bytes .* set RULES_URL instead of RULES, or ship them with the code .*RULES_FILE=\/code\/rules\.json\)\n$/,
    );
    const broken = await runRules(
      'compile',
      writeTemp('refused.yaml', CLEAN_YAML.replace('9: bye', '9: gone')),
    );
    assert.equal(broken.status, 1);
    assert.equal(broken.stdout, '');
    assert.match(
      broken.stderr,
      /refused\.yaml:13 {2}flows\.main\.nodes\.menu\.keys\.9: no node is named gone/,
    );
  });

  it('schema prints the JSON Schema committed as rules.schema.json', async () => {
    const result = await runRules('schema');
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

  it('refuses a wrong command line in one line that names --help, exit 2', async () => {
    for (const [args, message] of [
      [[], /^rules: no command given \(see 'npm run rules -- --help'\)\n$/],
      [['--colour'], /^rules: unknown option --colour \(see 'npm run rules -- --help'\)\n$/],
      [['lint', 'x.yaml'], /^rules: unknown command lint \(see 'npm run rules -- --help'\)\n$/],
      [['check'], /^rules: check needs <file\.\.\.> \(see 'npm run rules -- check --help'\)\n$/],
      [
        ['compile', 'a.yaml', '--strict'],
        /^rules: --strict does not go with this command \(see 'npm run rules -- compile --help'\)\n$/,
      ],
    ] as const) {
      const result = await runRules(...args);
      assert.equal(result.status, 2, args.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, message);
    }
  });

  it('answers --help on every command, on stdout, with an example', async () => {
    for (const command of [
      'check',
      'graph',
      'schema',
      'compile',
      'schedule',
      'publish',
      'pull',
      'diff',
      'history',
      'rollback',
    ]) {
      const result = await runRules(command, '--help');
      assert.equal(result.status, 0, command);
      assert.equal(result.stderr, '');
      assert.match(result.stdout, new RegExp(`^\\nusage: npm run rules -- ${command}`));
      assert.match(result.stdout, new RegExp(`\\nexample:\\n  npm run rules -- ${command} `));
    }
  });
});
