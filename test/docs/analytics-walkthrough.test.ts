/**
 * docs/analytics.md's "Try it without a phone", run as written: each `npm run …` through `runCommand` as
 * `npx vms-callflow` runs it, the folder it names (`/tmp/bank-week`) made a temporary one. The week is
 * played through the built bundles, the figures counted from its files, and the HTML report opens
 * offline with the main flow's funnel first. doc-commands.test.ts skips these commands; this test is where
 * they run.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCommand } from '../../scripts/commands';
import { captureIo } from '../support/command-io';
import { fencedBlocks, readPage, shellCommands, shellWords } from './markdown';

const PAGE = 'docs/analytics.md';
const SECTION = '## Try it without a phone';
const FOLDER = '/tmp/bank-week';

describe(`${PAGE}: ${SECTION.slice(3)}, as written`, () => {
  const work = mkdtempSync(join(tmpdir(), 'analytics-walkthrough-'));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('plays the week, counts it, and writes a report with the main flow funnel', async () => {
    const text = readPage(PAGE);
    const start = text.indexOf(SECTION);
    assert.notEqual(start, -1, `${PAGE} has no "${SECTION}"`);
    const section = text.slice(start, text.indexOf('\n## ', start + SECTION.length));
    const commands = fencedBlocks(section, 'sh').flatMap(({ body }) =>
      shellCommands(body).map((c) => c.text),
    );
    assert.equal(commands.length, 2);
    const outputs: string[] = [];
    for (const command of commands) {
      const words = shellWords(command).map((word) => word.replace(FOLDER, work));
      assert.deepEqual(words.slice(0, 2), ['npm', 'run']);
      const { io, out, err } = captureIo();
      const code = await runCommand([words[2] as string, ...words.slice(4)], io);
      assert.equal(code, 0, `${command}: ${err.join('')}`);
      outputs.push(out.join(''));
    }
    assert.match(outputs[0] ?? '', /^1000 calls, \d+ callback lines/);
    assert.match(outputs[1] ?? '', /^Flow main: \d+ calls/m);
    const html = readFileSync(join(work, 'report.html'), 'utf8');
    // The main flow comes first, its funnel a bar per node from the greeting on.
    const flows = [...html.matchAll(/<h2>Flow (\w+)/g)].map((match) => match[1]);
    assert.equal(flows[0], 'main');
    const main = html.slice(html.indexOf('<h2>Flow main'), html.indexOf(`<h2>Flow ${flows[1]}`));
    assert.match(main, /<svg[^>]*>[\s\S]*greeting[\s\S]*welcome[\s\S]*menu[\s\S]*<\/svg>/);
    assert.doesNotMatch(html, /https?:|src=|url\(|@import/);
    assert.match(section, /main flow's funnel comes first/);
  });
});
