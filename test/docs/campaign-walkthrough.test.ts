/**
 * docs/campaigns.md's walk-through (stand-in, dry run, a run on a holiday, the campaign, the outcomes), run
 * as written: the first `sh` block's stand-in command in-process (on a free port instead of 9400, and on a
 * clock that plays each call at once, so that a patient who does not answer takes no minute), the `export`
 * lines setting the variables, each `npm run …` through `runCommand` as `npx vms-callflow` runs it. The
 * files the walk-through writes (`reminder.results.jsonl`, `campaign-export/`) go to a temporary folder.
 * doc-commands.test.ts skips these commands; this test is where they run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { instantClock } from '../../dev/campaign-clock';
import { runCommand } from '../../scripts/commands';
import { main as standIn } from '../../scripts/local/vms-api-stand-in';
import { captureIo } from '../support/command-io';
import { ROOT } from '../support/fc-event';
import { fencedBlocks, readPage, shellCommands, shellWords } from './markdown';

const PAGE = 'docs/campaigns.md';
const SECTION = '## The walk-through: an appointment reminder, offline';
/** The numbers of the example's list, as a patient's number is never to be printed. */
const NUMBERS = readFileSync(join(ROOT, 'examples', 'appointment-reminder.calls.csv'), 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line !== '')
  .map((line) => (line.split(',')[0] ?? '').replace(/^\+86|[\s-]/g, ''));
const WHOLE = new RegExp(NUMBERS.join('|'));

/** The `sh` blocks of the walk-through, each as its commands, and its prose. */
function walkThrough(): { section: string; blocks: string[][] } {
  const text = readPage(PAGE);
  const start = text.indexOf(SECTION);
  assert.notEqual(start, -1, `${PAGE} has no "${SECTION}"`);
  const end = text.indexOf('\n## ', start + SECTION.length);
  const section = text.slice(start, end);
  const blocks = fencedBlocks(section, 'sh').map(({ body }) => shellCommands(body).map(({ text }) => text));
  // The prose as one line, so that a quoted phrase is found wherever the text wraps.
  return { section: section.replace(/\s+/g, ' '), blocks };
}

type Ran = { readonly command: string; readonly code: number; readonly out: string; readonly err: string };

describe(`${PAGE}: the walk-through, as written, against the VMS API stand-in`, () => {
  const work = mkdtempSync(join(tmpdir(), 'campaign-walkthrough-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const variables: Record<string, string> = {};
  let standInUrl = '';

  /** A word as a path: the example files from the project's root, the walk-through's own files in `work`. */
  const locate = (word: string) =>
    word.startsWith('examples/')
      ? join(ROOT, word)
      : /^(reminder\.|campaign-export)/.test(word)
        ? join(work, word)
        : word.replace('http://127.0.0.1:9400', standInUrl);

  function exportLine(words: readonly string[]): void {
    for (const assignment of words.slice(1)) {
      const [name = '', value = ''] = assignment.split(/=(.*)/s);
      variables[name] = value;
    }
  }

  async function npm(command: string): Promise<Ran> {
    const words = shellWords(command);
    assert.deepEqual(
      words.slice(0, 2),
      ['npm', 'run'],
      `${command}: a line this test does not know how to run`,
    );
    const { io, out, err } = captureIo({ ...variables });
    const argv = [words[2] ?? '', ...words.slice(4).map(locate)];
    const code = await runCommand(argv, io);
    const ran = { command, code, out: out.join(''), err: err.join('') };
    assert.doesNotMatch(ran.out + ran.err, WHOLE, `${command} printed a whole number`);
    return ran;
  }

  it('places the calls the prose says, and the outcomes say how each ended', async (t) => {
    const { section, blocks } = walkThrough();
    const [serving = [], campaign = [], outcomes = []] = blocks;
    assert.equal(blocks.length, 3, 'three sh blocks: the stand-in, the campaign, the outcomes');

    // The stand-in's terminal.
    const server = serving.find((command) => command.startsWith('npm run vms-api:stand-in'));
    assert.ok(server !== undefined && serving.includes('npm run build'));
    for (const command of serving) if (command.startsWith('export ')) exportLine(shellWords(command));
    const serverWords = shellWords(server).slice(4);
    const nowAt = serverWords.indexOf('--now');
    const clock = instantClock(Date.parse(serverWords[nowAt + 1] ?? ''));
    const served = captureIo({ ...variables });
    const stop = new AbortController();
    const exited = standIn(
      serverWords.map((word, i) => (serverWords[i - 1] === '--port' ? '0' : locate(word))),
      { ...served.io, stop: stop.signal, clock },
    );
    t.after(async () => {
      stop.abort();
      await exited;
    });
    for (let i = 0; i < 500 && standInUrl === ''; i++) {
      standInUrl = /VMS API stand-in on (\S+) /.exec(served.out.join(''))?.[1] ?? '';
      if (standInUrl === '') await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.notEqual(standInUrl, '', served.err.join(''));
    const banner = served.out.join('');

    // The campaign's terminal: the variables are the stand-in's own key, and the same outbound key.
    const ran: Ran[] = [];
    for (const command of campaign) {
      if (command.startsWith('export ')) exportLine(shellWords(command));
      else ran.push(await npm(command));
    }
    assert.match(
      banner,
      new RegExp(`ALIBABA_CLOUD_ACCESS_KEY_ID=${variables.ALIBABA_CLOUD_ACCESS_KEY_ID}\\n`),
    );
    assert.match(
      banner,
      new RegExp(`ALIBABA_CLOUD_ACCESS_KEY_SECRET=${variables.ALIBABA_CLOUD_ACCESS_KEY_SECRET}\\n`),
    );
    const [dryRun, holiday, placing] = ran;
    assert.ok(dryRun !== undefined && holiday !== undefined && placing !== undefined);
    for (const { command, code, err } of ran) assert.equal(code, 0, `${command}\n${err}`);

    const shown = dryRun.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { params: Record<string, string> });
    assert.equal(shown.length, NUMBERS.length);
    assert.match(shown[0]?.params.DynamicId ?? '', /^o1\.…\(\d+ chars\)$/);
    assert.ok(
      section.includes(`\`${shown[0]?.params.DynamicId}\``),
      'the prose quotes the DynamicId as shown',
    );
    assert.match(holiday.err, new RegExp(`${NUMBERS.length} rows outside hours, left for a later run`));
    assert.equal(NUMBERS.length, 8);
    assert.ok(
      section.includes('`8 rows outside hours, left for a later run`') &&
        section.includes('lists eight appointments'),
    );
    assert.match(placing.err, /placed 6 · refused 0 · uncertain 0 · do-not-call 2 · invalid 0 · pending 0/);
    assert.ok(
      section.includes('places six calls') && section.includes('two patients of the do-not-call list'),
    );

    // Once the six calls have ended.
    for (let i = 0; i < 500 && (served.out.join('').match(/^played /gm) ?? []).length < 6; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((served.out.join('').match(/^played /gm) ?? []).length, 6, served.out.join(''));
    assert.ok(section.includes('six `played` lines'));

    const [table, csv] = await (async () => {
      const done: Ran[] = [];
      for (const command of outcomes) done.push(await npm(command));
      return done;
    })();
    assert.ok(table !== undefined && csv !== undefined);
    assert.equal(table.code, 0, table.err);
    assert.match(
      table.out,
      /^ended as: confirmed 3, do-not-call 2, transferred-to-desk 2, no-answer 1$/m,
      'the prose says three confirmed, two transferred-to-desk, one no-answer and two do-not-call',
    );
    assert.ok(
      section.includes('three `confirmed`, two `transferred-to-desk`') &&
        section.includes('one `no-answer`') &&
        section.includes('two `do-not-call`'),
    );
    assert.equal(csv.code, 0, csv.err);
    const written = join(work, 'reminder.outcomes.csv');
    assert.ok(existsSync(written));
    const rows = readFileSync(written, 'utf8').trim().split('\n');
    assert.equal(rows.length, NUMBERS.length + 1);
    assert.doesNotMatch(readFileSync(written, 'utf8'), WHOLE);
    assert.doesNotMatch(readFileSync(join(work, 'reminder.results.jsonl'), 'utf8'), WHOLE);
  });
});
