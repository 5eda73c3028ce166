import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after } from 'node:test';
import type { FcHandler, FcResult } from '../../dev/fc-event';
import { createCustomRuntimeServer } from '../../functions/custom-runtime/server';

/**
 * The callback suites' second invoker: the same handler instance behind the custom runtime's server on
 * 127.0.0.1, port 0. An event becomes the HTTP request FC's front end would forward (FC's context as its
 * `x-fc-*` headers), the server turns it back into an event for the handler, and the HTTP answer becomes a
 * result again. An event no HTTP request can carry (not JSON, not an object) goes to the handler as it is.
 */

/** Set (to `custom-runtime`) in the child process that runs the suites a second time. */
export const INVOKER_VARIABLE = 'VMS_TEST_INVOKER';

const servers = new Set<ReturnType<typeof createCustomRuntimeServer>>();

// Every server this module started is closed once the process's tests are over.
after(() =>
  Promise.all([...servers].map((server) => new Promise<void>((resolve) => server.close(() => resolve())))),
);

/** `handler` behind a running custom-runtime server: an FC handler that goes through HTTP. */
export async function viaCustomRuntime(handler: FcHandler): Promise<FcHandler> {
  const server = createCustomRuntimeServer(handler);
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return (event, context) => {
    const forwarded = toForwardedRequest(event, context);
    return forwarded === undefined ? handler(event, context) : send(port, forwarded);
  };
}

export type Forwarded = {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
};

/** Headers the HTTP client sets itself, or that would break the request's framing. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'keep-alive']);

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function toForwardedRequest(event: Buffer, context: unknown): Forwarded | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.toString());
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const e = parsed as Record<string, unknown>;
  const requestContext = asRecord(e.requestContext);
  const http = asRecord(requestContext.http);
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(asRecord(e.queryParameters))) query.append(key, String(value));
  const rawPath = typeof e.rawPath === 'string' ? e.rawPath : '/';
  const search = query.toString();
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(asRecord(e.headers)))
    if (!FRAMING.has(key.toLowerCase())) headers[key] = String(value);
  if (typeof requestContext.requestId === 'string') headers['x-fc-request-id'] = requestContext.requestId;
  if (typeof http.sourceIp === 'string') headers['x-forwarded-for'] = http.sourceIp;
  const given = asRecord(context);
  const credentials = asRecord(given.credentials);
  if (typeof given.region === 'string') headers['x-fc-region'] = given.region;
  for (const [field, header] of [
    ['accessKeyId', 'x-fc-access-key-id'],
    ['accessKeySecret', 'x-fc-access-key-secret'],
    ['securityToken', 'x-fc-security-token'],
  ] as const)
    if (typeof credentials[field] === 'string') headers[header] = credentials[field] as string;
  const body = typeof e.body === 'string' ? e.body : '';
  return {
    method: typeof http.method === 'string' ? http.method : body === '' ? 'GET' : 'POST',
    path: `${encodeURI(rawPath)}${search === '' ? '' : `?${search}`}`,
    headers,
    body: e.isBase64Encoded === true ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
}

/** Response headers HTTP adds on the way, which a handler's result never held. */
const ADDED = new Set(['connection', 'content-length', 'date', 'keep-alive', 'transfer-encoding']);

/** One request on a fresh connection to 127.0.0.1:`port`; the answer as an FC result (HTTP's own headers left out). */
export function send(port: number, forwarded: Forwarded): Promise<FcResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: forwarded.method,
        path: forwarded.path,
        headers: forwarded.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers))
            if (!ADDED.has(key) && value !== undefined)
              headers[key] = Array.isArray(value) ? value.join(',') : value;
          resolve({
            statusCode: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
            isBase64Encoded: false,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(forwarded.body);
  });
}
