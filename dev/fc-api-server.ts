/**
 * A stand-in for the Function Compute 3.0 API on 127.0.0.1, for the tests and for trying
 * `npm run deploy:verify` without a cloud account. It answers what the deploy check calls:
 *
 *   GET  /2023-03-30/functions/{name}               GetFunction, from the configured list
 *   GET  /2023-03-30/functions/{name}/triggers      ListTriggers: one anonymous HTTP trigger with its URLs
 *   POST /2023-03-30/functions/{name}/invocations   InvokeFunction: runs the BUILT bundle in this process
 *                                                   (`dist/<bundle>/index.js`, loaded on first use)
 *
 * Every request is checked as FC would before anything is served: the `FC <AccessKeyID>:<signature>`
 * signature, recomputed here from the documented algorithm (HMAC-SHA256, base64, over
 * `METHOD\nContent-MD5\nContent-Type\nDate\n<x-fc-* headers, lower-cased, sorted, name:value\n>PATH`)
 * with `node:crypto` alone — not with fc2's own signing code, so a mistake there would show; then the
 * request's shape: the date (within 15 minutes), the account id header, a Content-MD5 matching the body
 * (fc2 sends base64 of the hex MD5 digest), the path and the method. A refusal is FC's error JSON,
 * `{"ErrorCode": "SignatureNotMatch", "ErrorMessage": …}` with the documented HTTP status, and an
 * `x-fc-request-id` header like every reply.
 *
 * To break it on purpose: give a function a `handler` of your own (one that returns a broken reply), or
 * set `failEverything` to answer every request with an error (a signature error, say).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FC3_API_VERSION } from './fc-api';
import { loadBuiltHandler, setFunctionEnvironment } from './fc-event';

/** A handler as the stand-in calls it: FC's event (the request body) and a context. */
export type StandInHandler = (event: Buffer, context: unknown) => Promise<unknown>;

export type StandInFunction = {
  /** The FC function name (`vms-callflow-inbound`). */
  readonly name: string;
  /** The built bundle it runs, `dist/<bundle>/index.js` (`inbound`); ignored when `handler` is given. */
  readonly bundle?: string;
  /** Runs instead of a bundle: how a test makes a function return a broken reply. */
  readonly handler?: StandInHandler;
  readonly runtime?: string;
};

export type StandInError = { readonly status: number; readonly code: string; readonly message: string };

export type StandInOptions = {
  readonly accountId: string;
  /** AccessKeyID → AccessKeySecret (and the STS token it must come with, if any). */
  readonly accessKeys: Readonly<Record<string, string | { secret: string; securityToken: string }>>;
  readonly functions: readonly StandInFunction[];
  readonly region?: string;
  /** Where the bundles are (default `dist/`), and the environment they are loaded under. */
  readonly distDir?: string;
  readonly environment?: Readonly<Record<string, string>>;
  /** The port on 127.0.0.1; a free one by default. */
  readonly port?: number;
  /** Answer every request with this error, before any check (e.g. a 403 SignatureNotMatch). */
  readonly failEverything?: StandInError;
};

/** One request as received, and how it was answered: what the tests read to check the request shape. */
export type StandInRequest = {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyBytes: number;
  readonly status: number;
  readonly errorCode?: string;
};

export type StandIn = {
  readonly endpoint: string;
  readonly requests: readonly StandInRequest[];
  close(): Promise<void>;
};

/** FC refuses requests whose date is further than this from its clock. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Bodies read at most; InvokeFunction's own limit is far larger, callbacks far smaller. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;

/** What this module knows of FC's documented errors. */
export const SIGNATURE_NOT_MATCH: StandInError = {
  status: 403,
  code: 'SignatureNotMatch',
  message:
    'The request signature we calculated does not match the signature you provided. Check your access key and signing method',
};

class Refusal extends Error {
  constructor(readonly error: StandInError) {
    super(error.message);
  }
}

function refuse(status: number, code: string, message: string): never {
  throw new Refusal({ status, code, message });
}

function headerText(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** The string FC signs, rebuilt from the request as received. */
export function composeStringToSign(method: string, path: string, headers: Record<string, string>): string {
  const fcHeaders = Object.keys(headers)
    .map((name) => name.toLowerCase())
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${headers[name]}\n`)
    .join('');
  return [
    method,
    headers['content-md5'] ?? '',
    headers['content-type'] ?? '',
    headers.date ?? '',
    `${fcHeaders}${path}`,
  ].join('\n');
}

function secretOf(options: StandInOptions, accessKeyId: string): { secret: string; securityToken?: string } {
  const entry = options.accessKeys[accessKeyId];
  if (entry === undefined) refuse(403, 'InvalidAccessKeyID', `invalid access key ID '${accessKeyId}'`);
  return typeof entry === 'string' ? { secret: entry } : entry;
}

function checkSignature(
  options: StandInOptions,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): void {
  for (const name of ['date', 'authorization', 'x-fc-account-id']) {
    if (headers[name] === undefined)
      refuse(400, 'MissingRequiredHeader', `required HTTP header ${name} was not specified`);
  }
  const match = /^FC ([^:\s]+):([A-Za-z0-9+/=]+)$/.exec(headers.authorization ?? '');
  if (match === null)
    refuse(403, 'SignatureNotMatch', 'the Authorization header is not FC <AccessKeyID>:<signature>');
  const [, accessKeyId = '', signature = ''] = match;
  const key = secretOf(options, accessKeyId);
  if (key.securityToken !== undefined && headers['x-fc-security-token'] !== key.securityToken) {
    refuse(
      403,
      'InvalidSecurityToken',
      'the security token is missing or does not belong to this access key',
    );
  }
  const expected = createHmac('sha256', key.secret)
    .update(composeStringToSign(method, path, headers), 'utf8')
    .digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    refuse(SIGNATURE_NOT_MATCH.status, SIGNATURE_NOT_MATCH.code, SIGNATURE_NOT_MATCH.message);
  }
  const date = Date.parse(headers.date ?? '');
  if (!Number.isFinite(date) || Math.abs(Date.now() - date) > MAX_CLOCK_SKEW_MS) {
    refuse(
      403,
      'RequestTimeTooSkewed',
      `the date ${headers.date} is more than 15 minutes from the server's time`,
    );
  }
  if (headers['x-fc-account-id'] !== options.accountId) {
    refuse(403, 'AccessDenied', `the account id ${headers['x-fc-account-id']} is not this endpoint's`);
  }
  if (body.length > 0) {
    const md5 = Buffer.from(createHash('md5').update(body).digest('hex')).toString('base64');
    if (headers['content-md5'] !== md5) refuse(400, 'InvalidArgument', 'Content-MD5 does not match the body');
    if (headers['content-type'] === undefined)
      refuse(400, 'MissingRequiredHeader', 'required HTTP header content-type was not specified');
  }
}

/** Reads a body up to the limit, refusing a larger one. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.destroy();
        reject(
          new Refusal({
            status: 400,
            code: 'EntityTooLarge',
            message: `payload size exceeds maximum allowed size (${MAX_BODY_BYTES} bytes)`,
          }),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A request target's path, decoded; undefined when it is not a URL path or not valid percent-encoding. */
function decodePath(target: string): string | undefined {
  try {
    return decodeURIComponent(new URL(target, 'http://127.0.0.1').pathname);
  } catch {
    return undefined;
  }
}

const ROUTE = new RegExp(`^/${FC3_API_VERSION}/functions/([^/]+)(/triggers|/invocations)?$`);

type Served = { status: number; headers: Record<string, string>; body: string | Buffer };

function json(status: number, value: unknown): Served {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

/** Starts the stand-in on 127.0.0.1 (a free port); `close()` stops it and its kept-alive connections. */
export async function startFcApiStandIn(options: StandInOptions): Promise<StandIn> {
  const region = options.region ?? 'cn-hangzhou';
  const requests: StandInRequest[] = [];
  const handlers = new Map<string, StandInHandler>();

  const handlerOf = (fn: StandInFunction): StandInHandler => {
    const known = handlers.get(fn.name);
    if (known !== undefined) return known;
    let handler = fn.handler;
    if (handler === undefined) {
      // Like a fresh FC instance: the bundle reads its environment on its first request.
      setFunctionEnvironment(options.environment);
      handler = loadBuiltHandler(fn.bundle ?? fn.name, options.distDir) as StandInHandler;
    }
    handlers.set(fn.name, handler);
    return handler;
  };

  const serve = async (method: string, path: string, body: Buffer, requestId: string): Promise<Served> => {
    const route = ROUTE.exec(path);
    if (route === null) refuse(400, 'PathNotSupported', `'${method}' against '${path}' is not supported`);
    const [, name = '', operation = ''] = route;
    const expectedMethod = operation === '/invocations' ? 'POST' : 'GET';
    if (method !== expectedMethod)
      refuse(400, 'PathNotSupported', `'${method}' against '${path}' is not supported`);
    const fn = options.functions.find((candidate) => candidate.name === name);
    if (fn === undefined) refuse(404, 'FunctionNotFound', `function '${name}' does not exist`);
    if (operation === '') {
      return json(200, {
        functionName: fn.name,
        runtime: fn.runtime ?? 'nodejs20',
        handler: 'index.handler',
        state: 'Active',
        lastUpdateStatus: 'Successful',
      });
    }
    if (operation === '/triggers') {
      const host = `${fn.name}-${options.accountId.slice(-4)}`;
      return json(200, {
        triggers: [
          {
            triggerName: 'http',
            triggerType: 'http',
            triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['POST', 'GET'] }),
            httpTrigger: {
              urlInternet: `https://${host}.${region}.fcapp.run`,
              urlIntranet: `https://${host}.${region}-vpc.fcapp.run`,
            },
          },
        ],
      });
    }
    try {
      const result = await handlerOf(fn)(body, { requestId, function: { name: fn.name }, region });
      // FC relays the handler's result: bytes as they are, anything else as JSON. The content type FC
      // gives it is not confirmed: the client reads JSON whatever the type, so octet-stream tests that.
      const out = Buffer.isBuffer(result) || typeof result === 'string' ? result : JSON.stringify(result);
      return { status: 200, headers: { 'content-type': 'application/octet-stream' }, body: out };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      return {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-fc-error-type': 'UnhandledInvocationError' },
        body: JSON.stringify({ errorMessage: failure.message, errorType: failure.name, stackTrace: [] }),
      };
    }
  };

  const answer = (res: ServerResponse, requestId: string, served: Served): void => {
    res.writeHead(served.status, { ...served.headers, 'x-fc-request-id': requestId });
    res.end(served.body);
  };

  const server: Server = createServer((req, res) => {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const path = decodePath(req.url ?? '/');
    const headers: Record<string, string> = {};
    for (const name of Object.keys(req.headers)) headers[name] = headerText(req, name) ?? '';
    let bodyBytes = 0;
    const record = (status: number, errorCode?: string) =>
      requests.push({
        method,
        path: path ?? req.url ?? '',
        headers,
        bodyBytes,
        status,
        ...(errorCode === undefined ? {} : { errorCode }),
      });
    readBody(req)
      .then(async (body) => {
        bodyBytes = body.length;
        if (options.failEverything !== undefined) throw new Refusal(options.failEverything);
        if (path === undefined)
          refuse(400, 'InvalidArgument', 'the request path is not a valid percent-encoded URL path');
        checkSignature(options, method, path, headers, body);
        const served = await serve(method, path, body, requestId);
        record(served.status);
        answer(res, requestId, served);
      })
      .catch((error: unknown) => {
        const refusal =
          error instanceof Refusal
            ? error.error
            : {
                status: 500,
                code: 'InternalServerError',
                message: 'an internal error has occurred. Please retry.',
              };
        record(refusal.status, refusal.code);
        if (!res.headersSent)
          answer(
            res,
            requestId,
            json(refusal.status, { ErrorCode: refusal.code, ErrorMessage: refusal.message }),
          );
      });
  });
  // A port in use rejects here (EADDRINUSE), for the caller to explain, instead of crashing the process.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // fc2's agent keeps connections alive: close them, or `close` waits for their idle timeout.
        server.closeAllConnections();
      }),
  };
}
