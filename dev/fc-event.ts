/**
 * Development helpers shared by the scripts (local server, bench) and the tests: the FC 3.0 HTTP
 * trigger event a request becomes, and the built bundles' handlers. Nothing here is bundled into a
 * function; scripts and tests both import from here, never from each other.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { FunctionHost } from '../shared/callback/callback-function';
import { EnvSchema } from '../shared/config/config';

/** The repository's root folder. */
export const ROOT = resolve(import.meta.dirname, '..');

/** What a built handler returns for an HTTP trigger. */
export type FcResult = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: boolean;
};

/** A built bundle's `handler`, as FC calls it: the event Buffer and a context. */
export type FcHandler = (event: Buffer, context?: unknown) => Promise<FcResult>;

/**
 * Loads a built bundle's handler (`dist/<name>/index.js`) in a fresh module instance, so each caller sees
 * its own per-instance caches, as a new FC instance would.
 */
export function loadBuiltHandler(name: string, distDir = join(ROOT, 'dist')): FcHandler {
  return (requireFresh(name, distDir) as { handler: FcHandler }).handler;
}

/** `dist/<name>/index.js`'s exports, from a fresh module instance. */
function requireFresh(name: string, distDir: string): unknown {
  const require = createRequire(import.meta.filename);
  const file = join(distDir, name, 'index.js');
  delete require.cache[require.resolve(file)];
  return require(file);
}

/**
 * Loads a callback function's bundle (`inbound` or `outbound`) in a fresh module instance and builds an
 * instance on `host`'s clock and log with its `createHandler`: the same code FC runs as `handler`.
 */
export function loadHostedHandler(name: string, host: FunctionHost, distDir = join(ROOT, 'dist')): FcHandler {
  const bundle = requireFresh(name, distDir) as { createHandler?: (host: FunctionHost) => FcHandler };
  if (typeof bundle.createHandler !== 'function')
    throw new Error(`dist/${name}/index.js has no createHandler: rebuild it (npm run build)`);
  return bundle.createHandler(host);
}

/** The functions' own variables (those `EnvSchema` reads) that `env` sets, and no others. */
export function pickFunctionEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  return Object.fromEntries(
    Object.keys(EnvSchema.entries).flatMap((key) => {
      const value = env[key];
      return value === undefined ? [] : [[key, value]];
    }),
  );
}

/**
 * Sets exactly these of the variables the functions read (shared/config), clearing the others: whatever
 * this shell or an earlier test set must not reach a bundle loaded next.
 */
export function setFunctionEnvironment(env: Readonly<Record<string, string>> = {}): void {
  for (const key of Object.keys(EnvSchema.entries)) delete process.env[key];
  Object.assign(process.env, env);
}

/** What an FC 3.0 HTTP trigger event says of a request. */
export type FcEventInput = {
  readonly method?: string | undefined;
  readonly path?: string | undefined;
  readonly body?: string | Buffer | undefined;
  /** Whether the body travels base64-encoded, as FC sends forms and binary bodies. */
  readonly base64?: boolean | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly query?: Readonly<Record<string, string>> | undefined;
  readonly sourceIp?: string | undefined;
  readonly requestId?: string | undefined;
  readonly domainName?: string | undefined;
  readonly userAgent?: string | undefined;
  readonly protocol?: string | undefined;
  /** The request's time; the epoch by default, so that tests build identical events. */
  readonly time?: Date | undefined;
};

/** Builds the Buffer an FC 3.0 HTTP trigger hands to the handler. */
export function buildFcEvent(input: FcEventInput = {}): Buffer {
  const method = input.method ?? 'POST';
  const path = input.path ?? '/';
  const raw = input.body ?? '';
  const base64 = input.base64 === true;
  const time = input.time ?? new Date(0);
  return Buffer.from(
    JSON.stringify({
      version: 'v1',
      rawPath: path,
      body: base64 ? Buffer.from(raw).toString('base64') : raw.toString(),
      isBase64Encoded: base64,
      headers: input.headers ?? {},
      queryParameters: input.query ?? {},
      requestContext: {
        accountId: '1234567890',
        domainName: input.domainName ?? 'example.cn-hangzhou.fcapp.run',
        domainPrefix: 'example',
        http: {
          method,
          path,
          protocol: input.protocol ?? 'HTTP/1.1',
          sourceIp: input.sourceIp ?? '203.0.113.7',
          userAgent: input.userAgent ?? 'test',
        },
        requestId: input.requestId ?? 'req-1',
        time: time.toUTCString(),
        timeEpoch: String(time.getTime()),
      },
    }),
  );
}

/** The parameters of a callback, as VMS posts them. */
export type CallbackParams = {
  call_id?: string;
  content_type?: string;
  content?: string;
  timestamp?: string;
};

/** A callback POSTed as an urlencoded form (the captured real encoding), optionally base64 as on FC. */
export function formCallback(params: CallbackParams, options: Omit<FcEventInput, 'body'> = {}): Buffer {
  return buildFcEvent({
    ...options,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...options.headers },
    body: new URLSearchParams(params as Record<string, string>).toString(),
  });
}
