/**
 * A client of the custom runtime's server (functions/custom-runtime) for the tests and the bench: an FC
 * 3.0 HTTP-trigger event becomes the HTTP request FC's front end would forward (FC's context as its
 * `x-fc-*` headers), and the HTTP answer becomes an FC result again.
 */
import { type Agent, request } from 'node:http';
import type { FcResult } from './fc-event';

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

/** The request FC would forward for `event`; `undefined` when no HTTP request carries it (not a JSON object). */
export function toForwardedRequest(event: Buffer, context: unknown): Forwarded | undefined {
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
  // FC marks a request through the HTTP trigger so, whatever its path (`/invoke` included).
  headers['x-fc-control-path'] = '/http-invoke';
  // FC's front end appends the address it saw to what the client sent: the last entry is the caller.
  if (typeof http.sourceIp === 'string') {
    const sent = Object.keys(headers).find((key) => key.toLowerCase() === 'x-forwarded-for');
    const before = sent === undefined ? undefined : headers[sent];
    if (sent !== undefined) delete headers[sent];
    headers['x-forwarded-for'] = before ? `${before}, ${http.sourceIp}` : http.sourceIp;
  }
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

/**
 * One request to 127.0.0.1:`port` (a fresh connection unless `agent` keeps them); the answer as an FC
 * result, the headers HTTP adds on the way left out.
 */
export function send(port: number, forwarded: Forwarded, agent: Agent | false = false): Promise<FcResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: forwarded.method,
        path: forwarded.path,
        headers: forwarded.headers,
        agent,
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

/**
 * An event invocation as FC makes it of a custom runtime (InvokeFunction: `POST /invoke`, the event as the
 * body, `x-fc-control-path: /invoke`): the handler's result, parsed from the JSON answer.
 */
export async function invokeEvent(port: number, event: Buffer, requestId: string): Promise<unknown> {
  const answer = await send(port, {
    method: 'POST',
    path: '/invoke',
    headers: {
      'content-type': 'application/octet-stream',
      'x-fc-control-path': '/invoke',
      'x-fc-request-id': requestId,
    },
    body: event,
  });
  if (answer.statusCode !== 200) throw new Error(`the custom runtime answered HTTP ${answer.statusCode}`);
  return JSON.parse(answer.body) as unknown;
}
