/**
 * Every command of the project, by its npm script's name: `npm run <name> -- …` runs the module named here
 * through tsx, and `npx vms-callflow <name> …` (bin/vms-callflow.mjs) runs the same `main` without npm's
 * banner on stdout, for output that is redirected to a file. test/scripts/commands.test.ts holds the two
 * to each other and asks each for `--help`.
 */
import { type CommandIo, EXIT, type ProgramSpec } from '../dev/command-line';

/** What every command module exports: its description, and its `main`, which returns the exit code. */
export interface CommandModule {
  readonly PROGRAM: ProgramSpec;
  readonly main: (argv: readonly string[], io: CommandIo) => number | Promise<number>;
}

/** The module of each command, relative to the project's root, as package.json's scripts name them. */
export const COMMAND_MODULES = {
  build: 'scripts/build/build.ts',
  start: 'scripts/local/serve.ts',
  bench: 'scripts/bench/bench.ts',
  rules: 'scripts/rules/rules.ts',
  holidays: 'scripts/rules/holidays.ts',
  simulate: 'scripts/simulate/simulate.ts',
  fuzz: 'scripts/harden/fuzz.ts',
  load: 'scripts/harden/load.ts',
  'deploy:check': 'scripts/deploy/check.ts',
  'deploy:verify': 'scripts/deploy/verify.ts',
  'deploy:offline': 'scripts/deploy/offline.ts',
  'test:deploy': 'scripts/deploy/test-deploy.ts',
  'oss:local': 'scripts/local/oss-local.ts',
  'fc-api:stand-in': 'scripts/local/fc-api-stand-in.ts',
  'lookup:stand-in': 'scripts/local/lookup-stand-in.ts',
  'llm:stand-in': 'scripts/local/llm-stand-in.ts',
  'vms-api:stand-in': 'scripts/local/vms-api-stand-in.ts',
  'outbound-id': 'scripts/outbound/outbound-id.ts',
  call: 'scripts/campaign/call.ts',
  outcomes: 'scripts/campaign/outcomes.ts',
  capacity: 'scripts/capacity/capacity.ts',
  analytics: 'scripts/analytics/analytics.ts',
  docs: 'scripts/docs/cli-reference.ts',
  'analytics:week': 'scripts/analytics/week.ts',
} as const;

export type CommandName = keyof typeof COMMAND_MODULES;

export function isCommandName(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMAND_MODULES, name);
}

/** Loads a command's module. */
export async function loadCommand(name: CommandName): Promise<CommandModule> {
  return (await import(`../${COMMAND_MODULES[name]}`)) as CommandModule;
}

/** The list `npx vms-callflow --help` prints. */
function describeCommands(): string {
  const names = Object.keys(COMMAND_MODULES);
  const width = Math.max(...names.map((name) => name.length));
  return (
    'usage: npx vms-callflow <command> [arguments]   (the same as npm run <command> -- [arguments])\n\n' +
    `commands:\n${names.map((name) => `  ${name.padEnd(width)}  npm run ${name} -- --help\n`).join('')}\n` +
    'Exit codes: 0 fine, 1 refused or failed, 2 bad command line.\n'
  );
}

/** `npx vms-callflow <command> …`: the command's own `main`, or the list of commands. */
export async function runCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(describeCommands());
    return EXIT.usage;
  }
  if (name === '--help' || name === '-h') {
    io.out(describeCommands());
    return EXIT.ok;
  }
  if (!isCommandName(name)) {
    io.err(`vms-callflow: unknown command ${name} (see 'npx vms-callflow --help')\n`);
    return EXIT.usage;
  }
  return await (await loadCommand(name)).main(rest, io);
}
