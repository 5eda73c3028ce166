/**
 * The command lines of the scripts (`npm run rules`, `npm run simulate`): a command, its files and the
 * options it takes, read with node's `parseArgs`; anything else is a {@link UsageError} naming it.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A wrong command line: the scripts print it with their usage and exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Reads `argv` as `<command> <files…> [options]`. Without a command, `fallback` is the command when given
 * (it cannot be typed), else the line is wrong.
 */
export function parseCommand<Options extends NonNullable<ParseArgsConfig['options']>, Command extends string>(
  argv: readonly string[],
  options: Options,
  commands: Readonly<
    Record<Command, { readonly options: readonly (keyof Options)[]; readonly files: readonly number[] }>
  >,
  fallback?: Command,
): { command: Command; files: string[]; values: Record<string, string | boolean | undefined> } {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true }) as {
      values: Record<string, string | boolean | undefined>;
      positionals: string[];
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [typed, ...files] = positionals;
  if (typed === undefined && fallback === undefined) throw new UsageError('no command given');
  if (typed !== undefined && (!Object.hasOwn(commands, typed) || typed === fallback))
    throw new UsageError(`unknown command ${typed}`);
  const command = (typed ?? fallback) as Command;
  const spec = commands[command];
  const allowed: readonly PropertyKey[] = spec.options;
  const wrong = Object.keys(values).filter((name) => !allowed.includes(name));
  if (wrong.length > 0) throw new UsageError(`${typed ?? 'this'} does not take --${wrong.join(', --')}`);
  const [min = 0, max = 0] = spec.files;
  if (files.length < min || files.length > max) {
    throw new UsageError(
      `${command} takes ${max === 0 ? 'no file' : max === 1 ? 'one file' : 'one or more files'}`,
    );
  }
  return { command, files, values };
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
