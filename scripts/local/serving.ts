/**
 * What the commands that serve until stopped share (`npm start`, `oss:local`, `fc-api:stand-in`,
 * `lookup:stand-in`): their `--port` option, how they are stopped, and the one line that explains a port
 * that cannot be listened on.
 * Their `main` resolves once the server is closed, so a test runs one in-process and stops it with an
 * `AbortSignal` instead of Ctrl-C.
 */
import type { Server } from 'node:net';
import * as v from 'valibot';
import type { CommandIo, OptionSpec } from '../../dev/command-line';

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
