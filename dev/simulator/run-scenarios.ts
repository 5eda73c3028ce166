/**
 * Runs scenario files' calls over a transport and reports each turn that did not go as expected, with
 * the callback log lines seen (for coverage).
 */
import { randomInt } from 'node:crypto';
import { toLocalTime } from '../../shared/calendar/local-time';
import type { ClassifyRequest } from '../../shared/classify/classify-types';
import { readNoHolidayDataNote } from '../../shared/flow/trace-phrases';
import type { Rules } from '../../shared/rules/rules-schema';
import { sealOutboundId } from '../../shared/state/outbound-id';
import { type CallerAction, SimulatedCall, type TurnOutcome } from './call';
import { namedChoice } from './classify-script';
import { compareTurn, formatMismatches } from './expect';
import { callOverMessage } from './platform-rules';
import { printable } from './printable';
import {
  localTimeToEpoch,
  type Scenario,
  type ScenarioTurn,
  scriptClassifier,
  scriptLookups,
} from './scenario';
import { ForwardedClassifier, ScriptedClassifier } from './simulated-classifier';
import { ScriptedLookups } from './simulated-lookups';
import { type CallTransport, SIMULATOR_OUTBOUND_KEY } from './transport';

/** The numbers a call uses when the scenario (or the command line) names none. */
export type CallDefaults = { readonly caller: string; readonly callee: string };

/** The caller and the number dialled a call gets by default: the rules' first service number. */
export function defaultNumbers(rules: Rules): CallDefaults {
  const callee = rules.lines?.find((line) => (line.numbers?.length ?? 0) > 0)?.numbers?.[0];
  return { caller: '13800138000', callee: callee ?? '05923391657' };
}

/** A local time in the rules' zone as an instant. */
export function instantIn(rules: Rules, text: string): number {
  return localTimeToEpoch(text, (ms) => toLocalTime(ms, rules.timezone));
}

/**
 * Call ids of VMS's shape (`digits^digits`) for one run of the simulator: the first part is the run's
 * seed (12 digits), the second counts the run's calls. A new seed each run keeps runs apart where call ids
 * are remembered (the local server's duplicate check, a deployed function's log); a fixed one (the tests')
 * gives the same ids every run.
 */
export function callIdsFor(seed: number): () => string {
  const run = String(Math.abs(Math.trunc(seed)) % 1e12).padStart(12, '0');
  let calls = 0;
  return () => {
    calls += 1;
    return `${run}^${880000000000 + calls}`;
  };
}

/** A seed for {@link callIdsFor}, new every run. */
export function newCallIdSeed(): number {
  return randomInt(1e11, 1e12);
}

/**
 * The warning a run owes when its calls met a year the built bundles hold no holiday data for (the
 * trace says so; a year the document's `holidaySchedules` give is covered): those days were judged by
 * the calendar's `noHolidayData` policy, as a deployed function would judge them, not as the holidays
 * they may be. What helps depends on the year: one before `fromYear` (the first year the bundles were
 * built with) is in the package, and `--holidays-from` brings it back; a later one is not published in
 * the installed chinese-days, so only `holidaySchedules`, or a newer package once the year is out, can.
 */
export function holidayDataWarning(
  traces: Iterable<readonly string[]>,
  fromYear: number,
): string | undefined {
  const gaps = new Map<number, Set<string>>();
  for (const trace of traces)
    for (const line of trace) {
      const gap = readNoHolidayDataNote(line);
      if (gap !== undefined) gaps.set(gap.year, (gaps.get(gap.year) ?? new Set()).add(gap.calendar));
    }
  if (gaps.size === 0) return undefined;
  const years = [...gaps.keys()].sort((a, b) => a - b);
  const named = years.map((year) => `${year} (calendar ${[...(gaps.get(year) ?? [])].sort().join(', ')})`);
  const earlier = years.filter((year) => year < fromYear);
  const later = years.filter((year) => year >= fromYear);
  const advice: string[] = [];
  if (later.length > 0)
    advice.push(
      `  ${later.join(', ')}: the installed chinese-days has no schedule for ${later.length === 1 ? 'it' : 'them'} ` +
        "(the State Council publishes a year's weeks before it starts): give the days off under " +
        'holidaySchedules in the rules, or, once published, install a newer chinese-days (npm run holidays -- ' +
        '--latest says which) and run again\n',
    );
  if (earlier.length > 0)
    advice.push(
      `  ${earlier.join(', ')}: the bundles keep the packaged years from ${fromYear} on: run with ` +
        `--holidays-from ${earlier[0]}, or give the days off under holidaySchedules in the rules\n`,
    );
  return (
    `warning: the built bundles hold no holiday data for ${named.join(', ')}: calls on those dates were ` +
    "judged by the calendar's noHolidayData policy (as a deployed function would judge them), not by the " +
    `year's holidays\n${advice.join('')}`
  );
}

/** The caller's action of a scenario turn (a hang-up has none: no callback is sent). */
export function actionOfTurn(turn: ScenarioTurn): CallerAction | undefined {
  if (turn.say !== undefined) return { kind: 'say', words: turn.say };
  if (turn.keys !== undefined) return { kind: 'keys', keys: turn.keys };
  if (turn.silence === true) return { kind: 'silence' };
  if (turn.keyTimeout === true) return { kind: 'keyTimeout' };
  if (turn.bargeIn === true) return { kind: 'bargeIn' };
  if (turn.transferResult !== undefined) return { kind: 'transferResult', status: turn.transferResult };
  return undefined;
}

/** How a transcript names a caller's action: `keys 1`, `says "我要挂失"`, `silence`. */
export function describeAction(action: CallerAction | undefined): string {
  if (action === undefined) return 'hangs up';
  switch (action.kind) {
    case 'say':
      return `says "${printable(action.words)}"`;
    case 'keys':
      return `keys ${action.keys}`;
    case 'silence':
      return 'silence';
    case 'keyTimeout':
      return 'key time-out';
    case 'bargeIn':
      return 'talks over the prompt';
    case 'transferResult':
      return `transfer ${action.status}`;
  }
}

/**
 * Whether a callback was not delivered: no HTTP answer (unreachable, timed out) or not HTTP 200 (a wrong
 * secret, no such function). The next turns would only fail the same way, each after a time-out.
 */
function undelivered(outcome: TurnOutcome): boolean {
  return outcome.status !== 200;
}

export type ScenarioResult = {
  readonly name: string;
  readonly passed: boolean;
  /** The diff of every turn that did not go as expected. */
  readonly report: string;
  readonly outcomes: readonly TurnOutcome[];
};

const NOT_ANSWERED = 'the function did not answer the callback before';
const UNSCRIPTED = 'the call went on as no caller would hear it (a lookup was not scripted)';
const UNCLASSIFIED = 'the call went on as no caller would hear it (a classification was not scripted)';

/** What is wrong with a scenario's lookups before its call is placed, or undefined. */
function checkScriptedLookups(
  scenario: Scenario,
  rules: Rules,
  transport: CallTransport,
): string | undefined {
  const named = [
    ...Object.keys(scenario.lookups ?? {}).map((name) => ({ name, path: `lookups.${name}` })),
    ...scenario.turns.flatMap((turn, i) =>
      Object.keys(turn.lookups ?? {}).map((name) => ({ name, path: `turns.${i}.lookups.${name}` })),
    ),
  ];
  const moves = scenario.turns.some((turn) => turn.newInstance === true);
  if ((named.length > 0 || moves) && !(transport.lookups instanceof ScriptedLookups))
    return 'this scenario scripts lookups (or instances), but the functions behind --url or --fc make their own lookups: run it in this process';
  const known = Object.keys(rules.lookups ?? {});
  const unknown = named.find(({ name }) => !known.includes(name));
  if (unknown === undefined) return undefined;
  return `${unknown.path}: the rules have no lookup named ${unknown.name} (${known.length === 0 ? 'they have none' : `they have ${known.join(', ')}`})`;
}

/** The names a classifier's verdict may give: every intent's and handler's name in the rules. */
export function namesOfChoices(rules: Rules): Set<string> {
  const names = new Set<string>();
  for (const handler of rules.handlers ?? []) names.add(handler.name);
  for (const flow of Object.values(rules.flows)) {
    for (const handler of flow.handlers ?? []) names.add(handler.name);
    for (const node of Object.values(flow.nodes))
      if ('intents' in node) for (const intent of node.intents ?? []) if (intent.name) names.add(intent.name);
  }
  return names;
}

/** What is wrong with a scenario's classifier answers before its call is placed, or undefined. */
function checkScriptedClassifier(
  scenario: Scenario,
  rules: Rules,
  transport: CallTransport,
): string | undefined {
  const written = [
    { text: scenario.classify, path: 'classify' },
    ...scenario.turns.map((turn, i) => ({ text: turn.classify, path: `turns.${i}.classify` })),
  ].filter((script) => script.text !== undefined);
  const [first] = written;
  if (first === undefined) return undefined;
  if (transport.classifier instanceof ForwardedClassifier)
    return `${first.path}: this scenario scripts the classifier, but --classifier sends its classifications to the stand-in: run it without --classifier, or without the script`;
  if (!(transport.classifier instanceof ScriptedClassifier))
    return `${first.path}: this scenario scripts the classifier, but the functions behind --url or --fc ask their own: run it in this process`;
  if (rules.classifier === undefined)
    return `${first.path}: the rules have no classifier, so no menu asks one: drop the script`;
  const known = namesOfChoices(rules);
  for (const { text, path } of written) {
    const choice = text === undefined ? undefined : namedChoice(text);
    if (choice !== undefined && !known.has(choice))
      return `${path}.choice: the rules have no intent or handler named ${choice} (they have ${[...known].join(', ')}; none is the model choosing nothing)`;
  }
  return undefined;
}

/**
 * The message of a turn whose menu asked the classifier, which the scenario does not script: the words
 * sent (digits masked) and the choices offered.
 */
export function unscriptedClassificationMessage(request: ClassifyRequest): string {
  const ids = request.choices.map((choice) => choice.id);
  const example = ids[0] ?? 'NAME';
  return (
    `the menu asked the classifier about "${request.utterance}" (choices: ${ids.join(', ') || 'none'}), which this ` +
    "scenario does not script (it failed, unsendable; nothing is sent to the network): give its answer under the scenario's " +
    `classify, or this turn's, such as classify: {choice: ${example}, confidence: 0.92}, classify: none or classify: timeout ` +
    '(docs/testing.md#flows-with-a-classifier)'
  );
}

/** The message of a turn whose flow made a lookup the scenario does not script. */
export function unscriptedLookupMessage(names: readonly string[]): string {
  const [first = ''] = names;
  return (
    `the flow looked up ${names.join(', ')}, which this scenario does not script (it failed, unsendable; ` +
    `nothing is sent to the network): give its answer under the scenario's lookups, or this turn's, such ` +
    `as lookups: {${first}: {data: {…}}}, ${first}: timeout or ${first}: {status: 503} (docs/testing.md#flows-with-lookups)`
  );
}

/**
 * SmartCall's `DynamicId` for a scenario's outbound call: its flow name, none, or a flow and values
 * sealed under the simulator's outbound key, valid for a day from the call's start.
 */
function firstDynamicId(outbound: Scenario['outbound'], atMs: number): string | undefined {
  if (outbound === undefined || outbound === true) return undefined;
  if (typeof outbound === 'string') return outbound;
  const expiresAtS = Math.floor(atMs / 1000) + 86_400;
  return sealOutboundId({ flow: outbound.flow, vars: outbound.vars, expiresAtS }, [SIMULATOR_OUTBOUND_KEY]);
}

/**
 * Plays one scenario's call and checks every expectation; never throws on a mismatch. The call's id is
 * the scenario's `callId`, else `callId`.
 */
export async function runScenario(
  scenario: Scenario,
  rules: Rules,
  transport: CallTransport,
  defaults: CallDefaults,
  callId: string,
): Promise<ScenarioResult> {
  const outbound = scenario.outbound !== undefined;
  let at = instantIn(rules, scenario.at);
  const call = new SimulatedCall(
    transport,
    outbound ? 'outbound' : 'inbound',
    scenario.callId ?? callId,
    firstDynamicId(scenario.outbound, at),
  );
  const reports: string[] = [];
  const wrong =
    checkScriptedLookups(scenario, rules, transport) ?? checkScriptedClassifier(scenario, rules, transport);
  if (wrong !== undefined)
    return { name: scenario.name, passed: false, report: `  ${printable(wrong)}\n`, outcomes: [] };
  const lookups = transport.lookups instanceof ScriptedLookups ? transport.lookups : undefined;
  const classifier = transport.classifier instanceof ScriptedClassifier ? transport.classifier : undefined;
  const script = scriptLookups(scenario);
  const verdicts = scriptClassifier(scenario);
  lookups?.startCall(script.start);
  classifier?.startCall(verdicts.start);
  /**
   * Checks a turn; the reason the call cannot go on when a need went unanswered (a lookup or a
   * classification the scenario does not script), else undefined.
   */
  const check = (where: string, expect: ScenarioTurn['expect'], outcome: TurnOutcome): string | undefined => {
    const mismatches = expect === undefined ? [] : compareTurn(expect, outcome);
    if (outcome.problem !== undefined && mismatches.length === 0)
      mismatches.push({ field: 'reply', expected: 'a valid reply', actual: outcome.problem });
    const unscripted = outcome.lookupReport?.unanswered.map((request) => request.name) ?? [];
    const unclassified = outcome.classifyReport?.unanswered ?? [];
    if (mismatches.length > 0) reports.push(formatMismatches(where, mismatches, outcome));
    if (unscripted.length === 0 && unclassified.length === 0) return undefined;
    if (mismatches.length === 0) reports.push(`  ${printable(where)}\n`);
    if (unscripted.length > 0) reports.push(`    ${printable(unscriptedLookupMessage(unscripted))}\n`);
    for (const request of unclassified)
      reports.push(`    ${printable(unscriptedClassificationMessage(request))}\n`);
    return unscripted.length > 0 ? UNSCRIPTED : UNCLASSIFIED;
  };
  if (!outbound) {
    const answer = await call.answer(
      {
        caller: scenario.caller ?? defaults.caller,
        callee: scenario.callee ?? defaults.callee,
        forwardedFrom: scenario.forwardedFrom,
      },
      at,
    );
    const unanswered = check('callin', scenario.answer, answer);
    if (unanswered !== undefined) return stopped(0, unanswered);
    if (undelivered(answer)) return stopped(0, NOT_ANSWERED);
  }
  /** The result when the call cannot go on: the turns from `next` on are not sent. */
  function stopped(next: number, why: string): ScenarioResult {
    const left = scenario.turns.length - next;
    if (left > 0) {
      const which = left === 1 ? `turn ${next + 1}` : `turns ${next + 1} to ${scenario.turns.length}`;
      reports.push(`  ${which} not run: ${why}\n`);
    }
    return { name: scenario.name, passed: false, report: reports.join(''), outcomes: call.outcomes };
  }
  for (const [index, turn] of scenario.turns.entries()) {
    const action = actionOfTurn(turn);
    const where = `turn ${index + 1} · ${describeAction(action)}`;
    if (call.ended) {
      reports.push(`  ${where}\n    ${callOverMessage(call.outcomes.at(-1)?.action)}\n`);
      break;
    }
    if (turn.at !== undefined) at = instantIn(rules, turn.at);
    for (const [name, answer] of script.turns[index] ?? []) lookups?.script(name, answer);
    const verdict = verdicts.turns[index];
    if (verdict !== undefined) classifier?.script(verdict);
    if (turn.newInstance === true) {
      lookups?.moveToNewInstance();
      classifier?.moveToNewInstance();
    }
    if (action === undefined) {
      call.hangUp();
      continue;
    }
    // A turn the platform would not deliver fails: a simulator must never pass what the platform fails.
    const refusal = call.refuse(action, 'scenario');
    if (refusal !== undefined) {
      reports.push(`  ${where}\n    ${refusal.message}\n`);
      return stopped(index + 1, `the call cannot go on as written after turn ${index + 1}`);
    }
    const outcome = await call.act(action, at);
    const unanswered = check(where, turn.expect, outcome);
    if (unanswered !== undefined) return stopped(index + 1, unanswered);
    if (undelivered(outcome)) return stopped(index + 1, NOT_ANSWERED);
  }
  return {
    name: scenario.name,
    passed: reports.length === 0,
    report: reports.join(''),
    outcomes: call.outcomes,
  };
}
