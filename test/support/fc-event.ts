import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** The repository's root folder. */
export const ROOT = resolve(import.meta.dirname, '..', '..');

export type FcResult = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
};
export type FcHandler = (event: Buffer, context?: unknown) => Promise<FcResult>;

/**
 * Loads a built bundle's handler (`dist/<name>/index.js`) in a fresh module instance, so each test
 * file sees its own per-instance caches. `npm test` builds before running the tests.
 */
export function loadBuiltHandler(name: 'inbound' | 'outbound' | 'report'): FcHandler {
  const require = createRequire(import.meta.filename);
  const file = join(ROOT, 'dist', name, 'index.js');
  delete require.cache[require.resolve(file)];
  return (require(file) as { handler: FcHandler }).handler;
}

export type EventOptions = {
  method?: string;
  path?: string;
  body?: string | Buffer;
  base64?: boolean;
  headers?: Record<string, string>;
  query?: Record<string, string>;
};

/** Builds the Buffer an FC 3.0 HTTP trigger hands to the handler. */
export function fcEvent(options: EventOptions = {}): Buffer {
  const method = options.method ?? 'POST';
  const path = options.path ?? '/';
  const raw = options.body ?? '';
  const body = options.base64 === true ? Buffer.from(raw).toString('base64') : raw.toString();
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: path,
      body,
      isBase64Encoded: options.base64 === true,
      headers: options.headers ?? {},
      queryParameters: options.query ?? {},
      requestContext: {
        accountId: '1234567890',
        domainName: 'example.cn-hangzhou.fcapp.run',
        domainPrefix: 'example',
        http: { method, path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.7', userAgent: 'test' },
        requestId: 'req-1',
        time: new Date(0).toUTCString(),
        timeEpoch: '0',
      },
    }),
  );
}

export type CallbackParams = {
  call_id?: string;
  content_type?: string;
  content?: string;
  timestamp?: string;
};

/** A callback POSTed as an urlencoded form (the captured real encoding), optionally base64 as on FC. */
export function formCallback(params: CallbackParams, options: Omit<EventOptions, 'body'> = {}): Buffer {
  return fcEvent({
    ...options,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...options.headers },
    body: new URLSearchParams(params as Record<string, string>).toString(),
  });
}

/** A callback with its parameters in the query string (as the doc samples show). */
export function queryCallback(params: CallbackParams, options: Omit<EventOptions, 'query'> = {}): Buffer {
  return fcEvent({ ...options, query: params as Record<string, string> });
}

/** A callback as a JSON body. */
export function jsonCallback(params: CallbackParams, options: Omit<EventOptions, 'body'> = {}): Buffer {
  return fcEvent({
    ...options,
    headers: { 'Content-Type': 'application/json', ...options.headers },
    body: JSON.stringify(params),
  });
}

/** Parses a handler result's JSON body. */
export function replyOf(result: FcResult): {
  result: string;
  msg: string;
  code?: number;
  data: Record<string, unknown>;
} {
  return JSON.parse(result.body) as {
    result: string;
    msg: string;
    code?: number;
    data: Record<string, unknown>;
  };
}

/** Runs `action` while collecting the JSON lines the handler writes to stdout (and not printing them). */
export async function captureLogs<T>(
  action: () => Promise<T>,
): Promise<{ result: T; logs: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  // Only our JSON log lines are taken: the test runner itself reports through stdout meanwhile.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{"level":')) {
      lines.push(chunk);
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    const result = await action();
    return {
      result,
      logs: lines
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    };
  } finally {
    process.stdout.write = original;
  }
}

/**
 * Loads a fresh instance of a built handler under exactly these environment variables (ours others
 * cleared). The bundle reads its environment once, on its first request, so this sends a GET status
 * request at once: later changes to `process.env` by other tests do not reach this instance.
 */
export async function loadWithEnv(
  name: 'inbound' | 'outbound' | 'report',
  env: Record<string, string>,
): Promise<FcHandler> {
  for (const key of ['CALLBACK_SECRETS', 'STATE_SECRETS', 'RULES', 'RULES_FILE', 'LOG_LEVEL'])
    delete process.env[key];
  Object.assign(process.env, env);
  const handler = loadBuiltHandler(name);
  // With secrets configured the status answers only with one of them.
  const token = (env.CALLBACK_SECRETS ?? '').split(',')[0]?.trim() ?? '';
  await captureLogs(() => handler(fcEvent({ method: 'GET', query: token === '' ? {} : { token } })));
  return handler;
}
