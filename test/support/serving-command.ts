/**
 * Runs a command that serves until stopped (`npm start`, `oss:local`, `fc-api:stand-in`, `lookup:stand-in`,
 * `llm:stand-in`) in-process: its output captured, its `main` stopped by an AbortSignal rather than Ctrl-C.
 */
import { createServer } from 'node:net';
import type { ServingIo } from '../../scripts/local/serving';
import { captureIo } from './command-io';

type ServingMain = (argv: readonly string[], io: ServingIo) => Promise<number>;

/** Starts `main`; `printed` waits for a line of its output, `stop` stops it and gives its exit code. */
export function startServing(
  main: ServingMain,
  argv: readonly string[],
  env?: Readonly<Record<string, string | undefined>>,
) {
  const { io, out, err } = captureIo(env);
  const controller = new AbortController();
  const exited = main(argv, { ...io, stop: controller.signal });
  let code: number | undefined;
  exited.then(
    (value) => {
      code = value;
    },
    () => undefined,
  );
  return {
    out,
    err,
    /** The first group of `pattern` in what it wrote, once it has (within 10 s). */
    async printed(pattern: RegExp): Promise<string> {
      const until = Date.now() + 10_000;
      for (;;) {
        const match = pattern.exec([...out, ...err].join(''));
        if (match !== null) return match[1] ?? match[0];
        if (code !== undefined)
          throw new Error(`exited with ${code} before printing ${pattern}: ${err.join('')}`);
        if (Date.now() > until)
          throw new Error(`nothing matched ${pattern} in 10 s: ${[...out, ...err].join('')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    stop(): Promise<number> {
      controller.abort();
      return exited;
    },
  };
}

/** A port someone else listens on, for the "port is taken" messages. */
export async function occupyPort(): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
