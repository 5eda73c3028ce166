/**
 * The one command-line layer of every script (`npm run <name> -- …`, `npx vms-callflow <name> …`).
 *
 * A script describes itself once, as a {@link ProgramSpec}: its commands, their options with a line of
 * help each, and one example. From that one description this module reads the command line with node's
 * `parseArgs`, answers `--help`/`-h` (usage, options, example on stdout, exit 0, nothing started), and
 * refuses anything else it does not know in one line that names the option and `--help` (exit 2). The
 * reference (docs/reference/cli.md) is generated from the same help text.
 *
 * Exit codes, the same for every command ({@link EXIT}): 0 fine, 1 refused or failed, 2 bad command line.
 */
import { resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The exit codes every command uses, documented once in docs/reference/cli.md. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** Where a command writes: results on `out` (stdout), errors and warnings on `err` (stderr). */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** The process's own streams. */
export const PROCESS_IO: CommandIo = {
  out: (text) => {
    process.stdout.write(text);
  },
  err: (text) => {
    process.stderr.write(text);
  },
};

/** One option: its type for `parseArgs`, and what `--help` says of it. */
export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** The value's name in the help (`--at YYYY-MM-DD`); string options only. */
  readonly value?: string;
  /**
   * A string option that may be typed without its value (`--llm`, `--llm URL`, `--llm=URL`): alone, last
   * or before another option, it reads as the empty string. The help shows `--llm [URL]`.
   */
  readonly optionalValue?: true;
  /** One line: what the option does, and its default. */
  readonly help: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** `-o FILE`, the same on every command that writes a result: the file instead of stdout. */
export function outputOption(what = 'the result'): OptionSpec {
  return { type: 'string', short: 'o', value: 'FILE', help: `write ${what} to FILE instead of stdout` };
}

/** One command of a program (or the program itself, when it has one command). */
export interface CommandSpec<Option extends string = string> {
  /** One line, shown in the program's list of commands and atop the command's help. */
  readonly summary: string;
  /** The positional arguments as the usage line shows them, such as `<file...>`. */
  readonly args?: string;
  /** How many positional arguments it takes: at least, at most. */
  readonly positionals: readonly [min: number, max: number];
  /** The names of the program's options this command takes. */
  readonly options: readonly Option[];
  /** One example: the arguments after `npm run <program> --`. */
  readonly example: string;
  /** More help, printed after the options: notes that do not fit on one line. */
  readonly details?: string;
}

/**
 * A program: one npm script. With {@link ProgramSpec.single} it has one command, whose arguments follow
 * the script's name; else the first argument names the command (or {@link ProgramSpec.fallback} runs when
 * none is typed).
 */
export interface ProgramSpec<Options extends OptionSpecs = OptionSpecs, Command extends string = string> {
  /** The npm script's name: `rules`, `deploy:verify`. */
  readonly name: string;
  readonly summary: string;
  readonly options: Options;
  readonly commands: Readonly<Record<Command, CommandSpec<keyof Options & string>>>;
  /** The program is its one command: no command word is typed. */
  readonly single?: boolean;
  /** The command run when none is typed (it cannot be typed either), such as simulate's interactive call. */
  readonly fallback?: Command;
}

type ValueOf<Spec extends OptionSpec> = Spec['type'] extends 'boolean'
  ? boolean
  : Spec extends { readonly multiple: true }
    ? string[]
    : string;

/** The values read for a program's options: each absent, or of its option's type. */
export type OptionValues<Options extends OptionSpecs> = {
  -readonly [K in keyof Options]?: ValueOf<Options[K]>;
};

/** A command line read: which command, its positional arguments and its options. */
export interface CommandLine<Options extends OptionSpecs, Command extends string> {
  readonly command: Command;
  readonly positionals: readonly string[];
  readonly values: OptionValues<Options>;
}

/** What reading a command line gave: a command to run, or an exit (help printed, or a usage error). */
export type ReadCommandLine<Options extends OptionSpecs, Command extends string> =
  | { readonly run: true; readonly line: CommandLine<Options, Command> }
  | { readonly run: false; readonly code: number };

const HELP: OptionSpec = { type: 'boolean', short: 'h', help: 'show this help and exit' };

/** How the program is typed: `npm run rules --`. */
export function invocation(program: Pick<ProgramSpec, 'name'>): string {
  return `npm run ${program.name} --`;
}

function commandWords<Command extends string>(program: ProgramSpec<OptionSpecs, Command>, command: Command) {
  return program.single === true || command === program.fallback
    ? invocation(program)
    : `${invocation(program)} ${command}`;
}

/** The one-line hint every usage error ends with. */
function helpHint<Command extends string>(
  program: ProgramSpec<OptionSpecs, Command>,
  command: Command | undefined,
): string {
  return `see '${command === undefined ? invocation(program) : commandWords(program, command)} --help'`;
}

/**
 * Writes a usage error as one line on stderr, naming `--help`, and returns {@link EXIT.usage}.
 */
export function refuseUsage<Command extends string>(
  io: CommandIo,
  program: ProgramSpec<OptionSpecs, Command>,
  command: Command | undefined,
  message: string,
): number {
  io.err(`${program.name}: ${message} (${helpHint(program, command)})\n`);
  return EXIT.usage;
}

/** Reads `argv` for `program`: help and errors are answered here, on `io`; a command to run is returned. */
export function readCommandLine<Options extends OptionSpecs, Command extends string>(
  program: ProgramSpec<Options, Command>,
  argv: readonly string[],
  io: CommandIo,
): ReadCommandLine<Options, Command> {
  const end = argv.indexOf('--');
  const before = end === -1 ? argv : argv.slice(0, end);
  const names = Object.keys(program.commands) as Command[];
  const typed = program.single === true ? undefined : firstWord(program, before);
  const typedCommand =
    typed !== undefined && names.includes(typed as Command) ? (typed as Command) : undefined;
  const asked = program.single === true ? names[0] : (typedCommand ?? program.fallback);

  // A first word that names no command is a typo (with a fallback too: it is not a file), and help for it
  // would be the wrong help: the typo is the thing to fix.
  if (typed !== undefined && typedCommand === undefined) {
    return { run: false, code: refuseUsage(io, program, undefined, `unknown command ${typed}`) };
  }
  if (before.includes('--help') || before.includes('-h')) {
    io.out(
      program.single === true || typedCommand !== undefined
        ? describeCommand(program, asked as Command)
        : describeProgram(program),
    );
    return { run: false, code: EXIT.ok };
  }

  if (asked === undefined) {
    // An option no command knows is the first thing to fix: named before the missing command.
    const unknown = before.find((arg) => arg.startsWith('-') && findOption(program, arg) === undefined);
    const message = unknown === undefined ? 'no command given' : `unknown option ${unknown.split('=')[0]}`;
    return { run: false, code: refuseUsage(io, program, undefined, message) };
  }
  const spec = program.commands[asked];
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const name of spec.options) {
    const option = program.options[name] as OptionSpec;
    options[name] = {
      type: option.type,
      ...(option.short === undefined ? {} : { short: option.short }),
      ...(option.multiple === true ? { multiple: true } : {}),
    };
  }
  let values: Record<string, unknown>;
  let positionals: string[];
  try {
    const args = fillOptionalValues(program, spec.options, argv);
    ({ values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true }));
  } catch (error) {
    return { run: false, code: refuseUsage(io, program, asked, describeParseError(program, error)) };
  }
  if (typedCommand !== undefined) positionals.splice(positionals.indexOf(typedCommand), 1);
  const [min, max] = spec.positionals;
  if (positionals.length < min || positionals.length > max) {
    const wanted = spec.args ?? 'no argument';
    const message =
      positionals.length > max && max === 0
        ? `takes no argument; not ${positionals.join(' ')}`
        : positionals.length > max
          ? `takes ${wanted}; ${positionals.length - max} too many: ${positionals.slice(max).join(' ')}`
          : `needs ${wanted}`;
    return {
      run: false,
      code: refuseUsage(io, program, asked, `${commandName(program, asked)}${message}`),
    };
  }
  return { run: true, line: { command: asked, positionals, values: values as OptionValues<Options> } };
}

/**
 * The `NAME=VALUE`s of a repeated option (`--var`, `--set`) as a record; the first problem (no `=`, a
 * name given twice) as a message naming `option` otherwise.
 */
export function readNameValues(option: string, written: readonly string[]): Record<string, string> | string {
  const values: Record<string, string> = {};
  for (const entry of written) {
    const at = entry.indexOf('=');
    if (at <= 0) return `${option} takes NAME=VALUE, not ${entry}`;
    const name = entry.slice(0, at);
    if (Object.hasOwn(values, name)) return `${option} ${name} is given twice`;
    values[name] = entry.slice(at + 1);
  }
  return values;
}

/** The first argument that is neither an option nor a string option's value (`--at "2026-10-01 10:00"`). */
function firstWord(program: ProgramSpec, args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('-')) return arg;
    const option = findOption(program, arg);
    if (option?.type !== 'string' || arg.includes('=')) continue;
    if (option.optionalValue !== true || takesNext(args[i + 1])) i++;
  }
  return undefined;
}

/** Whether an option that may go without its value takes the next argument as its value. */
function takesNext(next: string | undefined): boolean {
  return next !== undefined && !next.startsWith('-');
}

/**
 * The arguments with each option of `names` that may go without its value, typed without one, given the
 * empty string (`--llm` as `--llm=`), so that `parseArgs` reads it; nothing after `--` is touched.
 */
function fillOptionalValues(
  program: ProgramSpec,
  names: readonly string[],
  argv: readonly string[],
): string[] {
  const args = [...argv];
  const end = args.indexOf('--');
  for (let i = 0; i < (end === -1 ? args.length : end); i++) {
    const arg = args[i] as string;
    const option = findOption(program, arg);
    const name = Object.keys(program.options).find((long) => program.options[long] === option);
    if (option === undefined || name === undefined || !names.includes(name)) continue;
    if (option.type !== 'string' || arg.includes('=')) continue;
    if (option.optionalValue === true && !takesNext(args[i + 1])) args[i] = `--${name}=`;
    else i++;
  }
  return args;
}

/** The program's option that `arg` (`--name`, `--name=value`, `-x`) names, if any. */
function findOption(program: ProgramSpec, arg: string): OptionSpec | undefined {
  const name = arg.split('=')[0] ?? arg;
  return Object.entries(program.options).find(
    ([long, option]) => name === `--${long}` || (option.short !== undefined && name === `-${option.short}`),
  )?.[1];
}

function commandName<Command extends string>(program: ProgramSpec<OptionSpecs, Command>, command: Command) {
  return program.single === true || command === program.fallback ? '' : `${command} `;
}

/** node's parseArgs errors, in one line naming the option (its own hint about `--` only confuses). */
function describeParseError(program: ProgramSpec, error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  // node names an option with a short form as '-o, --output <value>': the first form is the one to name.
  const option = /'(-{1,2}[^'\s=,]+)/.exec(message)?.[1] ?? '';
  const known = findOption(program, option) !== undefined;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return known ? `${option} does not go with this command` : `unknown option ${option}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = findOption(program, option);
    return spec?.type === 'boolean'
      ? `${option} takes no value`
      : `${option} needs a value${spec?.value === undefined ? '' : ` (${spec.value})`}`;
  }
  return message.split('\n')[0] ?? message;
}

function optionLabel(name: string, option: OptionSpec): string {
  const value = option.value ?? 'VALUE';
  const long = `--${name}${option.type === 'string' ? (option.optionalValue === true ? ` [${value}]` : ` ${value}`) : ''}`;
  return option.short === undefined ? `    ${long}` : `-${option.short}, ${long}`;
}

function table(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}\n`).join('');
}

/** The help of a program with commands: its commands, one line each. */
export function describeProgram<Command extends string>(program: ProgramSpec<OptionSpecs, Command>): string {
  if (program.single === true) return '';
  const names = Object.keys(program.commands) as Command[];
  const typed = names.filter((name) => name !== program.fallback);
  const first = names[0] as Command;
  return (
    `usage: ${invocation(program)} <command> [options]\n` +
    (program.fallback === undefined
      ? ''
      : `       ${invocation(program)} [options]   (${program.fallback})\n`) +
    `\n${program.summary}\n\ncommands:\n` +
    table(typed.map((name) => [name, program.commands[name].summary])) +
    (program.fallback === undefined
      ? ''
      : `  (none)  ${program.fallback}: ${program.commands[program.fallback].summary}\n`) +
    `\nexample:\n  ${invocation(program)} ${program.commands[first].example}\n\n` +
    `'${invocation(program)} <command> --help' shows a command's options. ` +
    'Exit codes: 0 fine, 1 refused or failed, 2 bad command line.\n' +
    (program.fallback === undefined ? '' : describeCommand(program, program.fallback))
  );
}

/** The help of one command: usage, summary, options, details and one example. */
export function describeCommand<Command extends string>(
  program: ProgramSpec<OptionSpecs, Command>,
  command: Command,
): string {
  const spec = program.commands[command];
  const words = commandWords(program, command);
  const rows = spec.options.map(
    (name) =>
      [
        optionLabel(name, program.options[name] as OptionSpec),
        (program.options[name] as OptionSpec).help,
      ] as const,
  );
  rows.push([optionLabel('help', HELP), HELP.help]);
  const separator = program.single === true ? '' : '\n';
  const tail = `${spec.args === undefined ? '' : ` ${spec.args}`}${spec.options.length > 0 ? ' [options]' : ''}`;
  const usage = tail === '' && words === invocation(program) ? `npm run ${program.name}` : `${words}${tail}`;
  return (
    `${separator}usage: ${usage}\n\n` +
    `${program.single === true ? program.summary : spec.summary}\n\noptions:\n${table(rows)}` +
    (spec.details === undefined ? '' : `\n${spec.details.trim()}\n`) +
    `\nexample:\n  ${spec.example === '' ? `npm run ${program.name}` : `${invocation(program)} ${spec.example}`}\n` +
    (program.single === true ? '\nExit codes: 0 fine, 1 refused or failed, 2 bad command line.\n' : '')
  );
}

/**
 * Runs `main` when `moduleFile` is the script node was started with (`tsx scripts/x/y.ts`), then ends the
 * process with its exit code ({@link exitWhenDone}). A `main` that throws is reported in one line, exit 1.
 */
export function runWhenMain(
  moduleFile: string,
  main: (argv: readonly string[], io: CommandIo) => number | Promise<number>,
): void {
  if (process.argv[1] === undefined || resolve(process.argv[1]) !== resolve(moduleFile)) return;
  runMain(main, process.argv.slice(2));
}

/** Runs a command's `main` on the process's streams and ends the process with its exit code. */
export function runMain(
  main: (argv: readonly string[], io: CommandIo) => number | Promise<number>,
  argv: readonly string[],
): void {
  // A reader that stops early (`| head`) closes the pipe: the output is no longer wanted, and that is
  // no failure of the command's, so it ends quietly as a shell's own tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(EXIT.ok);
  });
  Promise.resolve()
    .then(() => main(argv, PROCESS_IO))
    .then(
      (code) => exitWhenDone(code),
      (error: unknown) => {
        process.stderr.write(
          `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        );
        exitWhenDone(EXIT.failed);
      },
    );
}

/**
 * Ends a script's process once its `main` has returned `code`: at once if nothing is left running, else
 * after a short grace, so that a connection or timer something forgot to close cannot keep a finished
 * command (or the `s deploy` that runs it) waiting for ever. Output written before is already out:
 * stdout and stderr are synchronous for files and pipes on Linux and macOS.
 */
export function exitWhenDone(code: number, graceMs = 500): void {
  process.exitCode = code;
  setTimeout(() => process.exit(), graceMs).unref();
}
