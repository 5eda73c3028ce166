/**
 * Whole calls through the built callback functions, shared by the fuzz modes that play them
 * (dev/fuzz-lookups.ts, dev/fuzz-flows.ts): lanes of instances, each with a second instance elsewhere
 * (a copy of the bundles, as FC may route a call's next event to another instance), calls whose events
 * carry the state each reply sealed (now and then a forged one, or none), sent twice as the platform
 * retries, and dev/fuzz-callbacks.ts's requests among them. Every request is held to the properties of
 * dev/fuzz-callbacks.ts and to those of the mode ({@link CallsContext.check}).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  buildFcEvent,
  type FcHandler,
  type FcResult,
  formCallback,
  loadHostedHandler,
  pickFunctionEnvironment,
  ROOT,
  setFunctionEnvironment,
} from './fc-event';
import {
  checkGenuineState,
  checkReply,
  collectStatesOfOtherCalls,
  type FuzzRequest,
  forgedStateArb,
  safeJson,
} from './fuzz-callbacks';
import { logScan } from './log-scan';

/** One event of a call after its first. */
export type FollowUp = {
  readonly type: 'mute' | 'dtmf' | 'normal' | 'timebreak' | 'parallel_transfer';
  readonly digits: string;
  readonly words: string;
  /** A `parallel_transfer` event's `transfer_status`. */
  readonly status?: string;
  /** The state it carries: the last reply's, a forged one, or none. */
  readonly state: 'carried' | 'forged' | 'missing';
  readonly forgedState: string;
  /** How long the call waits before this event, ms (a prompt playing, a caller thinking). */
  readonly pauseMs: number;
  /** Sent to the lane's other instance, as FC may route a call's next event. */
  readonly elsewhere: boolean;
  /** Sent twice, as the platform retries a callback. */
  readonly twice: boolean;
};

/**
 * How the events after a call's first are delivered, as fields of a {@link FollowUp} record: the state
 * each carries (the last reply's `carried` times in `carried + 2`, else a forged one or none), the pause
 * before it, another instance 15 times in 100, and twice `twicePercent` times in 100.
 */
export function deliveryArbs(options: {
  readonly carried: number;
  readonly pauseMs: fc.Arbitrary<number>;
  readonly twicePercent: number;
}) {
  return {
    state: fc.oneof(
      { weight: options.carried, arbitrary: fc.constant('carried' as const) },
      { weight: 1, arbitrary: fc.constant('forged' as const) },
      { weight: 1, arbitrary: fc.constant('missing' as const) },
    ),
    forgedState: forgedStateArb([]),
    pauseMs: options.pauseMs,
    elsewhere: fc.integer({ min: 0, max: 99 }).map((n) => n < 15),
    twice: fc.integer({ min: 0, max: 99 }).map((n) => n < options.twicePercent),
  };
}

/** One call: its first event (a callin, or an outbound call's first event) and what follows. */
export type FuzzCall = {
  readonly callId: string;
  readonly caller: string;
  /** An outbound call's DynamicId names its flow (else it starts the outbound default). */
  readonly named: boolean;
  readonly followUps: readonly FollowUp[];
};

/** What a lane sends next: a whole call, or one request of dev/fuzz-callbacks.ts's (junk, forged states). */
export type FuzzItem = { readonly call: FuzzCall } | { readonly request: FuzzRequest };

/** A call id as VMS writes it. */
export const platformCallIdArb = fc
  .tuple(fc.nat(999_999_999_999), fc.nat(999_999_999_999))
  .map(([a, b]) => `${a}^${b}`);

/** A caller's number: a mobile or a fixed line. */
export const callerArb = fc.oneof(
  fc.stringMatching(/^1[3-9][0-9]{9}$/),
  fc.stringMatching(/^0[1-9][0-9]{9,10}$/),
);

/** What a callback's function logged, by request id, until the request's check takes it. */
export type LogBook = {
  readonly write: (line: string) => void;
  readonly take: (requestId: string) => Record<string, unknown> | undefined;
};

/** A log book that hands each callback's line (one with a request id and `ms`) to `read` as it is written. */
export function openLogBook(
  scan: (line: string) => void,
  read: (fields: Record<string, unknown>) => void,
): LogBook {
  const byRequest = new Map<string, Record<string, unknown>>();
  return {
    write: (line) => {
      scan(line);
      const fields = safeJson(line);
      if (fields === undefined || typeof fields.requestId !== 'string' || typeof fields.ms !== 'number')
        return;
      byRequest.set(fields.requestId, fields);
      read(fields);
    },
    take: (requestId) => {
      const fields = byRequest.get(requestId);
      byRequest.delete(requestId);
      return fields;
    },
  };
}

/** One instance of a function: its handler and the document it serves. */
export type Instance<D> = { readonly handler: FcHandler; readonly document: D };

/** A lane: one call at a time, on its instance, or on its other one. */
export type Lane<D> = {
  readonly name: 'inbound' | 'outbound';
  readonly index: number;
  readonly here: Instance<D>;
  readonly elsewhere: Instance<D>;
};

/** One request sent and answered, for a mode's own properties. */
export type Answered<D> = {
  readonly request: FuzzRequest;
  readonly result: FcResult;
  /** The callback's log line (none for what is not a callback). */
  readonly line: Record<string, unknown> | undefined;
  readonly instance: Instance<D>;
  /** When it was sent (performance.now). */
  readonly started: number;
};

/** What the lanes share: the items to draw, the log book, the mode's properties, the first failure. */
export type CallsContext<D> = {
  readonly items: fc.Arbitrary<FuzzItem>;
  readonly book: LogBook;
  /** The mode's properties of one answered request, besides dev/fuzz-callbacks.ts's: what is wrong, or undefined. */
  readonly check: (answered: Answered<D>) => string | undefined;
  /** The mode's properties of a callback sent twice: what is wrong with the second answer, or undefined. */
  readonly checkTwice?: (first: Answered<D>, second: Answered<D>) => string | undefined;
  /** Whether to stop: a failure, or the time is up. */
  readonly stopped: () => boolean;
  readonly fail: (problem: string) => void;
  /** One more request sent. */
  readonly counted: () => void;
};

/** Items drawn at a time by a lane: small, so that a lane stops soon after its share. */
const DRAWN_AT_ONCE = 16;

/** Sends `share` requests from the lane, call after call, each checked; stops at the first failure. */
export async function runLane<D>(
  lane: Lane<D>,
  number: number,
  share: number,
  seed: number,
  context: CallsContext<D>,
): Promise<void> {
  let sent = 0;
  const room = () => share - sent;
  for (let draw = 0; room() > 0 && !context.stopped(); draw++) {
    // Each lane and draw its own seed, so that the whole run follows from the one seed.
    const drawSeed = (seed ^ Math.imul(number + 1, 0x9e3779b1) ^ Math.imul(draw + 1, 0x85ebca6b)) >>> 1;
    for (const item of fc.sample(context.items, { seed: drawSeed, numRuns: DRAWN_AT_ONCE })) {
      if (room() <= 0 || context.stopped()) return;
      if ('request' in item) {
        sent += 1;
        // Outbound calls take names and other text as a DynamicId: only inbound must refuse a forged state.
        const request = lane.name === 'outbound' ? { ...item.request, forged: false } : item.request;
        await sendChecked(
          lane,
          lane.here,
          request,
          context,
          () => `the request: ${describeEvent(request.event)}`,
        );
      } else {
        sent += await runCall(lane, item.call, room(), context);
      }
    }
  }
}

/** The events of a call, sent in turn, each carrying the state its reply asks for; returns how many were sent. */
export async function runCall<D>(
  lane: Lane<D>,
  call: FuzzCall,
  room: number,
  context: CallsContext<D>,
): Promise<number> {
  const origin = lane.name;
  const shown = () => `the call: ${JSON.stringify(call)}`;
  let timestamp = 1_767_000_000_000;
  const event = (type: string, content: Record<string, string>, forged: boolean): FuzzRequest => {
    timestamp += 1;
    return {
      event: formCallback({
        call_id: call.callId,
        content_type: type,
        content: JSON.stringify(content),
        timestamp: String(timestamp),
      }),
      kind: 'callback',
      callId: call.callId,
      type,
      forged,
    };
  };
  const first =
    origin === 'inbound'
      ? event('callin', { caller: call.caller, callee: '05923391657' }, false)
      : event('normal', { words: '喂', ...(call.named ? { dynamic_id: 'main' } : {}) }, false);
  let answered = await sendChecked(lane, lane.here, first, context, shown);
  let sent = 1;
  for (const next of call.followUps) {
    const dynamicId = stateOf(answered?.result);
    // A call whose reply carries no state has ended (hung up, or answered with the fallback).
    if (dynamicId === undefined || sent >= room || context.stopped()) break;
    if (next.pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, next.pauseMs));
    const content: Record<string, string> =
      next.type === 'dtmf'
        ? { dtmf_digits: next.digits }
        : next.type === 'normal'
          ? { words: next.words }
          : next.type === 'parallel_transfer' && next.status !== undefined
            ? { transfer_status: next.status }
            : {};
    if (next.state === 'carried') content.dynamic_id = dynamicId;
    if (next.state === 'forged') content.dynamic_id = next.forgedState;
    // Outbound calls take names and other text as a DynamicId: only inbound must refuse a forged state.
    const request = event(next.type, content, next.state === 'forged' && origin === 'inbound');
    const instance = next.elsewhere ? lane.elsewhere : lane.here;
    const once = await sendChecked(lane, instance, request, context, shown);
    answered = once;
    sent += 1;
    if (next.twice && sent < room && !context.stopped()) {
      // The platform's retry: the same callback again (a request of its own on FC).
      const again = await sendChecked(
        lane,
        instance,
        { ...request, event: Buffer.from(request.event) },
        context,
        shown,
      );
      sent += 1;
      if (once !== undefined && again !== undefined) {
        const problem = context.checkTwice?.(once, again);
        if (problem !== undefined)
          failAt(lane, instance, `${problem}\n  ${request.type}; ${shown()}`, context);
      }
      answered = again;
    }
  }
  return sent;
}

/** The `dynamic_id` of a reply, if it has one. */
export function stateOf(reply: FcResult | undefined): string | undefined {
  const data = reply === undefined ? undefined : safeJson(reply.body)?.data;
  const state =
    typeof data === 'object' && data !== null ? (data as { dynamic_id?: unknown }).dynamic_id : undefined;
  return typeof state === 'string' ? state : undefined;
}

let requestCount = 0;

/**
 * Sends one request to `instance` under a request id of its own, and checks its reply (the properties of
 * dev/fuzz-callbacks.ts, then the mode's) and the log lines; a problem fails the run, described with the
 * lane and `shown()`. Returns what was answered (undefined when the handler threw).
 */
export async function sendChecked<D>(
  lane: Lane<D>,
  instance: Instance<D>,
  request: FuzzRequest,
  context: CallsContext<D>,
  shown: () => string,
): Promise<Answered<D> | undefined> {
  // A turn of the event loop first: a callback that waits for no I/O resolves in microtasks, and lanes
  // that never yield would starve the others' exchanges (a classification, a lookup) of the loop.
  await new Promise((resolve) => setImmediate(resolve));
  requestCount += 1;
  const requestId = `fuzz-${requestCount}`;
  const event = withRequestId(request.event, requestId);
  context.counted();
  let answered: Answered<D> | undefined;
  let problem: string | undefined;
  const started = performance.now();
  try {
    const result = await instance.handler(event);
    answered = { request, result, line: context.book.take(requestId), instance, started };
    problem = checkReply(request, result) ?? context.check(answered);
  } catch (error) {
    problem = `the handler threw: ${String(error)}`;
  }
  problem ??= logScan.leaks[0];
  if (problem !== undefined)
    failAt(lane, instance, `${problem}\n  ${request.type} ${requestId}; ${shown()}`, context);
  return answered;
}

function failAt<D>(lane: Lane<D>, instance: Instance<D>, problem: string, context: CallsContext<D>): void {
  const where = `${lane.name} lane ${lane.index}${instance === lane.elsewhere ? ' (its other instance)' : ''}`;
  context.fail(`${where}: ${problem}`);
}

/** An FC event with this request id (what its log line carries); an event that is not JSON as it was. */
function withRequestId(event: Buffer, requestId: string): Buffer {
  const fields = safeJson(event.toString('utf8'));
  const context = fields?.requestContext;
  if (fields === undefined || typeof context !== 'object' || context === null) return event;
  return Buffer.from(JSON.stringify({ ...fields, requestContext: { ...context, requestId } }));
}

/** An event, shortened, for a failure's message. */
export function describeEvent(event: Buffer): string {
  return event.toString('utf8').slice(0, 600);
}

/**
 * A fresh instance of a built function from `dist`, under the functions' variables `env`, its log lines
 * to `book`. The bundle reads its environment on its first request, so a status request is made while
 * it is set.
 */
export async function startInstance(
  name: 'inbound' | 'outbound',
  dist: string,
  env: Readonly<Record<string, string>>,
  book: LogBook,
): Promise<FcHandler> {
  setFunctionEnvironment(env);
  const handler = loadHostedHandler(name, { writeLog: book.write }, dist);
  await handler(buildFcEvent({ method: 'GET' }));
  return handler;
}

/** Resolves true once `condition` holds, or false after `limitMs`. */
export async function waitUntil(condition: () => boolean, limitMs: number): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!condition()) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}

/** A fuzz mode's run of calls, as a command asks for it. */
export type CallRunOptions = {
  readonly functions: readonly ('inbound' | 'outbound')[];
  /** Requests in all, shared between the functions and their lanes. */
  readonly runs: number;
  readonly seed: number;
  /** Instances answering at once per function, each with a second instance for the call's events elsewhere. */
  readonly lanes: number;
  /** Documents drawn from the seed; the lanes take them in turn. */
  readonly documents: number;
  readonly stateSecrets: string;
  /** No request is sent after this time (epoch ms). */
  readonly stopAt: number;
  /** Called after every 10,000 requests. */
  readonly progress?: (sent: number) => void;
};

/** A run of calls: the lanes, what they serve, and the mode's properties. */
export type PlayOptions<D> = {
  readonly functions: readonly ('inbound' | 'outbound')[];
  /** Requests in all, shared between the functions and their lanes. */
  readonly runs: number;
  readonly seed: number;
  /** Lanes per function; lane `i` serves `documents[i % documents.length]`. */
  readonly lanes: number;
  readonly documents: readonly D[];
  /** The functions' variables of an instance serving a document. */
  readonly environment: (document: D) => Readonly<Record<string, string>>;
  /** The two copies of the built functions: a lane's instance loads from the first, its other from the second. */
  readonly dists: readonly [string, string];
  readonly book: LogBook;
  /** The items of the run, with states sealed for other calls to replay among them. */
  readonly items: (replayed: readonly string[]) => fc.Arbitrary<FuzzItem>;
  readonly check: CallsContext<D>['check'];
  readonly checkTwice?: CallsContext<D>['checkTwice'];
  /** No request is sent after this time (epoch ms). */
  readonly stopAt: number;
  /** Called after every 10,000 requests. */
  readonly progress?: (sent: number) => void;
};

/**
 * Starts the lanes' instances, checks that each function follows a state it sealed (the positive control
 * of the forged-state property, under these rules), then plays `runs` requests from all lanes at once.
 * Returns how many were sent and the first failure.
 */
export async function playCalls<D>(
  options: PlayOptions<D>,
): Promise<{ readonly sent: number; readonly failure: string | undefined }> {
  const lanes: Lane<D>[] = [];
  let failure: string | undefined;
  for (const name of options.functions) {
    for (let index = 0; index < options.lanes; index++) {
      const document = options.documents[index % options.documents.length] as D;
      const start = async (dist: string) => ({
        handler: await startInstance(name, dist, options.environment(document), options.book),
        document,
      });
      lanes.push({
        name,
        index,
        here: await start(options.dists[0]),
        elsewhere: await start(options.dists[1]),
      });
    }
    const first = lanes.find((lane) => lane.name === name) as Lane<D>;
    const control = await checkGenuineState(first.here.handler);
    if (control !== undefined) failure ??= `${name}: a genuine state was not followed: ${control}`;
  }
  const replayed = await collectStatesOfOtherCalls((lanes[0] as Lane<D>).here.handler, 8);
  let sent = 0;
  const context: CallsContext<D> = {
    items: options.items(replayed),
    book: options.book,
    check: options.check,
    ...(options.checkTwice === undefined ? {} : { checkTwice: options.checkTwice }),
    stopped: () => failure !== undefined || Date.now() > options.stopAt,
    fail: (problem) => {
      failure ??= problem;
    },
    counted: () => {
      sent += 1;
      if (sent % 10_000 === 0) options.progress?.(sent);
    },
  };
  // The requests, shared out as evenly as they go.
  const share = (i: number) =>
    Math.floor(options.runs / lanes.length) + (i < options.runs % lanes.length ? 1 : 0);
  if (failure === undefined)
    await Promise.all(lanes.map((lane, i) => runLane(lane, i, share(i), options.seed, context)));
  return { sent, failure };
}

/**
 * Runs `body` with the built `functions` in two folders, dist/ and a copy (instances loaded from the copy
 * have side clients of their own: the lookup client, the classifier client), and with `variables` set
 * besides the functions' own (undefined: unset); then removes the copy, and puts back `variables` and
 * the functions' own as they were.
 */
export async function withTwoDists<T>(
  functions: readonly string[],
  variables: Readonly<Record<string, string | undefined>>,
  body: (dists: readonly [string, string]) => Promise<T>,
): Promise<T> {
  const elsewhere = mkdtempSync(join(tmpdir(), 'vms-callflow-fuzz-'));
  const had = Object.keys(variables).map((name) => [name, process.env[name]] as const);
  const hadFunctions = pickFunctionEnvironment(process.env);
  setVariables(Object.entries(variables));
  try {
    for (const name of functions)
      cpSync(join(ROOT, 'dist', name), join(elsewhere, name), { recursive: true });
    return await body([join(ROOT, 'dist'), elsewhere]);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
    setVariables(had);
    setFunctionEnvironment(hadFunctions);
  }
}

/** Sets each variable, or unsets it where its value is undefined. */
function setVariables(variables: readonly (readonly [string, string | undefined])[]): void {
  for (const [name, value] of variables) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

/** The sockets, servers and timers that keep this process running (unref'd timers do not). */
export function countHeldOpen(): number {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind === 'TCPSocketWrap' || kind === 'TCPServerWrap' || kind === 'Timeout').length;
}

/**
 * Waits a second at most for the process to hold no more sockets, servers and timers than `before` (a
 * server's handle goes a moment after it has closed); says how many it still holds, else undefined.
 */
export async function heldOpenSince(before: number): Promise<string | undefined> {
  if (await waitUntil(() => countHeldOpen() <= before, 1_000)) return undefined;
  return `${countHeldOpen() - before} sockets, servers or timers left behind: the process would not exit`;
}
