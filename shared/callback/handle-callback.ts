import { toLocalTime } from '../calendar/local-time';
import type { Config } from '../config/config';
import type { HolidayDataGap } from '../flow/call-context';
import { decideNextAction } from '../flow/decide-next-action';
import type { CallOrigin } from '../flow/decision';
import type { LogFields, Logger } from '../log/logger';
import { describeError } from '../log/logger';
import { maskDigitsInText, maskPhoneNumber } from '../log/mask';
import { type CallbackEvent, parseCallback } from '../protocol/callback-request';
import {
  type HttpRequest,
  type HttpResponse,
  MAX_BODY_BYTES,
  respondFail,
  respondJson,
} from '../protocol/http';
import { buildCallinReply, buildEventReply } from '../protocol/reply';
import type { SuccessReply } from '../protocol/reply-schema';
import {
  describeHolidayCoverage,
  describeNoHolidayData,
  describeShortfall,
  findHolidayDataShortfalls,
  type HolidayCoverage,
} from '../rules/holiday-coverage';
import type { LoadedRules } from '../rules/load-rules';
import { isAcceptedSecret, readPresentedSecret } from '../security/callback-secret';
import { decodeState, encodeState } from '../state/state-token';
import { buildFallbackReply, buildFollowUp, DEFAULT_FALLBACK, isFallbackFollowUp } from './fallback';
import type { RecentKeys } from './recent-keys';

const OPEN_ENDPOINT = 'CALLBACK_SECRETS is not set: anyone who finds the URL can drive calls';
const PUBLIC_STATE_KEY = 'STATE_SECRETS is not set: call states are sealed with a public development key';

/** Everything a callback function needs from the outside world, passed in so tests can fake it. */
export type CallbackDeps = {
  readonly functionName: string;
  readonly origin: CallOrigin;
  readonly buildVersion: string;
  /** Throws a ConfigError when the environment is invalid. */
  readonly getConfig: () => Config;
  /** The accepted secrets, readable even when the rest of the environment is not. */
  readonly getCallbackSecrets: () => readonly string[];
  readonly getRules: (config: Config) => LoadedRules;
  readonly now: () => number;
  readonly log: Logger;
  readonly recent: RecentKeys;
};

/**
 * Answers one HTTP request to a callback function. Never throws: junk gets a 4xx with the fail
 * envelope, a platform callback always gets HTTP 200 with a valid reply (the fallback if anything
 * inside fails), and every request is logged once, phone numbers masked.
 */
export function handleCallbackRequest(request: HttpRequest, deps: CallbackDeps): HttpResponse {
  const started = deps.now();
  const { log } = deps;
  let config: Config | undefined;
  let configError: unknown;
  try {
    config = deps.getConfig();
  } catch (error) {
    configError = error;
  }
  const secrets = deps.getCallbackSecrets();
  if (secrets.length === 0) {
    log.warnOnce('no-secret', OPEN_ENDPOINT);
  } else if (!isAcceptedSecret(readPresentedSecret(request, deps.functionName), secrets)) {
    return reject(deps, request, 403, 'forbidden: missing or wrong callback secret');
  }
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return respondStatus(deps, config);
  if (method !== 'POST')
    return reject(deps, request, 405, `method ${method} is not allowed; callbacks are POST`);
  if (request.bodyBytes > MAX_BODY_BYTES) {
    return reject(deps, request, 413, `body is larger than ${MAX_BODY_BYTES} bytes`);
  }
  const parsed = parseCallback(request);
  if (!parsed.ok) return reject(deps, request, parsed.status, parsed.message);
  const { event } = parsed;

  const fields: LogFields = { fn: deps.functionName, ...describeEvent(event) };
  const dedupeKey = `${event.callId}|${event.type}|${event.timestamp ?? ''}|${dynamicIdOf(event) ?? ''}`;
  if (deps.recent.hasSeen(dedupeKey)) fields.duplicate = true;

  let reply: SuccessReply;
  let rules: LoadedRules | undefined;
  try {
    if (config === undefined) throw configError;
    rules = deps.getRules(config);
    reply = decideReply(event, config, rules, deps, fields);
  } catch (error) {
    const fallback =
      rules?.ok === true ? (rules.compiled.rules.fallback ?? DEFAULT_FALLBACK) : DEFAULT_FALLBACK;
    reply = buildFallbackReply(event, fallback);
    log.error('callback failed; answered with the fallback', {
      ...fields,
      action: reply.data.action,
      ms: deps.now() - started,
      ...describeError(error),
    });
    return respondJson(200, reply);
  }
  log.info('callback', { ...fields, action: reply.data.action, ms: deps.now() - started });
  return respondJson(200, reply);
}

function decideReply(
  event: CallbackEvent,
  config: Config,
  rules: LoadedRules,
  deps: CallbackDeps,
  fields: LogFields,
): SuccessReply {
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
  const decoded = decodeState(
    event.type === 'callin' ? undefined : event.content.dynamic_id,
    config.stateSecrets,
    event.callId,
  );
  const inForce = { current: rules.compiled, byTag: rules.earlier };
  const decision = decideNextAction(inForce, event, decoded, deps.now(), deps.origin);
  fields.trace = decision.trace;
  warnOfHolidayGaps(decision.holidayGaps, deps.log);
  if (decision.state !== undefined) fields.node = decision.state.node;
  const dynamicId =
    decision.state === undefined
      ? undefined
      : encodeState(decision.state, decision.rules.names, config.stateSecrets, event.callId);
  return decision.replyTo === 'callin'
    ? buildCallinReply(event.callId, decision.action, dynamicId)
    : buildEventReply(event.callId, decision.action, dynamicId);
}

/** The first call of an instance to meet a year without holiday data logs it, once a year. */
function warnOfHolidayGaps(gaps: readonly HolidayDataGap[], log: Logger): void {
  for (const { calendar, year } of gaps) {
    log.warnOnce(
      `no-holiday-data:${year}`,
      `no holiday data for ${year}: calendar ${calendar} is judged by its noHolidayData policy; ` +
        `add ${year} to holidaySchedules in the rules, or update chinese-days and redeploy`,
      { calendar, year },
    );
  }
}

function dynamicIdOf(event: CallbackEvent): string | undefined {
  if (event.type === 'callin' || event.type === 'unknown') return undefined;
  return event.content.dynamic_id;
}

/** The log fields of an event: what happened, never a full phone number, key sequence or number read out. */
function describeEvent(event: CallbackEvent): LogFields {
  const fields: LogFields = { callId: event.callId, type: event.type };
  if (!event.contentOk) fields.contentUnreadable = true;
  switch (event.type) {
    case 'callin':
      if (event.content.caller !== undefined) fields.caller = maskPhoneNumber(event.content.caller);
      if (event.content.callee !== undefined) fields.callee = maskPhoneNumber(event.content.callee);
      if (event.content.orgcallee !== undefined) fields.orgcallee = maskPhoneNumber(event.content.orgcallee);
      break;
    case 'normal':
      fields.words = maskDigitsInText(event.content.words);
      break;
    case 'dtmf': {
      const digits = event.content.dtmf_digits;
      fields.dtmf = digits.length <= 1 || digits === 'noInputTimeout' ? digits : '*'.repeat(digits.length);
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

function reject(deps: CallbackDeps, request: HttpRequest, status: number, reason: string): HttpResponse {
  deps.log.warn('request rejected', {
    fn: deps.functionName,
    status,
    reason,
    method: request.method,
    bytes: request.bodyBytes,
    ...(request.sourceIp === undefined ? {} : { sourceIp: request.sourceIp }),
  });
  return respondFail(status, reason);
}

/** A warning the status lists, with a message an operator can act on. */
type StatusWarning = { readonly kind: string; readonly message: string } & Readonly<Record<string, unknown>>;

/**
 * The GET status: what is running (build, rules version and source), the holiday years each calendar
 * rests on, and the warnings an operator should act on, holiday data that runs out within
 * `HOLIDAY_WARNING_DAYS` days among them.
 */
function respondStatus(deps: CallbackDeps, config: Config | undefined): HttpResponse {
  let rules: LoadedRules | undefined;
  try {
    rules = config === undefined ? undefined : deps.getRules(config);
  } catch {
    rules = undefined;
  }
  const warnings: StatusWarning[] = [];
  if (config === undefined) {
    warnings.push({ kind: 'config', message: 'the environment is invalid; the log names the variable' });
  } else {
    if (deps.getCallbackSecrets().length === 0) {
      warnings.push({ kind: 'config', message: OPEN_ENDPOINT });
    }
    if (!config.hasStateSecret) {
      warnings.push({ kind: 'config', message: PUBLIC_STATE_KEY });
    }
  }
  if (rules !== undefined && !rules.ok) {
    warnings.push({
      kind: 'rules',
      message: `rules from ${rules.source} are invalid (${rules.issues.length} issues, listed in the log); calls get the fallback`,
    });
  }
  let calendars: Record<string, HolidayCoverage> | undefined;
  if (rules?.ok === true) {
    const { compiled } = rules;
    calendars = describeHolidayCoverage(compiled);
    const now = deps.now();
    for (const shortfall of findHolidayDataShortfalls(compiled, (zone) => toLocalTime(now, zone).date)) {
      warnings.push({
        kind: 'holiday-data',
        ...shortfall,
        policy: describeNoHolidayData(shortfall.policy),
        message: describeShortfall(shortfall),
      });
    }
  }
  return respondJson(200, {
    function: deps.functionName,
    build: deps.buildVersion,
    rulesVersion: rules?.ok === true ? rules.compiled.rules.version : null,
    rulesSource: rules?.source ?? null,
    ok: config !== undefined && rules?.ok === true,
    ...(calendars === undefined ? {} : { calendars }),
    warnings,
  });
}
