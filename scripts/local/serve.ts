/**
 * `npm start`: builds the bundles, then serves them the way an FC 3.0 HTTP trigger calls them: each
 * request becomes an FC event (a JSON Buffer), the bundle's `handler` answers, the result becomes the HTTP
 * response. What runs here is exactly what `s deploy` uploads.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { buildFcEvent, type FcHandler, loadBuiltHandler } from '../../dev/fc-event';
import { readConfig } from '../../shared/config/config';
import { formatOssUrl, type OssAddress } from '../../shared/oss/oss-address';
import { buildBundles } from '../build/build';
import { listenOn, portOption, readPort, type ServingIo, startListening, waitUntilStopped } from './serving';

/** The port `npm start` listens on unless `--port` or PORT says otherwise. */
export const START_PORT = 9000;

export const PROGRAM = {
  name: 'start',
  summary:
    "Builds the bundles, then serves them on 127.0.0.1 as FC 3.0's HTTP triggers call them (/inbound, /outbound, /report) until Ctrl-C.",
  single: true,
  options: { port: portOption(`PORT, else ${START_PORT}`) },
  commands: {
    start: {
      summary: 'build and serve the functions',
      positionals: [0, 0],
      options: ['port'],
      example: '--port 9001',
      details: `
The functions read their variables from this shell (CALLBACK_SECRETS, STATE_SECRETS, RULES, RULES_FILE,
RULES_URL...), as s.yaml deploys them. The build's sizes and the banner (with a curl to try) go to stderr;
stdout carries what the functions log, one JSON object a line.`,
    },
  },
} as const satisfies ProgramSpec;

/** What `main` runs besides the server: the build (a test passes one that builds nothing). */
export interface StartDeps {
  readonly build: (io: CommandIo) => Promise<void>;
}

const BUILD: StartDeps = {
  // The sizes on stderr, beside the banner: stdout is the functions' log.
  build: (io) => buildBundles({ io: { out: io.err, err: io.err } }),
};

const root = resolve(import.meta.dirname, '../..');
/** Requests larger than this are cut off, as FC's own front end would (32 MB there; far less needed). */
const MAX_REQUEST_BYTES = 8 * 1024 * 1024;

/** Loads `dist/<name>/index.js` of every built function. */
export function loadBuiltHandlers(distDir = join(root, 'dist')): Map<string, FcHandler> {
  const handlers = new Map<string, FcHandler>();
  for (const name of readdirSync(distDir).sort()) {
    if (statSync(join(distDir, name, 'index.js'), { throwIfNoEntry: false })?.isFile() !== true) continue;
    handlers.set(name, loadBuiltHandler(name, distDir));
  }
  return handlers;
}

/** Joins repeated values with commas, as the FC trigger does. */
function joinRepeated(pairs: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of pairs) out[key] = key in out ? `${out[key]},${value}` : value;
  return out;
}

function rawHeaderPairs(req: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    pairs.push([req.rawHeaders[i] ?? '', req.rawHeaders[i + 1] ?? '']);
  return pairs;
}

/**
 * Builds the FC 3.0 HTTP trigger event for a request. Text bodies travel as they are; anything else
 * (forms included, as seen on FC) travels base64-encoded, so both decoding paths run locally.
 */
export function toFcEvent(
  req: IncomingMessage,
  body: Buffer,
  rawPath: string,
  query: URLSearchParams,
): Buffer {
  const contentType = String(req.headers['content-type'] ?? '');
  const isText = body.length === 0 || /json|text\//i.test(contentType);
  return buildFcEvent({
    method: req.method ?? 'GET',
    path: rawPath,
    body: isText ? body.toString('utf8') : body,
    base64: !isText,
    headers: joinRepeated(rawHeaderPairs(req)),
    query: joinRepeated(query.entries()),
    domainName: String(req.headers.host ?? 'localhost'),
    protocol: `HTTP/${req.httpVersion}`,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    userAgent: String(req.headers['user-agent'] ?? ''),
    requestId: randomUUID(),
    time: new Date(),
  });
}

/** An HTTP server routing `/<function>/…` to that function's built handler. */
export function createLocalServer(handlers: Map<string, FcHandler>, io: CommandIo = PROCESS_IO): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end('{"result":"fail","msg":"request too large","data":{}}');
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const name = url.pathname.split('/').filter(Boolean)[0] ?? '';
      const handler = handlers.get(name);
      if (handler === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            result: 'fail',
            msg: `no function at /${name}; try ${[...handlers.keys()].map((n) => `/${n}`).join(', ')}`,
            data: {},
          }),
        );
        return;
      }
      const event = toFcEvent(req, Buffer.concat(chunks), url.pathname, url.searchParams);
      const context = {
        requestId: randomUUID(),
        function: { name, handler: 'index.handler', memory: 256, timeout: 10 },
        region: 'local',
        accountId: 'local',
      };
      handler(event, context).then(
        (result) => {
          const body = result.body ?? '';
          res.writeHead(result.statusCode, result.headers ?? {});
          res.end(result.isBase64Encoded === true ? Buffer.from(body, 'base64') : body);
        },
        (error: unknown) => {
          io.err(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
          res
            .writeHead(502, { 'content-type': 'application/json' })
            .end('{"result":"fail","msg":"function error","data":{}}');
        },
      );
    });
  });
}

/** What the local server serves, for its banner: the rules' source, as the functions will read it. */
type ServedConfig = {
  readonly rulesJson: string | undefined;
  readonly rulesUrl: OssAddress | undefined;
  readonly rulesFile: string | undefined;
  readonly callbackSecrets: readonly string[];
};

/**
 * The banner `npm start` prints: what is served and a `curl` that works as printed, with the first
 * callback secret in the path when secrets are set (the functions answer 403 without it).
 */
export function describeUsage(port: number, names: readonly string[], config: ServedConfig): string[] {
  const base = `http://127.0.0.1:${port}`;
  const content = JSON.stringify({ caller: '13800138000', callee: '05923391657' });
  const rules =
    config.rulesJson !== undefined
      ? 'the rules in RULES'
      : config.rulesUrl !== undefined
        ? `the rules in ${formatOssUrl(config.rulesUrl)} (the status at /inbound says whether they loaded)`
        : config.rulesFile !== undefined
          ? `the rules in ${config.rulesFile}`
          : 'the embedded default hotline';
  const secret = config.callbackSecrets[0];
  const path = secret === undefined ? '/inbound' : `/inbound/${secret}`;
  return [
    `vms-callflow: serving ${names.map((n) => `/${n}`).join(', ')} on ${base}, answering with ${rules}`,
    `Try a callin${secret === undefined ? '' : ' (with the first of CALLBACK_SECRETS in the path)'}:`,
    `  curl -s ${base}${path} --data-urlencode content_type=callin --data-urlencode 'content=${content}' --data-urlencode 'call_id=130301340124^117079730123' --data-urlencode timestamp=${Date.now()}`,
    'Then send the reply\'s dynamic_id back with the next event, e.g. content={"dtmf_digits":"1","dynamic_id":"…"}',
  ];
}

/** Builds, then serves until stopped (Ctrl-C, or `io.stop` in a test); the exit code once closed. */
export async function main(
  argv: readonly string[],
  io: ServingIo = PROCESS_IO,
  deps: StartDeps = BUILD,
): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const env = io.env ?? process.env;
  const typed = read.line.values.port;
  const port = readPort(typed ?? env.PORT, typed === undefined ? 'PORT' : '--port', START_PORT);
  if ('error' in port) return refuseUsage(io, PROGRAM, 'start', port.error);
  // The port is taken before the build, so that a port in use is said at once, not after seconds of building.
  const handlers = new Map<string, FcHandler>();
  const server = createLocalServer(handlers, io);
  const how = '--port N (npm start -- --port 9001) or PORT=N';
  const started = await startListening(io, 'start', port.port, how, () =>
    listenOn(server, port.port).then(() => server),
  );
  if (started === undefined) return EXIT.failed;
  const close = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  try {
    await deps.build(io);
  } catch (error) {
    await close();
    throw error;
  }
  for (const [name, handler] of loadBuiltHandlers()) handlers.set(name, handler);
  if (handlers.size === 0) {
    await close();
    io.err(
      'start: the build left no function in dist/: see its errors above, fix them and run npm start again\n',
    );
    return EXIT.failed;
  }
  let served: ServedConfig = {
    rulesJson: undefined,
    rulesUrl: undefined,
    rulesFile: undefined,
    callbackSecrets: [],
  };
  try {
    served = readConfig(env);
  } catch (error) {
    // The functions report a bad environment themselves, on every callback; the banner says so too.
    io.err(`warning: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  const { port: listening } = server.address() as AddressInfo;
  for (const line of describeUsage(listening, [...handlers.keys()], served)) io.err(`${line}\n`);
  io.err('Ctrl-C stops it.\n');
  await waitUntilStopped(io.stop);
  await close();
  return EXIT.ok;
}

runWhenMain(import.meta.filename, main);
