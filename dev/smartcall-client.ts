/**
 * The SmartCall client of `npm run call`: pop-core's RPCClient (signature 1.0, HMAC-SHA1) over one shared
 * keep-alive agent, and each request's end told apart as a campaign must tell it:
 *
 * - `placed`: a `CallId` came back;
 * - `api-error`: an error answer, by its code and HTTP status (its message may repeat the signed request,
 *   the called number included, so it is never kept, and pop-core's error message, which also holds the
 *   URL, is never read);
 * - `not-written`: it failed before the whole request was handed to the network (DNS, a refused
 *   connection, TLS, a reset while connecting): no call can have been placed, so it is safe to send again;
 * - `uncertain`: it failed after that (a timeout, a reset, an answer too large or not SmartCall's, a 5xx
 *   page without JSON): the platform may have placed the call, so it is never sent again on its own.
 *
 * What was written is learnt from the request itself: the agent handed to pop-core is a thin wrapper of
 * the shared one that watches each `ClientRequest` and counts it written once it emitted `finish` (its
 * last byte handed to the socket).
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import * as v from 'valibot';
import type { SendOutcome } from '../shared/campaign/pacing';
import {
  ApiErrorAnswerSchema,
  readRequestId,
  SMARTCALL_API,
  SmartCallAnswerSchema,
} from '../shared/campaign/smartcall';
import type { AccessKeys } from './fc-credentials';

/** The largest answer read: SmartCall's is a hundred bytes; a larger one is not its answer. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** Per request, by default. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export type SmartCallClient = {
  /** Sends one SmartCall with `params` (as text, checked before); never rejects. */
  send(params: Readonly<Record<string, string>>): Promise<SendOutcome>;
  /** Closes the kept-alive connections. */
  close(): void;
};

type RpcClient = {
  request(action: string, params: object, options: object): Promise<unknown>;
};
type RpcClientConstructor = new (config: {
  endpoint: string;
  apiVersion: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}) => RpcClient;

/** An endpoint the client may send to: https, or http to this machine (the stand-in). */
export function checkEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `--endpoint ${endpoint} is not a URL`;
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '')
    return `--endpoint ${endpoint}: an origin only, such as https://dyvmsapi.aliyuncs.com`;
  if (url.pathname !== '/') return `--endpoint ${endpoint}: an origin only, without a path`;
  if (url.protocol === 'https:') return undefined;
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol === 'http:' && loopback) return undefined;
  return `--endpoint ${endpoint}: https only (http:// only to this machine, for the stand-in)`;
}

/** What one watched request did. */
type Watched = {
  written: boolean;
  status: number | undefined;
  tooLarge: boolean;
};

/** A node error's code, when it is one (`ECONNREFUSED`); never its message. */
function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

/** How long a kept-alive connection may stay idle before it is closed (servers close theirs after 15–60 s). */
const IDLE_SOCKET_MS = 10_000;

export function createSmartCallClient(options: {
  readonly endpoint: string;
  readonly credentials: AccessKeys;
  readonly timeoutMs?: number | undefined;
}): SmartCallClient {
  const endpoint = options.endpoint.replace(/\/+$/, '');
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const secure = endpoint.startsWith('https:');
  // A kept-alive connection idle longer than this is closed: after a wait for the calling hours, a
  // connection a NAT or the server dropped meanwhile would fail the next request after it was written
  // (uncertain) instead of before (retried) on a new one.
  const idle = { keepAlive: true, timeout: Math.max(IDLE_SOCKET_MS, timeout + 1000) };
  const shared = secure ? new HttpsAgent(idle) : new HttpAgent(idle);
  const RPCClient = createRequire(import.meta.filename)('@alicloud/pop-core') as RpcClientConstructor;
  const { accessKeyId, accessKeySecret, securityToken } = options.credentials;
  const rpc = new RPCClient({
    endpoint,
    apiVersion: SMARTCALL_API.version,
    accessKeyId,
    accessKeySecret,
    ...(securityToken === undefined || securityToken === '' ? {} : { securityToken }),
  });

  /** Watches one request: written once it finished, its status, and its answer's size. */
  const watch = (req: ClientRequest, watched: Watched) => {
    // The bytes the socket had read before this request: a kept-alive one has read earlier answers.
    let start = 0;
    req.once('socket', (socket: Socket) => {
      start = socket.bytesRead;
    });
    req.once('finish', () => {
      watched.written = true;
    });
    req.once('response', (res: IncomingMessage) => {
      watched.status = res.statusCode;
      const socket = res.socket;
      // The answer's bytes, headers included, counted as they arrive (Content-Length may be absent).
      const over = () => socket.bytesRead - start > MAX_ANSWER_BYTES;
      const onData = () => {
        if (!over()) return;
        watched.tooLarge = true;
        socket.off('data', onData);
        req.destroy();
      };
      if (Number(res.headers['content-length']) > MAX_ANSWER_BYTES || over()) {
        watched.tooLarge = true;
        req.destroy();
        return;
      }
      socket.on('data', onData);
      res.once('close', () => socket.off('data', onData));
    });
  };

  const send = async (params: Readonly<Record<string, string>>): Promise<SendOutcome> => {
    const watched: Watched = { written: false, status: undefined, tooLarge: false };
    // The shared agent itself, but for the watching: node asks for `Connection: keep-alive` only when the
    // agent it is given says `keepAlive` (or bounds its sockets), so a bare object would cost every
    // request a new connection (a TLS handshake, on the real endpoint).
    const agent: HttpAgent = Object.create(shared, {
      addRequest: {
        value(req: ClientRequest, requestOptions: object) {
          watch(req, watched);
          (shared as unknown as { addRequest(req: ClientRequest, options: object): void }).addRequest(
            req,
            requestOptions,
          );
        },
      },
    });
    let answer: unknown;
    try {
      answer = await rpc.request(
        SMARTCALL_API.action,
        { ...params },
        {
          method: 'POST',
          timeout,
          formatParams: false,
          agent,
        },
      );
    } catch (error) {
      return describeFailure(error, watched);
    }
    // An answer over the bound that was whole before the cut came through: still not SmartCall's.
    if (watched.tooLarge) return describeFailure(undefined, watched);
    const placed = v.safeParse(SmartCallAnswerSchema, answer);
    if (placed.success)
      return {
        kind: 'placed',
        callId: placed.output.CallId,
        requestId: readRequestId(placed.output.RequestId),
      };
    return {
      kind: 'uncertain',
      why: 'an answer without a CallId',
      ...(watched.status === undefined ? {} : { http: watched.status }),
    };
  };

  return { send, close: () => shared.destroy() };
}

/** A failed request as the campaign sees it; never pop-core's message (it holds the URL and the API's). */
function describeFailure(error: unknown, watched: Watched): SendOutcome {
  const http = watched.status === undefined ? {} : { http: watched.status };
  if (watched.tooLarge)
    return { kind: 'uncertain', why: `an answer over ${MAX_ANSWER_BYTES} bytes`, ...http };
  const data = (error as { data?: unknown } | null)?.data;
  const apiError = v.safeParse(ApiErrorAnswerSchema, data);
  if (apiError.success) {
    const status = (error as { entry?: { response?: { statusCode?: unknown } } }).entry?.response?.statusCode;
    return {
      kind: 'api-error',
      code: apiError.output.Code,
      http: typeof status === 'number' ? status : watched.status,
      requestId: readRequestId(apiError.output.RequestId),
    };
  }
  const code = errorCode(error);
  const name = (error as { name?: unknown } | null)?.name;
  const timedOut = name === 'RequestTimeoutError' || code === 'ETIMEDOUT';
  if (!watched.written) {
    return {
      kind: 'not-written',
      why: `${timedOut ? 'timeout' : (code ?? 'a failure')} before the request was written`,
    };
  }
  if (timedOut) return { kind: 'uncertain', why: 'timeout after the request was written', ...http };
  if (error instanceof SyntaxError || watched.status !== undefined) {
    const status = watched.status ?? 0;
    return {
      kind: 'uncertain',
      why:
        status >= 500
          ? `HTTP ${status} without a JSON answer`
          : code === undefined
            ? 'an answer that is not JSON'
            : `${code} while the answer was read`,
      ...http,
    };
  }
  return { kind: 'uncertain', why: `${code ?? 'a failure'} after the request was written` };
}
