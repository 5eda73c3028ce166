/**
 * Runs scenario files' calls over a transport and reports each turn that did not go as expected, with
 * the callback log lines seen (for coverage).
 */
import { randomInt } from 'node:crypto';
import { toLocalTime } from '../../shared/calendar/local-time';
import { readNoHolidayDataNote } from '../../shared/flow/trace-phrases';
import type { Rules } from '../../shared/rules/rules-schema';
import { type CallerAction, SimulatedCall, type TurnOutcome } from './call';
import { compareTurn, formatMismatches } from './expect';
import { printable } from './printable';
import { localTimeToEpoch, type Scenario, type ScenarioTurn } from './scenario';
import type { CallTransport } from './transport';

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
 * the calendar's `noHolidayData` policy, not as the holidays they may be. `npm run simulate` builds the
 * packaged years from last year on; scenarios of earlier years need their days off in the document.
 */
export function holidayDataWarning(traces: Iterable<readonly string[]>): string | undefined {
  const gaps = new Set<string>();
  for (const trace of traces)
    for (const line of trace) {
      const gap = readNoHolidayDataNote(line);
      if (gap !== undefined) gaps.add(`${gap.year} (calendar ${gap.calendar})`);
    }
  if (gaps.size === 0) return undefined;
  return (
    `warning: the built bundles hold no holiday data for ${[...gaps].sort().join(', ')}: calls on those ` +
    "dates were judged by the calendar's noHolidayData policy, not by the year's holidays. npm run simulate " +
    'builds the packaged years from last year on: give earlier years in holidaySchedules, or build with ' +
    'npm run build -- --holidays-from YEAR and run npx tsx scripts/simulate/simulate.ts\n'
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

/** Plays one scenario's call and checks every expectation; never throws on a mismatch. */
export async function runScenario(
  scenario: Scenario,
  rules: Rules,
  transport: CallTransport,
  defaults: CallDefaults,
  callId: string,
): Promise<ScenarioResult> {
  const outbound = scenario.outbound !== undefined;
  const call = new SimulatedCall(
    transport,
    outbound ? 'outbound' : 'inbound',
    callId,
    typeof scenario.outbound === 'string' ? scenario.outbound : undefined,
  );
  let at = instantIn(rules, scenario.at);
  const reports: string[] = [];
  const check = (where: string, expect: ScenarioTurn['expect'], outcome: TurnOutcome) => {
    const mismatches = expect === undefined ? [] : compareTurn(expect, outcome);
    if (outcome.problem !== undefined && mismatches.length === 0)
      mismatches.push({ field: 'reply', expected: 'a valid reply', actual: outcome.problem });
    if (mismatches.length > 0) reports.push(formatMismatches(where, mismatches, outcome));
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
    check('callin', scenario.answer, answer);
    if (undelivered(answer)) return stopped(0);
  }
  /** The result when a callback was not answered: the turns from `next` on are not sent. */
  function stopped(next: number): ScenarioResult {
    const left = scenario.turns.length - next;
    if (left > 0) {
      const which = left === 1 ? `turn ${next + 1}` : `turns ${next + 1} to ${scenario.turns.length}`;
      reports.push(`  ${which} not run: the function did not answer the callback before\n`);
    }
    return { name: scenario.name, passed: false, report: reports.join(''), outcomes: call.outcomes };
  }
  for (const [index, turn] of scenario.turns.entries()) {
    const action = actionOfTurn(turn);
    const where = `turn ${index + 1} · ${describeAction(action)}`;
    if (call.ended) {
      reports.push(
        `  ${where}\n    the call had already ended (${call.outcomes.at(-1)?.action ?? 'hung up'})\n`,
      );
      break;
    }
    if (turn.at !== undefined) at = instantIn(rules, turn.at);
    if (action === undefined) {
      call.hangUp();
      continue;
    }
    const outcome = await call.act(action, at);
    check(where, turn.expect, outcome);
    if (undelivered(outcome)) return stopped(index + 1);
  }
  return {
    name: scenario.name,
    passed: reports.length === 0,
    report: reports.join(''),
    outcomes: call.outcomes,
  };
}
