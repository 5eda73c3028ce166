/**
 * The shell commands of the README and docs/ run as written. Every command of a `sh` block is either run
 * here (in-process, through the same `runCommand` as `npx vms-callflow`, outputs into a temporary folder)
 * or skipped for a reason listed below; one that is neither fails the test, so a new example is never
 * left untried by accident. A redirected output must be what its name says (JSON, Markdown with a Mermaid
 * diagram, …), and no example redirects `npm run`, whose banner would land in the file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { load as parseYaml } from 'js-yaml';
import { runCommand } from '../../scripts/commands';
import { main as simulate } from '../../scripts/simulate/simulate';
import { captureText } from '../support/command-io';
import { ROOT } from '../support/fc-event';
import { PREBUILT } from '../support/simulate-cli';
import { docPages, fencedBlocks, readPage, shellCommands, shellWords } from './markdown';

/** The commands skipped, by what they need that a test run does not have. */
const SKIPPED: readonly (readonly [RegExp, string])[] = [
  [
    /oss:\/\//,
    "needs an OSS bucket and its credentials (test/docs/oss-walkthrough.test.ts runs operating.md's walk-through on the stand-in as written, test/scripts/rules the rest)",
  ],
  [/^npx s\b/, 'Serverless Devs: needs the cloud (test/deploy runs s preview and s deploy on a stub)'],
  [/\bnpm (ci|install)\b/, 'installs packages'],
  [
    /\bnpm start\b|^npm run (oss:local|fc-api:stand-in|lookup:stand-in|llm:stand-in|vms-api:stand-in)\b/,
    'a server that runs until it is stopped',
  ],
  [/^npm (test|run (check|test:deploy))\b/, 'runs this test suite (CI runs it)'],
  [/^npm run build$/, 'builds the bundles, which npm test builds before the suite'],
  [
    /^npm run call -- .*--endpoint\b/,
    "places calls: test/docs/campaign-walkthrough.test.ts runs docs/campaigns.md's walk-through as written against the VMS API stand-in, test/scripts/campaign the rest",
  ],
  [/^npm run deploy:(verify|check)\b/, 'needs the deployed functions, or a deploy'],
  [
    /^npm run deploy:offline\b/,
    'seconds of s deploy: npm run test:deploy runs it as written (test/deploy/deploy-offline.test.ts)',
  ],
  [/--url\b|--fc\b/, 'needs a running server or the deployed functions'],
  [
    /^(LLM_[A-Z_]+=\S+ )?npm run rules -- intents .*--llm\b/,
    'asks a language model: needs its endpoint and key (test/docs/intents-doc.test.ts runs the stand-in example, test/scripts/rules the rest)',
  ],
  [
    /--classifier\b/,
    'needs the language-model stand-in running (test/simulator/simulate-classifier.test.ts runs --classifier against it)',
  ],
  [/^curl\b/, 'needs npm start running'],
  [/^(export|sed)\b/, 'shell set-up for the commands after it'],
  [/^npm run holidays -- --latest\b/, 'asks the npm registry'],
  [/^npm run (bench|fuzz|load)\b/, 'a long run: minutes of CPU'],
  [
    /^npm run outcomes -- [^-]/,
    "needs a campaign's results, receipts and logs (test/scripts/campaign/outcomes.test.ts runs it on a campaign played through the bundles)",
  ],
  [
    /^npm run analytics(:week)? -- /,
    "plays a week of calls through the bundles: test/docs/analytics-walkthrough.test.ts runs docs/analytics.md's commands as written, in a temporary folder",
  ],
  [
    /^npm run simulate -- --/,
    "an interactive call: it reads the caller's turns from the terminal (test/simulator checks the recorded session)",
  ],
];

/** The commands run: a command and its first word, as `npx vms-callflow` takes them. */
const RUN: readonly RegExp[] = [
  /^rules (check|graph|compile|schema|schedule|lint|intents)\b/,
  /^simulate (run|schema|replay)\b/,
  /^holidays$/,
  /^outbound-id --flow\b/,
  /^call .*--dry-run$/,
  /^capacity .*--dry-run$/,
  /(^| )--help$/,
];

/**
 * The variables a command run here reads, which the docs set in an `export` line before it (skipped as
 * set-up, with a placeholder): given to that command only, never to the process the other tests share.
 */
const ENVIRONMENTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'outbound-id': { OUTBOUND_SECRETS: 'doc-commands-outbound-key-01' },
};

/** Names the docs use for the reader's own files, and the file of the repository that stands in. */
const PLACEHOLDERS: Readonly<Record<string, string>> = { 'rules.yaml': 'examples/bank-card-service.yaml' };

type DocCommand = { readonly where: string; readonly text: string };

/** Every command of every `sh` block: continuation lines joined, comments dropped, `&&` split. */
export function docCommands(pages = docPages()): DocCommand[] {
  return pages.flatMap((page) =>
    fencedBlocks(readPage(page), 'sh').flatMap(({ body, line }) =>
      shellCommands(body).map(({ offset, text }) => ({ where: `${page}:${line + 1 + offset}`, text })),
    ),
  );
}

export type Verdict =
  | { readonly run: true; readonly argv: readonly string[]; readonly redirect?: string }
  | { readonly run: false; readonly reason: string };

/** Whether a command of the docs is run here (and with what arguments), skipped (and why), or neither. */
export function classify(text: string): Verdict | undefined {
  const skipped = SKIPPED.find(([pattern]) => pattern.test(text));
  if (skipped !== undefined) return { run: false, reason: skipped[1] };
  const [command, redirect, ...rest] = text.split(/ > /);
  if (command === undefined || rest.length > 0) return undefined;
  const words = shellWords(command);
  let argv: string[];
  if (words[0] === 'npx' && words[1] === 'vms-callflow') argv = words.slice(2);
  else if (words[0] === 'npm' && words[1] === 'run' && words[2] !== undefined && (words[3] ?? '--') === '--')
    argv = [words[2], ...words.slice(4)];
  else return undefined;
  if (!RUN.some((pattern) => pattern.test(argv.join(' ')))) return undefined;
  return redirect === undefined ? { run: true, argv } : { run: true, argv, redirect: redirect.trim() };
}

/** What a file a command wrote must be, by its name; the reason it is not, or undefined. */
function misnamed(file: string, text: string): string | undefined {
  if (text.startsWith('\n>') || text.startsWith('> ')) return "it starts with npm's banner";
  if (file.endsWith('.json')) {
    try {
      JSON.parse(text);
    } catch (error) {
      return `it is not JSON (${String(error)})`;
    }
    const committed = join(ROOT, basename(file));
    if (existsSync(committed) && readFileSync(committed, 'utf8') !== text) {
      return `it differs from the committed ${basename(file)}: regenerate that with the same command`;
    }
    return undefined;
  }
  if (file.endsWith('.md')) return /^```mermaid$/m.test(text) ? undefined : 'it has no ```mermaid block';
  if (file.endsWith('.yaml')) {
    try {
      parseYaml(text);
      return undefined;
    } catch (error) {
      return `it is not YAML (${String(error)})`;
    }
  }
  return text.trim() === '' ? 'it is empty' : undefined;
}

const dir = mkdtempSync(join(tmpdir(), 'doc-commands-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The arguments as written, with the docs' own files found in the repository and outputs in `dir`. */
function locate(argv: readonly string[]): { argv: string[]; outputs: string[] } {
  const outputs: string[] = [];
  const located = argv.map((word, i) => {
    if (argv[i - 1] === '-o') {
      const output = join(dir, basename(word));
      outputs.push(output);
      return output;
    }
    const file = PLACEHOLDERS[word] ?? word;
    return !file.startsWith('-') && existsSync(join(ROOT, file)) ? join(ROOT, file) : word;
  });
  return { argv: located, outputs };
}

describe('the commands of the README and docs/', () => {
  const commands = docCommands();

  it('are each run here or skipped for a reason', () => {
    assert.ok(commands.length > 20, `only ${commands.length} commands found in the sh blocks`);
    const unknown = commands.filter(({ text }) => classify(text) === undefined);
    assert.deepEqual(
      unknown.map(({ where, text }) => `${where}: ${text}`),
      [],
      'run these in test/docs/doc-commands.test.ts (RUN), or skip them there with the reason (SKIPPED)',
    );
    const run = commands.filter(({ text }) => classify(text)?.run === true);
    assert.ok(run.length >= 10, `only ${run.length} commands are run`);
  });

  it('never redirect npm run, whose banner would land in the file', () => {
    const redirected = commands.filter(({ text }) => /^npm run .* > /.test(text));
    assert.deepEqual(
      redirected.map(({ where, text }) => `${where}: ${text}`),
      [],
      'write these as npx vms-callflow <command> … > file, or with -o FILE',
    );
  });

  it('are told apart: run, skipped, or neither', () => {
    assert.deepEqual(classify('npx vms-callflow rules graph a.yaml --markdown > flows.md'), {
      run: true,
      argv: ['rules', 'graph', 'a.yaml', '--markdown'],
      redirect: 'flows.md',
    });
    assert.deepEqual(classify('npm run simulate -- run "my calls.yaml"'), {
      run: true,
      argv: ['simulate', 'run', 'my calls.yaml'],
    });
    assert.equal(classify('npm run rules -- pull oss://b/k -o live.json')?.run, false);
    assert.equal(classify('npm run rules -- frobnicate rules.yaml'), undefined);
    assert.equal(classify('rm -rf dist'), undefined);
    assert.deepEqual(docCommands(['README.md']).slice(0, 2), [
      { where: 'README.md:47', text: 'npm ci' },
      { where: 'README.md:47', text: 'npm start' },
    ]);
  });

  for (const { where, text } of commands) {
    const verdict = classify(text);
    if (verdict?.run !== true) continue;
    it(`${where}: ${text}`, async () => {
      const { argv, outputs } = locate(verdict.argv);
      const { streams: io, captured } = captureText();
      // The simulator builds its bundles; here it uses the suite's, which must not change under the others.
      const env = ENVIRONMENTS[argv[0] ?? ''];
      const commandIo: typeof io & { readonly env?: Readonly<Record<string, string>> } =
        env === undefined ? io : { ...io, env };
      const code =
        argv[0] === 'simulate'
          ? await simulate(argv.slice(1), io, PREBUILT)
          : await runCommand(argv, commandIo);
      const { stdout: out, stderr: err } = captured;
      assert.equal(code, 0, `${text} exited ${code}:\n${err}`);
      if (verdict.redirect !== undefined) {
        const file = join(dir, basename(verdict.redirect));
        writeFileSync(file, out);
        outputs.push(file);
      } else if (outputs.length === 0) {
        assert.notEqual(out + err, '', `${text} printed nothing`);
      }
      for (const file of outputs) {
        assert.ok(existsSync(file), `${text} wrote no ${basename(file)}`);
        const problem = misnamed(file, readFileSync(file, 'utf8'));
        assert.equal(problem, undefined, `${text}: ${basename(file)}: ${problem}`);
      }
    });
  }

  it("redirects without npm's banner when typed in a shell, as the README writes it", () => {
    const line = docCommands(['README.md']).find(({ text }) => /^npx vms-callflow .* > \S+$/.test(text));
    assert.ok(line !== undefined, 'the README has no npx vms-callflow … > file example');
    const [command = '', target = ''] = line.text.split(' > ');
    const file = join(dir, `shell-${basename(target)}`);
    execFileSync('sh', ['-c', `${command} > '${file}'`], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: 60_000,
    });
    assert.equal(misnamed(file, readFileSync(file, 'utf8')), undefined, line.text);
  });
});
