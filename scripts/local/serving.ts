/**
 * What the commands that serve until stopped share (`npm start`, `oss:local`, `fc-api:stand-in`,
 * `lookup:stand-in`, `llm:stand-in`): their `--port` option, how they are stopped, the one line that
 * explains a port that cannot be listened on, and, for the stand-ins, their answers file and the list of
 * their modes in `--help`.
 * Their `main` resolves once the server is closed, so a test runs one in-process and stops it with an
 * `AbortSignal` instead of Ctrl-C.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:net';
import { resolve } from 'node:path';
import * as v from 'valibot';
import type { CommandIo, OptionSpec } from '../../dev/command-line';
import { parseYaml } from '../../shared/rules/yaml-parser';

/** A serving command's streams, plus what stops it and the variables it reads (by default: Ctrl-C, the process's). */
export interface ServingIo extends CommandIo {
  /** Stops the server when aborted; without it, SIGINT (Ctrl-C) or SIGTERM does. */
  readonly stop?: AbortSignal;
  /** The shell's variables (PORT, the functions' own); `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const PORT_MESSAGE = 'a port is a whole number from 0 to 65535';

export const PortSchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,5}$/, PORT_MESSAGE),
  v.transform(Number),
  v.maxValue(65535, PORT_MESSAGE),
);

/** The `--port` option, with the help line that names its default. */
export function portOption(byDefault: string): OptionSpec {
  return {
    type: 'string',
    value: 'N',
    help: `listen on 127.0.0.1:N (default: ${byDefault}; 0 picks a free port)`,
  };
}

/** Reads a port typed as `--port` (or PORT): the port, or the message of a usage error. */
export function readPort(
  typed: string | undefined,
  from: string,
  byDefault: number,
): { readonly port: number } | { readonly error: string } {
  if (typed === undefined) return { port: byDefault };
  const port = v.safeParse(PortSchema, typed);
  return port.success ? { port: port.output } : { error: `${from}: ${port.issues[0].message}; not ${typed}` };
}

/** Resolves once `stop` is aborted or, without it, once the process gets SIGINT or SIGTERM. */
export function waitUntilStopped(stop: AbortSignal | undefined): Promise<void> {
  if (stop !== undefined) {
    return stop.aborted
      ? Promise.resolve()
      : new Promise((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/**
 * One line for a port that cannot be listened on, naming what to do; undefined for any other error.
 * `how` says how another port is picked (`--port N or PORT=N`).
 */
export function describeListenError(error: unknown, port: number, how: string): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE') {
    return `port ${port} is already in use (another server, perhaps this one started earlier): stop it, or pick another port with ${how}`;
  }
  if (code === 'EACCES') {
    return `port ${port} needs privileges this user does not have: pick one above 1023 with ${how}`;
  }
  return undefined;
}

/** How a stand-in that picks a free port by default is given another. */
export const FREE_PORT_HOW = '--port N, or leave it out for a free port';

/**
 * Starts a server with `start`; when its port cannot be listened on, says why in one line on stderr,
 * `how` naming the way to pick another, and gives undefined (the command then exits 1). Any other error
 * is thrown.
 */
export async function startListening<Started>(
  io: CommandIo,
  command: string,
  port: number,
  how: string,
  start: () => Promise<Started>,
): Promise<Started | undefined> {
  try {
    return await start();
  } catch (error) {
    const line = describeListenError(error, port, how);
    if (line === undefined) throw error;
    io.err(`${command}: ${line}\n`);
    return undefined;
  }
}

/** Listens on 127.0.0.1:`port`; rejects with the listen error (EADDRINUSE…) rather than throwing it later. */
export function listenOn(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A stand-in's modes, one a line, as its `--help` lists them. */
export function describeModes(modes: readonly (readonly [typed: string, answer: string])[]): string {
  const width = Math.max(...modes.map(([typed]) => typed.length));
  return modes.map(([typed, answer]) => `  ${typed.padEnd(width)}  ${answer}`).join('\n');
}

/**
 * A stand-in's answers file, parsed (`.yaml`/`.yml` as YAML, anything else as JSON) and checked with
 * `schema`: its content, or one line per mistake.
 */
export function readAnswersFile<Schema extends v.GenericSchema>(
  file: string,
  schema: Schema,
):
  | { readonly ok: true; readonly answers: v.InferOutput<Schema> }
  | { readonly ok: false; readonly errors: string[] } {
  let document: unknown;
  try {
    const text = readFileSync(resolve(file), 'utf8');
    document = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, errors: [typeof code === 'string' ? `cannot read it (${code})` : String(error)] };
  }
  const parsed = v.safeParse(schema, document);
  if (parsed.success) return { ok: true, answers: parsed.output };
  return {
    ok: false,
    errors: parsed.issues.map((issue) => `${v.getDotPath(issue) ?? '(file)'}: ${issue.message}`),
  };
}
