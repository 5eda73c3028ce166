import { isDeepStrictEqual } from 'node:util';
import { toLocalTime } from '../calendar/local-time';
import type { Config } from '../config/config';
import { describeOpenEndpoint } from '../gate/request-gate';
import {
  describeHolidayCoverage,
  describeNoHolidayData,
  describeShortfall,
  findHolidayDataShortfalls,
  type HolidayCoverage,
} from '../rules/holiday-coverage';
import type { LoadedRules } from '../rules/load-rules';
import type { CallbackDeps } from './handle-callback';

/** What an open callback endpoint lets anyone do. */
export const OPEN_RISK = 'drive calls';

/** The warning of a function without STATE_SECRETS, for the log and the status. */
export const PUBLIC_STATE_KEY =
  'STATE_SECRETS is not set: call states are sealed with a public development key, so callers could read ' +
  'and forge their place in a flow. Set STATE_SECRETS to a random text of 16 or more characters (such as ' +
  "the output of `openssl rand -base64 24`) in the functions' environment; when changing it, list the new " +
  'key first and the old one after it until calls under the old one have ended';

/** A warning the status lists, with a message an operator can act on. */
type StatusWarning = { readonly kind: string; readonly message: string } & Readonly<Record<string, unknown>>;

function describeFirstIssue(issues: readonly { path: string; message: string }[]): string {
  const [first] = issues;
  return first === undefined ? 'no reason given' : `${first.path}: ${first.message}`;
}

/**
 * The GET status of a callback function: what is running (build, rules version and source), the holiday
 * years each calendar rests on, and the warnings an operator should act on, holiday data that runs out
 * within `HOLIDAY_WARNING_DAYS` days among them.
 */
export async function describeCallbackStatus(
  deps: CallbackDeps,
  config: Config | undefined,
): Promise<Record<string, unknown>> {
  let rules: LoadedRules | undefined;
  try {
    rules = config === undefined ? undefined : await deps.getRules(config);
  } catch {
    rules = undefined;
  }
  const warnings: StatusWarning[] = [];
  if (config === undefined) {
    warnings.push({ kind: 'config', message: 'the environment is invalid; the log names the variable' });
  } else {
    if (deps.getCallbackSecrets().length === 0) {
      warnings.push({ kind: 'config', message: describeOpenEndpoint(OPEN_RISK) });
    }
    if (!config.hasStateSecret) warnings.push({ kind: 'config', message: PUBLIC_STATE_KEY });
    const reads = config.rulesUrl !== undefined || config.rulesFile !== undefined;
    if (reads && config.rulesLoadBudgetMs >= config.callbackBudgetMs) {
      warnings.push({
        kind: 'config',
        message:
          `RULES_LOAD_BUDGET_MS (${config.rulesLoadBudgetMs}) is not below CALLBACK_BUDGET_MS (${config.callbackBudgetMs}): ` +
          'a cold start still waiting for the rules answers with the fallback, not the emergency document',
      });
    }
  }
  if (rules !== undefined && !rules.ok) {
    warnings.push({
      kind: 'rules',
      message:
        `rules from ${rules.source} are invalid, so calls get the fallback: ${describeFirstIssue(rules.issues)}` +
        (rules.issues.length > 1 ? ` (and ${rules.issues.length - 1} more, listed in the log)` : ''),
    });
  }
  if (rules?.ok === true && rules.standsInFor !== undefined) {
    const { source, issues } = rules.standsInFor;
    warnings.push({
      kind: 'rules',
      message: `the emergency document (${rules.source}) answers, because the rules from ${source} could not be loaded: ${describeFirstIssue(issues)}`,
    });
  }
  if (rules?.ok === true && rules.refused !== undefined) {
    warnings.push({
      kind: 'rules',
      message: `version ${rules.compiled.rules.version} goes on answering, because the latest look at the rules from ${rules.refused.source} failed: ${describeFirstIssue(rules.refused.issues)}`,
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
  const classifier = rules?.ok === true ? describeClassifier(rules, deps, warnings) : undefined;
  return {
    function: deps.functionName,
    build: deps.buildVersion,
    rulesVersion: rules?.ok === true ? rules.compiled.rules.version : null,
    rulesSource: rules?.source ?? null,
    ok: config !== undefined && rules?.ok === true && rules.standsInFor === undefined,
    ...(calendars === undefined ? {} : { calendars }),
    ...(classifier === undefined ? {} : { classifier }),
    warnings,
  };
}

/**
 * The document's classifier as the status shows it: where it sends (never the key, only the variable's
 * name and whether it is set) and this instance's guard, with a warning while the guard has it off.
 */
function describeClassifier(
  rules: Extract<LoadedRules, { ok: true }>,
  deps: CallbackDeps,
  warnings: StatusWarning[],
): Record<string, unknown> | undefined {
  const classifier = rules.compiled.rules.classifier;
  if (classifier === undefined) return undefined;
  const keySet = (deps.classify?.env(classifier.apiKeyEnv) ?? '') !== '';
  if (!keySet) {
    warnings.push({
      kind: 'classifier',
      message: `${classifier.apiKeyEnv} is not set: every classification fails as unsendable, and callers get the no-match retry`,
    });
  }
  const guards = (deps.classify?.guards?.() ?? []).filter(
    (report) =>
      report.origin === originOf(classifier.endpoint) &&
      report.model === classifier.model &&
      isDeepStrictEqual(report.settings, { ...classifier.guard, prices: classifier.prices }),
  );
  for (const { status } of guards) {
    if (status.state !== 'on')
      warnings.push({
        kind: 'classifier',
        message: `the budget guard has the classifier ${status.state === 'off' ? 'off' : 'on trial'}: ${status.detail ?? status.why ?? ''}`,
      });
  }
  return {
    endpoint: classifier.endpoint,
    model: classifier.model,
    apiKeyEnv: classifier.apiKeyEnv,
    apiKeySet: keySet,
    // One guard per instance: none until its first classification.
    guard: guards[0]?.status ?? 'not used yet on this instance',
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
