import {
  type ClassifierGuardReport,
  type ClassifyAnswer,
  type ClassifyFailure,
  failedClassification,
  type PerformClassify,
} from '../classify/classify-types';
import { type Deadline, startDeadline } from '../clock/deadline';
import type { Config } from '../config/config';
import type { HolidayDataGap, LookupRecord } from '../flow/call-context';
import { decideNextAction, resumeNextAction } from '../flow/decide-next-action';
import {
  type CallOrigin,
  type ClassifyNeed,
  type Decision,
  type EngineResult,
  FlowError,
  isNeed,
  type LookupNeed,
  type Paused,
} from '../flow/decision';
import { MAX_KEY_ENTRY_CHARS, MAX_UTTERANCE_CHARS } from '../flow/flow-limits';
import { eventIdOf, type RecentKeys } from '../gate/recent-keys';
import { guardRequest, rejectRequest } from '../gate/request-gate';
import type { LogFields, Logger } from '../log/logger';
import { maskDigitsInText, maskPhoneNumber, SENSITIVE_INPUT } from '../log/mask';
import {
  type LookupAnswer,
  lookupTaskKey,
  MAX_LOOKUPS_PER_CALLBACK,
  type PerformLookup,
} from '../lookup/lookup-types';
import { type CallbackEvent, type MisnamedContent, parseCallback } from '../protocol/callback-request';
import { type HttpRequest, type HttpResponse, MAX_BODY_BYTES, respondJson } from '../protocol/http';
import { buildCallinReply, buildEventReply } from '../protocol/reply';
import type { SuccessReply } from '../protocol/reply-schema';
import { describeMissingYear, describeNoHolidayData } from '../rules/holiday-coverage';
import type { LoadedRules } from '../rules/load-rules';
import { type DecodedState, decodeState, encodeState, openState } from '../state/state-token';
import { describeCallbackStatus, OPEN_RISK, PUBLIC_STATE_KEY } from './callback-status';
import { buildFallbackReply, buildFollowUp, DEFAULT_FALLBACK, isFallbackFollowUp } from './fallback';

/** Everything a callback function needs from the outside world, passed in so tests can fake it. */
export type CallbackDeps = {
  readonly functionName: string;
  readonly origin: CallOrigin;
  readonly buildVersion: string;
  /** Throws a ConfigError when the environment is invalid. */
  readonly getConfig: () => Config;
  /** The accepted secrets, readable even when the rest of the environment is not. */
  readonly getCallbackSecrets: () => readonly string[];
  /** The rules in force; a promise where loading them may wait (never on a warm call's path). */
  readonly getRules: (config: Config) => LoadedRules | Promise<LoadedRules>;
  readonly now: () => number;
  readonly log: Logger;
  readonly recent: RecentKeys;
  /** Callbacks this instance has answered: the first one's log line is marked `cold`. */
  readonly instance: { answered: number };
  /** How long the process has run, ms, for the cold line's `uptimeMs`; none where a host runs it. */
  readonly uptimeMs?: (() => number) | undefined;
  /**
   * Performs the lookups flows need (loaded on first use: a document without lookups never loads the
   * client), and reads the environment variables their headers name.
   */
  readonly lookups?: { readonly perform: PerformLookup; readonly env: (name: string) => string | undefined };
  /**
   * Performs the classifications menus ask for, under the instance's budget guard (loaded on first use: a
   * document without a `classifier` never loads the client).
   */
  readonly classify?: {
    readonly perform: PerformClassify;
    readonly env: (name: string) => string | undefined;
    /** The instance's guards, once a classification has loaded the client (none before). */
    readonly guards?: () => readonly ClassifierGuardReport[];
  };
};

/**
 * Answers one HTTP request to a callback function. Never throws: junk gets a 4xx with the fail
 * envelope, a platform callback always gets HTTP 200 with a valid reply (the fallback if anything
 * inside fails), and every request is logged once, phone numbers masked.
 */
export async function handleCallbackRequest(request: HttpRequest, deps: CallbackDeps): Promise<HttpResponse> {
  const started = deps.now();
  const { log } = deps;
  let config: Config | undefined;
  let configError: unknown;
  try {
    config = deps.getConfig();
  } catch (error) {
    configError = error;
  }
  const gated = await guardRequest(request, {
    functionName: deps.functionName,
    secrets: deps.getCallbackSecrets(),
    maxBodyBytes: MAX_BODY_BYTES,
    takes: 'callbacks',
    openRisk: OPEN_RISK,
    status: () => describeCallbackStatus(deps, config),
    log,
  });
  if (gated !== undefined) return gated;
  const parsed = parseCallback(request);
  if (!parsed.ok)
    return rejectRequest(request, { functionName: deps.functionName, log }, parsed.status, parsed.message);
  const { event } = parsed;

  const cold = deps.instance.answered === 0;
  const fields: LogFields = {
    fn: deps.functionName,
    ...(request.requestId === undefined ? {} : { requestId: request.requestId }),
    ...(cold ? { cold: true } : {}),
    ...describeEvent(event),
  };
  deps.instance.answered++;
  const dedupeKey = `${event.callId}|${event.type}|${event.timestamp ?? ''}|${dynamicIdOf(event) ?? ''}`;
  fields.eventId = eventIdOf(dedupeKey);
  if (deps.recent.hasSeen(dedupeKey)) fields.duplicate = true;

  let reply: SuccessReply;
  let rules: LoadedRules | undefined;
  try {
    if (config === undefined) throw configError;
    const deadline = startDeadline(deps.now, config.callbackBudgetMs, started);
    const rulesStarted = deps.now();
    rules = await deadline.within(deps.getRules(config), 'the rules');
    // A cold instance loads its rules on this first callback: how long that took.
    if (cold) fields.rulesMs = deps.now() - rulesStarted;
    reply = await decideReply(event, config, rules, deps, fields, deadline);
  } catch (error) {
    const fallback =
      rules?.ok === true ? (rules.compiled.rules.fallback ?? DEFAULT_FALLBACK) : DEFAULT_FALLBACK;
    reply = buildFallbackReply(event, fallback);
    log.error('callback failed; answered with the fallback', {
      ...fields,
      action: reply.data.action,
      ms: deps.now() - started,
      ...log.describeError(error),
    });
    return respondJson(200, reply);
  }
  // A content that looks guessed makes the callback's own line a warning: still one line per callback.
  const write = fields.contentWarning === undefined ? log.info : log.warn;
  const uptime = cold ? deps.uptimeMs?.() : undefined;
  write('callback', {
    ...fields,
    action: reply.data.action,
    ms: deps.now() - started,
    ...(uptime === undefined ? {} : { uptimeMs: uptime }),
  });
  return respondJson(200, reply);
}

async function decideReply(
  event: CallbackEvent,
  config: Config,
  rules: LoadedRules,
  deps: CallbackDeps,
  fields: LogFields,
  deadline: Deadline,
): Promise<SuccessReply> {
  if (event.type === 'unknown') {
    fields.trace = [`unknown content_type ${event.contentType} → donothing`];
    return buildEventReply(event.callId, { action: 'donothing' });
  }
  if (isFallbackFollowUp(event)) {
    const fallback = rules.ok ? (rules.compiled.rules.fallback ?? DEFAULT_FALLBACK) : DEFAULT_FALLBACK;
    fields.trace = ['follow-up to the fallback'];
    return buildFollowUp(event.callId, fallback);
  }
  if (!rules.ok) {
    const where = rules.issues.slice(0, 5).map((i) => `${i.path}: ${i.message}`);
    throw new Error(`rules from ${rules.source} are invalid: ${where.join('; ')}`);
  }
  if (!config.hasStateSecret) {
    deps.log.warnOnce('no-state-secret', PUBLIC_STATE_KEY);
  }
  const now = deps.now();
  const decoded = decodeState(
    event.type === 'callin' ? undefined : event.content.dynamic_id,
    config.stateSecrets,
    event.callId,
    { outbound: { keys: config.outboundSecrets, nowMs: now } },
  );
  const inForce = { current: rules.compiled, byTag: rules.earlier };
  let result: EngineResult = decideNextAction(inForce, event, decoded, now, deps.origin);
  for (let performed = 0; isNeed(result); performed++) {
    if (performed === MAX_LOOKUPS_PER_CALLBACK)
      throw new FlowError(
        `flow ${result.paused.position.state.flow} asks for more than ${MAX_LOOKUPS_PER_CALLBACK} lookups in one callback`,
      );
    // The callback's budget grows by the first need's wait; later ones share what is left of it.
    if (performed === 0) deadline.extend(result.need.waitMs);
    const answer =
      result.need.type === 'classify'
        ? await performClassify(result.need, deadline, deps)
        : await performNeed(result.need, result.paused, event.callId, deadline, deps);
    result = resumeNextAction(result.rules, result.paused, answer, deps.now());
  }
  const decision = result;
  fields.trace = decision.trace;
  warnOfHolidayGaps(decision.holidayGaps, deps.log);
  Object.assign(fields, describeDecision(decision, decoded, event.type));
  const dynamicId =
    decision.state === undefined
      ? undefined
      : encodeState(decision.state, decision.rules.names, config.stateSecrets, event.callId);
  return decision.replyTo === 'callin'
    ? buildCallinReply(event.callId, decision.action, dynamicId)
    : buildEventReply(event.callId, decision.action, dynamicId);
}

/**
 * What a lookup's wait leaves of the callback's deadline, ms: the client's `waiting` (on its own timer)
 * must come before the deadline's guard (on another), or a slow lookup late in a chain would get the
 * fallback instead of its filler.
 */
export const LOOKUP_ANSWER_MARGIN_MS = 25;

/**
 * Performs a decision's need at the edge, within the callback's deadline: the lookup waits at most its
 * `waitMs` and what is left of the budget (less {@link LOOKUP_ANSWER_MARGIN_MS}), then answers `waiting`
 * and goes on in the background.
 */
async function performNeed(
  need: LookupNeed,
  paused: Paused,
  callId: string,
  deadline: Deadline,
  deps: CallbackDeps,
): Promise<LookupAnswer> {
  const waitMs = waitLeft(need.waitMs, deadline);
  const unsendable: LookupAnswer = { kind: 'failed', why: 'unsendable', attempts: need.attemptsSoFar };
  if (deps.lookups === undefined) return unsendable;
  const { state } = paused.position;
  let performed: Promise<LookupAnswer>;
  try {
    performed = deps.lookups.perform({
      key: lookupTaskKey(callId, state.flow, state.node, state.turns),
      request: need.request,
      attemptsSoFar: need.attemptsSoFar,
      maxAttempts: need.maxAttempts,
      waitMs,
      env: deps.lookups.env,
    });
  } catch (error) {
    // The client could not be loaded (a bundle deployed without lookup-client.js): a lookup failure,
    // the node's onError, and a warning once per instance, never the fallback.
    deps.log.warnOnce('lookup-client', 'the lookup client cannot be loaded: every lookup fails', {
      ...deps.log.describeError(error),
    });
    return unsendable;
  }
  // The client answers within its wait and never rejects; the deadline is the guard should it not.
  return deadline.within(
    performed.catch(() => unsendable),
    `lookup ${need.request.name}`,
  );
}

/** What a need may wait: its own wait, within what the deadline leaves less the margin. */
function waitLeft(waitMs: number, deadline: Deadline): number {
  return Math.max(0, Math.min(waitMs, deadline.remainingMs() - LOOKUP_ANSWER_MARGIN_MS));
}

/**
 * Asks the classifier within the callback's deadline: at most the need's `waitMs` and what is left of the
 * budget (less the margin). Whatever happens, the answer is a verdict or a failure, never the fallback: the
 * menu then goes on as it would without a classifier.
 */
async function performClassify(
  need: ClassifyNeed,
  deadline: Deadline,
  deps: CallbackDeps,
): Promise<ClassifyAnswer> {
  const waitMs = waitLeft(need.waitMs, deadline);
  const failed = (why: ClassifyFailure) => failedClassification(why, 0);
  if (deps.classify === undefined) return failed('unsendable');
  // No time left to wait (the budget spent on the rules or a lookup): the words are not sent at all.
  if (waitMs <= 0) return failed('timeout');
  let performed: Promise<ClassifyAnswer>;
  try {
    performed = deps.classify.perform({
      request: need.request,
      guard: need.guard,
      waitMs,
      env: deps.classify.env,
      onGuardChange: (change, status) => {
        const fields = { guard: change.kind, why: change.why, status };
        if (change.kind === 'recovered')
          deps.log.info('classifier back on: its probe call succeeded', fields);
        else
          deps.log.warn(
            `classifier off: ${change.kind === 'tripped' ? change.detail : `its probe call failed, ${change.detail}`}`,
            fields,
          );
      },
    });
  } catch (error) {
    deps.log.warnOnce(
      'classifier-client',
      'the classifier client cannot be loaded: every classification fails',
      {
        ...deps.log.describeError(error),
      },
    );
    return failed('unsendable');
  }
  // The client answers within its wait and never rejects; the deadline is the guard should it not.
  return deadline.within(
    performed.catch(() => failed('unsendable')),
    'the classifier',
  );
}

/** The log form of what a decision's lookups came to: saved values masked, sensitive ones withheld. */
function describeLookups(lookups: readonly LookupRecord[]): LogFields[] {
  return lookups.map((lookup) => {
    const values =
      lookup.values === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(lookup.values).map(([name, value]) => [
              name,
              lookup.sensitive?.includes(name) === true ? SENSITIVE_INPUT : maskDigitsInText(value),
            ]),
          );
    return {
      use: lookup.use,
      outcome: lookup.outcome,
      attempts: lookup.attempts,
      ...(lookup.why === undefined ? {} : { why: lookup.why }),
      ...(lookup.status === undefined ? {} : { status: lookup.status }),
      ...(values === undefined ? {} : { values }),
    };
  });
}

/**
 * The log fields of a decision, for SLS queries: the rules version, the line (on callin), the flow and
 * the node the call was at and is at now (and that node's outcome tag), what the caller matched, the
 * retry counters.
 */
function describeDecision(decision: Decision, decoded: DecodedState, eventType: string): LogFields {
  // Positions name nodes only under the rules that sealed them: a state from rules this decision did not
  // use (a restart after a publish) has no node to name.
  const { state, facts } = decision;
  const before =
    decoded.kind === 'ok' && decoded.state.rulesTag === decision.rules.tag
      ? openState(decoded.state, decision.rules.names)
      : facts.heardAtStart;
  const heardBy =
    before === undefined ? undefined : decision.rules.rules.flows[before.flow]?.nodes[before.node];
  // The outcome tag of the node the call is at now: how a call that ends or waits there went.
  const tag =
    state === undefined ? undefined : decision.rules.rules.flows[state.flow]?.nodes[state.node]?.tag;
  return {
    // What a sensitive collect node heard is never logged: not a single key, not a digit said.
    ...(heardBy?.type === 'collect' && heardBy.sensitive === true
      ? eventType === 'dtmf'
        ? { dtmf: SENSITIVE_INPUT }
        : eventType === 'normal'
          ? { words: SENSITIVE_INPUT }
          : {}
      : {}),
    rulesVersion: decision.rules.rules.version,
    ...(facts.line === undefined ? {} : { line: facts.line }),
    ...(state === undefined ? {} : { flow: state.flow }),
    // The flow nodeBefore is in, when the call has since moved to another (a subflow, a return, a handler).
    ...(before === undefined || before.flow === state?.flow ? {} : { flowBefore: before.flow }),
    ...(before === undefined ? {} : { nodeBefore: before.node }),
    ...(state === undefined ? {} : { node: state.node }),
    ...(tag === undefined ? {} : { tag }),
    ...(facts.matched === undefined ? {} : { matched: facts.matched }),
    ...describeRetries(decision),
    ...(facts.outcomes === undefined ? {} : { outcomes: facts.outcomes }),
    ...(facts.lookups === undefined ? {} : { lookups: describeLookups(facts.lookups) }),
    ...(facts.classified === undefined ? {} : { classified: facts.classified }),
  };
}

/**
 * The retry counters of the node the call waits at; or, when retries ran out and the call moved on (or
 * ends), the count that escalated, so that the escalating event carries it too.
 */
function describeRetries(decision: Decision): LogFields {
  const { state, facts } = decision;
  if (state !== undefined && (state.noInput > 0 || state.noMatch > 0))
    return { retries: { noInput: state.noInput, noMatch: state.noMatch } };
  if (facts.retry === undefined) return {};
  return { retries: { [facts.retry.kind]: facts.retry.count } };
}

/** The first call of an instance to judge a calendar in a year without holiday data logs it, once. */
function warnOfHolidayGaps(gaps: readonly HolidayDataGap[], log: Logger): void {
  for (const gap of gaps) {
    log.warnOnce(`no-holiday-data:${gap.calendar}:${gap.year}`, describeMissingYear(gap), {
      calendar: gap.calendar,
      year: gap.year,
      policy: describeNoHolidayData(gap.policy),
    });
  }
}

function dynamicIdOf(event: CallbackEvent): string | undefined {
  if (event.type === 'callin' || event.type === 'unknown') return undefined;
  return event.content.dynamic_id;
}

/**
 * The warning of a `content` that looks guessed, naming the fields expected and the keys found (already
 * bounded by the parser; digits in them masked, as a key could be anything the sender wrote).
 */
function describeMisnamed(type: string, misnamed: MisnamedContent): string {
  const quote = (names: readonly string[]) => names.map((name) => `"${maskDigitsInText(name)}"`).join(', ');
  const more = misnamed.more === 0 ? '' : ` and ${misnamed.more} more`;
  return (
    `${type} content has no ${quote(misnamed.expected)} but has ${quote(misnamed.unknown)}${more}, ` +
    'which nothing reads: see the fields of each event in docs/reference/protocol.md'
  );
}

/** The log fields of an event: what happened, never a full phone number, key sequence or number read out. */
function describeEvent(event: CallbackEvent): LogFields {
  const fields: LogFields = { callId: event.callId, type: event.type, encoding: event.encoding };
  if (!event.contentOk) fields.contentUnreadable = true;
  if (event.misnamed !== undefined) fields.contentWarning = describeMisnamed(event.type, event.misnamed);
  switch (event.type) {
    case 'callin':
      if (event.content.caller !== undefined) fields.caller = maskPhoneNumber(event.content.caller);
      if (event.content.callee !== undefined) fields.callee = maskPhoneNumber(event.content.callee);
      if (event.content.orgcallee !== undefined) fields.orgcallee = maskPhoneNumber(event.content.orgcallee);
      break;
    case 'normal':
      // As much as the engine reads (the rest is never heard), masked.
      fields.words = maskDigitsInText(event.content.words.slice(0, MAX_UTTERANCE_CHARS));
      break;
    case 'dtmf': {
      const digits = event.content.dtmf_digits;
      fields.dtmf =
        digits.length <= 1 || digits === 'noInputTimeout'
          ? digits
          : '*'.repeat(Math.min(digits.length, MAX_KEY_ENTRY_CHARS));
      break;
    }
    case 'parallel_transfer':
      fields.transferStatus = event.content.transfer_status;
      break;
    case 'unknown':
      fields.contentType = event.contentType;
      break;
    case 'mute':
    case 'timebreak':
      break;
  }
  return fields;
}
