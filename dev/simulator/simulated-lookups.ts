/**
 * Who answers the lookups of the simulator's function instances (`FunctionHost.lookups`): never the
 * network, unless the user sends them to a stand-in on this machine.
 * - {@link ScriptedLookups}: a scenario's answers (or those typed at the prompt), played as the lookup
 *   client plays them: each callback waits `waitMs`, an attempt still in flight then is joined by the
 *   call's next event on the same instance, attempts are counted across callbacks, timeouts and failed
 *   connections are sent again while attempts remain, and an answer that came is kept for the visit
 *   of the node (its task key);
 * - {@link ReplayedLookups}: a logged call's lookups, answered with what its log lines say they came to;
 * - {@link ForwardedLookups}: the instance's own client, sent to a loopback origin instead.
 * None throws: what could not be answered is reported ({@link LookupReport}) and answered `unsendable`.
 */
import { SENSITIVE_INPUT } from '../../shared/log/mask';
import {
  LOOKUP_FAILURES,
  type LookupAnswer,
  type LookupFailure,
  type LookupRequest,
  type LookupTask,
  type PerformLookup,
  readLookupTaskKey,
} from '../../shared/lookup/lookup-types';
import { isLoopbackHost, prepareRequest } from '../../shared/lookup/prepare-request';
import { readAnswer } from '../../shared/lookup/read-answer';
import type { LookupNode, Rules, SavedField } from '../../shared/rules/rules-schema';
import type { LoggedLookup } from './call';
import { type DeskReport, describeThrown, Reporter } from './desk-report';
import type { ScriptedAnswer } from './lookup-script';
import { printable } from './printable';

/** What became of the lookups of one callback that the simulator must show or check. */
export type LookupReport = DeskReport<LookupRequest>;

/** The simulator's side of the instances' lookups. */
export type LookupDesk = {
  /** The instances' lookups (`FunctionHost.lookups`): given the instance's own client, what performs them. */
  readonly standIn: (client: PerformLookup) => PerformLookup;
  /** What the lookups of the callbacks since the last report came to; starts the next report. */
  readonly takeReport: () => LookupReport;
  /**
   * Answers the lookups the last callback left unanswered, where the desk can ask (at the prompt): true
   * when it did, and the callback should be sent again to use them.
   */
  readonly answerUnanswered?: () => Promise<boolean>;
};

function failed(why: LookupFailure, attempts: number, status?: number): LookupAnswer {
  return status === undefined ? { kind: 'failed', why, attempts } : { kind: 'failed', why, attempts, status };
}

/** Whether a URL goes to this machine (as the lookup client tells it). */
export function isLoopback(url: URL): boolean {
  return isLoopbackHost(url.hostname);
}

/**
 * The environment the simulated lookups are prepared with: every `LOOKUP_` variable a header names is
 * taken as set, as on a function deployed with it (the simulator never reads the real ones).
 */
const DEPLOYED_ENV = (name: string) => `${name.toLowerCase()}-as-deployed`;

// --------------------------------------------------------------------------------------------------
// Scripted
// --------------------------------------------------------------------------------------------------

/** How an attempt ended: an answer (usable or not), or lost (timed out, connection failed) and sent again. */
type AttemptOutcome =
  | { readonly kind: 'ok'; readonly data: unknown }
  | { readonly kind: 'refused'; readonly why: LookupFailure; readonly status?: number }
  | { readonly kind: 'lost'; readonly why: 'timeout' | 'connection' };

/** An attempt as the simulated client keeps it, by its task's key. */
type Flight = {
  /** The request it sends: a node asking with other values sends a new one. */
  readonly fingerprint: string;
  /** Its number for its node: the attempts sent for the node, this one included. */
  readonly attempt: number;
  readonly answer: ScriptedAnswer;
  /** When its answer comes (ms of the callbacks' waits after it was sent); Infinity: never. */
  readonly latencyMs: number;
  /** The ms of callbacks' waits it has run for. */
  elapsedMs: number;
  outcome: AttemptOutcome | undefined;
};

/** What an attempt answered with `answer` comes to, once it comes. */
function outcomeOf(answer: ScriptedAnswer, request: LookupRequest): AttemptOutcome {
  switch (answer.kind) {
    case 'data': {
      // The answer as the endpoint sends it, bounded and read by the client's own reader.
      const body = Buffer.from(JSON.stringify(answer.data) ?? 'null');
      if (body.length > request.maxBytes) return { kind: 'refused', why: 'too-large' };
      return readAnswer(body);
    }
    case 'status':
      return {
        kind: 'refused',
        why: answer.status < 400 ? 'redirect' : 'status',
        status: answer.status,
      };
    case 'refused':
      return { kind: 'refused', why: answer.why };
    case 'connection':
    case 'timeout':
      return { kind: 'lost', why: answer.kind };
    case 'unsendable':
      return { kind: 'refused', why: 'unsendable' };
  }
}

/**
 * When an answer comes, in ms of the callbacks' waits after its attempt was sent: at once, after the
 * wait of the callback that sent it (`slow`: the next callback's wait brings it), or never (`timeout`).
 */
function latencyOf(answer: ScriptedAnswer, waitMs: number): number {
  if (answer.kind === 'timeout') return Number.POSITIVE_INFINITY;
  return 'slow' in answer && answer.slow ? waitMs + 1 : 0;
}

/**
 * Lookups answered from a script, played as the lookup client plays them on one function instance.
 * Time runs only while a callback waits (FC freezes an instance between requests): an attempt's answer
 * or its `timeoutMs` comes within a callback's wait, or it is still in flight when the wait ends
 * (`waiting`), and the call's next event on this instance joins it. {@link moveToNewInstance} models the
 * next event reaching another instance, where nothing is in flight and the lookup is sent again.
 */
export class ScriptedLookups implements LookupDesk {
  readonly #report = new Reporter<LookupRequest>();
  readonly #flights = new Map<string, Flight>();
  #answers = new Map<string, ScriptedAnswer>();
  /** Asks for the answer of a lookup nothing scripted (at the prompt); undefined: none is given. */
  ask: ((request: LookupRequest) => Promise<ScriptedAnswer | undefined>) | undefined;

  /** A new call: these answers, nothing in flight. */
  startCall(answers: ReadonlyMap<string, ScriptedAnswer> = new Map()): void {
    this.#answers = new Map(answers);
    this.#flights.clear();
  }

  /** How a lookup answers from now on, in this call. */
  script(name: string, answer: ScriptedAnswer): void {
    this.#answers.set(name, answer);
  }

  /** The answer scripted for a lookup now. */
  scripted(name: string): ScriptedAnswer | undefined {
    return this.#answers.get(name);
  }

  /** The next event reaches another instance: no attempt in flight, no answer kept. */
  moveToNewInstance(): void {
    this.#flights.clear();
  }

  readonly takeReport = (): LookupReport => this.#report.take();

  /** The instance's client is never used: nothing is sent. */
  readonly standIn =
    (_client: PerformLookup): PerformLookup =>
    (task) =>
      Promise.resolve(this.#perform(task));

  readonly answerUnanswered = async (): Promise<boolean> => {
    const { unanswered } = this.#report;
    if (unanswered.length === 0 || this.ask === undefined) return false;
    for (const request of unanswered) {
      const answer = await this.ask(request);
      if (answer === undefined) return false;
      this.script(request.name, answer);
    }
    this.#report.take();
    return true;
  };

  /** What the lookup client answers `task` with, as it plays (see its documentation). */
  #perform(task: LookupTask): LookupAnswer {
    const { request } = task;
    const fingerprint = JSON.stringify([request.method, request.url, request.body ?? null]);
    let flight = this.#flights.get(task.key);
    if (flight !== undefined && flight.fingerprint !== fingerprint) {
      this.#flights.delete(task.key);
      flight = undefined;
    }
    let attempts = Math.max(task.attemptsSoFar, flight?.attempt ?? 0);
    let remainingMs = task.waitMs;
    let sentNow = false;
    for (;;) {
      if (flight === undefined || flight.outcome?.kind === 'lost') {
        if (attempts >= task.maxAttempts)
          return failed(flight?.outcome?.kind === 'lost' ? flight.outcome.why : 'timeout', attempts);
        const answer = this.#answers.get(request.name);
        if (answer === undefined) {
          this.#report.unanswered.push(request);
          return failed('unsendable', task.attemptsSoFar);
        }
        // What the client refuses to send, the simulator does not send either.
        const refused = prepareRequest(request, DEPLOYED_ENV) === undefined;
        if (answer.kind === 'unsendable' || refused) {
          if (refused)
            this.#report.notes.push(
              `lookup ${request.name} is not sent: the lookup client refuses it (plain http:// to another machine, credentials in the URL, or a header it cannot send)`,
            );
          return failed('unsendable', task.attemptsSoFar);
        }
        attempts += 1;
        flight = {
          fingerprint,
          attempt: attempts,
          answer,
          latencyMs: latencyOf(answer, task.waitMs),
          elapsedMs: 0,
          outcome: undefined,
        };
        this.#flights.set(task.key, flight);
        sentNow = true;
      }
      if (flight.outcome === undefined) {
        // The attempt ends when its answer comes, or at its time limit, whichever is first.
        const endsAt = Math.min(flight.latencyMs, request.timeoutMs);
        const dueMs = endsAt - flight.elapsedMs;
        // An answer due already came while the instance was still awake after the last callback; a wait
        // of 0 answers `waiting` at once for an attempt sent now, as the client does.
        const comes = (dueMs <= 0 && !sentNow) || (remainingMs > 0 && dueMs <= remainingMs);
        if (!comes) {
          flight.elapsedMs += remainingMs;
          return { kind: 'waiting', attempts };
        }
        remainingMs -= Math.max(0, dueMs);
        flight.elapsedMs = endsAt;
        flight.outcome =
          flight.latencyMs < request.timeoutMs
            ? outcomeOf(flight.answer, request)
            : { kind: 'lost', why: 'timeout' };
      }
      const { outcome } = flight;
      if (outcome.kind === 'ok') return { kind: 'ok', data: outcome.data, attempts, status: 200 };
      if (outcome.kind === 'refused') return failed(outcome.why, attempts, outcome.status);
      // Lost: sent again at once while attempts remain (the loop), else failed.
    }
  }
}

// --------------------------------------------------------------------------------------------------
// Replayed
// --------------------------------------------------------------------------------------------------

/** A value the log masked (`****.*`) or withheld (`(sensitive)`): the answer it came from is not known. */
function isMasked(value: string): boolean {
  return value === SENSITIVE_INPUT || value.includes('*');
}

/** A logged value as the answer held it, by its type; a masked one with 0s for its digits. */
function answerValueOf(logged: string, field: SavedField): unknown {
  const text = logged === SENSITIVE_INPUT ? '0' : logged.replace(/\*/g, '0');
  switch (field.type) {
    case 'number': {
      const number = Number(text);
      return Number.isFinite(number) ? number : 0;
    }
    case 'boolean':
      return text === 'true';
    case 'digits':
      return /^[0-9]+$/.test(text) ? text : '0';
    case 'text':
      return logged === SENSITIVE_INPUT ? logged : text;
  }
}

/** Sets `value` at a dotted path (`data.balance`, `items.0.name`) of `answer`, making objects on the way. */
function setAtPath(answer: Record<string, unknown>, path: string, value: unknown): void {
  const steps = path.split('.');
  let at = answer;
  for (const step of steps.slice(0, -1)) {
    const next = at[step];
    if (next === null || typeof next !== 'object') at[step] = {};
    at = at[step] as Record<string, unknown>;
  }
  at[steps.at(-1) ?? ''] = value;
}

/** The lookup node of a task, in the rules replayed against. */
function lookupNodeOf(rules: Rules, key: string): LookupNode | undefined {
  const at = readLookupTaskKey(key);
  const node = at === undefined ? undefined : rules.flows[at.flow]?.nodes[at.node];
  return node?.type === 'lookup' ? node : undefined;
}

/**
 * A replayed call's lookups, answered with what the log says each came to on that turn: nothing is
 * sent. An `ok` answer is rebuilt from the values the log kept, each put at its `from` path in the
 * rules replayed against; a value the log masked is replayed with 0s for its digits, and the turn is
 * marked not re-derivable. A lookup the logged turn did not make is answered `unsendable`, marked so too.
 */
export class ReplayedLookups implements LookupDesk {
  readonly #report = new Reporter<LookupRequest>();
  #logged: LoggedLookup[] = [];

  constructor(private readonly rules: Rules) {}

  /** The lookups of the turn about to be replayed, as its log line records them. */
  feed(logged: readonly LoggedLookup[]): void {
    this.#logged = [...logged];
  }

  readonly takeReport = (): LookupReport => this.#report.take();

  /** The instance's client is never used: nothing is sent. */
  readonly standIn =
    (_client: PerformLookup): PerformLookup =>
    (task) =>
      Promise.resolve(this.#perform(task));

  #perform(task: LookupTask): LookupAnswer {
    const name = task.request.name;
    const index = this.#logged.findIndex((logged) => logged.use === name);
    const logged = this.#logged[index];
    if (logged === undefined) {
      this.#report.underive(
        `lookup ${name} was not made on this turn of the logged call: answered as failed (unsendable), not re-derivable`,
      );
      return failed('unsendable', task.attemptsSoFar);
    }
    this.#logged.splice(index, 1);
    const { attempts } = logged;
    if (logged.outcome === 'waiting') return { kind: 'waiting', attempts };
    const [word = '', ...rest] = (logged.why ?? '').split(' ');
    const field = rest.join(' ');
    if (logged.outcome === 'ok' || word === 'missing' || word === 'invalid')
      return { kind: 'ok', data: this.#rebuild(task, logged, word, field), attempts };
    if ((LOOKUP_FAILURES as readonly string[]).includes(word))
      return failed(word as LookupFailure, attempts, logged.status);
    this.#report.underive(
      `lookup ${name} failed in the log for a reason this replay does not know (${printable(logged.why ?? '')}): replayed as unsendable, not re-derivable`,
    );
    return failed('unsendable', attempts);
  }

  /**
   * The answer an `ok` (or a value `missing` or `invalid` in it) came from, as far as the log tells:
   * each saved value at its `from` path; the one that was missing left out, the invalid one an object.
   */
  #rebuild(task: LookupTask, logged: LoggedLookup, failure: string, field: string): unknown {
    const node = lookupNodeOf(this.rules, task.key);
    const answer: Record<string, unknown> = {};
    for (const [name, spec] of Object.entries(node?.save ?? {})) {
      const named = name === field || spec.from === field;
      if (named && failure === 'invalid') setAtPath(answer, spec.from, {});
      if (named) continue;
      const value = logged.values?.[name];
      if (value === undefined) {
        if (logged.outcome !== 'ok') continue;
        this.#report.underive(
          `lookup ${logged.use}: the logged call saved no ${name}, which these rules save: not re-derivable`,
        );
        continue;
      }
      if (isMasked(value)) {
        this.#report.underive(
          `lookup value masked: ${logged.use}'s ${name} is ${printable(value)} in the log, replayed as ${JSON.stringify(answerValueOf(value, spec))}: not re-derivable`,
        );
      }
      setAtPath(answer, spec.from, answerValueOf(value, spec));
    }
    return answer;
  }
}

// --------------------------------------------------------------------------------------------------
// Forwarded
// --------------------------------------------------------------------------------------------------

/**
 * `--lookups-from`: the instance's own lookup client, with each lookup's origin replaced by `origin`
 * (its path prefixed by the origin's path, its query kept): the answers of a stand-in on this machine.
 */
export class ForwardedLookups implements LookupDesk {
  readonly #report = new Reporter<LookupRequest>();

  constructor(private readonly origin: URL) {
    if (!isLoopback(origin)) throw new RangeError(`${origin.origin} is not this machine`);
  }

  /** The URL a lookup goes to instead of `url`. */
  redirect(url: string): string {
    const asked = new URL(url);
    const prefix = this.origin.pathname.replace(/\/$/, '');
    return new URL(`${prefix}${asked.pathname}${asked.search}`, this.origin.origin).href;
  }

  readonly takeReport = (): LookupReport => this.#report.take();

  readonly standIn =
    (client: PerformLookup): PerformLookup =>
    async (task) => {
      try {
        return await client({ ...task, request: { ...task.request, url: this.redirect(task.request.url) } });
      } catch (error) {
        this.#report.notes.push(
          `lookup ${task.request.name}: the functions' lookup client did not run (${printable(describeThrown(error))}): answered as failed (unsendable)`,
        );
        return failed('unsendable', task.attemptsSoFar);
      }
    };
}
