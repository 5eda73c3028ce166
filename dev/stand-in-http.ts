/**
 * What the HTTP stand-ins that misbehave on demand share (the lookup stand-in, dev/lookup-server.ts, and
 * the language-model one, dev/llm-server.ts): a server on 127.0.0.1 that tracks every connection and
 * every timer it sets, so that stopping it ends hanging and slow exchanges too and a test that stops one
 * leaves no handle behind; the body read within a limit; and the few ways of answering they both use.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Runs `then` after `ms`, unless the stand-in stops first. */
export type Later = (ms: number, then: () => void) => void;

/** Answers one request; a rejection destroys the connection. */
export type StandInHandler = (req: IncomingMessage, res: ServerResponse, later: Later) => Promise<void>;

export type StandInHttp = {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The connections open now, whatever their state. */
  openSockets(): number;
  /** Destroys every open connection and goes on listening, as a server that closed its idle ones. */
  dropConnections(): void;
  /** Stops listening, clears the timers, and destroys every connection; resolves once all have closed. */
  stop(): Promise<void>;
};

/** Listens on 127.0.0.1 (`port` 0: a free one) with `handle`; resolves once it listens. */
export async function serveStandIn(
  handle: StandInHandler,
  options: { readonly port?: number; readonly idleMs?: number } = {},
): Promise<StandInHttp> {
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const later: Later = (ms, then) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      then();
    }, ms);
    timers.add(timer);
  };
  const server = createServer((req, res) => {
    handle(req, res, later).catch(() => res.destroy());
  });
  if (options.idleMs !== undefined) server.keepAliveTimeout = options.idleMs;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    openSockets: () => sockets.size,
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // Resolved once every connection has closed, not only once the server stopped listening.
      const closed = [...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve)));
      const stopped = new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      });
      for (const socket of sockets) socket.destroy();
      await Promise.all([stopped, ...closed]);
    },
  };
}

/**
 * The body as text, its first `maxBytes` bytes, and how many bytes it had: the rest is read and dropped,
 * so that a refusal of a body too large reaches a client still sending it, instead of a reset.
 */
export async function readBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<{ readonly text: string; readonly bytes: number }> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (bytes < maxBytes) chunks.push(chunk);
    bytes += chunk.length;
  }
  return { text: Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8'), bytes };
}

/**
 * Writes `head`, then `filler` until at least `bytes` are sent, then `tail`, as fast as the client reads
 * (no Content-Length: chunked), until it is sent or the client leaves.
 */
export function flood(res: ServerResponse, head: string, filler: Buffer, bytes: number, tail: string): void {
  let sent = 0;
  res.write(head);
  const pump = () => {
    while (!res.destroyed && sent < bytes) {
      sent += filler.length;
      if (!res.write(filler)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(tail);
  };
  pump();
}

/** The answers broken the same way whatever the service: an HTML page, an empty body, a reset. */
export type BrokenAnswer = 'not-json' | 'empty' | 'reset';

/** Answers `broken`: 200 with an HTML page (a proxy's error), 200 with nothing, or an RST. */
export function sendBroken(res: ServerResponse, broken: BrokenAnswer): void {
  switch (broken) {
    case 'not-json':
      sendText(res, 200, 'text/html', '<html><body><h1>Service Unavailable</h1></body></html>');
      break;
    case 'empty':
      sendText(res, 200, 'application/json', '');
      break;
    case 'reset':
      res.socket?.resetAndDestroy();
      break;
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  data: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  sendBytes(res, status, 'application/json', Buffer.from(JSON.stringify(data), 'utf8'), headers);
}

export function sendText(res: ServerResponse, status: number, type: string, text: string): void {
  sendBytes(res, status, type, Buffer.from(text, 'utf8'));
}

export function sendBytes(
  res: ServerResponse,
  status: number,
  type: string,
  body: Buffer,
  headers: Readonly<Record<string, string>> = {},
): void {
  res
    .writeHead(status, { ...headers, 'content-type': type, 'content-length': String(body.length) })
    .end(body);
}
