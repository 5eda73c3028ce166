import { writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type Environment,
  eventAnswer,
  eventFailure,
  failAnswer,
  type HttpAnswer,
  invocationKind,
  lifecycleAnswer,
  readLimits,
  toHttpAnswer,
  tooLargeAnswer,
  toTriggerEvent,
} from '../../shared/fc/custom-runtime';

/** An FC 3.0 event handler: `index.handler` of a bundle. */
export type EventHandler = (event: Buffer, context: unknown) => Promise<unknown>;

export type CustomRuntimeOptions = {
  /**
   * The handler's own body limit (the bundle's `maxBodyBytes`; {@link DEFAULT_MAX_BODY_BYTES}, the largest
   * of the handlers', by default). A forwarded request's body over it is answered 413 unread, as the
   * handler would; an event invocation may carry that body base64-encoded, and a little more.
   */
  readonly maxBodyBytes?: number;
  /**
   * Milliseconds a request may take, body included, before it is answered 504. It mirrors the function's
   * `timeout` in s.yaml (10 s, the default here): FC ends the invocation there anyway.
   */
  readonly deadlineMs?: number;
  /** The clock of the events' `time` (epoch ms). */
  readonly now?: () => number;
  /** Where the server's own log lines go (a refused or failed request): stdout by default. */
  readonly writeLog?: (line: string) => void;
  /** Where the context's keys and region come from first (see `contextOf`): `process.env` by default. */
  readonly env?: Environment;
};

/**
 * The body limit used when a bundle exports none: the largest of the handlers' (a receipt batch, 1 MB).
 * Each bundle exports its own (`maxBodyBytes`), which server.js passes on: 64 KB for a callback.
 */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** The function's `timeout` in s.yaml, in ms. */
export const DEFAULT_DEADLINE_MS = 10_000;

/**
 * An HTTP server for FC's custom runtime that hands every request to `handler` as the built-in runtime
 * would (see shared/fc/custom-runtime.ts), many at once. Keep-alive connections are never closed by the
 * server (`keepAliveTimeout = 0`): FC's front end keeps them, and a closed one fails a POST with 502.
 */
export function createCustomRuntimeServer(handler: EventHandler, options: CustomRuntimeOptions = {}): Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const now = options.now ?? Date.now;
  const env = options.env ?? process.env;
  const log = serverLog(options.writeLog);
  const server = createServer((req, res) => {
    // A reset connection must not become an uncaught 'error': the answer is dropped, nothing else.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const controlPath = req.headers['x-fc-control-path'];
    const kind = invocationKind(
      req.method ?? 'GET',
      req.url ?? '/',
      typeof controlPath === 'string' ? controlPath : undefined,
    );
    // An event invocation that fails says so to FC (x-fc-status: 404), which would take any other
    // answer for the function's result.
    const reported = (answer: HttpAnswer) =>
      kind === 'event' && answer.status !== 200 ? eventFailure(answer) : answer;
    const timer = setTimeout(() => {
      // The handler goes on and logs its own line for this request, with an answer nobody receives:
      // the two lines share the request id.
      log('warn', 'request took too long; answered 504', { requestId: requestIdOf(req), ms: deadlineMs });
      sendAnswer(res, reported(failAnswer(504, 'the function took too long')), log, true, kind);
    }, deadlineMs);
    res.on('close', () => clearTimeout(timer));
    serve(req, handler, kind, { maxBodyBytes, now, log, env })
      .catch(() => failAnswer(500, 'internal error'))
      .then((answer) => sendAnswer(res, reported(answer), log, false, kind))
      .catch(() => undefined);
  });
  server.keepAliveTimeout = 0;
  server.requestTimeout = deadlineMs + 1_000;
  server.headersTimeout = Math.min(deadlineMs, 60_000);
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

export type ServerLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
) => void;

/**
 * The server's few log lines, in the handlers' JSON line shape, with the function's name as FC sets it.
 * Not the handlers' logger: that one reads the configuration, and would double the size of server.js.
 * Nothing here can hold a phone number (ids, statuses, an error's name).
 */
function serverLog(write: (line: string) => void = (line) => writeSync(1, `${line}\n`)): ServerLog {
  const fn = (process.env.FC_FUNCTION_NAME || 'custom-runtime').slice(0, 64);
  return (level, msg, fields) =>
    write(JSON.stringify({ level, msg, time: new Date().toISOString(), fn, ...fields }));
}

function requestIdOf(req: IncomingMessage): string | undefined {
  const id = req.headers['x-fc-request-id'];
  return typeof id === 'string' ? id.slice(0, 128) : undefined;
}

async function serve(
  req: IncomingMessage,
  handler: EventHandler,
  kind: 'event' | 'http',
  options: {
    readonly maxBodyBytes: number;
    readonly now: () => number;
    readonly log: ServerLog;
    readonly env: Environment;
  },
): Promise<HttpAnswer> {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const lifecycle = lifecycleAnswer(method, url);
  if (lifecycle !== undefined) {
    req.resume();
    return lifecycle;
  }
  const limit = readLimits(options.maxBodyBytes)[kind];
  const body = await readBody(req, limit);
  if (body === undefined) {
    options.log('warn', 'request rejected', {
      status: 413,
      reason: 'body too large',
      requestId: requestIdOf(req),
    });
    return tooLargeAnswer(limit);
  }
  const forwarded = toTriggerEvent(
    {
      method,
      url,
      rawHeaders: req.rawHeaders,
      body,
      remoteAddress: req.socket.remoteAddress,
      httpVersion: req.httpVersion,
    },
    options.now(),
    options.env,
  );
  // An event invocation's body is the event itself; the handler's own gate checks it as ever.
  const event = kind === 'event' ? body : forwarded.event;
  const { context } = forwarded;
  try {
    const result = await handler(event, context);
    return kind === 'event' ? eventAnswer(result) : toHttpAnswer(result);
  } catch (error) {
    // The error's name only: its message could quote the request.
    options.log('error', 'request handler crashed', {
      requestId: context.requestId,
      error: { name: error instanceof Error ? error.name : typeof error },
    });
    return failAnswer(500, 'internal error');
  }
}

/** The body, or `undefined` once it passes `maxBodyBytes` (the rest is not read). */
function readBody(req: IncomingMessage, maxBodyBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBodyBytes) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) {
        req.removeAllListeners('data');
        req.removeAllListeners('end');
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/**
 * Writes `answer` unless an answer went already. It never throws: should Node refuse the answer, the
 * client gets a plain 500 if nothing was sent yet, else its connection is cut; the server logs it once.
 */
export function sendAnswer(
  res: ServerResponse,
  answer: HttpAnswer,
  log: ServerLog,
  close = false,
  kind: 'event' | 'http' = 'http',
): void {
  if (res.headersSent || res.destroyed) return;
  try {
    // The body may still be arriving (a refused one): the connection is closed after this answer.
    if (close || !res.req.complete) res.setHeader('connection', 'close');
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
    res.end(answer.body);
  } catch (error) {
    log('error', 'answer could not be sent', {
      requestId: requestIdOf(res.req),
      error: { name: error instanceof Error ? error.name : typeof error },
    });
    try {
      if (res.headersSent) throw new Error('headers sent');
      // An event's failure must say so to FC (x-fc-status), or FC takes it for the function's result.
      const failed = failAnswer(500, 'internal error');
      const fallback = kind === 'event' ? eventFailure(failed) : failed;
      res.removeHeader('connection');
      res.writeHead(fallback.status, {
        ...fallback.headers,
        'content-length': String(fallback.body.length),
        connection: 'close',
      });
      res.end(fallback.body);
    } catch {
      res.destroy();
    }
  }
}

/**
 * Starts the server on `0.0.0.0:FC_SERVER_PORT` (9000 by default), as FC's custom runtime expects, and
 * logs one line once it listens (with the port: `FC_SERVER_PORT=0` picks a free one, for tests).
 */
export function startCustomRuntime(
  handler: EventHandler,
  env: Environment = process.env,
  options: { readonly maxBodyBytes?: number | undefined } = {},
): Server {
  const port = Number(env.FC_SERVER_PORT || 9000);
  const host = env.FC_SERVER_HOST || '0.0.0.0';
  const server = createCustomRuntimeServer(handler, {
    env,
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  const log = serverLog();
  server.listen(Number.isInteger(port) && port >= 0 && port < 65536 ? port : 9000, host, () => {
    const address = server.address();
    log('info', 'custom runtime listening', {
      port: typeof address === 'object' && address !== null ? address.port : port,
    });
  });
  return server;
}
