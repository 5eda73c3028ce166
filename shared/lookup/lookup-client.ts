/**
 * The lookup client at the edge: what a callback handler calls when the engine needs a lookup
 * (shared/lookup/lookup-types.ts). Built on its own as `dist/<function>/lookup-client.js` beside each
 * callback bundle, like `oss-client.js`, so that a function whose rules have no lookup loads none of it.
 *
 * FC's built-in runtime serves one request per instance and freezes the instance between requests: an
 * attempt a callback leaves behind moves only while a later request runs on the same instance. So:
 * - an attempt's time limit (`request.timeoutMs`) counts awake time (shared/clock), not the freeze;
 * - a callback waits for the answer at most `waitMs` (wall time: it is awake), then answers `waiting`
 *   and leaves the attempt running, kept by its key, for the call's next event on this instance to join;
 * - an answer that came in is kept a while (about a minute awake, {@link KEEP_SETTLED_MS}), so that a
 *   duplicated callback, or the next one of the same visit of the node (the task's key), gets it without a
 *   new request.
 */
import { type AwakeClock, type ClockHost, PROCESS_CLOCK, startAwakeClock } from '../clock/awake-clock';
import { createPool } from './agent-pool';
import type { LookupAnswer, LookupFailure, LookupTask, PerformLookup } from './lookup-types';
import { fingerprintOf, type PreparedRequest, prepareRequest } from './prepare-request';
import {
  type AttemptLimits,
  type AttemptOutcome,
  type LookupTransport,
  type SentAttempt,
  sendAttempt,
} from './send-attempt';

/** One callback's lookup, as the handler hands it over: {@link createLookupClient} says what it comes to. */
export type { LookupTask } from './lookup-types';

export type LookupClient = {
  /** Performs one callback's lookup; resolves with an answer on every path, never rejects. */
  perform(task: LookupTask): Promise<LookupAnswer>;
  /** Aborts everything in flight and forgets every answer (tests); waiting callers get `waiting`. */
  close(): void;
  /** The attempts in flight. */
  inFlight(): number;
};

export type LookupClientOptions = {
  /** What attempt deadlines and the keeping of answers are timed on; the process's awake clock by default. */
  readonly clock?: ClockHost;
  /** Attempts in flight at most ({@link DEFAULT_MAX_IN_FLIGHT}); one more aborts the least recently asked for. */
  readonly maxInFlight?: number;
  /** Sends the requests; by default node:http and node:https through this client's keep-alive agents. */
  readonly transport?: LookupTransport;
};

/**
 * Attempts in flight at once by default. A built-in runtime's instance serves one call event at a time; a
 * custom-runtime instance serves up to its `instanceConcurrency` (s.custom.yaml; FC allows up to 200, and
 * `npm run deploy:check` refuses more than 64), so this is ample for either: past it, the least recently
 * asked-for attempt is aborted.
 */
export const DEFAULT_MAX_IN_FLIGHT = 64;
/** Answers kept for a duplicated or next callback, at most: the least recently asked for go first. */
export const MAX_SETTLED = 256;
/** How long an answer is kept, ms awake: a call's next event comes within seconds, a duplicate sooner. */
export const KEEP_SETTLED_MS = 60_000;
/** How often kept answers are looked through for old ones, ms awake. */
const PRUNE_EVERY_MS = 1_000;
/**
 * Idle connections kept per origin, and how long (ms): warm calls skip the TLS handshake. Under the 5 s
 * that node servers (and many others) keep an idle connection, so this side closes first; a connection
 * found dead anyway (closed while the instance was frozen) is sent on again (send-attempt.ts).
 */
const MAX_IDLE_SOCKETS = 4;
const IDLE_SOCKET_MS = 4_000;

/** An attempt as the client keeps it, by its task's key. */
type Flight = {
  readonly fingerprint: string;
  /** Its number for its node: the attempts sent for the node, this one included. */
  readonly attempt: number;
  readonly exchange: SentAttempt;
  /** Its outcome once it has one, and when it came (ms awake on the client's clock). */
  settled: { readonly outcome: AttemptOutcome; readonly at: number } | undefined;
};

/**
 * A lookup client. What `perform` does with a task:
 * - an attempt in flight (or an answer kept) for the task's key and the same method, URL and body is
 *   joined: nothing is sent again. A key whose request changed drops what it had (aborting it);
 * - else, while `attemptsSoFar < maxAttempts`, attempt number `attemptsSoFar + 1` is sent; else (every
 *   attempt sent, and none in flight here, as when they ran on another instance) the answer is
 *   `failed/timeout`;
 * - a timeout (`request.timeoutMs` of awake time) or a failed connection (refused, reset, DNS, hang-up)
 *   is retried at once with a new attempt while attempts remain, and is `failed/timeout` or
 *   `failed/connection` (the last one's) when none remain. An attempt that fails after its callback
 *   stopped waiting is retried by the next callback that asks;
 * - an answer that is there but wrong is not retried: a status other than 2xx (`status`, with it), any
 *   3xx (`redirect`, never followed), more than `request.maxBytes` by Content-Length or by bytes read
 *   (`too-large`), not UTF-8 JSON or empty (`not-json`), nested deeper than MAX_ANSWER_DEPTH
 *   (`too-deep`). A 2xx JSON answer is `ok`, with its data and status;
 * - when `waitMs` (wall time: the callback is awake) runs out first the answer is `waiting`, and the
 *   attempt goes on; a `waitMs` of 0 starts or joins and answers `waiting` at once, unless an answer is kept;
 * - `unsendable` (nothing sent): an `http:` URL to a host other than 127.0.0.1, ::1 or localhost, a URL
 *   with credentials, a header value with CR or LF, a header the client sets itself, or an `{env}` part
 *   naming a variable that is unset or does not start with LOOKUP_ENV_PREFIX.
 * `attempts` counts the attempts sent for the node, the call's and this instance's, whichever is more.
 * No answer carries a header's value or any text from the server but the JSON data of an `ok`.
 */
export function createLookupClient(options: LookupClientOptions = {}): LookupClient {
  const clock = options.clock ?? PROCESS_CLOCK;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const { transport, destroy } =
    options.transport === undefined
      ? createPool({ maxSockets: maxInFlight, maxIdle: MAX_IDLE_SOCKETS, idleMs: IDLE_SOCKET_MS })
      : { transport: options.transport, destroy: () => undefined };
  /** By key, least recently asked for first (a Map keeps the order of insertion). */
  const flights = new Map<string, Flight>();
  /** Runs while anything is kept: answers age on it, and it stops when nothing is left. */
  let awake: AwakeClock | undefined;
  let prunedAt = 0;

  const keep = (key: string, flight: Flight): void => {
    flights.delete(key);
    flights.set(key, flight);
    if (awake !== undefined) return;
    prunedAt = 0;
    awake = startAwakeClock(clock, prune);
  };
  const drop = (key: string): void => {
    flights.delete(key);
    if (flights.size > 0) return;
    awake?.stop();
    awake = undefined;
  };
  function prune(elapsed: number): void {
    if (elapsed - prunedAt < PRUNE_EVERY_MS) return;
    prunedAt = elapsed;
    for (const [key, flight] of flights) {
      if (flight.settled !== undefined && elapsed - flight.settled.at >= KEEP_SETTLED_MS) drop(key);
    }
  }
  const countInFlight = (): number => [...flights.values()].filter((flight) => !flight.settled).length;

  /** The flight kept for `key`, when it is for the same request (a stale one is dropped and aborted). */
  const find = (key: string, fingerprint: string): Flight | undefined => {
    const flight = flights.get(key);
    if (flight === undefined) return undefined;
    if (flight.fingerprint !== fingerprint) {
      drop(key);
      flight.exchange.abort();
      return undefined;
    }
    keep(key, flight);
    return flight;
  };

  /** Aborts the least recently asked-for attempts until one more fits under `maxInFlight`. */
  const makeRoom = (): void => {
    let over = countInFlight() - maxInFlight + 1;
    for (const [key, flight] of flights) {
      if (over <= 0) return;
      if (flight.settled !== undefined) continue;
      drop(key);
      flight.exchange.abort();
      over -= 1;
    }
  };

  /** Forgets the answers kept beyond {@link MAX_SETTLED}, least recently asked for first. */
  const trimSettled = (): void => {
    let over = flights.size - countInFlight() - MAX_SETTLED;
    for (const [key, flight] of flights) {
      if (over <= 0) return;
      if (flight.settled === undefined) continue;
      drop(key);
      over -= 1;
    }
  };

  const start = (
    key: string,
    fingerprint: string,
    attempt: number,
    prepared: PreparedRequest,
    limits: AttemptLimits,
  ): Flight => {
    makeRoom();
    const flight: Flight = {
      fingerprint,
      attempt,
      exchange: sendAttempt(prepared, limits, transport, clock),
      settled: undefined,
    };
    keep(key, flight);
    void flight.exchange.outcome.then((outcome) => {
      if (flights.get(key) !== flight) return;
      if (outcome.kind === 'aborted') {
        drop(key);
        return;
      }
      flight.settled = { outcome, at: awake?.elapsed() ?? 0 };
      trimSettled();
    });
    return flight;
  };

  const answer = async (task: LookupTask): Promise<LookupAnswer> => {
    const prepared = prepareRequest(task.request, task.env);
    if (prepared === undefined || !isCountOk(task)) return failed('unsendable', task.attemptsSoFar);
    const fingerprint = fingerprintOf(task.request);
    const limits = { timeoutMs: task.request.timeoutMs, maxBytes: task.request.maxBytes };
    const wait = startWait(task.waitMs);
    try {
      let flight = find(task.key, fingerprint);
      let attempts = Math.max(task.attemptsSoFar, flight?.attempt ?? 0);
      let outcome = flight?.settled?.outcome;
      for (;;) {
        if (flight === undefined || outcome?.kind === 'lost') {
          if (attempts >= task.maxAttempts) {
            return failed(outcome?.kind === 'lost' ? outcome.why : 'timeout', attempts);
          }
          attempts += 1;
          flight = start(task.key, fingerprint, attempts, prepared, limits);
        }
        outcome = flight.settled?.outcome ?? (await wait.race(flight.exchange.outcome));
        // Aborted: evicted or closed here, not failed: the call's next event sends it again if it may.
        if (outcome === undefined || outcome.kind === 'aborted') return { kind: 'waiting', attempts };
        if (outcome.kind === 'ok')
          return { kind: 'ok', data: outcome.data, attempts, status: outcome.status };
        if (outcome.kind === 'refused') return failed(outcome.why, attempts, outcome.status);
      }
    } finally {
      wait.cancel();
    }
  };

  return {
    perform: async (task) => {
      try {
        return await answer(task);
      } catch {
        // Nothing above throws by design; should it, the call goes to the node's onError, not to the fallback.
        return failed('unsendable', task.attemptsSoFar);
      }
    },
    close: () => {
      const all = [...flights.values()];
      flights.clear();
      awake?.stop();
      awake = undefined;
      for (const flight of all) flight.exchange.abort();
      destroy();
    },
    inFlight: countInFlight,
  };
}

/** Counts a task must have to be sent: whole numbers, at least one attempt in all. */
function isCountOk(task: LookupTask): boolean {
  return (
    Number.isInteger(task.maxAttempts) &&
    task.maxAttempts >= 1 &&
    Number.isInteger(task.attemptsSoFar) &&
    task.attemptsSoFar >= 0
  );
}

function failed(why: LookupFailure, attempts: number, status?: number): LookupAnswer {
  return status === undefined ? { kind: 'failed', why, attempts } : { kind: 'failed', why, attempts, status };
}

/**
 * The callback's wait: `race` gives an attempt's outcome if it comes before the wait ends, else
 * undefined. Wall time on a timer the callback clears when it answers.
 */
function startWait(ms: number) {
  let ended = !(ms > 0);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const end = ended
    ? Promise.resolve(undefined)
    : new Promise<undefined>((resolve) => {
        timer = setTimeout(() => {
          ended = true;
          resolve(undefined);
        }, ms);
      });
  return {
    race: (outcome: Promise<AttemptOutcome>): Promise<AttemptOutcome | undefined> =>
      ended ? Promise.resolve(undefined) : Promise.race([outcome, end]),
    cancel: () => clearTimeout(timer),
  };
}

let processClient: LookupClient | undefined;

/**
 * Performs a lookup on the process's one client (created on first use), which the functions share
 * across callbacks: see {@link createLookupClient} for what it answers.
 */
export const performLookup: PerformLookup = (task) => {
  processClient ??= createLookupClient();
  return processClient.perform(task);
};

/**
 * The attempts in flight on the process's client (0 before its first lookup). Not on a callback's path:
 * `npm run fuzz -- --lookups` reads it, through the built `lookup-client.js`, to check that every attempt
 * ends by its deadline.
 */
export function lookupsInFlight(): number {
  return processClient?.inFlight() ?? 0;
}
