/**
 * Serves the lookup stand-in (dev/lookup-server.ts) on 127.0.0.1 until Ctrl-C: JSON answers by path,
 * from a YAML or JSON file or a small built-in table, and every way of misbehaving the lookup client is
 * tested against, for trying a rules document's lookups (and their `onError`) without the real endpoint.
 */
import {
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import {
  type LookupRoutes,
  LookupRoutesSchema,
  type LookupServerRequest,
  MODES,
  startLookupServer,
} from '../../dev/lookup-server';
import {
  describeModes,
  FREE_PORT_HOW,
  portOption,
  readAnswersFile,
  readPort,
  type ServingIo,
  startListening,
  waitUntilStopped,
} from './serving';

export const PROGRAM = {
  name: 'lookup:stand-in',
  summary:
    'Serves a stand-in for the HTTP endpoints of lookups on 127.0.0.1: JSON answers by path, and on demand every way an endpoint can misbehave (hang, trickle, redirect, lie about its length…), until Ctrl-C.',
  single: true,
  options: {
    port: portOption('a free one'),
    answers: {
      type: 'string',
      value: 'FILE',
      help: 'the answers by path, a YAML or JSON file (default: /balance and /echo)',
    },
  },
  commands: {
    'lookup:stand-in': {
      summary: 'serve the lookup stand-in',
      positionals: [0, 0],
      options: ['port', 'answers'],
      example: '--port 9500 --answers lookups.yaml',
      details: `
The answers file maps each path to its answer, status and mode, for example:

  /balance: {answer: {balance: 128.5, currency: CNY}}
  /down: {mode: "status:503"}
  /account: {answer: {owner: A}, requireHeaders: {authorization: Bearer test-token}}
  /echo: {echo: true}

requireHeaders answers 401 unless the request carries each header with exactly that value; echo answers
the request itself (method, path, query, JSON body). Any request may add ?mode=MODE, which wins over the
path's own mode, on any path (one the file does not list then answers {}):

${describeModes(MODES)}

It prints one line per request (method, path, query, mode), never its headers.`,
    },
  },
} as const satisfies ProgramSpec;

/** What the stand-in answers when no file is given: enough to try a GET, a POST and the modes. */
export const DEFAULT_ROUTES: LookupRoutes = {
  '/balance': { answer: { balance: 128.5, currency: 'CNY' } },
  '/echo': { echo: true },
};

/** Serves the stand-in until stopped (Ctrl-C, or `io.stop` in a test); the exit code once closed. */
export async function main(argv: readonly string[], io: ServingIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const port = readPort(read.line.values.port, '--port', 0);
  if ('error' in port) return refuseUsage(io, PROGRAM, 'lookup:stand-in', port.error);
  const file = read.line.values.answers;
  const routes =
    file === undefined
      ? { ok: true as const, answers: DEFAULT_ROUTES }
      : readAnswersFile(file, LookupRoutesSchema);
  if (!routes.ok) {
    io.err(routes.errors.map((line) => `lookup:stand-in: ${file}: ${line}\n`).join(''));
    return EXIT.failed;
  }
  const server = await startListening(io, 'lookup:stand-in', port.port, FREE_PORT_HOW, () =>
    startLookupServer({
      port: port.port,
      routes: routes.answers,
      onRequest: (request) => io.out(`${describeRequest(request)}\n`),
    }),
  );
  if (server === undefined) return EXIT.failed;
  io.out(`${describeStandIn(server.url, routes.answers).join('\n')}\n`);
  await waitUntilStopped(io.stop);
  await server.stop();
  return EXIT.ok;
}

/** The banner: where it listens, what each path answers, and how to ask for a mode. */
export function describeStandIn(url: string, routes: LookupRoutes): string[] {
  const paths = Object.keys(routes);
  const width = Math.max(0, ...paths.map((path) => path.length));
  const first = paths[0] ?? '/any';
  return [
    `Lookup stand-in on ${url}, answering:`,
    ...Object.entries(routes).map(([path, route]) => {
      const what = route.echo === true ? 'the request itself' : JSON.stringify(route.answer ?? {});
      return `  ${path.padEnd(width)}  ${route.mode ?? 'ok'}: ${what}`;
    }),
    'Any path takes ?mode=MODE (npm run lookup:stand-in -- --help lists them), e.g.',
    '',
    `  curl -i '${url}${first}?mode=slow:2000'`,
    '',
    'Ctrl-C stops it.',
  ];
}

/** One request as printed: method, path and query, and the mode it was answered in. */
function describeRequest(request: LookupServerRequest): string {
  const query = new URLSearchParams(request.query).toString();
  return `${request.method} ${request.path}${query === '' ? '' : `?${query}`} (${request.mode})`;
}

runWhenMain(import.meta.filename, main);
