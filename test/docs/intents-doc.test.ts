/**
 * The figures the README and the rules guide give of `rules intents` on the blind set
 * (examples/bank-card-service.asr.utterances.yaml) are what the command prints: keywords alone as written,
 * and the beginning of its output against the language-model stand-in.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type LlmServer, startLlmServer } from '../../dev/llm-server';
import { main } from '../../scripts/rules/rules';
import { captureText } from '../support/command-io';
import { ROOT } from '../support/fc-event';
import { fencedBlocks, readPage, shellWords } from './markdown';

const SET = 'examples/bank-card-service.asr.utterances.yaml';

/** Runs `npm run rules -- …` (the words after `--`) in-process from the project's folder, with `env`. */
async function runRules(
  argv: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ status: number; stdout: string; stderr: string }> {
  const { streams, captured } = captureText();
  const located = argv.map((word) => (word.startsWith('examples/') ? `${ROOT}/${word}` : word));
  const status = await main(located, { ...streams, now: () => Date.now(), env });
  return { status, ...captured };
}

/** The words after `npm run rules --` of a command as the docs write it. */
function rulesWords(command: string): string[] {
  const words = shellWords(command.replace(/^[A-Z_]+=\S+ /, ''));
  assert.deepEqual(words.slice(0, 4), ['npm', 'run', 'rules', '--'], command);
  return words.slice(4);
}

/** Whether `expected` are lines of `actual` in the same order (an `…` line stands for any lines). */
function inOrder(expected: readonly string[], actual: readonly string[]): string | undefined {
  let at = 0;
  for (const line of expected) {
    if (line.trim() === '…') continue;
    const found = actual.indexOf(line, at);
    if (found === -1) return line;
    at = found + 1;
  }
  return undefined;
}

describe('rules intents on the blind set, as the docs give it', () => {
  const guide = readPage('docs/rules.md');

  it("the README's keywords-alone figure is what its command prints", async () => {
    const line = readPage('README.md')
      .split('\n')
      .find((text) => text.includes(SET) && /\d+\/\d+ \(/.test(text));
    assert.ok(line !== undefined, `the README gives no figure for ${SET}`);
    const [, correct, total, percent] = /(\d+)\/(\d+) \((\d+(?:\.\d+)?) %\)/.exec(line) ?? [];
    const command = /`(npm run rules -- intents [^`]+)`/.exec(line)?.[1];
    assert.ok(command !== undefined, 'the README line gives the command that reproduces its figure');
    const result = await runRules(rulesWords(command));
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      result.stdout.split('\n')[0],
      `5 menus: ${correct}/${total} utterances reach their intent (${percent} %)`,
    );
    assert.match(line, /against the stand-in that figure only proves the plumbing/);
  });

  it("the guide's keywords-alone output is the command's", async () => {
    const command = guide
      .split('\n')
      .find(
        (text) =>
          text.startsWith('npm run rules -- intents') && text.includes(SET) && !text.includes('--llm'),
      );
    assert.ok(command !== undefined);
    const printed = fencedBlocks(guide, 'text').find(({ body }) => body.includes('by kind:'));
    assert.ok(printed !== undefined, 'docs/rules.md shows no keywords-alone output by kind');
    const result = await runRules(rulesWords(command));
    assert.equal(result.status, 0, result.stderr);
    const lines = printed.body.split('\n');
    assert.equal(inOrder(lines, result.stdout.split('\n')), undefined, 'a line the command does not print');
    assert.equal(lines[0], result.stdout.split('\n')[0]);
  });

  describe('against the stand-in', () => {
    let server: LlmServer;
    before(async () => {
      server = await startLlmServer();
    });
    after(() => server.close());

    it("the guide's output begins as the command's", async () => {
      const command = guide
        .split('\n')
        .find(
          (text) => text.startsWith('LLM_API_KEY=test-key npm run rules -- intents') && text.includes(SET),
        );
      assert.ok(command !== undefined, 'docs/rules.md gives no --llm command against the stand-in');
      const written = /--llm (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(command)?.[1] ?? '';
      assert.notEqual(written, '');
      const printed = fencedBlocks(guide, 'text').find(({ body }) =>
        body.startsWith('keywords alone against keywords + language model'),
      );
      assert.ok(printed !== undefined, 'docs/rules.md shows no output of --llm');
      const words = rulesWords(command).map((word) => (word === written ? server.url : word));
      const result = await runRules(words, { LLM_API_KEY: 'test-key' });
      assert.equal(result.status, 0, result.stderr);
      const expected = printed.body.replaceAll(written, server.url).split('\n');
      assert.deepEqual(result.stdout.split('\n').slice(0, expected.length), expected);
    });

    it("docs/classifier.md's figures of doubtful matches are what the command counts, whatever the model", async () => {
      const page = readPage('docs/classifier.md');
      const block = fencedBlocks(page, 'sh').find(({ body }) => body.includes('--doubtful on'));
      assert.ok(block !== undefined, 'docs/classifier.md shows no --doubtful on run');
      const [command, comment] = block.body.split('\n');
      const written = /^# (classifications: .*\)): …$/.exec(comment ?? '')?.[1];
      assert.ok(command !== undefined && written !== undefined, block.body);
      // The document's endpoint is the provider's; the stand-in answers here: which matches are asked
      // about, and which keywords got wrong, do not depend on the model.
      const result = await runRules(
        rulesWords(command).flatMap((word) => (word === '--llm' ? [word, server.url] : [word])),
        { LLM_API_KEY: 'test-key' },
      );
      assert.equal(result.status, 0, result.stderr);
      const counted = result.stdout.split('\n').find((line) => line.startsWith('classifications: '));
      assert.equal(counted?.slice(0, written.length), written);
      const [, asked, nomatch, doubtful, wrong, right] =
        /(\d+) asked \((\d+) .*, (\d+) about .* got (\d+) wrong and (\d+) right/.exec(written) ?? [];
      const prose = page.replace(/\s+/g, ' ');
      assert.match(
        prose,
        new RegExp(
          `asks about ${doubtful} keyword matches \\(${asked} classifications instead of ${nomatch}\\): ${wrong} of those`,
        ),
      );
      assert.match(prose, new RegExp(`and ${right} that keywords got right`));
      const keywordsAlone = await runRules(
        rulesWords(command).filter((word) => !['--llm', '--doubtful', 'on'].includes(word)),
      );
      const misrouted = /^wrong: \d+ \((\d+) to another choice/m.exec(keywordsAlone.stdout)?.[1];
      assert.match(
        prose,
        new RegExp(`set, ${misrouted} utterances are routed to a \\*\\*wrong\\*\\* intent by keywords`),
      );
    });
  });
});
