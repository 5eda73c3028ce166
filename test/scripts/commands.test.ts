/**
 * Every command answers `--help` (usage, options, one example on stdout, exit 0, nothing started or built),
 * refuses an unknown option in one line naming it and `--help` (exit 2), and is the same module whether
 * typed as `npm run <name>` or `npx vms-callflow <name>`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { COMMAND_MODULES, type CommandName, loadCommand, runCommand } from '../../scripts/commands';
import { captureIo } from '../support/command-io';
import { ROOT } from '../support/fc-event';

const names = Object.keys(COMMAND_MODULES) as CommandName[];
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

/** The servers listening in this process. */
function listeners(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'TCPServerWrap').length;
}

/** What a command could have made when it should only have printed help: the bundles, and a listener. */
function distStamp(): string {
  const file = join(ROOT, 'dist', 'inbound', 'index.js');
  return existsSync(file) ? String(statSync(file).mtimeMs) : 'none';
}

describe('every command', () => {
  it('is an npm script that runs its module through tsx, and nothing before it', () => {
    for (const name of names) {
      assert.equal(packageJson.scripts[name], `tsx ${COMMAND_MODULES[name]}`, name);
    }
    assert.equal(packageJson.bin['vms-callflow'], 'bin/vms-callflow.mjs');
  });

  for (const name of names) {
    it(`${name}: --help prints usage, options and an example on stdout, exits 0 and starts nothing`, async () => {
      const module = await loadCommand(name);
      assert.ok(
        module.main !== undefined && module.PROGRAM !== undefined,
        `${name} exports main and PROGRAM`,
      );
      const before = distStamp();
      // Compared with before, not with none: other files of the suite may have a server of theirs open.
      const listening = listeners();
      for (const flag of ['--help', '-h']) {
        const { io, out, err } = captureIo();
        const code = await module.main([flag], io);
        assert.equal(code, 0, `${name} ${flag}`);
        assert.deepEqual(err, [], `${name} ${flag} wrote to stderr`);
        const text = out.join('');
        assert.match(text, /^usage: npm run /);
        assert.match(text, /\noptions:\n|\ncommands:\n/);
        assert.match(text, /\nexample:\n {2}npm run /);
      }
      assert.equal(distStamp(), before, `${name} --help built the bundles`);
      assert.equal(listeners(), listening, `${name} --help left a server listening`);
    });

    it(`${name}: an unknown option is refused in one line that names it and --help, exit 2`, async () => {
      const module = await loadCommand(name);
      const { io, out, err } = captureIo();
      const code = await (module.main as NonNullable<typeof module.main>)(['--no-such-option'], io);
      assert.equal(code, 2);
      assert.deepEqual(out, []);
      assert.equal(err.length, 1);
      assert.match(
        err[0] as string,
        /^[\w:-]+: unknown option --no-such-option \(see 'npm run [\w:-]+ -- --help'\)\n$/,
      );
    });
  }

  it('gives every command of a program its own --help', async () => {
    let walked = 0;
    for (const name of names) {
      const module = await loadCommand(name);
      if (module.PROGRAM.single === true) continue;
      const commands = Object.keys(module.PROGRAM.commands).filter((c) => c !== module.PROGRAM.fallback);
      for (const command of commands) {
        const { io, out, err } = captureIo();
        assert.equal(await module.main([command, '--help'], io), 0, `${name} ${command} --help`);
        assert.deepEqual(err, []);
        assert.match(out.join(''), new RegExp(`^\\nusage: npm run ${name} -- ${command}\\b`));
        walked++;
      }
    }
    assert.ok(walked >= 13, `only ${walked} commands of programs were asked for their help`);
  });
});

describe('npx vms-callflow', () => {
  it('lists the commands on --help, and refuses an unknown one with exit 2', async () => {
    const listed = captureIo();
    assert.equal(await runCommand(['--help'], listed.io), 0);
    for (const name of names)
      assert.match(listed.out.join(''), new RegExp(`\\n  ${name} +npm run ${name} -- --help\\n`));
    const wrong = captureIo();
    assert.equal(await runCommand(['nope'], wrong.io), 2);
    assert.match(wrong.err.join(''), /unknown command nope/);
  });

  it('runs a command from the shell with nothing but its output on stdout', () => {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, 'bin', 'vms-callflow.mjs'), 'holidays', '--help'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '' },
      },
    );
    assert.match(out, /^usage: npm run holidays -- \[options\]\n/);
  });
});
