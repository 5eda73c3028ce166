/**
 * dev/command-line.ts: `readCommandLine` (help, usage errors, the fallback command) and `exitWhenDone`: a script whose `main` has returned ends with its exit code, even
 * when something it forgot (here a connection held open by a server that never answers) would keep
 * node's event loop alive for ever.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { type ProgramSpec, readCommandLine } from '../../dev/command-line';
import { ROOT } from '../support/fc-event';

/** A script that opens a connection nobody closes, then returns 3 from its "main". */
const SCRIPT = `
import { createServer, request } from 'node:http';
import { exitWhenDone } from ${JSON.stringify(join(ROOT, 'dev', 'command-line.ts'))};
import type { AddressInfo } from 'node:net';
const server = createServer(() => {}).listen(0, '127.0.0.1', () => {
  request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port }).end();
  process.stdout.write('done\\n');
  exitWhenDone(3, 50);
});
`;

describe('exitWhenDone', () => {
  it('ends the process with main’s code although a socket is still open', { timeout: 20_000 }, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'exit-when-done-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const script = join(dir, 'script.ts');
    writeFileSync(script, SCRIPT);
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill());
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    // Without it the child would never end: the test's own timeout stops it and fails.
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(stdout, 'done\n');
    assert.equal(code, 3);
  });
});

describe('readCommandLine', () => {
  const PROGRAM = {
    name: 'tool',
    summary: 'A tool with two commands.',
    options: {
      output: { type: 'string', short: 'o', value: 'FILE', help: 'write the result to FILE' },
      at: { type: 'string', value: 'TIME', help: 'the time' },
      strict: { type: 'boolean', help: 'exit 1 on warnings too' },
      ask: { type: 'string', value: 'URL', optionalValue: true, help: 'ask URL (default: the usual one)' },
    },
    commands: {
      make: {
        summary: 'make one file',
        args: '<file>',
        positionals: [1, 1],
        options: ['output'],
        example: 'make a.yaml',
      },
      talk: { summary: 'talk', positionals: [0, 0], options: ['at', 'strict', 'ask'], example: '--at 10:00' },
    },
    fallback: 'talk',
  } as const satisfies ProgramSpec;

  function read(argv: readonly string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const result = readCommandLine(PROGRAM, argv, {
      out: (t) => void out.push(t),
      err: (t) => void err.push(t),
    });
    return { result, out: out.join(''), err: err.join('') };
  }

  it('answers --help with the command’s usage, options and example, and the program’s without a command', () => {
    const command = read(['make', '--help']);
    assert.deepEqual(command.result, { run: false, code: 0 });
    assert.match(command.out, /^\nusage: npm run tool -- make <file> \[options\]\n/);
    assert.match(command.out, /-o, --output FILE {2}write the result to FILE\n/);
    assert.match(command.out, /\nexample:\n {2}npm run tool -- make a\.yaml\n/);
    assert.equal(command.err, '');
    const program = read(['-h']);
    assert.match(program.out, /^usage: npm run tool -- <command> \[options\]\n/);
    assert.match(program.out, /\n {2}make {2}make one file\n/);
  });

  it('refuses, in one line naming --help, what it cannot run (exit 2)', () => {
    const cases: [readonly string[], string][] = [
      [['make', 'a', '--nope'], "tool: unknown option --nope (see 'npm run tool -- make --help')\n"],
      [
        ['make', 'a', '--strict'],
        "tool: --strict does not go with this command (see 'npm run tool -- make --help')\n",
      ],
      [['make', 'a', '-o'], "tool: -o needs a value (FILE) (see 'npm run tool -- make --help')\n"],
      [
        ['make', 'a', 'b', 'c'],
        "tool: make takes <file>; 2 too many: b c (see 'npm run tool -- make --help')\n",
      ],
      [['make'], "tool: make needs <file> (see 'npm run tool -- make --help')\n"],
      [['mkae', '--help'], "tool: unknown command mkae (see 'npm run tool -- --help')\n"],
      [['mkae'], "tool: unknown command mkae (see 'npm run tool -- --help')\n"],
      [['--strict=yes'], "tool: --strict takes no value (see 'npm run tool -- --help')\n"],
    ];
    for (const [argv, message] of cases) {
      const { result, out, err } = read(argv);
      assert.deepEqual(result, { run: false, code: 2 }, argv.join(' '));
      assert.equal(err, message, argv.join(' '));
      assert.equal(out, '');
    }
  });

  it('runs the fallback when no command is typed, a string option’s value not taken for one', () => {
    const plain = (argv: readonly string[]) => {
      const { result } = read(argv);
      return result.run ? { ...result.line, values: { ...result.line.values } } : result;
    };
    assert.deepEqual(plain(['--at', '2026-10-01 10:00', '--strict']), {
      command: 'talk',
      positionals: [],
      values: { at: '2026-10-01 10:00', strict: true },
    });
    assert.deepEqual(plain(['make', 'a.yaml', '-o', 'out.json']), {
      command: 'make',
      positionals: ['a.yaml'],
      values: { output: 'out.json' },
    });
  });

  it('reads an option that may go without its value: alone, last or before another option, it is empty', () => {
    const values = (argv: readonly string[]) => {
      const { result, err } = read(argv);
      assert.ok(result.run, err);
      return { ...result.line.values };
    };
    assert.deepEqual(values(['talk', '--ask']), { ask: '' });
    assert.deepEqual(values(['talk', '--ask', '--strict']), { ask: '', strict: true });
    assert.deepEqual(values(['talk', '--ask', 'http://x/v1', '--strict']), {
      ask: 'http://x/v1',
      strict: true,
    });
    assert.deepEqual(values(['talk', '--ask=http://x/v1']), { ask: 'http://x/v1' });
    assert.deepEqual(values(['--ask', '--at', '10:00']), { ask: '', at: '10:00' });
    assert.deepEqual(values(['talk', '--at', '10:00', '--ask']), { at: '10:00', ask: '' });
    assert.match(read(['talk', '--help']).out, / {4}--ask \[URL\] {2}ask URL/);
    assert.deepEqual(read(['make', 'a', '--ask']).result, { run: false, code: 2 });
  });
});
