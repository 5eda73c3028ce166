/**
 * A seeded week of calls to examples/bank-card-service.yaml, played through the built bundles in this
 * process (`dist/inbound` for the calls, `dist/report` for their receipts), written as production would
 * log them: `callbacks.jsonl` (the inbound function's log lines), `receipts.jsonl` (the report function's
 * lines for the VoiceReport records pushed after each call) and `model.json`, the generator's own model
 * of the calls it played, counted from its callers' scripts (dev/journey-week-callers.ts), never read back
 * from the logs. Every reply's log line is checked against the script as it plays: a step whose flow,
 * node, nodes passed through or outcome words differ stops the run, naming the call and the step.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ENDINGS, type Ending, type EndingCounts } from '../shared/analytics/journey-figures';
import { isOpenAt } from '../shared/calendar/is-open';
import { chooseSplitBranch } from '../shared/flow/choose-split';
import { readEnteredNode, readFlowEntered } from '../shared/flow/trace-phrases';
import { type CompiledCalendar, compileRules } from '../shared/rules/compile-rules';
import { parseYaml } from '../shared/rules/yaml-parser';
import { buildFcEvent, loadHostedHandler, ROOT } from './fc-event';
import {
  AFTER_HOURS_PERSONAS,
  type CallOpening,
  type CallScript,
  LINE_PERSONAS,
  type NodeKey,
  OFFICE_PERSONAS,
  PERSONA_WEIGHTS,
  type Persona,
  pickWeighted,
  type ScriptStep,
  writeScript,
} from './journey-week-callers';
import { seededRandom, seedOf } from './seeded-random';
import { type CallbackLog, findCallbackLog, SimulatedCall, type TurnOutcome } from './simulator/call';
import { ScriptedClassifier } from './simulator/simulated-classifier';
import { ScriptedLookups } from './simulator/simulated-lookups';
import { type CallTransport, createInProcessTransport, parseLogLines } from './simulator/transport';

/** The rules the callers' scripts are written for. */
export const WEEK_RULES_FILE = join(ROOT, 'examples', 'bank-card-service.yaml');
/** The files a week writes, and the only ones its folder may hold. */
export const WEEK_FILES = ['callbacks.jsonl', 'receipts.jsonl', 'model.json'] as const;
export const MAX_WEEK_CALLS = 1_000_000;
export const MAX_WEEK_DAYS = 31;

/** How the lines are written: as the functions wrote them, or each inside an SLS export's record. */
export type Envelope = 'none' | 'sls';

export type WeekOptions = {
  /** The folder written: it may hold only {@link WEEK_FILES}. */
  readonly out: string;
  readonly calls?: number;
  readonly seed?: number;
  /** The first day, `YYYY-MM-DD`, in Beijing time. */
  readonly from?: string;
  readonly days?: number;
  readonly envelope?: Envelope;
  /** Changes a call's script before it plays (tests: a wrong script must stop the run). */
  readonly adjustScript?: (script: CallScript, index: number) => CallScript;
};

/** The counts of one node, as the scripts say (the definitions: docs of the generator, and the brief). */
export type WeekNode = {
  entries: number;
  calls: number;
  exits: Record<NodeKey, number>;
  endings: EndingCounts;
  heard: number;
  noInput: number;
  noMatch: number;
  keyArming: number;
  escalated: { noInput: number; noMatch: number };
  transfers: number;
  transferFailed: number;
  contained: number;
  /** Seconds at the node per visit, as the calls were timed (docs/analytics.md, "time in node"). */
  time: { visits: number; meanS: number | null; p50S: number | null; p90S: number | null };
};

export type WeekLineHours = { calls: number[]; afterHours: number[]; transferred: number[] };

/** What model.json holds: the week as the callers' scripts played it. */
export type WeekModel = {
  seed: number;
  from: string;
  days: number;
  calls: number;
  /** Callback lines of events sent once (the first delivery), and of events delivered again. */
  lines: { callbacks: number; duplicates: number };
  /** Records pushed (one per call that got a receipt), pushed a second time, and calls that got none. */
  receipts: { pushed: number; pushedAgain: number; missing: number };
  nodes: Record<NodeKey, WeekNode>;
  lineHours: Record<string, WeekLineHours>;
  noMatchUtterances: Record<NodeKey, Record<string, number>>;
  /** Calls by persona (dev/journey-week-callers.ts), and by how they ended. */
  personas: Record<string, number>;
  endings: EndingCounts;
};

/** Beijing is UTC+8 all year. */
const BEIJING_MS = 8 * 3_600_000;
const HOUR_MS = 3_600_000;

/** Calls per hour of the day on a workday, relative: few at night, peaks at 10–11 and 14–16. */
const WORKDAY_HOURS = [
  0.25, 0.12, 0.06, 0.05, 0.05, 0.1, 0.3, 0.9, 2.6, 6.2, 9, 8.6, 5, 6.2, 8.2, 8.6, 7.4, 5.2, 3.2, 2.4, 1.9,
  1.4, 0.9, 0.45,
];
/** The same on a Saturday (mornings) and a Sunday. */
const SATURDAY_HOURS = WORKDAY_HOURS.map((weight, hour) => weight * (hour < 13 ? 0.55 : 0.35));
const SUNDAY_HOURS = WORKDAY_HOURS.map((weight) => weight * 0.22);
/** Mondays are busier. Index: the UTC weekday (0 Sunday). */
const DAY_WEIGHTS = [1, 1.15, 1, 1, 0.95, 1, 1];

/** Shares of the week's oddities. */
const REDELIVERED_SHARE = 0.01;
const PUSHED_AGAIN_SHARE = 0.005;
const MISSING_RECEIPT_SHARE = 0.005;
/** Of the calls the caller ends, those the receipt says the machine ended (a line dropped). */
const DROPPED_SHARE = 0.03;
/** Calls from the VIP and blocked lines, by chance (and one in fifty besides). */
const SPECIAL_SHARE = 0.02;

/** TTS speaks about four and a half Chinese characters a second; an audio file lasts about 3 s. */
const MS_PER_CHARACTER = 220;
const MS_PER_AUDIO = 3000;
const DEFAULT_MUTE_MS = 5000;

/** A call planned: when, who, to which number. */
type PlannedCall = { readonly at: number; readonly index: number };

function emptyEndings(): EndingCounts {
  return Object.fromEntries(ENDINGS.map((ending) => [ending, 0])) as EndingCounts;
}

function emptyNode(): WeekNode {
  return {
    entries: 0,
    calls: 0,
    exits: {},
    endings: emptyEndings(),
    heard: 0,
    noInput: 0,
    noMatch: 0,
    keyArming: 0,
    escalated: { noInput: 0, noMatch: 0 },
    transfers: 0,
    transferFailed: 0,
    contained: 0,
    time: { visits: 0, meanS: null, p50S: null, p90S: null },
  };
}

/** The longest visit counted: a longer one counts as this long. */
const MAX_VISIT_S = 900;

/** A call's times: when each step's event was sent, and when the receipt says the call ended. */
export type CallTimes = { readonly steps: readonly number[]; readonly endAt: number | undefined };

/** The time figures of visits of `seconds` each: the mean to a tenth, p50 and p90 by nearest rank. */
function timeOf(seconds: readonly number[]): WeekNode['time'] {
  if (seconds.length === 0) return { visits: 0, meanS: null, p50S: null, p90S: null };
  const sorted = [...seconds].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.ceil(q * sorted.length) - 1] as number;
  const mean = sorted.reduce((sum, s) => sum + s, 0) / sorted.length;
  return { visits: sorted.length, meanS: Math.round(mean * 10) / 10, p50S: rank(0.5), p90S: rank(0.9) };
}

/** The hour of the day in Beijing. */
export function beijingHour(ms: number): number {
  return new Date(ms + BEIJING_MS).getUTCHours();
}

/** `YYYY-MM-DD HH:MM:SS` in Beijing, as receipts write times. */
export function beijingTime(ms: number): string {
  return new Date(ms + BEIJING_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** Whether `text` is a real date written `YYYY-MM-DD`. */
export function isDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === text;
}

/** The start times of `calls` calls over `days` days from `from` (Beijing), sorted. */
function planCalls(random: () => number, from: string, days: number, calls: number): PlannedCall[] {
  const start = Date.parse(`${from}T00:00:00Z`) - BEIJING_MS;
  const cells: [number, number][] = [];
  for (let day = 0; day < days; day++) {
    const weekday = new Date(Date.parse(`${from}T00:00:00Z`) + day * 24 * HOUR_MS).getUTCDay();
    const hours = weekday === 0 ? SUNDAY_HOURS : weekday === 6 ? SATURDAY_HOURS : WORKDAY_HOURS;
    for (let hour = 0; hour < 24; hour++)
      cells.push([start + (day * 24 + hour) * HOUR_MS, (hours[hour] ?? 0) * (DAY_WEIGHTS[weekday] ?? 1)]);
  }
  const total = cells.reduce((sum, [, weight]) => sum + weight, 0);
  const cumulative: number[] = [];
  let sum = 0;
  for (const [, weight] of cells) {
    sum += weight / total;
    cumulative.push(sum);
  }
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const point = random();
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((cumulative[middle] ?? 1) > point) high = middle;
      else low = middle + 1;
    }
    // Whole seconds, and never in the last minute of the week (a call may run past it).
    times.push((cells[low]?.[0] ?? start) + Math.floor(random() * 3540) * 1000);
  }
  times.sort((a, b) => a - b);
  return times.map((at, index) => ({ at, index }));
}

/** A mainland mobile number, not one of the rules' lines. */
function mobileNumber(random: () => number): string {
  const prefix = ['135', '137', '138', '150', '151', '158', '186', '187', '188', '177', '199'];
  const head = prefix[Math.floor(random() * prefix.length)] as string;
  return `${head}${String(Math.floor(random() * 1e8)).padStart(8, '0')}`;
}

function callerOf(persona: Persona, random: () => number): string {
  if (persona === 'vip')
    return random() < 0.6
      ? (['13900001111', '13600002222'][Math.floor(random() * 2)] as string)
      : `0592888${String(Math.floor(random() * 1e4)).padStart(4, '0')}`;
  if (persona === 'blocked') return random() < 0.7 ? '13000000000' : '+8615500001111';
  return mobileNumber(random);
}

/** A VMS-shaped call id: two 12-digit numbers (never a phone number's shape). */
function callIdOf(index: number, seed: number): string {
  return `1303${String(seed % 1e8).padStart(8, '0')}^1170${String(index).padStart(8, '0')}`;
}

/** Lines written to a file in pieces of about 1 MB. */
class LineWriter {
  readonly #fd: number;
  #buffer: string[] = [];
  #size = 0;
  count = 0;

  constructor(file: string) {
    this.#fd = openSync(file, 'w');
  }

  write(line: string): void {
    this.#buffer.push(line, '\n');
    this.#size += line.length + 1;
    this.count++;
    if (this.#size > 1 << 20) this.flush();
  }

  flush(): void {
    if (this.#buffer.length === 0) return;
    writeSync(this.#fd, this.#buffer.join(''));
    this.#buffer = [];
    this.#size = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.#fd);
  }
}

/** A log line as an SLS export writes it: the line as text in `content`. */
export function slsRecord(line: string, timeMs: number): string {
  return JSON.stringify({
    __time__: Math.floor(timeMs / 1000),
    __source__: '192.0.2.10',
    __topic__: '',
    content: line,
  });
}

/** The reason a week's folder cannot be written, or undefined when it can. */
export function describeWeekFolder(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return `${dir} is not a folder`;
  }
  const others = entries.filter((name) => !(WEEK_FILES as readonly string[]).includes(name));
  return others.length === 0
    ? undefined
    : `${dir} holds other files than ${WEEK_FILES.join(', ')} (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}): give an empty or new folder`;
}

/** A step that did not come to what its script said. */
export class ScriptMismatchError extends Error {}

/** What a reply's trace says the call entered, as `flow/node`, from the flow it was in. */
function enteredPath(trace: readonly string[], flow: string | undefined): NodeKey[] {
  const path: NodeKey[] = [];
  let current = flow;
  for (const line of trace) {
    const moved = readFlowEntered(line);
    if (moved !== undefined) current = moved;
    const node = readEnteredNode(line);
    if (node !== undefined) path.push(`${current}/${node}`);
  }
  return path;
}

/** The outcome words a step must log, and those it must not. */
function checkOutcomes(step: ScriptStep, outcomes: readonly string[]): string | undefined {
  const has = (word: string) => outcomes.includes(word);
  const wanted: Record<string, boolean> = {
    'key-arming': step.kind === 'keyArming',
    'no-input': step.kind === 'noInput' && step.escalated !== true,
    'no-match': step.kind === 'noMatch' && step.escalated !== true,
    escalated: step.escalated === true,
    'transfer-failed': step.transferFailed === true,
  };
  for (const [word, want] of Object.entries(wanted))
    if (has(word) !== want)
      return `${want ? 'no' : 'an unexpected'} outcome ${word} (outcomes: ${outcomes.join(', ')})`;
  return undefined;
}

/** Checks one reply's log line against its step; the problem, or undefined. */
function checkStep(
  step: ScriptStep,
  expected: NodeKey | undefined,
  flowBefore: string | undefined,
  outcome: TurnOutcome,
  log: CallbackLog | undefined,
): string | undefined {
  if (log === undefined) return `no callback line (${outcome.problem ?? 'no log'})`;
  if (outcome.action === undefined) return `no valid reply: ${outcome.problem ?? ''}`;
  if (step.hangsUp === true) {
    if (outcome.action !== 'hangup') return `the reply is ${outcome.action}, not the hang-up`;
    return undefined;
  }
  const at = log.flow === undefined || log.node === undefined ? undefined : `${log.flow}/${log.node}`;
  if (at !== expected) return `the log says ${at ?? 'no node'}, the script ${expected ?? 'none'}`;
  const path = enteredPath(log.trace, flowBefore);
  if (path.join(' ') !== step.path.join(' '))
    return `the trace enters ${path.join(', ') || 'nothing'}, the script ${step.path.join(', ') || 'nothing'}`;
  if (step.transfer === 'transfer' && outcome.action !== 'transfer')
    return `the reply is ${outcome.action}, not a transfer`;
  if (step.transfer === 'parallel' && outcome.action !== 'parallel_transfer')
    return `the reply is ${outcome.action}, not a parallel transfer`;
  return checkOutcomes(step, log.outcomes);
}

/** The ms a reply's prompts play. */
function promptMs(outcome: TurnOutcome): number {
  const characters = outcome.texts.reduce((sum, text) => sum + text.length, 0);
  return characters * MS_PER_CHARACTER + outcome.audio.length * MS_PER_AUDIO;
}

/** When the caller's next action comes, after a reply sent at `at`. */
function nextTime(
  step: ScriptStep,
  reply: TurnOutcome,
  at: number,
  random: () => number,
  muteMs: number,
): number {
  const played = at + 300 + promptMs(reply);
  const think = () => 1200 + Math.floor(random() * random() * 6000);
  switch (step.action.kind) {
    case 'silence':
      return played + (reply.muteTimeMs ?? muteMs);
    case 'keyTimeout':
      return played + (reply.keys?.timeoutS ?? 10) * 1000;
    case 'transferResult':
      return at + 6000 + Math.floor(random() * 24_000);
    case 'keys':
      return played + think() + (step.action.keys.length > 1 ? step.action.keys.length * 450 : 0);
    default:
      return played + think();
  }
}

/** Counts kept as the calls play, and model.json at the end. */
class WeekTally {
  readonly nodes = new Map<NodeKey, WeekNode>();
  readonly lineHours = new Map<string, WeekLineHours>();
  readonly noMatch = new Map<NodeKey, Map<string, number>>();
  readonly personas = new Map<string, number>();
  readonly endings = emptyEndings();
  /** Each node's visits, in whole seconds (rounded, at most {@link MAX_VISIT_S}). */
  readonly visits = new Map<NodeKey, number[]>();
  callbacks = 0;
  duplicates = 0;
  pushed = 0;
  pushedAgain = 0;
  missing = 0;

  node(key: NodeKey): WeekNode {
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = emptyNode();
      this.nodes.set(key, node);
    }
    return node;
  }

  /** A visit of `ms` to a node. */
  visit(key: NodeKey, ms: number): void {
    if (ms < 0) return;
    const seconds = this.visits.get(key) ?? [];
    seconds.push(Math.min(MAX_VISIT_S, Math.round(ms / 1000)));
    this.visits.set(key, seconds);
  }

  /** Counts one call from its script: entries, exits, what was heard, how it ended. */
  countCall(
    script: CallScript,
    opening: CallOpening,
    startAt: number,
    ending: Ending,
    times: CallTimes,
  ): void {
    let at: NodeKey | undefined;
    let transferred = false;
    /** Handed to a person for good: a plain transfer, or a parallel one that connected. */
    let handedOver = false;
    const entered = new Set<NodeKey>();
    for (const [index, step] of script.steps.entries()) {
      const kind = step.action.kind;
      const listens = kind === 'say' || kind === 'keys' || kind === 'silence' || kind === 'keyTimeout';
      if (listens && at !== undefined && step.kind !== 'keyArming' && !transferred) this.node(at).heard++;
      if (at !== undefined) {
        const node = this.node(at);
        if (step.kind === 'keyArming') node.keyArming++;
        if (step.kind === 'noInput') node.noInput++;
        if (step.kind === 'noMatch') node.noMatch++;
        if (step.escalated === true && step.kind !== undefined && step.kind !== 'keyArming')
          node.escalated[step.kind]++;
        if (step.utterance !== undefined) {
          const words = this.noMatch.get(at) ?? new Map<string, number>();
          words.set(step.utterance, (words.get(step.utterance) ?? 0) + 1);
          this.noMatch.set(at, words);
        }
        // A parallel transfer that failed hands the call back: what it hears next is heard.
        if (step.transferFailed === true) {
          node.transferFailed++;
          transferred = false;
        }
      }
      for (const next of step.path) {
        if (next === at) continue;
        if (at !== undefined) {
          const exits = this.node(at).exits;
          exits[next] = (exits[next] ?? 0) + 1;
        }
        this.node(next).entries++;
        entered.add(next);
        at = next;
      }
      if (step.transfer !== undefined && at !== undefined) {
        this.node(at).transfers++;
        transferred = true;
      }
      if (step.transfer === 'transfer') handedOver = true;
      if (step.action.kind === 'transferResult' && step.action.status === 'success') handedOver = true;
      // The wait at the node this step left the call at, to the next step's event.
      const next = times.steps[index + 1];
      if (next !== undefined && at !== undefined && !handedOver)
        this.visit(at, next - (times.steps[index] as number));
    }
    const last = times.steps.at(-1);
    if (
      (ending === 'caller' || ending === 'platform') &&
      at !== undefined &&
      last !== undefined &&
      times.endAt !== undefined
    )
      this.visit(at, times.endAt - last);
    if (at !== undefined) this.node(at).endings[ending]++;
    for (const key of entered) {
      const node = this.node(key);
      node.calls++;
      if (ending !== 'transferred') node.contained++;
    }
    this.endings[ending]++;
    this.personas.set(script.persona, (this.personas.get(script.persona) ?? 0) + 1);
    const hours = this.lineHours.get(opening.line) ?? {
      calls: Array<number>(24).fill(0),
      afterHours: Array<number>(24).fill(0),
      transferred: Array<number>(24).fill(0),
    };
    this.lineHours.set(opening.line, hours);
    const hour = beijingHour(startAt);
    (hours.calls[hour] as number)++;
    if (opening.afterHours) (hours.afterHours[hour] as number)++;
    if (ending === 'transferred') (hours.transferred[hour] as number)++;
  }

  model(options: { seed: number; from: string; days: number; calls: number }): WeekModel {
    const sorted = <T>(map: Map<string, T>) =>
      Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
    for (const [key, seconds] of this.visits) this.node(key).time = timeOf(seconds);
    return {
      ...options,
      lines: { callbacks: this.callbacks, duplicates: this.duplicates },
      receipts: { pushed: this.pushed, pushedAgain: this.pushedAgain, missing: this.missing },
      nodes: sorted(this.nodes),
      lineHours: sorted(this.lineHours),
      noMatchUtterances: sorted(
        new Map(
          [...this.noMatch].map(([node, words]) => [
            node,
            Object.fromEntries([...words].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
          ]),
        ),
      ),
      personas: sorted(this.personas),
      endings: this.endings,
    };
  }
}

/** The personas of a group, in turn first (so that a small week meets each one), then by weight. */
function personaChooser(group: readonly Persona[]): (random: () => number) => Persona {
  let turn = 0;
  const weighted = group.map((persona) => [persona, PERSONA_WEIGHTS[persona]] as const);
  return (random) => (turn < group.length ? (group[turn++] as Persona) : pickWeighted(random, weighted));
}

/**
 * Plays a seeded week of calls to examples/bank-card-service.yaml through the built bundles (run
 * `npm run build` first) and writes its three files into `options.out`; returns the model written to
 * model.json. Throws when a reply's log line disagrees with its caller's script ({@link ScriptMismatchError}).
 */
export async function generateWeek(options: WeekOptions): Promise<WeekModel> {
  const seed = options.seed ?? 19;
  const from = options.from ?? '2026-03-09';
  const days = options.days ?? 7;
  const calls = options.calls ?? 1000;
  const envelope = options.envelope ?? 'none';
  if (!Number.isInteger(calls) || calls < 1 || calls > MAX_WEEK_CALLS)
    throw new RangeError(`calls is a whole number from 1 to ${MAX_WEEK_CALLS}`);
  if (!Number.isInteger(days) || days < 1 || days > MAX_WEEK_DAYS)
    throw new RangeError(`days is a whole number from 1 to ${MAX_WEEK_DAYS}`);
  if (!isDate(from)) throw new RangeError(`from is a date written YYYY-MM-DD, not ${from}`);
  const folderProblem = describeWeekFolder(options.out);
  if (folderProblem !== undefined) throw new Error(folderProblem);

  const compiled = compileRules(parseYaml(readFileSync(WEEK_RULES_FILE, 'utf8')));
  if (!compiled.ok) throw new Error(`${WEEK_RULES_FILE} is not a valid rules document`);
  const { rules, calendars } = compiled.compiled;
  const office = calendars.get('office') as CompiledCalendar;
  const greeting = rules.flows.main?.nodes.greeting;
  if (greeting?.type !== 'split') throw new Error('the main flow no longer opens with the greeting split');
  const weights = greeting.branches.map((branch) => branch.weight);
  const targets = greeting.branches.map((branch) => `main/${branch.goto}`);
  const muteMs = rules.settings?.muteTimeMs ?? DEFAULT_MUTE_MS;

  mkdirSync(options.out, { recursive: true });
  const callbacks = new LineWriter(join(options.out, 'callbacks.jsonl'));
  const receipts = new LineWriter(join(options.out, 'receipts.jsonl'));
  const write = (writer: LineWriter, logs: readonly Record<string, unknown>[]) => {
    for (const line of logs) {
      const text = JSON.stringify(line);
      const time = typeof line.time === 'string' ? Date.parse(line.time) : 0;
      writer.write(envelope === 'sls' ? slsRecord(text, time) : text);
    }
  };

  const lookups = new ScriptedLookups();
  const classifier = new ScriptedClassifier();
  const inner = await createInProcessTransport(WEEK_RULES_FILE, lookups, classifier);
  let lastSent: { fn: 'inbound' | 'outbound'; params: Parameters<CallTransport['send']>[1] } | undefined;
  const transport: CallTransport = {
    ...inner,
    send: async (fn, params, at) => {
      lastSent = { fn, params };
      const delivery = await inner.send(fn, params, at);
      write(callbacks, delivery.logs);
      return delivery;
    },
  };

  let reportClock = 0;
  let reportLines: string[] = [];
  const report = loadHostedHandler('report', {
    now: () => reportClock,
    writeLog: (line) => {
      reportLines.push(line);
    },
  });
  const pending: Record<string, string>[] = [];
  let pendingEnd = 0;
  let batchSize = 1;
  const tally = new WeekTally();
  const random = seededRandom(seed);
  const push = async (at: number) => {
    if (pending.length === 0) return;
    reportClock = at;
    reportLines = [];
    const result = await report(
      buildFcEvent({
        method: 'POST',
        path: '/report',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(pending),
        time: new Date(at),
      }),
    );
    if (result.statusCode !== 200) throw new Error(`the report function answered HTTP ${result.statusCode}`);
    write(receipts, parseLogLines(reportLines));
    pending.length = 0;
  };

  const office$ = personaChooser(OFFICE_PERSONAS);
  const after$ = personaChooser(AFTER_HOURS_PERSONAS);
  const lines$ = personaChooser(LINE_PERSONAS);
  /** Records of the batch being pushed that the platform pushes again (it took the answer for a failure). */
  const again: Record<string, string>[] = [];
  /** Pushes the batch 5–60 s after its last call ended, then again the records pushed twice, 30 s later. */
  const flush = async (chance: () => number) => {
    const at = pendingEnd + 5000 + Math.floor(chance() * 55_000);
    await push(at);
    if (again.length === 0) return;
    pending.push(...again);
    tally.pushedAgain += again.length;
    again.length = 0;
    await push(at + 30_000);
  };

  for (const planned of planCalls(random, from, days, calls)) {
    const callRandom = seededRandom(seedOf(seed, planned.index));
    const callId = callIdOf(planned.index, seed);
    const open = isOpenAt(office.calendar, planned.at, office.timezone, office.holidays);
    // A few VIP and blocked callers: by chance, and one call in fifty (so that a small week has both).
    const special = callRandom() < SPECIAL_SHARE || planned.index % 50 === 25;
    const persona = special ? lines$(callRandom) : open ? office$(callRandom) : after$(callRandom);
    const line = persona === 'vip' || persona === 'blocked' ? persona : 'service';
    const opening: CallOpening = {
      line,
      afterHours: line === 'service' && !open,
      greeting: targets[chooseSplitBranch(callId, 'main', 'greeting', weights)] ?? (targets[0] as NodeKey),
    };
    let script = writeScript(persona, opening, callRandom);
    if (options.adjustScript !== undefined) script = options.adjustScript(script, planned.index);
    const caller = callerOf(persona, callRandom);
    const callee = callRandom() < 0.7 ? '95000' : '4000009500';

    lookups.startCall(script.lookups);
    classifier.startCall({ kind: 'verdict', choice: 'none', confidence: 0.9 });
    const call = new SimulatedCall(transport, 'inbound', callId);
    let at = planned.at;
    let position: NodeKey | undefined;
    let endAt = at;
    const stepTimes: number[] = [];
    for (const [index, step] of script.steps.entries()) {
      const where = `call ${callId} (${script.persona}), step ${index + 1} (${step.action.kind})`;
      if (call.ended) throw new ScriptMismatchError(`${where}: the call had already ended`);
      if (step.action.kind !== 'callin') {
        const refused = call.refuse(step.action, 'replay');
        if (refused !== undefined) throw new ScriptMismatchError(`${where}: ${refused.message}`);
      }
      const flowBefore = (position ?? step.path[0])?.split('/')[0];
      stepTimes.push(at);
      const outcome =
        step.action.kind === 'callin'
          ? await call.answer({ caller, callee }, at)
          : await call.act(step.action, at);
      tally.callbacks++;
      const expected = step.path.at(-1) ?? position;
      const problem = checkStep(step, expected, flowBefore, outcome, outcome.log);
      if (problem !== undefined) throw new ScriptMismatchError(`${where}: ${problem}`);
      position = expected;
      let next = nextTime(step, outcome, at, callRandom, muteMs);
      if (callRandom() < REDELIVERED_SHARE && lastSent !== undefined) {
        // VMS sends the same event again (same call, type, timestamp and dynamic_id), a moment later.
        const redeliveredAt = at + 400 + Math.floor(callRandom() * 1500);
        const delivery = await transport.send(lastSent.fn, lastSent.params, redeliveredAt);
        const log = findCallbackLog(delivery.logs);
        if (log?.raw.duplicate !== true)
          throw new ScriptMismatchError(`${where}: the event delivered again was not logged duplicate: true`);
        tally.duplicates++;
        next = Math.max(next, redeliveredAt + 500);
      }
      endAt = at + 300 + Math.min(promptMs(outcome), 8000);
      at = next;
    }
    // How the call ends: the caller hangs up while a prompt plays or just after it; a transferred
    // call talks to a person for a while; our hang-up ends it at once.
    const dropped = script.end === 'caller' && callRandom() < DROPPED_SHARE;
    if (script.end === 'caller') endAt += Math.floor(callRandom() * 4000);
    if (script.end === 'transferred') endAt += 30_000 + Math.floor(callRandom() * callRandom() * 600_000);
    const missing = callRandom() < MISSING_RECEIPT_SHARE;
    const ending: Ending =
      script.end !== 'caller' ? script.end : missing ? 'unknown' : dropped ? 'platform' : 'caller';
    // The receipt's end, to the second it writes.
    const receiptEnd = missing ? undefined : Math.floor(endAt / 1000) * 1000;
    tally.countCall(script, opening, planned.at, ending, { steps: stepTimes, endAt: receiptEnd });

    if (missing) tally.missing++;
    else {
      const record = {
        call_id: callId,
        start_time: beijingTime(planned.at),
        end_time: beijingTime(endAt),
        duration: String(Math.max(0, Math.round((endAt - planned.at) / 1000))),
        status_code: '200000',
        smart_status_code: 'ANSWERED',
        status_msg: '用户接听',
        caller,
        callee,
        hangup_direction:
          script.end === 'flow' || dropped
            ? '机器'
            : script.end === 'caller' || callRandom() < 0.7
              ? '用户'
              : '机器',
        early_media_code: '',
        voice_type: 'smart',
        extend: '',
      };
      // The platform pushes a call's receipt within a minute of its end: a batch waits for no call
      // that ends later than that.
      if (pending.length > 0 && endAt > pendingEnd + 60_000) await flush(callRandom);
      pending.push(record);
      tally.pushed++;
      if (callRandom() < PUSHED_AGAIN_SHARE) again.push(record);
      pendingEnd = Math.max(pendingEnd, endAt);
      if (pending.length >= batchSize) {
        await flush(callRandom);
        batchSize = 1 + Math.floor(callRandom() * 8);
      }
    }
  }
  await flush(random);
  callbacks.close();
  receipts.close();
  const model = tally.model({ seed, from, days, calls });
  writeFileSync(join(options.out, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
  return model;
}
