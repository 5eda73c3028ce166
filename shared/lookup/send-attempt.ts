/**
 * One attempt of a lookup: one HTTP exchange, bounded in awake time and in bytes, that ends in an
 * {@link AttemptOutcome} and never in a throw. Whatever ends it other than a complete 2xx answer destroys
 * the request, and its socket with it, so a hostile server keeps nothing of this instance open.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { afterAwake, type ClockHost } from '../clock/awake-clock';
import type { LookupFailure } from './lookup-types';
import type { PreparedRequest } from './prepare-request';
import { readAnswer } from './read-answer';

/** Sends one request: node's `request` of `node:http` or `node:https`, or a test's stand-in for it. */
export type LookupTransport = (url: URL, options: RequestOptions) => ClientRequest;

/** What one attempt came to. */
export type AttemptOutcome =
  | { readonly kind: 'ok'; readonly data: unknown; readonly status: number }
  /** The server answered, and what it answered is not usable: another attempt would get the same. */
  | { readonly kind: 'refused'; readonly why: RefusedWhy; readonly status?: number }
  /** No answer: the time ran out or the connection failed, and another attempt may do better. */
  | { readonly kind: 'lost'; readonly why: LostWhy }
  /** Given up by the client itself (replaced, evicted, closed), not by anything the server did. */
  | { readonly kind: 'aborted' };

export type RefusedWhy = Extract<
  LookupFailure,
  'status' | 'redirect' | 'too-large' | 'not-json' | 'too-deep' | 'unsendable'
>;
export type LostWhy = Extract<LookupFailure, 'timeout' | 'connection'>;

/** An attempt under way: its outcome, once there is one, and a way to give it up. */
export type SentAttempt = {
  readonly outcome: Promise<AttemptOutcome>;
  /** Ends it now with `aborted`, destroying its connection; nothing once it has ended. */
  readonly abort: () => void;
};

export type AttemptLimits = {
  /** Ms of awake time, from now to the last byte. */
  readonly timeoutMs: number;
  /** The largest body read, bytes. */
  readonly maxBytes: number;
};

/**
 * How often an attempt whose pooled connection turns out dead (closed by the server while idle, or while
 * the instance was frozen) is sent again on another connection, within the same deadline: node's own
 * advice for keep-alive agents (`request.reusedSocket`). Such a failure says nothing about the server.
 */
const STALE_RESENDS = 2;

/** Sends `request` with `transport` and reads its answer within `limits`. */
export function sendAttempt(
  request: PreparedRequest,
  limits: AttemptLimits,
  transport: LookupTransport,
  clock: ClockHost,
): SentAttempt {
  let settle: (outcome: AttemptOutcome) => void = () => undefined;
  const outcome = new Promise<AttemptOutcome>((resolve) => {
    settle = resolve;
  });
  let settled = false;
  let current: ClientRequest | undefined;
  let staleResends = 0;

  const finish = (result: AttemptOutcome): void => {
    if (settled) return;
    settled = true;
    deadline.cancel();
    // A complete 2xx answer leaves its connection to the agent, for the next lookup; anything else
    // destroys it, so a server that stalls or floods holds nothing open.
    if (result.kind !== 'ok') current?.destroy();
    settle(result);
  };

  // Awake time: FC freezes an instance between requests, and an attempt that outlives its callback goes
  // on only while later ones run; the freeze is not time the server took.
  const deadline = afterAwake(limits.timeoutMs, () => finish({ kind: 'lost', why: 'timeout' }), clock);

  const send = (): void => {
    let outgoing: ClientRequest;
    try {
      outgoing = transport(request.url, { method: request.method, headers: request.headers });
    } catch {
      finish({ kind: 'refused', why: 'unsendable' });
      return;
    }
    current = outgoing;
    let answered = false;
    // Never removed: a hostile server can still make the socket fail after the outcome, and an 'error'
    // without a listener would end the process.
    outgoing.on('error', () => {
      if (settled || outgoing !== current) return;
      if (!answered && outgoing.reusedSocket && staleResends < STALE_RESENDS) {
        staleResends += 1;
        send();
        return;
      }
      finish({ kind: 'lost', why: 'connection' });
    });
    outgoing.on('response', (response) => {
      answered = true;
      readResponse(response, limits.maxBytes, finish);
    });
    outgoing.end(request.body);
  };

  send();
  return { outcome, abort: () => finish({ kind: 'aborted' }) };
}

/** Reads an answer into an outcome: the status first, then the body within `maxBytes`. */
function readResponse(
  response: IncomingMessage,
  maxBytes: number,
  finish: (outcome: AttemptOutcome) => void,
): void {
  response.on('error', () => finish({ kind: 'lost', why: 'connection' }));
  const status = response.statusCode ?? 0;
  const refusal = refuseEarly(status, Number(response.headers['content-length']), maxBytes);
  if (refusal !== undefined) {
    finish(refusal);
    return;
  }
  const chunks: Buffer[] = [];
  let length = 0;
  response.on('data', (chunk: Buffer) => {
    length += chunk.length;
    // Counted as it arrives, whatever Content-Length said: a server that lies about it is cut off here.
    if (length > maxBytes) finish({ kind: 'refused', why: 'too-large' });
    else chunks.push(chunk);
  });
  // Closed before its end (fewer bytes than Content-Length said, a reset mid-body): no answer.
  response.on('close', () => {
    if (!response.complete) finish({ kind: 'lost', why: 'connection' });
  });
  response.on('end', () => {
    const read = readAnswer(Buffer.concat(chunks));
    finish(read.kind === 'ok' ? { kind: 'ok', data: read.data, status } : read);
  });
}

/**
 * The outcome an answer has before its body is read: a status other than 2xx (a 3xx is never followed:
 * the document fixes the origin a lookup reaches), or a Content-Length over the limit.
 */
function refuseEarly(status: number, declared: number, maxBytes: number): AttemptOutcome | undefined {
  if (status >= 300 && status < 400) return { kind: 'refused', why: 'redirect', status };
  if (status < 200 || status >= 300) return { kind: 'refused', why: 'status', status };
  return declared > maxBytes ? { kind: 'refused', why: 'too-large' } : undefined;
}
