/**
 * Serves the built bundles the way an FC 3.0 HTTP trigger calls them: each request becomes an FC event
 * (a JSON Buffer), the bundle's `handler` answers, the result becomes the HTTP response. What runs here
 * is exactly what `s deploy` uploads.
 *
 *   npm start                 build, then serve /inbound, /outbound and /report on PORT (default 9000)
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { buildFcEvent, type FcHandler, loadBuiltHandler } from '../../dev/fc-event';
import { readConfig } from '../../shared/config/config';
import { formatOssUrl, type OssAddress } from '../../shared/oss/oss-address';

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
export function createLocalServer(handlers: Map<string, FcHandler>): Server {
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
          console.error(error);
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

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const port = Number(process.env.PORT ?? 9000);
  const handlers = loadBuiltHandlers();
  if (handlers.size === 0) {
    console.error('no built functions in dist/: run npm run build first');
    process.exit(1);
  }
  let served: ServedConfig = {
    rulesJson: undefined,
    rulesUrl: undefined,
    rulesFile: undefined,
    callbackSecrets: [],
  };
  try {
    served = readConfig(process.env);
  } catch (error) {
    // The functions report a bad environment themselves, on every callback; the banner says so too.
    console.error(`warning: ${error instanceof Error ? error.message : String(error)}`);
  }
  createLocalServer(handlers).listen(port, '127.0.0.1', () => {
    for (const line of describeUsage(port, [...handlers.keys()], served)) console.error(line);
  });
}
