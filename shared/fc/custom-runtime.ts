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

/**
 * The headers FC's custom runtime adds to carry the function role's temporary keys. They go into the
 * context, as the built-in runtime gives them, and never into the event: its headers may be logged.
 */
const CREDENTIAL_HEADERS = ['x-fc-access-key-id', 'x-fc-access-key-secret', 'x-fc-security-token'] as const;

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
): { readonly event: Buffer; readonly context: ForwardedContext } {
  const all = joinRepeated(headerPairs(request.rawHeaders), true);
  const folded = new Map(Object.entries(all).map(([key, value]) => [key.toLowerCase(), value]));
  const lower = (name: string): string | undefined => folded.get(name);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(all))
    if (!(CREDENTIAL_HEADERS as readonly string[]).includes(key.toLowerCase())) headers[key] = value;
  const { path, query } = splitUrl(request.url);
  const requestId = lower('x-fc-request-id');
  const accessKeyId = lower('x-fc-access-key-id');
  const accessKeySecret = lower('x-fc-access-key-secret');
  const region = lower('x-fc-region');
  const accountId = lower('x-fc-account-id');
  const functionName = lower('x-fc-function-name');
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
      accountId: accountId ?? '',
      domainName: lower('host') ?? '',
      domainPrefix: (lower('host') ?? '').split('.')[0] ?? '',
      http: {
        method,
        path,
        protocol: `HTTP/${request.httpVersion ?? '1.1'}`,
        // FC's front end is the peer; it says whom it forwards for (unconfirmed on FC: then the peer).
        sourceIp: lower('x-forwarded-for')?.split(',')[0]?.trim() || request.remoteAddress || '',
        userAgent: lower('user-agent') ?? '',
      },
      ...(requestId === undefined ? {} : { requestId }),
      time: time.toUTCString(),
      timeEpoch: String(now),
    },
  };
  const context: ForwardedContext = {
    requestId,
    ...(region === undefined ? {} : { region }),
    ...(accountId === undefined ? {} : { accountId }),
    ...(functionName === undefined ? {} : { function: { name: functionName } }),
    ...(accessKeyId === undefined || accessKeySecret === undefined
      ? {}
      : {
          credentials: {
            accessKeyId,
            accessKeySecret,
            securityToken: lower('x-fc-security-token') ?? '',
          },
        }),
  };
  return { event: Buffer.from(JSON.stringify(event)), context };
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
// biome-ignore lint/suspicious/noControlCharactersInRegex: a header value must hold none but tab.
const HEADER_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/;

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
