/**
 * A local stand-in for the HTTP endpoints that rules' lookups call, on 127.0.0.1: it answers GET and POST
 * by path from a table of JSON answers, and misbehaves on demand, in every way the lookup client
 * (shared/lookup/lookup-client.ts) must survive. Tests start it with {@link startLookupServer};
 * `npm run lookup:stand-in` serves it until Ctrl-C.
 *
 * A path's mode says how it answers ({@link MODES}); `?mode=…` on any request wins over it, and reaches
 * the hostile modes on a path the table does not list (whose answer is then `{}`; without a mode, a 404).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as v from 'valibot';
import {
  flood,
  type Later,
  readBody,
  sendBroken,
  sendBytes,
  sendJson,
  sendText,
  serveStandIn,
} from './stand-in-http';

/** How a path answers (see the table above), read from its text by {@link parseMode}. */
export type LookupMode =
  | { readonly kind: 'ok' | 'hang' | 'trickle' | 'huge' | 'not-json' | 'not-utf8' | 'empty' | 'reset' }
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'redirect' | 'status'; readonly status: number }
  | { readonly kind: 'lie-length'; readonly short: boolean }
  | { readonly kind: 'deep'; readonly depth: number };

/** Every mode as it is typed, and what it answers: for `--help` (and docs/reference/cli.md). */
export const MODES: readonly (readonly [typed: string, answer: string])[] = [
  ['ok', "the path's answer as JSON, with its status (200)"],
  ['hang', 'nothing, ever (until the client or the stand-in closes the connection)'],
  ['slow:<ms>', 'the ok answer, after <ms> milliseconds'],
  ['trickle', '200, then one space every 100 ms, for ever'],
  ['redirect[:<3xx>]', '302 (or the code) to the same path with ?followed=1'],
  ['status:<code>', 'that status, with a JSON error'],
  ['lie-length', 'Content-Length 16, then a megabyte'],
  ['lie-length:short', 'Content-Length 1000, then 11 bytes, then the connection closed'],
  ['huge', '4 MB of JSON, chunked (no Content-Length)'],
  ['deep[:<n>]', 'arrays nested 100,000 (or <n>) deep'],
  ['not-json', '200 with an HTML page'],
  ['not-utf8', '200 with a JSON string of bytes that are not UTF-8'],
  ['empty', '200 with an empty body'],
  ['reset', 'the connection reset (RST), no answer'],
];

/** The modes' names, for the error that answers an unknown one. */
export const MODE_NAMES = MODES.map(([typed]) => typed).join(', ');

const SIMPLE_MODES = ['ok', 'hang', 'trickle', 'huge', 'not-json', 'not-utf8', 'empty', 'reset'] as const;

/** A mode from its text (`slow:250`), or undefined when it is none. */
export function parseMode(text: string): LookupMode | undefined {
  const simple = SIMPLE_MODES.find((name) => name === text);
  if (simple !== undefined) return { kind: simple };
  const [name, value, ...rest] = text.split(':');
  if (rest.length > 0) return undefined;
  const number = value === undefined || !/^\d{1,7}$/.test(value) ? undefined : Number(value);
  switch (name) {
    case 'slow':
      return number === undefined ? undefined : { kind: 'slow', ms: number };
    case 'redirect':
      if (value === undefined) return { kind: 'redirect', status: 302 };
      return number !== undefined && number >= 300 && number <= 399
        ? { kind: 'redirect', status: number }
        : undefined;
    case 'status':
      return number !== undefined && number >= 100 && number <= 599
        ? { kind: 'status', status: number }
        : undefined;
    case 'lie-length':
      if (value === undefined) return { kind: 'lie-length', short: false };
      return value === 'short' ? { kind: 'lie-length', short: true } : undefined;
    case 'deep':
      if (value === undefined) return { kind: 'deep', depth: DEEP_DEFAULT };
      return number !== undefined && number >= 1 ? { kind: 'deep', depth: number } : undefined;
    default:
      return undefined;
  }
}

const ModeSchema = v.pipe(
  v.string(),
  v.check((text) => parseMode(text) !== undefined, `a mode is one of ${MODE_NAMES}`),
);

/** What one path answers. */
export const LookupRouteSchema = v.strictObject({
  /** The JSON answer (`{}` when absent). */
  answer: v.optional(v.unknown()),
  /** The status of an `ok` answer. */
  status: v.optional(v.pipe(v.number(), v.integer(), v.minValue(200), v.maxValue(599))),
  /** How it answers; `ok` by default. */
  mode: v.optional(ModeSchema),
  /** Answers the request itself (method, path, query, JSON body) instead of `answer`. */
  echo: v.optional(v.boolean()),
  /** Headers the request must carry, exactly: any other is answered 401 (secrets are checked, not recorded). */
  requireHeaders: v.optional(v.record(v.string(), v.string())),
});
export type LookupRoute = v.InferOutput<typeof LookupRouteSchema>;

/** The table of answers by path (`/balance`), as options or a YAML or JSON file give it. */
export const LookupRoutesSchema = v.record(
  v.pipe(v.string(), v.regex(/^\/\S*$/, 'a path starts with /')),
  LookupRouteSchema,
);
export type LookupRoutes = v.InferOutput<typeof LookupRoutesSchema>;

/** One request as the stand-in saw it; the values of secret-looking headers masked. */
export type LookupServerRequest = {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** The body as text, its first {@link MAX_BODY_BYTES} bytes. */
  readonly body: string;
  /** The mode it was answered in (`?mode=` or the path's). */
  readonly mode: string;
};

export type LookupServerOptions = {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly routes?: LookupRoutes;
  /** Called with each request as it arrives (the command prints them). */
  readonly onRequest?: (request: LookupServerRequest) => void;
  /**
   * Picks the route of each request instead of the table (the fuzz's hostile mix: a mode, an answer, per
   * request); undefined falls back to the table.
   */
  readonly chooseRoute?: (request: Omit<LookupServerRequest, 'mode'>) => LookupRoute | undefined;
  /** Whether {@link LookupServer.requests} keeps every request (the default); a long run keeps none. */
  readonly record?: boolean;
  /**
   * How long an idle keep-alive connection is kept, ms (node's 5 s by default). Shorter, the open
   * connections left at any moment are the ones a client still holds in the middle of an exchange.
   */
  readonly idleMs?: number;
};

export type LookupServer = {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Every request, in the order they arrived (none when started with `record: false`). */
  readonly requests: readonly LookupServerRequest[];
  /** The connections open now, whatever their state: a client that gave up must have closed its own. */
  openSockets(): number;
  /** Destroys every open connection and goes on listening, as a server that closed its idle ones. */
  dropConnections(): void;
  /** Stops listening, and destroys every connection, hanging and trickling ones included. */
  stop(): Promise<void>;
};

/** The value a masked header is recorded with. */
export const MASKED = '***';
/** Header names whose values are secrets: recorded as {@link MASKED}. */
const SECRET_HEADER = /auth|token|secret|key|sign|cookie|pass|session|credential/i;
/** The largest request body read, bytes: a lookup sends a small flat JSON object. */
const MAX_BODY_BYTES = 64 * 1024;
const DEEP_DEFAULT = 100_000;
const TRICKLE_EVERY_MS = 100;
const HUGE_BYTES = 4 * 1024 * 1024;
const LIE_SMALL_LENGTH = 16;
const LIE_SENT_BYTES = 1024 * 1024;

/** Starts the stand-in on 127.0.0.1; resolves once it listens. */
export async function startLookupServer(options: LookupServerOptions = {}): Promise<LookupServer> {
  const routes = new Map(Object.entries(options.routes ?? {}));
  const requests: LookupServerRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse, later: Later): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const { text: body } = await readBody(req, MAX_BODY_BYTES);
    const seen = {
      method: req.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: maskHeaders(req.headers),
      body,
    };
    const route = options.chooseRoute?.(seen) ?? routes.get(url.pathname);
    const modeText = url.searchParams.get('mode') ?? route?.mode ?? 'ok';
    const record: LookupServerRequest = { ...seen, mode: modeText };
    if (options.record !== false) requests.push(record);
    options.onRequest?.(record);
    const mode = parseMode(modeText);
    const refusal = refuseRequest(req, mode, route);
    if (mode === undefined || refusal !== undefined) {
      sendJson(res, refusal?.status ?? 400, { error: refusal?.error });
      return;
    }
    const answerOk = () => {
      if (route !== undefined) {
        sendJson(res, route.status ?? 200, route.echo === true ? echoOf(record) : (route.answer ?? {}));
      } else if (modeText === 'ok') sendJson(res, 404, { error: `no answer for ${url.pathname}` });
      else sendJson(res, 200, {});
    };
    answerIn(mode, req, res, url, answerOk, later);
  };

  const http = await serveStandIn(handle, {
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.idleMs === undefined ? {} : { idleMs: options.idleMs }),
  });
  return {
    url: http.origin,
    requests,
    openSockets: http.openSockets,
    dropConnections: http.dropConnections,
    stop: http.stop,
  };
}

/** Why a request gets an error instead of its mode's answer: an unknown mode, method, or a missing header. */
function refuseRequest(
  req: IncomingMessage,
  mode: LookupMode | undefined,
  route: LookupRoute | undefined,
): { readonly status: number; readonly error: string } | undefined {
  if (mode === undefined) return { status: 400, error: `unknown mode; one of ${MODE_NAMES}` };
  if (req.method !== 'GET' && req.method !== 'POST') return { status: 405, error: 'GET or POST only' };
  if (!hasHeaders(req, route?.requireHeaders)) {
    return { status: 401, error: 'a required header is missing or different' };
  }
  return undefined;
}

/** Answers in `mode`; `answerOk` sends the path's normal answer. */
function answerIn(
  mode: LookupMode,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  answerOk: () => void,
  later: Later,
): void {
  const socket = req.socket;
  switch (mode.kind) {
    case 'ok':
      answerOk();
      break;
    case 'hang':
      break;
    case 'slow':
      later(mode.ms, () => {
        if (!socket.destroyed) answerOk();
      });
      break;
    case 'trickle':
      res.writeHead(200, { 'content-type': 'application/json' });
      drip(res, later);
      break;
    case 'redirect':
      res.writeHead(mode.status, { location: `${url.pathname}?followed=1`, 'content-length': '0' }).end();
      break;
    case 'status':
      sendJson(res, mode.status, { error: `status ${mode.status}, as asked` });
      break;
    case 'lie-length':
      // Raw bytes: node's own response would not send a body that disagrees with its Content-Length.
      socket.end(
        mode.short
          ? `${head(200, 1000)}{"partial":`
          : `${head(200, LIE_SMALL_LENGTH)}[${'0,'.repeat(LIE_SENT_BYTES / 2)}0]`,
      );
      break;
    case 'huge':
      res.writeHead(200, { 'content-type': 'application/json' });
      flood(res, '[', Buffer.from('0,'.repeat(32 * 1024)), HUGE_BYTES, '0]');
      break;
    case 'deep':
      sendText(res, 200, 'application/json', `${'['.repeat(mode.depth)}${']'.repeat(mode.depth)}`);
      break;
    case 'not-utf8':
      // ["\xff\xfe"]: a JSON string whose bytes are not UTF-8.
      sendBytes(res, 200, 'application/json', Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]));
      break;
    case 'not-json':
    case 'empty':
    case 'reset':
      sendBroken(res, mode.kind);
      break;
  }
}

/** Writes one space every {@link TRICKLE_EVERY_MS}, until the client leaves or the stand-in stops. */
function drip(res: ServerResponse, later: Later): void {
  if (res.destroyed) return;
  res.write(' ');
  later(TRICKLE_EVERY_MS, () => drip(res, later));
}

/** A status line and headers, raw, with a Content-Length of the stand-in's choosing. */
function head(status: number, contentLength: number): string {
  return `HTTP/1.1 ${status} OK\r\ncontent-type: application/json\r\ncontent-length: ${contentLength}\r\nconnection: close\r\n\r\n`;
}

/** What an `echo` path answers: the request, its body parsed when it is JSON. */
function echoOf(request: LookupServerRequest): unknown {
  let body: unknown = request.body;
  try {
    body = request.body === '' ? undefined : JSON.parse(request.body);
  } catch {
    // Kept as text.
  }
  return { method: request.method, path: request.path, query: request.query, body };
}

/** Whether the request carries each of `required`, with exactly its value. */
function hasHeaders(req: IncomingMessage, required: Readonly<Record<string, string>> | undefined): boolean {
  return Object.entries(required ?? {}).every(([name, value]) => req.headers[name.toLowerCase()] === value);
}

/** The headers as recorded: secret-looking ones masked, repeated ones joined. */
function maskHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADER.test(name) ? MASKED : Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
