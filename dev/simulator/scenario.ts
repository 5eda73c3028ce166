/**
 * The scenario file: calls described turn by turn — what the caller does, when, and what must happen —
 * for `npm run simulate -- run`. A valibot schema like the rules document's: strict (an unknown key is
 * an error), every message naming its path, and exported as `scenarios.schema.json` for editors.
 */
import * as v from 'valibot';
import { FIRST_YEAR, LAST_YEAR } from '../../shared/calendar/holiday-schedule';
import { CLASSIFY_FAILURES } from '../../shared/classify/classify-types';
import { MAX_KEY_ENTRY_CHARS } from '../../shared/flow/flow-limits';
import { OUTCOME_WORDS, type OutcomeWord } from '../../shared/flow/outcome-words';
import {
  CALL_ID_PATTERN,
  MAX_CALL_ID_CHARS,
  PHONE_NUMBER_PATTERN,
} from '../../shared/protocol/callback-request';
import { ReplyDataSchema } from '../../shared/protocol/reply-schema';
import { OutcomeTagSchema } from '../../shared/rules/rules-schema';
import { parseDocument } from '../../shared/schema/document-issues';
import { describeObject, describeSchema, describeSchemas } from '../../shared/schema/field-descriptions';
import { NameSchema } from '../../shared/text/name';
import {
  ClassifyAnswerTextSchema,
  ClassifyFailedSchema,
  ClassifyVerdictSchema,
  SCRIPTED_CONFIDENCE,
  type ScriptedClassification,
  toScriptedClassification,
} from './classify-script';
import {
  LookupAnswerObjectSchema,
  LookupAnswerSchema,
  LookupAnswersSchema,
  SCRIPTED_FAILURES,
  type ScriptedAnswer,
  SLOW_NEEDS_AN_ANSWER,
  toScriptedAnswer,
} from './lookup-script';
import { printable } from './printable';

/** The largest scenario file read, and the most scenarios and turns in one: a file is hand-written. */
export const MAX_SCENARIO_FILE_BYTES = 1024 * 1024;
const MAX_SCENARIOS = 1000;
const MAX_TURNS = 200;

/** A local wall-clock time in the rules' time zone: `2026-10-01 10:00` (seconds optional, `T` allowed). */
export const LocalTimeTextSchema = v.pipe(
  v.string('a time is text, like "2026-10-01 10:00"'),
  v.regex(
    /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2})?$/,
    'a time is "YYYY-MM-DD HH:MM" (or HH:MM:SS), in the rules\' time zone',
  ),
  v.check(
    (text) => inYears(text),
    `a time is in a year from ${FIRST_YEAR} to ${LAST_YEAR}, as the rules' schedules are`,
  ),
  v.check((text) => readWallTime(text) !== undefined, 'no such time: a day or hour that does not exist'),
);

/** Whether a time text's year is one the rules' schedules may name (Date.UTC reads 0000–0099 as 19xx). */
function inYears(text: string): boolean {
  const year = Number(text.slice(0, 4));
  return year >= FIRST_YEAR && year <= LAST_YEAR;
}

/** The fields of a local time text, or undefined when it names no real day and time (`2026-02-30`). */
function readWallTime(text: string): { readonly wall: number; readonly second: number } | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (match === null || !inYears(text)) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const real =
    new Date(wall).getUTCDate() === day && month <= 12 && hour <= 23 && minute <= 59 && second <= 59;
  return real ? { wall, second } : undefined;
}

/** What a phone number may hold, for messages. */
export const PHONE_NUMBER_MESSAGE = 'a phone number is digits, "-" and a leading "+"';

/** Keys a caller presses in one turn: as many as the engine reads of one entry. */
export const KEYS_PATTERN = new RegExp(`^[0-9*#]{1,${MAX_KEY_ENTRY_CHARS}}$`);
export const KEYS_MESSAGE = `keys are 1 to ${MAX_KEY_ENTRY_CHARS} of 0-9, * and #`;

/**
 * A phone number as the platform sends it, quoted: YAML reads an unquoted 05923391657 as the number
 * 5923391657 (the document's wording says so, whatever the schema's message).
 */
const PhoneTextSchema = v.pipe(
  v.string("a phone number is text: quote it ('05923391657')"),
  v.regex(PHONE_NUMBER_PATTERN, PHONE_NUMBER_MESSAGE),
);

/** The actions a reply can carry: the protocol's reply schema's. */
export const REPLY_ACTIONS = ReplyDataSchema.options.map((option) => option.entries.action.literal);

/** Text the caller must hear: each string must appear in the TTS text the reply plays. */
const HeardSchema = v.union(
  [v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1))],
  'hears is a text, or a list of texts, each of which must be heard',
);

/** The outcome words a log line may hold. */
const OUTCOME_NAMES = Object.keys(OUTCOME_WORDS) as [OutcomeWord, ...OutcomeWord[]];

/** Lookups the callback must have made: each text names one by its first words (`account failed`). */
const ExpectedLookupsSchema = v.union(
  [v.pipe(v.string(), v.minLength(1)), v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1))],
  'lookup is a text (account ok, account failed status 503), or a list of them',
);

/** Why a verdict may be not taken, as an expectation says it (`not taken: below-threshold`). */
const NOT_TAKEN_WHYS = ['below-threshold', 'off-list'] as const;

/**
 * What the callback's classification came to, as an expectation writes it: `lostCard` (that verdict,
 * taken), `none`, `not taken` or `not taken: below-threshold`, `failed` or `failed timeout`, `not asked`.
 */
export const ExpectedClassifiedSchema = v.pipe(
  v.string('classified is a text: lostCard, none, not taken: below-threshold, failed timeout or not asked'),
  v.regex(
    new RegExp(
      `^(?:not asked|none|failed(?: (?:${CLASSIFY_FAILURES.join('|')}))?|not taken(?:: (?:${NOT_TAKEN_WHYS.join('|')}))?|[A-Za-z][A-Za-z0-9_-]{0,31})$`,
    ),
    `classified is an intent's or handler's name (taken), none, not taken, not taken: ${NOT_TAKEN_WHYS.join('|')}, failed, failed ${CLASSIFY_FAILURES.join('|')} or not asked`,
  ),
);

/** What must happen on a turn; every field given is checked, the others are not. */
export const ExpectSchema = v.strictObject({
  /** The reply's action (`answer`, `play`, `dtmf`, `transfer`, `parallel_transfer`, `hangup`, …). */
  action: v.optional(v.picklist(REPLY_ACTIONS, `an action is one of ${REPLY_ACTIONS.join(', ')}`)),
  /** Words the caller hears: each must appear in the TTS text played, in any order. */
  hears: v.optional(HeardSchema),
  /** Words the caller must not hear on this turn: none may appear in the TTS text played. */
  notHears: v.optional(HeardSchema),
  /** The audio codes played, in order, exactly. */
  audio: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
  /** The number a `transfer` dials, or the call centre (`ccName`) of a `parallel_transfer`. */
  transferTo: v.optional(
    // Text only: an unquoted number would lose its leading 0 and never match (the wording says to quote it).
    v.pipe(
      v.string('a transfer target is text: a number (quoted) or a call-centre name'),
      v.minLength(1),
      v.maxLength(64),
    ),
  ),
  /** Whether the reply hangs up (action `hangup`). */
  hangsUp: v.optional(v.boolean()),
  /** The flow and the node the call is at after the turn (read from the function's log line). */
  flow: v.optional(NameSchema),
  node: v.optional(NameSchema),
  /** The outcome tag of that node (read from the function's log line). */
  tag: v.optional(OutcomeTagSchema),
  /** The line a call was routed by (the opening turn of an inbound call). */
  line: v.optional(NameSchema),
  /** What the caller's input matched, as the log says it: `key 1`, `intent agent`, `collected card4`. */
  matched: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** What the callback's lookups came to, as the log says it: `account ok`, `account failed status 503`. */
  lookup: v.optional(ExpectedLookupsSchema),
  /** What the callback's classification came to, as the log says it: `lostCard`, `none`, `failed timeout`, `not asked`. */
  classified: v.optional(ExpectedClassifiedSchema),
  /** Words of the log line's `outcomes` (shared/flow/outcome-words.ts), each of which must be there. */
  outcomes: v.optional(
    v.pipe(
      v.array(v.picklist(OUTCOME_NAMES, `an outcome is one of ${OUTCOME_NAMES.join(', ')}`)),
      v.minLength(1),
    ),
  ),
});
export type Expect = v.InferOutput<typeof ExpectSchema>;

/** What the caller does on a turn: exactly one of these. */
const CALLER_ACTIONS = [
  'say',
  'keys',
  'silence',
  'keyTimeout',
  'bargeIn',
  'transferResult',
  'hangup',
] as const;

const UNQUOTED_KEYS =
  'keys of more than one digit are quoted, like "0123": unquoted, YAML reads them as a number and drops leading 0s';

const TurnSchema = v.pipe(
  v.strictObject({
    /** Says these words (a `normal` event: what ASR recognised). */
    say: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(500))),
    /** Presses these keys (a `dtmf` event). */
    keys: v.optional(
      v.pipe(
        v.union(
          [
            v.string(),
            // YAML reads unquoted keys as a number (0123 as 123): only a single key is safe that way.
            v.pipe(
              v.number(),
              v.integer(UNQUOTED_KEYS),
              v.minValue(0, UNQUOTED_KEYS),
              v.maxValue(9, UNQUOTED_KEYS),
            ),
          ],
          'keys are text, like "1" or "6218#"',
        ),
        v.transform(String),
        v.regex(KEYS_PATTERN, KEYS_MESSAGE),
      ),
    ),
    /** Stays silent until the platform's mute time runs out (a `mute` event). */
    silence: v.optional(v.literal(true)),
    /** Presses nothing while keys are collected (a `dtmf` event with `noInputTimeout`). */
    keyTimeout: v.optional(v.literal(true)),
    /** Talks over the prompt long enough to stop it (a `timebreak` event). */
    bargeIn: v.optional(v.literal(true)),
    /** The platform reports a parallel transfer's result (a `parallel_transfer` event). */
    transferResult: v.optional(v.picklist(['success', 'fail'])),
    /** Hangs up: no callback is sent (the platform sends none); nothing may follow, and no `expect`. */
    hangup: v.optional(v.literal(true)),
    /** The time of this turn and the ones after it; the scenario's `at` by default. */
    at: v.optional(LocalTimeTextSchema),
    /** How lookups answer from this turn on, by name, over the scenario's `lookups`. */
    lookups: v.optional(LookupAnswersSchema),
    /** How the classifier answers from this turn on, over the scenario's `classify`. */
    classify: v.optional(ClassifyAnswerTextSchema),
    /** This event reaches another instance of the function: no attempt in flight there is joined. */
    newInstance: v.optional(v.literal(true)),
    expect: v.optional(ExpectSchema),
  }),
  v.check(
    (turn) => CALLER_ACTIONS.filter((key) => turn[key] !== undefined).length === 1,
    `a turn does exactly one of ${CALLER_ACTIONS.join(', ')}`,
  ),
  v.check(
    (turn) => turn.hangup === undefined || turn.expect === undefined,
    'a hangup sends no callback, so nothing can be expected of it: put expect on the turn before',
  ),
);
export type ScenarioTurn = v.InferOutput<typeof TurnSchema>;

/** A DynamicId the simulator seals as a sender would: a flow and the values it carries. */
export const SealedDynamicIdSchema = v.strictObject({
  flow: NameSchema,
  vars: v.optional(v.record(NameSchema, v.pipe(v.string(), v.maxLength(64))), {}),
});

export const ScenarioSchema = v.pipe(
  v.strictObject({
    name: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
    /** When the call happens, in the rules' time zone. */
    at: LocalTimeTextSchema,
    /**
     * An outbound (SmartCall) call to the `outbound` function, started with this flow name as its
     * `DynamicId`, `true` for none, or `{flow, vars}` for a DynamicId sealed as `outbound-id` seals one
     * (under the simulator's own key, valid for a day from `at`). Without it, an inbound call: a
     * `callin` to the `inbound` function.
     */
    outbound: v.optional(
      v.union(
        [NameSchema, v.literal(true), SealedDynamicIdSchema],
        'outbound is the name of a flow, true for no DynamicId, or {flow, vars} for a sealed one',
      ),
    ),
    /** The call's `call_id`, the same on each of its callbacks (a split node's choice reads it); a new one by default. */
    callId: v.optional(
      v.pipe(
        v.string('a call id is text, like "130301340124^117079730101"'),
        v.minLength(1),
        v.maxLength(MAX_CALL_ID_CHARS),
        v.regex(
          CALL_ID_PATTERN,
          'a call id is letters, digits and ^ . _ : -, like "130301340124^117079730101"',
        ),
      ),
    ),
    /** The caller's number (inbound) and the number dialled; defaults from the rules. */
    caller: v.optional(PhoneTextSchema),
    callee: v.optional(PhoneTextSchema),
    /** The number that forwarded the call (`orgcallee`), if any. */
    forwardedFrom: v.optional(PhoneTextSchema),
    /** What must happen on the `callin` (inbound calls only). */
    answer: v.optional(ExpectSchema),
    /** How the lookups of the rules answer in this call, by name (a turn may change one from then on). */
    lookups: v.optional(LookupAnswersSchema),
    /** How the classifier (the language model of the rules' `classifier`) answers in this call. */
    classify: v.optional(ClassifyAnswerTextSchema),
    turns: v.pipe(v.array(TurnSchema), v.maxLength(MAX_TURNS)),
  }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const where = findSlowWithoutAnswer(dataset.value);
    if (where !== undefined) addIssue({ message: `${where}: ${SLOW_NEEDS_AN_ANSWER}` });
  }),
  v.check(
    (scenario) => scenario.outbound === undefined || scenario.answer === undefined,
    'an outbound call has no callin to answer: put its expectations on the first turn',
  ),
  v.check(
    (scenario) =>
      scenario.turns.every((turn, i) => turn.hangup === undefined || i === scenario.turns.length - 1),
    'nothing may follow a hangup',
  ),
);
export type Scenario = v.InferOutput<typeof ScenarioSchema>;

/**
 * How each lookup answers on each turn of a scenario: the scenario's answers, then each turn's changes
 * from that turn on (index 0 is the callin, index i the turn i). Undefined for an answer `slow` cannot
 * delay (see {@link findSlowWithoutAnswer}, which the schema checks).
 */
export function scriptLookups(scenario: Pick<Scenario, 'lookups' | 'turns'>): {
  readonly start: ReadonlyMap<string, ScriptedAnswer>;
  readonly turns: readonly ReadonlyMap<string, ScriptedAnswer>[];
} {
  const answers = new Map<string, ScriptedAnswer>();
  const apply = (written: Scenario['lookups']): Map<string, ScriptedAnswer> => {
    const changed = new Map<string, ScriptedAnswer>();
    for (const [name, text] of Object.entries(written ?? {})) {
      const answer = toScriptedAnswer(text, answers.get(name));
      if (answer === undefined) continue;
      answers.set(name, answer);
      changed.set(name, answer);
    }
    return changed;
  };
  const start = apply(scenario.lookups);
  return { start, turns: scenario.turns.map((turn) => apply(turn.lookups)) };
}

/**
 * How the classifier answers on each turn of a scenario: the scenario's answer (index 0 is the callin),
 * then each turn's, from that turn on (undefined: the turn changes nothing).
 */
export function scriptClassifier(scenario: Pick<Scenario, 'classify' | 'turns'>): {
  readonly start: ScriptedClassification | undefined;
  readonly turns: readonly (ScriptedClassification | undefined)[];
} {
  const read = (text: Scenario['classify']) =>
    text === undefined ? undefined : toScriptedClassification(text);
  return { start: read(scenario.classify), turns: scenario.turns.map((turn) => read(turn.classify)) };
}

/** Where a `slow` has no answer to delay (`turns.1.lookups.account`), or undefined. */
export function findSlowWithoutAnswer(scenario: Pick<Scenario, 'lookups' | 'turns'>): string | undefined {
  const answers = new Map<string, ScriptedAnswer | undefined>();
  const check = (written: Scenario['lookups'], path: string): string | undefined => {
    for (const [name, text] of Object.entries(written ?? {})) {
      const answer = toScriptedAnswer(text, answers.get(name));
      if (answer === undefined) return `${path}.${name}`;
      answers.set(name, answer);
    }
    return undefined;
  };
  const atStart = check(scenario.lookups, 'lookups');
  if (atStart !== undefined) return atStart;
  for (const [index, turn] of scenario.turns.entries()) {
    const found = check(turn.lookups, `turns.${index}.lookups`);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A scenario file: a list of calls. */
export const ScenarioFileSchema = v.strictObject({
  /** Editors' JSON Schema reference; ignored. */
  $schema: v.optional(v.string()),
  scenarios: v.pipe(v.array(ScenarioSchema), v.minLength(1), v.maxLength(MAX_SCENARIOS)),
});
export type ScenarioFile = v.InferOutput<typeof ScenarioFileSchema>;

export type ScenarioFileResult =
  | { readonly ok: true; readonly file: ScenarioFile }
  | { readonly ok: false; readonly issues: readonly string[] };

/**
 * Checks a parsed scenario document; every problem is named by its path (`scenarios.0.turns.2.keys`), and
 * by its line when `locate` finds it (`line 12: scenarios.0.turns.2.keys: …`), in the order of the file.
 */
export function readScenarioFile(
  document: unknown,
  locate: (path: string) => number | undefined = () => undefined,
): ScenarioFileResult {
  const parsed = parseDocument(ScenarioFileSchema, document, SCENARIO_DESCRIPTIONS);
  if (parsed.ok) return { ok: true, file: parsed.output };
  return {
    ok: false,
    issues: parsed.issues
      .slice(0, 20)
      .map((issue) => ({ ...issue, line: locate(issue.path) }))
      .sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY))
      .map(({ path, message, line }) =>
        printable(`${line === undefined ? '' : `line ${line}: `}${path}: ${message}`),
      ),
  };
}

/**
 * A local time in a zone as an instant (epoch ms): the zone's offset is read at the instant guessed, then
 * again at the corrected one (right across a DST change but for the skipped or repeated hour itself).
 * `readWallClock` is the zone's wall clock (shared/calendar's `toLocalTime`). Throws a RangeError for a
 * text that is no time, or a date that does not exist (`2026-02-30`).
 */
export function localTimeToEpoch(text: string, readWallClock: (epochMs: number) => WallClock): number {
  const read = readWallTime(text);
  if (read === undefined) throw new RangeError(`no such time: ${text}`);
  let guess = read.wall;
  for (let i = 0; i < 2; i++) {
    const reading = readWallClock(guess);
    guess += read.wall - (Date.parse(`${reading.date}T00:00:00Z`) + reading.minutes * 60_000);
  }
  return guess + read.second * 1000;
}

/** What {@link localTimeToEpoch} reads of a zone's wall clock. */
export type WallClock = { readonly date: string; readonly minutes: number };

/**
 * Every field of a scenario file, for editors (`scenarios.schema.json`) and for messages about a missing
 * key. The first sentence of each says what the field is: it ends `X is required: …`.
 */
export const SCENARIO_DESCRIPTIONS = describeSchemas([
  describeObject(
    ScenarioFileSchema,
    'A scenario file: simulated calls, turn by turn, and what must happen, run by `simulate run FILE`.',
    {
      $schema:
        'The JSON Schema editors check this file against, such as `./scenarios.schema.json`; it is ignored when the file is run.',
      scenarios: `The calls to simulate, each from a fresh start, in order; 1 to ${MAX_SCENARIOS}.`,
    },
  ),
  describeObject(
    SealedDynamicIdSchema,
    "A DynamicId sealed as `npx vms-callflow outbound-id` seals one, under the simulator's own key, valid for a day from the call's `at`.",
    {
      flow: 'The flow the call starts in.',
      vars: 'The values the call starts with, by name (`time: 明天上午10点半`); the rules keep those they declare under `outbound.vars`.',
    },
  ),
  describeObject(ScenarioSchema, 'One simulated call: when it happens, who calls whom, and its turns.', {
    name: 'The name of the call, shown in the report; 1–200 characters, such as `VIP caller after hours`.',
    at: "When the call starts, as a local time in the rules' time zone: `YYYY-MM-DD HH:MM` (or `HH:MM:SS`), such as `2026-10-01 10:00`.",
    outbound:
      "Makes this an outbound (SmartCall) call to the `outbound` function: a flow name is sent as its `DynamicId`, `true` sends none (the rules' `outbound.defaultFlow` is used), and `{flow, vars}` sends a DynamicId sealed as `npx vms-callflow outbound-id` seals one (under the simulator's own key, valid for a day from `at`), so the flow starts with those values. Left out, the call is inbound: a `callin` to the `inbound` function.",
    callId:
      "The call's `call_id`, sent on each of its callbacks, such as `'130301340124^117079730101'`: a `split` node chooses its branch by it (and the node's position), so a scenario that gives one takes the same branch of each split on every run: pin the branch with `expect: {node: …}` on the turn that passes the split. By default each call of a run gets a new id, and so any branch.",
    caller:
      "The caller's number, quoted (`'13800138000'`): what lines (`callers`, `callerPrefixes`) and conditions (`callerIn`, `callerPrefix`) read. `'13800138000'` by default.",
    callee:
      "The number dialled, quoted (`'05923391657'`): it picks the line by its `numbers`. By default the first number of the first line that lists numbers, else `'05923391657'`.",
    forwardedFrom:
      "The number that forwarded the call to the service number (the platform's `orgcallee`), quoted; lines match it with `forwardedFrom`.",
    answer:
      'What must happen on the `callin`, the first callback of an inbound call (not for outbound calls, which have none: put it on the first turn).',
    lookups:
      "How the rules' lookups answer in this call, by their name under `lookups`: `{data: …}`, `{status: 503}`, `timeout`, `failed` or `{failed: not-json}` (`{…, slow: true}`: after the callback's wait). A lookup the flow makes that no answer is scripted for fails the scenario; nothing is sent to the network.",
    classify:
      "How the language model of the rules' `classifier` answers in this call, whatever the words: `{choice: lostCard, confidence: 0.92}` (a verdict; confidence 0.9 when left out), `none`, `timeout` (no answer within the wait) or `{failed: rate-limited}`. A classification a menu asks for that no answer is scripted for fails the scenario; nothing is sent to the network.",
    turns: `The caller's turns, in order: what the caller does and what must happen after each. \`[]\` checks only the answer; at most ${MAX_TURNS}.`,
  }),
  describeObject(
    TurnSchema,
    `One thing the caller does (exactly one of ${CALLER_ACTIONS.join(', ')}) and, optionally, what must happen then.`,
    {
      say: 'Says these words: a `normal` event carrying them as what ASR recognised; 1–500 characters, such as `转人工`.',
      keys: `Presses these keys: a \`dtmf\` event. Quoted text of 1 to ${MAX_KEY_ENTRY_CHARS} of 0-9, * and #, such as \`"6218#"\`; a single digit may be unquoted. The platform delivers keys only once a \`dtmf\` reply asks for them.`,
      silence: "Stays silent until the platform's mute time runs out: a `mute` event. Write `silence: true`.",
      keyTimeout:
        'Presses nothing while keys are being collected: a `dtmf` event with `noInputTimeout`. Write `keyTimeout: true`.',
      bargeIn:
        'Talks over the prompt long enough to stop it: a `timebreak` event (needs a prompt that may be interrupted: not `bargeIn: false`). Write `bargeIn: true`.',
      transferResult:
        "The platform reports a parallel transfer's result: `success` (an agent answered) or `fail`.",
      hangup:
        'Hangs up. The platform sends no callback for it, so the turn takes no `expect`, and it is the last turn. Write `hangup: true`.',
      at: "When this turn happens, and the turns after it unless they say: a local time (`YYYY-MM-DD HH:MM`) in the rules' time zone. The scenario's `at` by default.",
      lookups:
        "How lookups answer from this turn on, by name, over the scenario's `lookups`: the same forms, and `slow` for the answer scripted before, after the callback's wait (the caller hears the filler; the next event gets it).",
      classify:
        "How the classifier answers from this turn on, over the scenario's `classify`: the same forms (`{choice: lostCard}`, `none`, `timeout`, `{failed: off-list}`).",
      newInstance:
        'This event reaches another instance of the function, as FC may send it: an attempt still in flight on the last one is not joined but sent again (one more attempt), an answer that instance kept is not found, and its classifier guard is a fresh one. Write `newInstance: true`.',
      expect: 'What must happen on this turn; every field given is checked, the others are not.',
    },
  ),
  describeObject(
    ExpectSchema,
    "What must happen on a turn: every field given is checked against the function's reply and log line.",
    {
      action: `The reply's action: one of ${REPLY_ACTIONS.join(', ')}.`,
      hears:
        'Words the caller must hear: a text, or a list of texts, each of which must appear in the TTS text the reply plays (in any order).',
      notHears:
        'Words the caller must not hear on this turn: a text, or a list of texts, none of which may appear in the TTS text the reply plays (a menu held for the next reply, a prompt that must not repeat).',
      audio: 'The audio file codes the reply plays, in order, exactly.',
      transferTo:
        'The number a `transfer` dials, or the call-centre name (`ccName`) of a `parallel_transfer`. Quote numbers.',
      hangsUp: 'Whether the reply ends the call (action `hangup`): `true` or `false`.',
      flow: "The flow the call is in after the turn, from the function's log line.",
      node: "The node the call is at after the turn, from the function's log line.",
      tag: "The outcome tag (`tag`) of the node the call is at after the turn, from the function's log line: a node without one fails the check.",
      line: 'The line the call was routed by (the answer of an inbound call), from its `name` in the rules.',
      matched:
        "What the caller's input matched, as the log says it: `key 1`, `intent agent` or `collected card4`.",
      lookup:
        'What the lookups of the callback came to, from the log line: `account ok`, `account waiting`, `account failed status 503`, `account failed timeout (3 attempts)`; each text names a lookup by its first words. A list checks several.',
      classified: `What the callback's classification came to, from the log line's \`classified\`: an intent's or handler's name (\`lostCard\`: the model chose it and the call went there), \`none\` (it chose nothing), \`not taken\` or \`not taken: below-threshold\` (a verdict the call did not take), \`failed\` or \`failed timeout\` (no verdict: ${CLASSIFY_FAILURES.join(', ')}), or \`not asked\`.`,
      outcomes: `Words the log line's \`outcomes\` must hold, in any order: ${OUTCOME_NAMES.join(', ')}.`,
    },
  ),
  describeObject(
    ClassifyVerdictSchema,
    'What the model chose: an intent or handler the menu offers (another is refused as `off-list`, as the classifier client refuses it), or `none`.',
    {
      choice:
        "The name of an intent, or of a handler, as the rules give it (the menu's `intents[].name`, a handler's `name`), or `none`: a name the rules do not have is refused before the call.",
      confidence: `How sure the model says it is, 0 to 1; ${SCRIPTED_CONFIDENCE} when left out. Under the rules' \`classifier.threshold\` the verdict is not taken (a no-match).`,
    },
  ),
  describeObject(ClassifyFailedSchema, 'Why the model gave no verdict.', {
    failed: `One of ${CLASSIFY_FAILURES.join(', ')}, as the classifier client says it: \`timeout\` after the whole wait, the others at once. The menu goes on as without a classifier (the no-match retry, or a doubtful keyword match).`,
  }),
  describeSchema(
    ClassifyAnswerTextSchema,
    "How the classifier answers: `none` (the model chose nothing: a no-match), `timeout` (no answer within the rules' `classifier.waitMs`: the caller hears the no-match retry in the same callback), `{choice: NAME, confidence: 0.92}` or `{failed: WHY}`.",
  ),
  describeSchema(
    ExpectedClassifiedSchema,
    'What the classification came to: `lostCard` (taken), `none`, `not taken: below-threshold`, `failed timeout` or `not asked`.',
  ),
  describeObject(
    LookupAnswerObjectSchema,
    "A lookup's answer: exactly one of `data`, `status` and `failed`, and `slow` with data or status.",
    {
      data: 'The JSON the endpoint answers with a 2xx status, such as `{data: {balance: 1234.5}}`: the node saves its values from it (a value missing from it, or of another kind, sends the node to `onError`).',
      status:
        'A status other than 2xx, 300–599: a 3xx is a redirect (never followed), any other an error status; the node goes to `onError`.',
      failed: `Why no usable answer came: ${SCRIPTED_FAILURES.join(', ')}. \`connection\` and \`timeout\` are sent again while attempts remain; the others are not.`,
      slow: "`true`: the answer comes after the wait of the callback that sent it (the caller hears the filler, then the call's next event on the same instance gets it).",
    },
  ),
  describeSchema(
    LookupAnswerSchema,
    "A lookup's answer: `timeout` (every attempt runs out of time: the filler, short silences, then `onError`), `failed` (the connection fails on every attempt), `slow` (a turn's: the answer scripted before, after the wait), or an object with `data`, `status` or `failed`.",
  ),
  describeSchema(
    ExpectedLookupsSchema,
    'Lookups the callback made, each named by the first words of how the log says it: `account ok`, `account failed status 503`.',
  ),
  describeSchema(
    LocalTimeTextSchema,
    "A local time in the rules' time zone: `YYYY-MM-DD HH:MM` (or `HH:MM:SS`; `T` may replace the space), such as `2026-10-01 10:00`.",
  ),
  describeSchema(
    NameSchema,
    'A flow, node or line name: a letter, then up to 31 letters, digits, `_` or `-`.',
  ),
  describeSchema(HeardSchema, 'Words the caller must hear: a text, or a list of texts.'),
]);
