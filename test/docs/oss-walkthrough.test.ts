/**
 * docs/operating.md's "Trying it locally" walk-through (publish → diff → publish → history → rollback),
 * run as written against the OSS stand-in in-process: the block's `export` lines set the variables (the
 * stand-in's real port for `npm run oss:local`'s 9300), `npm run rules -- …` runs through `runCommand`
 * with them, and any other line (the `sed` that writes the next version) runs with `sh -c` in a
 * temporary folder standing for the project's root (`examples/` is linked there). doc-commands.test.ts
 * skips every command that needs a bucket; this test is where these run.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OSS_STAND_IN_DEFAULTS, type OssServer, startOssServer } from '../../dev/oss-server';
import { runCommand } from '../../scripts/commands';
import { OSS_LOCAL_PORT, ossLocalPublish } from '../../scripts/local/oss-local';
import type { RulesIo } from '../../scripts/rules/rules';
import { captureIo } from '../support/command-io';
import { ROOT } from '../support/fc-event';
import { FIRST_UNCOVERED_YEAR, LAST_PACKAGED_YEAR } from '../support/holiday-years';
import { fencedBlocks, readPage, shellCommands, shellWords } from './markdown';

const PAGE = 'docs/operating.md';

/** A text as a regular expression that matches it literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const SECTION = '### Trying it locally';
const LEAD = 'and in another:';
/**
 * The clock of the rules commands: late in the last year of packaged holiday data, when the bank
 * example warns that the next year has none, as it does on the day the walk-through was written
 * (2026-12). Whatever today is, publish without --force is refused, as the walk-through shows.
 */
const NOW = Date.parse(`${LAST_PACKAGED_YEAR}-12-06T12:00:00+08:00`);

/** The walk-through: the commands of the `sh` block right after "and in another:", and its section's prose. */
function walkThrough(): { section: string; commands: { line: number; text: string }[] } {
  const text = readPage(PAGE);
  const start = text.indexOf(SECTION);
  assert.notEqual(start, -1, `${PAGE} has no "${SECTION}"`);
  const end = text.indexOf('\n## ', start);
  const section = text.slice(start, end === -1 ? undefined : end);
  const lead = text.indexOf(LEAD, start);
  assert.ok(lead !== -1 && lead < start + section.length, `"${SECTION}" has no "${LEAD}"`);
  const leadLine = text.slice(0, lead).split('\n').length;
  const block = fencedBlocks(text, 'sh').find(({ line }) => line > leadLine);
  assert.equal(block?.line, leadLine + 2, `the sh block right after "${LEAD}" (${PAGE}:${leadLine})`);
  const commands = shellCommands(block.body).map(({ offset, text }) => ({
    line: block.line + 1 + offset,
    text,
  }));
  return { section, commands };
}

type Ran = { readonly command: string; readonly code: number; readonly out: string; readonly err: string };

describe(`${PAGE}, "Trying it locally": the walk-through against the OSS stand-in`, () => {
  let server: OssServer;
  const work = mkdtempSync(join(tmpdir(), 'oss-walkthrough-'));
  symlinkSync(join(ROOT, 'examples'), join(work, 'examples'), 'dir');
  before(async () => {
    server = await startOssServer({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const variables: Record<string, string> = {};

  /** A word of a command as a path: a file in the walk-through's folder (bank-next.yaml, examples/…), or as written. */
  function locate(word: string): string {
    return !word.startsWith('-') && existsSync(join(work, word)) ? join(work, word) : word;
  }

  /** `npm run rules -- …`, in-process, with the exported variables and the fixed clock. */
  async function rules(command: string, args: readonly string[]): Promise<Ran> {
    const { io, out, err } = captureIo({ ...variables });
    const clocked: RulesIo = { ...io, now: () => NOW }; // runCommand passes it on to the rules' main
    const code = await runCommand(['rules', ...args.map(locate)], clocked);
    return { command, code, out: out.join(''), err: err.join('') };
  }

  /** One line of the block, as a shell in the project's root would run it. */
  async function run(command: string): Promise<Ran> {
    const words = shellWords(command);
    if (words[0] === 'export') {
      for (const assignment of words.slice(1)) {
        const [name = '', value = ''] = assignment.split(/=(.*)/s);
        variables[name] =
          name === 'OSS_ENDPOINT'
            ? value.replace(`:${OSS_LOCAL_PORT}`, `:${new URL(server.endpoint).port}`)
            : value;
      }
      return { command, code: 0, out: '', err: '' };
    }
    if (words[0] === 'npm' && words[1] === 'run' && words[2] === 'rules' && words[3] === '--')
      return await rules(command, words.slice(4));
    assert.match(command, /^sed /, `${command}: a line this test does not know how to run`);
    execFileSync('sh', ['-c', command], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    return { command, code: 0, out: '', err: '' };
  }

  it('runs as written: the unforced publish refused, the rest done, as the prose says', async () => {
    const { section, commands } = walkThrough();
    const ran: Ran[] = [];
    for (const { text } of commands) ran.push(await run(text));
    const where = (command: string) =>
      `${PAGE}:${commands.find(({ text }) => text === command)?.line}: ${command}`;

    // The variables are the stand-in's own: the doc's credentials are the ones it takes.
    assert.deepEqual(variables, {
      ALIBABA_CLOUD_ACCESS_KEY_ID: OSS_STAND_IN_DEFAULTS.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: OSS_STAND_IN_DEFAULTS.accessKeySecret,
      ALIBABA_CLOUD_REGION: OSS_STAND_IN_DEFAULTS.region,
      OSS_ENDPOINT: server.endpoint,
    });

    const publishes = ran.filter(({ command }) => / -- publish /.test(command));
    const [refused, ...forced] = publishes;
    assert.ok(
      refused !== undefined && !/--force/.test(refused.command),
      'the walk-through first shows the refusal',
    );
    assert.equal(refused.code, 1, where(refused.command));
    assert.match(refused.err, /not published, 1 warning \(--force publishes anyway\)\n$/);
    assert.match(refused.err, new RegExp(`no holiday data for ${FIRST_UNCOVERED_YEAR}\\b`));
    assert.ok(
      section.includes(`no holiday data for ${FIRST_UNCOVERED_YEAR}`),
      `the prose names the year the example warns about (${FIRST_UNCOVERED_YEAR})`,
    );
    assert.ok(section.includes('(--force publishes anyway)'), 'the prose quotes the refusal');
    assert.ok(
      commands.some(({ text }) => text === ossLocalPublish(OSS_STAND_IN_DEFAULTS.bucket)),
      'npm run oss:local suggests the publish the walk-through runs',
    );
    assert.equal(forced.length, 2);
    for (const { command, code, err } of ran.filter((run) => run !== refused))
      assert.equal(code, 0, `${where(command)} exited ${code}:\n${err}`);

    const diff = ran.find(({ command }) => / -- diff /.test(command));
    assert.ok(diff !== undefined, 'the walk-through runs diff');
    const transfers = diff.out.indexOf('transfer numbers');
    assert.ok(transfers !== -1, `diff has no transfer numbers:\n${diff.out}`);
    assert.match(diff.out.slice(transfers), /main\/lostDesk/);

    // The example's version, and the one the walk-through's sed gives bank-next.yaml.
    const [, live = '', next = ''] = /s\/'([^']+)'\/'([^']+)'\//.exec(readPage(PAGE)) ?? [];
    assert.ok(live !== '' && next !== '', 'the walk-through changes the version with sed');
    assert.match(
      readFileSync(join(ROOT, 'examples', 'bank-card-service.yaml'), 'utf8'),
      new RegExp(`^version: '${literal(live)}'`, 'm'),
    );
    const history = ran.find(({ command }) => / -- history /.test(command));
    assert.ok(history !== undefined, 'the walk-through runs history');
    assert.match(history.out, new RegExp(`^\\* ${literal(next)} `, 'm'));
    assert.match(history.out, new RegExp(`^ {2}${literal(live)} `, 'm'));

    const rollback = ran.at(-1);
    assert.match(rollback?.command ?? '', new RegExp(` -- rollback ${literal(live)} `));
    assert.match(
      rollback?.out ?? '',
      new RegExp(`back to version ${literal(live)}, .*; it was version ${literal(next)}\n$`),
    );
    const afterwards = await rules(history.command, shellWords(history.command).slice(4));
    assert.equal(afterwards.code, 0, afterwards.err);
    assert.match(afterwards.out, new RegExp(`^\\* ${literal(live)} `, 'm'));
    assert.match(afterwards.out, new RegExp(`^ {2}${literal(next)} `, 'm'));
  });
});
