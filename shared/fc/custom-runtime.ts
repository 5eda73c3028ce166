import { isIP } from 'node:net';
import { respondFail } from '../protocol/http';

/**
 * The custom-runtime mode's pure half: an HTTP request as FC's `custom.debian10` runtime forwards it
 * becomes the very event (and context) FC's built-in runtime hands to `index.handler`, and the handler's
 * result becomes the HTTP answer. The server around it lives in functions/custom-runtime. No valibot
 * here: the server bundle stays small (20 KB less to load at a cold start) and the result's shape is
 * four fields, checked by hand.
 */

/** A request as the server read it: Node's own view, the body already read (and bounded). */
export type ForwardedRequest = {
  readonly method: string;
  /** `req.url`: the path and the query string. */
  readonly url: string;
  /** `req.rawHeaders`: names as sent, repeated names repeated. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  /** The socket's peer: FC's front end in production. */
  readonly remoteAddress?: string | undefined;
  readonly httpVersion?: string | undefined;
};

/** What FC's built-in runtime passes as `context`, as far as the handlers read it. */
export type ForwardedContext = {
  readonly requestId: string | undefined;
  readonly region?: string;
  readonly accountId?: string;
  readonly function?: { readonly name: string };
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly accessKeySecret: string;
    readonly securityToken: string;
  };
};

/** The process environment, or the part of it the context is built from. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Shapes of what the context takes from a header; anything else is left out. */
const REGION = /^[a-z]{2,3}-[a-z0-9-]{2,30}$/;
const ACCOUNT_ID = /^[0-9]{1,32}$/;
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const KEY_ID = /^[A-Za-z0-9.]{1,128}$/;
const KEY_SECRET = /^[A-Za-z0-9+/=._-]{1,256}$/;
const SECURITY_TOKEN = /^[A-Za-z0-9+/=._-]{1,8192}$/;

/** Longest `sourceIp` kept: an IPv6 address with a zone fits. */
const MAX_IP = 64;

/** `text` when it is an IPv4 or IPv6 address of at most {@link MAX_IP} characters, else undefined. */
export function validIp(text: string | undefined): string | undefined {
  const ip = text?.trim();
  return ip !== undefined && ip.length <= MAX_IP && isIP(ip) !== 0 ? ip : undefined;
}

/**
 * The caller's address: the LAST `x-forwarded-for` entry, the one FC's front end appends (a client may
 * send any entries before it), when it is an address; else the socket's peer. Resting on FC's docs: its
 * front end is the peer and appends what it saw; where it does not, the peer is FC's own address.
 */
export function sourceIpOf(forwardedFor: string | undefined, peer: string | undefined): string {
  const last = forwardedFor?.slice(-1024).split(',').at(-1);
  return validIp(last) ?? validIp(peer) ?? '';
}

/** `value` when it has the shape `pattern` asks for. */
function shaped(value: string | undefined, pattern: RegExp): string | undefined {
  return value !== undefined && pattern.test(value) ? value : undefined;
}

/**
 * What the context holds of the role's keys, the region and the function. The keys come from FC's
 * `x-fc-access-key-*` headers when it sends them, in the shape it gives them: they are fresh on every
 * request, as the built-in runtime's `context.credentials`, while the environment's copy
 * (`ALIBABA_CLOUD_*`, which the handlers read when the context has none) is set once at the instance's
 * start and lasts 36 h, less than a warm instance may live. Keys without their security token (FC's
 * Debian 11 runtime sends none) are not taken, nor any when the environment holds static keys (an
 * access key without a token: the operator's, not a role's). A client cannot send `x-fc-*` headers of its own (FC's
 * docs on web functions). The region and account come from the environment first.
 */
export function contextOf(header: (name: string) => string | undefined, env: Environment): ForwardedContext {
  const requestId = header('x-fc-request-id')?.slice(0, 128);
  const region = env.FC_REGION?.trim() ? undefined : shaped(header('x-fc-region'), REGION);
  const accountId = env.FC_ACCOUNT_ID?.trim() ? undefined : shaped(header('x-fc-account-id'), ACCOUNT_ID);
  const functionName = shaped(env.FC_FUNCTION_NAME?.trim() || header('x-fc-function-name'), FUNCTION_NAME);
  const accessKeyId = shaped(header('x-fc-access-key-id'), KEY_ID);
  const accessKeySecret = shaped(header('x-fc-access-key-secret'), KEY_SECRET);
  // A role's keys are temporary: without their token they cannot sign (FC's Debian 11 runtime sends none),
  // and the environment's, token included, are used instead.
  const securityToken = shaped(header('x-fc-security-token'), SECURITY_TOKEN);
  // Static keys in the environment (no token: not a role's) are the operator's: never replaced.
  const staticKeys =
    Boolean(env.ALIBABA_CLOUD_ACCESS_KEY_ID?.trim()) && !env.ALIBABA_CLOUD_SECURITY_TOKEN?.trim();
  const tokenOk = securityToken !== undefined && !staticKeys;
  return {
    requestId,
    ...(region === undefined ? {} : { region }),
    ...(accountId === undefined ? {} : { accountId }),
    ...(functionName === undefined ? {} : { function: { name: functionName } }),
    ...(accessKeyId === undefined || accessKeySecret === undefined || !tokenOk
      ? {}
      : { credentials: { accessKeyId, accessKeySecret, securityToken } }),
  };
}

/** Longest header value or path kept (FC caps headers at 8 KB and path + query at 4 KB itself). */
const MAX_TEXT = 16 * 1024;

/** Joins repeated names with commas, as FC's trigger does; the first spelling of a name is kept. */
function joinRepeated(
  pairs: Iterable<readonly [string, string]>,
  lowerCase: boolean,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const spelling = new Map<string, string>();
  for (const [rawKey, value] of pairs) {
    const folded = lowerCase ? rawKey.toLowerCase() : rawKey;
    const key = spelling.get(folded) ?? rawKey;
    spelling.set(folded, key);
    const text = value.slice(0, MAX_TEXT);
    out[key] = key in out ? `${out[key]},${text}` : text;
  }
  return { ...out };
}

function headerPairs(rawHeaders: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    pairs.push([rawHeaders[i] as string, rawHeaders[i + 1] as string]);
  return pairs;
}

/** The path and query of `req.url`; a URL Node accepted but `URL` cannot read is the root, with no query. */
function splitUrl(url: string): { readonly path: string; readonly query: URLSearchParams } {
  try {
    const parsed = new URL(url.slice(0, MAX_TEXT), 'http://fc.invalid');
    return { path: decodeURIComponentSafe(parsed.pathname), query: parsed.searchParams };
  } catch {
    return { path: '/', query: new URLSearchParams() };
  }
}

/** FC's `rawPath` is the path as sent; percent escapes are left as they are where they do not decode. */
function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURI(path);
  } catch {
    return path;
  }
}

/**
 * The FC 3.0 HTTP-trigger event (as the JSON Buffer the built-in runtime hands over) and the context for
 * a forwarded request, at time `now` (epoch ms). A non-empty body always travels base64-encoded, one of
 * the two forms FC uses, which the handlers decode either way. The request id is FC's `x-fc-request-id`.
 */
export function toTriggerEvent(
  request: ForwardedRequest,
  now: number,
  env: Environment = {},
): { readonly event: Buffer; readonly context: ForwardedContext } {
  const all = joinRepeated(headerPairs(request.rawHeaders), true);
  const folded = new Map(Object.entries(all).map(([key, value]) => [key.toLowerCase(), value]));
  const lower = (name: string): string | undefined => folded.get(name);
  // FC's own headers (the request id, the role's keys, the function…) go to the context, never the
  // event: its headers may be logged, and the handlers take all of that from the context.
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(all))
    if (!key.toLowerCase().startsWith('x-fc-')) headers[key] = value;
  const { path, query } = splitUrl(request.url);
  const context = contextOf(lower, env);
  const method = (request.method || 'GET').slice(0, 16);
  const time = new Date(now);
  const event = {
    version: 'v1',
    rawPath: path,
    body: request.body.length === 0 ? '' : request.body.toString('base64'),
    isBase64Encoded: request.body.length > 0,
    headers,
    queryParameters: joinRepeated(query.entries(), false),
    requestContext: {
      accountId: context.accountId ?? env.FC_ACCOUNT_ID?.trim() ?? '',
      domainName: lower('host') ?? '',
      domainPrefix: (lower('host') ?? '').split('.')[0] ?? '',
      http: {
        method,
        path,
        protocol: `HTTP/${request.httpVersion ?? '1.1'}`,
        sourceIp: sourceIpOf(lower('x-forwarded-for'), request.remoteAddress),
        userAgent: lower('user-agent') ?? '',
      },
      ...(context.requestId === undefined ? {} : { requestId: context.requestId }),
      time: time.toUTCString(),
      timeEpoch: String(now),
    },
  };
  return { event: Buffer.from(JSON.stringify(event)), context };
}

/**
 * How FC calls the server for a request (its `x-fc-control-path` header, FC's docs): `event` for an
 * event invocation (InvokeFunction: `POST /invoke`, the body is the event itself), `http` for a request
 * through the HTTP trigger (`/http-invoke`, forwarded with its own path). Without the header (a local
 * client), `POST /invoke` is an event invocation and anything else a forwarded request.
 */
export function invocationKind(
  method: string,
  url: string,
  controlPath: string | undefined,
): 'event' | 'http' {
  if (controlPath !== undefined) return controlPath.trim() === '/invoke' ? 'event' : 'http';
  return method === 'POST' && url.split('?')[0] === '/invoke' ? 'event' : 'http';
}

/**
 * The answer to an event invocation: the handler's result as JSON, status 200, which FC hands to the
 * caller as the function's result (see {@link eventFailure} for a failure).
 */
export function eventAnswer(result: unknown): HttpAnswer {
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(result ?? null)),
  };
}

/**
 * A failed event invocation as FC's custom runtime documents it: status 404 and `x-fc-status: 404`, so
 * that FC reports an error rather than taking the answer's body for the function's result.
 */
export function eventFailure(answer: HttpAnswer): HttpAnswer {
  return { ...answer, status: 404, headers: { ...answer.headers, 'x-fc-status': '404' } };
}

/**
 * The most the server reads of a body for a handler that takes `maxBodyBytes`: that for a forwarded
 * request (the handler would refuse more, with the same 413), and for an event invocation the event that
 * carries such a body base64-encoded, with 64 KB for the rest (the bound the handlers put on an event).
 */
export function readLimits(maxBodyBytes: number): { readonly http: number; readonly event: number } {
  return { http: maxBodyBytes, event: Math.ceil((maxBodyBytes * 4) / 3) + 64 * 1024 };
}

/** An HTTP answer: status, headers and the body's bytes. */
export type HttpAnswer = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
};

/** Response headers FC reserves (FC.md); Node sets the framing ones itself. */
const RESERVED_HEADERS = new Set([
  'connection',
  'content-length',
  'date',
  'keep-alive',
  'server',
  'transfer-encoding',
  'upgrade',
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What Node lets a header value hold: tab, printable ASCII and Latin-1 (one byte each); nothing else. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A plain answer from a failure response of the handlers' own shape. */
export function failAnswer(status: number, msg: string): HttpAnswer {
  const response = respondFail(status, msg);
  return { status: response.status, headers: response.headers, body: Buffer.from(response.body) };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The HTTP answer for what an FC handler returned. A result FC would not take (no status, a body that is
 * not text) is a 500 with no detail; headers FC reserves, or that HTTP cannot carry, are dropped.
 */
export function toHttpAnswer(result: unknown): HttpAnswer {
  if (!isRecord(result)) return failAnswer(500, 'internal error');
  const { statusCode, headers = {}, body = '', isBase64Encoded = false } = result;
  const valid =
    Number.isInteger(statusCode) &&
    (statusCode as number) >= 200 &&
    (statusCode as number) <= 599 &&
    isRecord(headers) &&
    typeof body === 'string' &&
    typeof isBase64Encoded === 'boolean';
  if (!valid) return failAnswer(500, 'internal error');
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const text = String(value);
    if (RESERVED_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('x-fc-')) continue;
    if (HEADER_NAME.test(name) && HEADER_VALUE.test(text)) kept[name] = text;
  }
  return {
    status: statusCode as number,
    headers: kept,
    body: isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}

/**
 * FC's lifecycle calls to a custom runtime: the initializer (`POST /initialize`) and PreStop
 * (`GET /pre-stop`), each answered at once with an empty 200 (the handlers load lazily on the first
 * callback, and hold nothing to flush). Anything else is not one: `undefined`.
 */
export function lifecycleAnswer(method: string, url: string): HttpAnswer | undefined {
  const path = url.split('?')[0];
  if ((method === 'POST' && path === '/initialize') || (method === 'GET' && path === '/pre-stop'))
    return { status: 200, headers: {}, body: Buffer.alloc(0) };
  return undefined;
}

/** The built-in path's answer to a body over `maxBodyBytes`: 413, as `toHttpRequest` gives. */
export function tooLargeAnswer(maxBodyBytes: number): HttpAnswer {
  return failAnswer(413, `body is larger than ${maxBodyBytes} bytes`);
}
