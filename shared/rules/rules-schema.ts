import * as v from 'valibot';
import {
  CalendarSchema,
  NoHolidayDataSchema,
  TimeRangeSchema,
  TimeZoneSchema,
} from '../calendar/calendar-schema';
import { HolidayScheduleSchema } from '../calendar/holiday-schedule';
import { WEEKDAYS } from '../calendar/local-time';
import { AudioCodeSchema, CallSettingsSchema, PhoneNumberSchema } from '../protocol/call-settings';
import { CLIENT_SET_HEADERS } from '../protocol/client-headers';
import { integerIn } from '../protocol/coerce';
import { NameSchema } from '../text/name';
import { CLASSIFIER_LIMITS } from './classifier-limits';

/**
 * The rules document: which flow each call gets and what each flow does. It is the product's interface
 * for users, so every part is strict (an unknown key is an error) and every message says what to write
 * instead. Cross-references (flow, node, calendar and variable names) are checked in `compileRules`;
 * the graph (reachability, loops, dead ends) in `lintRules`. What each field means, for editors and for
 * messages, is in `RULES_DESCRIPTIONS` (shared/rules-tooling/rules-descriptions.ts), which the function
 * bundles leave out; `tsc` fails there when a field of an object schema has no description.
 */

/**
 * TTS text. `{{caller.last4}}`, `{{vars.NAME}}`, `{{vars.NAME|digits}}` (read digit by digit) and
 * `{{timeOfDay}}` (早上, 上午, 中午, 下午 or 晚上) are replaced when the prompt is spoken.
 */
export const TtsTextSchema = v.pipe(
  v.string('a prompt text is text'),
  v.minLength(1, 'a prompt text is empty'),
);

export const TtsItemSchema = v.strictObject({ tts: TtsTextSchema });
export const AudioItemSchema = v.strictObject({ audio: AudioCodeSchema });

/** One spoken item: plain TTS text, `{tts}` or `{audio}` (an audio file code uploaded in the console). */
const PromptItemSchema = v.union(
  [TtsTextSchema, TtsItemSchema, AudioItemSchema],
  'a prompt is a text, {tts: text} or {audio: code}',
);

/** What a node says: one item or several played in sequence. */
export const PromptSchema = v.union(
  [PromptItemSchema, v.pipe(v.array(PromptItemSchema), v.minLength(1))],
  'a prompt is a text, {tts: text} or {audio: code}, or a list of them',
);
export type Prompt = v.InferOutput<typeof PromptSchema>;

/** What to do when the caller says nothing (silence, no key in time), or nothing the node understands. */
export const RetryPolicySchema = v.strictObject({
  /** How many times the node is asked again before escalating. */
  retries: integerIn(0, 9),
  /** Said before the node's own prompt on each retry, in turn (the last one repeats). */
  say: v.optional(v.pipe(v.array(PromptSchema), v.minLength(1))),
  /** Where to go when the retries are used up; without it, the call ends with the flow's goodbye. */
  escalateTo: v.optional(NameSchema),
});
export type RetryPolicy = v.InferOutput<typeof RetryPolicySchema>;

/** A regular expression, checked to compile. */
export const PatternSchema = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(200),
  v.check((source) => {
    try {
      new RegExp(source, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'this regular expression does not compile'),
);

export const PhonePrefixSchema = v.pipe(v.string(), v.regex(/^\+?[0-9]{1,15}$/, 'a number prefix is digits'));

/**
 * A condition: every field given must hold (AND); list several branches for OR. Conditions read the
 * clock in the rules' time zone, the caller's number (inbound calls) and values collected in the call.
 */
export const ConditionSchema = v.pipe(
  v.strictObject({
    /** The calendar is open now. */
    open: v.optional(NameSchema),
    /** The calendar is closed now. */
    closed: v.optional(NameSchema),
    /** Local time of day within `HH:MM-HH:MM`. */
    time: v.optional(TimeRangeSchema),
    weekdays: v.optional(v.pipe(v.array(v.picklist(WEEKDAYS)), v.minLength(1))),
    callerIn: v.optional(v.pipe(v.array(PhoneNumberSchema), v.minLength(1))),
    callerPrefix: v.optional(v.pipe(v.array(PhonePrefixSchema), v.minLength(1))),
    /** A collected value: tested with `equals`, `in` or `matches`, or for being set at all. */
    var: v.optional(NameSchema),
    equals: v.optional(v.string()),
    in: v.optional(v.pipe(v.array(v.string()), v.minLength(1))),
    matches: v.optional(PatternSchema),
  }),
  // Without var they would test nothing, and the condition would always hold: a mistake, not a choice.
  v.check(
    (when) =>
      when.var !== undefined ||
      (when.equals === undefined && when.in === undefined && when.matches === undefined),
    'equals, in and matches test a collected value: give var (the variable they test) beside them',
  ),
);
export type Condition = v.InferOutput<typeof ConditionSchema>;

/**
 * How long a saved value is kept: `flow` while the call is in the flow that saved it (a subflow's values
 * are dropped when it returns), `once` until a node has read it, `call` for the rest of the call (a
 * subflow's way of handing a value back).
 */
export const VALUE_SCOPES = ['flow', 'once', 'call'] as const;
export type ValueScope = (typeof VALUE_SCOPES)[number];
const ScopeSchema = v.optional(v.picklist(VALUE_SCOPES), 'flow');

export const KeySchema = v.pipe(v.string(), v.regex(/^[0-9*#]$/, 'a menu key is one of 0–9, * or #'));

const PhraseListSchema = v.optional(
  v.pipe(v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))), v.minLength(1)),
);

/**
 * What a language model reads of an intent or a handler (the `classifier`), besides its name and keywords:
 * what it is for, and things callers say for it.
 */
const ClassifierHints = {
  description: v.optional(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(200))),
  examples: v.optional(
    v.pipe(
      v.array(v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100))),
      v.minLength(1),
      v.maxLength(20),
    ),
  ),
};

/** What intents and handlers match on. */
const IntentFields = {
  /** Matched when the normalised words contain any of these (synonyms of one intent). */
  keywords: PhraseListSchema,
  /** Regular expressions tried on the normalised words (lower case, half width, no punctuation, 一→1). */
  patterns: v.optional(v.pipe(v.array(PatternSchema), v.minLength(1))),
  /**
   * Phrases that void a match: when the normalised words contain any of them, this intent is not
   * matched (`不要人工` beside `人工`), and the next intents are tried.
   */
  excludes: PhraseListSchema,
};

export const IntentSchema = v.pipe(
  v.strictObject({
    /** A name for logs, traces and the graph. */
    name: v.optional(NameSchema),
    ...IntentFields,
    ...ClassifierHints,
    goto: NameSchema,
  }),
  v.check(
    (intent) => intent.keywords !== undefined || intent.patterns !== undefined,
    'an intent needs keywords or patterns',
  ),
);

export type Intent = v.InferOutput<typeof IntentSchema>;

/** What a handler does besides going to a node: play the node's prompt again, or go back to the top flow's start. */
export const HANDLER_ACTIONS = ['repeat', 'restart'] as const;
export type HandlerAction = (typeof HANDLER_ACTIONS)[number];

/**
 * Something a caller may say (or press) at any listening node: heard after the node's own keys and
 * intents, in the flow's handlers and then the document's (a flow's handler replaces the document's of
 * the same name).
 */
export const HandlerSchema = v.pipe(
  v.strictObject({
    /** Names the handler in traces, in a node's `handlers` list, and for a flow's handler to replace. */
    name: NameSchema,
    keywords: IntentFields.keywords,
    patterns: IntentFields.patterns,
    excludes: IntentFields.excludes,
    ...ClassifierHints,
    /** Keys that select it at menus that take keys, when the menu has no key of its own for them. */
    keys: v.optional(v.pipe(v.array(KeySchema), v.minLength(1))),
    /** A node to go to: of `flow` when given, else of the flow the call is in. */
    goto: v.optional(NameSchema),
    /** A flow to go to (its start, or its node `goto`), leaving any subflows the call is in. */
    flow: v.optional(NameSchema),
    /** `repeat`: the node's prompt again; `restart`: the start of the top flow, leaving any subflows. */
    do: v.optional(v.picklist(HANDLER_ACTIONS)),
  }),
  v.check(
    (handler) =>
      handler.keywords !== undefined || handler.patterns !== undefined || handler.keys !== undefined,
    'a handler needs keywords, patterns or keys',
  ),
  v.check(
    (handler) => (handler.do === undefined) !== (handler.goto === undefined && handler.flow === undefined),
    'a handler does one thing: goto (with or without flow), flow, or do',
  ),
);
export type Handler = v.InferOutput<typeof HandlerSchema>;

const HandlerListSchema = v.pipe(v.array(HandlerSchema), v.maxLength(20));

/** Which handlers a listening node hears: all (`true`, the default), none (`false`), or those named. */
const NodeHandlersSchema = v.optional(
  v.union(
    [v.boolean(), v.pipe(v.array(NameSchema), v.minLength(1))],
    'handlers is true, false or a list of handler names',
  ),
);

const Listening = {
  noInput: v.optional(RetryPolicySchema),
  noMatch: v.optional(RetryPolicySchema),
  /** Overrides the call's barge-in setting for this prompt. */
  bargeIn: v.optional(v.boolean()),
  /** The handlers heard here: all (the default), none (`false`: a PIN entry), or those named. */
  handlers: NodeHandlersSchema,
};

/**
 * A word of the document's own for how a call that ends at a node (or waits there) went: `confirmed`,
 * `cancelled`, `call-back`. The callback's log line carries the tag of the node the call is at, so that
 * `npm run outcomes` can say how each call of a campaign ended.
 */
export const OutcomeTagSchema = v.pipe(
  v.string('a tag is text'),
  v.regex(
    /^[a-z][a-z0-9-]{0,31}$/,
    'a tag is a lower-case letter, then up to 31 lower-case letters, digits or "-" (confirmed, call-back)',
  ),
);

/** The field every node has: its outcome tag. */
const Tagged = { tag: v.optional(OutcomeTagSchema) };

export const SayNodeSchema = v.strictObject({
  type: v.literal('say'),
  say: PromptSchema,
  /** The next node; its prompt is played right after this one, in the same reply. */
  next: NameSchema,
  ...Tagged,
});

export const MenuNodeSchema = v.strictObject({
  type: v.literal('menu'),
  say: PromptSchema,
  /** Single keys and where they lead. A spoken digit ("一", "按2") also selects a key. */
  keys: v.optional(v.record(KeySchema, NameSchema)),
  /** Spoken choices, tried in order after the keys. */
  intents: v.optional(v.array(IntentSchema)),
  /** Seconds to wait for a key (3–60). */
  keyTimeoutS: v.optional(integerIn(3, 60)),
  /** Whether an utterance nothing matched here is classified by the language model (over the flow's). */
  classifier: v.optional(v.boolean()),
  ...Listening,
  ...Tagged,
});

export const CollectNodeSchema = v.pipe(
  v.strictObject({
    type: v.literal('collect'),
    say: PromptSchema,
    /** The variable the digits are kept in, for prompts (`{{vars.card}}`) and conditions. */
    saveAs: NameSchema,
    minDigits: v.optional(integerIn(1, 32), 1),
    maxDigits: integerIn(1, 32),
    /** The key that ends entry early (`#` or `*`). */
    endKey: v.optional(v.picklist(['#', '*'])),
    /** Seconds the platform waits for keys (3–60), as on a menu. */
    keyTimeoutS: v.optional(integerIn(3, 60)),
    /** The former name of `keyTimeoutS`, still read (the linter warns). */
    timeoutS: v.optional(integerIn(3, 60)),
    /** The digits must match this (else it counts as no match). */
    pattern: v.optional(PatternSchema),
    /** Kept out of logs and traces (the value still travels, encrypted, in the call's state). */
    sensitive: v.optional(v.boolean()),
    /** How long the value is kept: `flow` (while the call is in this flow), `once` (until a node has read it) or `call`. */
    scope: ScopeSchema,
    next: NameSchema,
    ...Listening,
    ...Tagged,
  }),
  v.check((node) => node.minDigits <= node.maxDigits, 'minDigits is more than maxDigits'),
  v.check(
    (node) => node.keyTimeoutS === undefined || node.timeoutS === undefined,
    'keyTimeoutS and timeoutS are one setting (timeoutS is its former name): keep keyTimeoutS alone',
  ),
);

export const BranchSchema = v.strictObject({ when: ConditionSchema, goto: NameSchema });

export const BranchNodeSchema = v.strictObject({
  type: v.literal('branch'),
  /** Tried in order; the first whose condition holds wins. */
  branches: v.pipe(v.array(BranchSchema), v.minLength(1)),
  else: NameSchema,
  ...Tagged,
});

/** One way on of a split node: a share of calls, by weight, and where they go. */
export const SplitBranchSchema = v.strictObject({
  /** A name for logs, traces, coverage and the graph; by default the branch's index. */
  name: v.optional(NameSchema),
  /** This branch's share of calls: its weight over the sum of the node's weights (1–1000). */
  weight: integerIn(1, 1000),
  goto: NameSchema,
});

/** Most ways a split node may have. */
export const MAX_SPLIT_BRANCHES = 10;

export const SplitNodeSchema = v.strictObject({
  type: v.literal('split'),
  /**
   * The ways on, each taking its weight's share of calls: a call always takes the same one (chosen by a
   * hash of its call id and the node), saying nothing.
   */
  branches: v.pipe(
    v.array(SplitBranchSchema),
    v.minLength(2, 'a split needs at least 2 branches'),
    v.maxLength(MAX_SPLIT_BRANCHES, `a split has at most ${MAX_SPLIT_BRANCHES} branches`),
  ),
  ...Tagged,
});
export type SplitNode = v.InferOutput<typeof SplitNodeSchema>;

export const TransferTargetSchema = v.strictObject({
  when: v.optional(ConditionSchema),
  to: PhoneNumberSchema,
});

export const TransferNodeSchema = v.pipe(
  v.strictObject({
    type: v.literal('transfer'),
    /** Played while the transfer starts ("please hold"). */
    say: v.optional(PromptSchema),
    /** Targets tried in order; the first whose condition holds (or that has none) is dialled. */
    targets: v.optional(v.pipe(v.array(TransferTargetSchema), v.minLength(1))),
    /** The number dialled when no target applies. */
    to: v.optional(PhoneNumberSchema),
    ...Tagged,
  }),
  v.check((node) => node.to !== undefined || node.targets !== undefined, 'a transfer needs to or targets'),
);

export const ParallelTransferNodeSchema = v.strictObject({
  type: v.literal('parallelTransfer'),
  /** The call-centre name configured in the console. */
  ccName: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /** Keep the robot listening on the call once an agent answers. */
  monitor: v.optional(v.boolean(), false),
  /** Audio file played to the caller while the agent is rung. */
  playfile: v.optional(AudioCodeSchema),
  /** Where the call goes when the platform reports the transfer failed. */
  onFail: NameSchema,
  ...Tagged,
});

export const HangupNodeSchema = v.strictObject({
  type: v.literal('hangup'),
  /** The goodbye; the call ends on the next event so that it is heard in full. */
  say: v.optional(PromptSchema),
  ...Tagged,
});

/** A path into a lookup's JSON answer: `data.balance`, `items.0.name` (at most 8 steps). */
export const AnswerPathSchema = v.pipe(
  v.string('a field path is text'),
  v.regex(
    /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,7}$/,
    'a field path is names or list positions joined by dots, at most 8 (data.balance, items.0.name)',
  ),
);

/** The kinds of value a lookup may save, each checked before it is kept. */
export const SAVED_VALUE_TYPES = ['text', 'number', 'digits', 'boolean'] as const;
export type SavedValueType = (typeof SAVED_VALUE_TYPES)[number];

/** One value a lookup keeps from its answer, typed and bounded (it travels in the call's sealed state). */
export const SavedFieldSchema = v.strictObject({
  /** Where in the answer the value is. */
  from: AnswerPathSchema,
  /** The value's kind; a value of another kind is a failure of the lookup. */
  type: v.optional(v.picklist(SAVED_VALUE_TYPES), 'text'),
  /** The most bytes (UTF-8, JSON-escaped, as the sealed state counts them) the value may take: 1–64. */
  maxBytes: integerIn(1, 64),
  /** Kept out of logs and traces. */
  sensitive: v.optional(v.boolean()),
  /** How long the value is kept: `flow`, `once` (until a node has read it) or `call`. */
  scope: ScopeSchema,
});
export type SavedField = v.InferOutput<typeof SavedFieldSchema>;

export const LookupNodeSchema = v.strictObject({
  type: v.literal('lookup'),
  /** The lookup (a name under `lookups`) to call. */
  use: NameSchema,
  /** Values kept from the answer, by variable name. */
  save: v.optional(v.record(NameSchema, SavedFieldSchema)),
  /** Said once when the lookup takes longer than its wait ("please hold while I check"). */
  filler: v.optional(PromptSchema),
  /** Where the call goes once the answer is in and its values are saved. */
  next: NameSchema,
  /** Where the call goes when the lookup fails, times out or answers something unusable. */
  onError: NameSchema,
  ...Tagged,
});
export type LookupNode = v.InferOutput<typeof LookupNodeSchema>;

/** Runs another flow; when it returns, the call goes on here at `next` (or at the exit it names). */
export const SubflowNodeSchema = v.strictObject({
  type: v.literal('subflow'),
  /** The flow to run: its nodes, prompts, retry policies and handlers are in force until it returns. */
  flow: NameSchema,
  /** Where the call goes on when the flow returns with a plain `return`. */
  next: NameSchema,
  /** Where the call goes on when the flow returns with `exit: NAME`, by name. */
  exits: v.optional(v.record(NameSchema, NameSchema)),
  ...Tagged,
});
export type SubflowNode = v.InferOutput<typeof SubflowNodeSchema>;

/** Ends a subflow: the call goes back to the node that called it, at its `next` or the exit named. */
export const ReturnNodeSchema = v.strictObject({
  type: v.literal('return'),
  /** Said before the call goes on in the calling flow, in the same reply. */
  say: v.optional(PromptSchema),
  /** The exit of the calling subflow node to go on at; without it, its `next`. */
  exit: v.optional(NameSchema),
  ...Tagged,
});
export type ReturnNode = v.InferOutput<typeof ReturnNodeSchema>;

export const NodeSchema = v.variant('type', [
  SayNodeSchema,
  MenuNodeSchema,
  CollectNodeSchema,
  BranchNodeSchema,
  SplitNodeSchema,
  TransferNodeSchema,
  ParallelTransferNodeSchema,
  HangupNodeSchema,
  LookupNodeSchema,
  SubflowNodeSchema,
  ReturnNodeSchema,
]);
export type FlowNode = v.InferOutput<typeof NodeSchema>;
export type MenuNode = v.InferOutput<typeof MenuNodeSchema>;
export type CollectNode = v.InferOutput<typeof CollectNodeSchema>;
export type TransferNode = v.InferOutput<typeof TransferNodeSchema>;
/** Nodes that play a prompt and wait for the caller. */
export type ListeningNode = MenuNode | CollectNode;

/**
 * How a node that takes keys (a menu with keys, a collect node) is first heard when a call opens on it:
 * `repeat` plays it with `answer` (speech works at once, keys from the first silence, which plays it
 * again); `once` plays only what comes before it with `answer` and its prompt with the first `dtmf` reply.
 */
export const FIRST_MENU_MODES = ['repeat', 'once'] as const;
export type FirstMenuMode = (typeof FIRST_MENU_MODES)[number];

export const FlowSchema = v.strictObject({
  start: NameSchema,
  /** How a node that takes keys is first heard when a call opens on it (over the document's). */
  firstMenu: v.optional(v.picklist(FIRST_MENU_MODES)),
  /** Heard at every listening node of the flow, before the document's. */
  handlers: v.optional(HandlerListSchema),
  /** Whether the flow's menus ask the language model (over the document's `classifier.on`). */
  classifier: v.optional(v.boolean()),
  /** Settings for calls in this flow, over the document's. */
  settings: v.optional(CallSettingsSchema),
  /** Defaults for nodes that set no policy of their own. */
  noInput: v.optional(RetryPolicySchema),
  noMatch: v.optional(RetryPolicySchema),
  /** Said when the flow ends a call itself (retries used up, a guard reached). */
  goodbye: v.optional(PromptSchema),
  /** A call that has had this many caller turns is ended politely. */
  maxTurns: v.optional(integerIn(1, 500)),
  /** A call this old (s) is ended politely at its next event; keep it under `sessionTimeoutS`. */
  maxCallS: v.optional(integerIn(10, 3600)),
  nodes: v.record(NameSchema, NodeSchema),
});
export type Flow = v.InferOutput<typeof FlowSchema>;

export const ServiceNumberSchema = v.pipe(
  v.string(),
  v.regex(/^\+?[0-9][0-9 ()-]{2,30}$/, 'a number is digits, optionally with +, spaces, dashes or brackets'),
);
const NumberListSchema = v.pipe(v.array(ServiceNumberSchema), v.minLength(1));

/** Where a line sends calls, and when its calendar is closed. */
const LineTarget = {
  flow: NameSchema,
  /** `false`: no utterance of this line's calls is ever sent to the language model. */
  classifier: v.optional(v.boolean()),
  settings: v.optional(CallSettingsSchema),
  /** When this calendar is closed the call goes to `afterHoursFlow`. */
  calendar: v.optional(NameSchema),
  afterHoursFlow: v.optional(NameSchema),
};

/**
 * A line: the calls it takes and the flow they get. A call is matched, in this order, by its caller's
 * number (`callers`, then the longest `callerPrefixes`), by the number that forwarded it (`forwardedFrom`,
 * `orgcallee`), by the number dialled (`numbers`, `callee`); otherwise it takes the default line.
 */
export const LineSchema = v.pipe(
  v.strictObject({
    name: NameSchema,
    /** Service numbers dialled (`callee`): `05923391657`, `+86 592 3391657`, `400-800-1234`. */
    numbers: v.optional(NumberListSchema),
    /** Numbers that forward to the service number (`orgcallee`). */
    forwardedFrom: v.optional(NumberListSchema),
    /** Callers' numbers (VIP lists, blocklists). */
    callers: v.optional(NumberListSchema),
    /** Callers' number prefixes, such as an area code `0592` or a mobile range `1380013`. */
    callerPrefixes: v.optional(v.pipe(v.array(PhonePrefixSchema), v.minLength(1))),
    ...LineTarget,
  }),
  v.check(
    (line) =>
      [line.numbers, line.forwardedFrom, line.callers, line.callerPrefixes].some(
        (list) => list !== undefined,
      ),
    'a line needs numbers, forwardedFrom, callers or callerPrefixes',
  ),
);
export type Line = v.InferOutput<typeof LineSchema>;
export type DefaultLine = Omit<Line, 'name' | 'numbers' | 'forwardedFrom' | 'callers' | 'callerPrefixes'>;

export const DefaultLineSchema = v.strictObject(LineTarget);

/** A variable a sealed DynamicId may carry. */
export const OutboundVariableSchema = v.strictObject({
  /** The most bytes (UTF-8, JSON-escaped) its value may take, 1–64; a longer value is dropped. */
  maxBytes: integerIn(1, 64),
  /** Kept out of logs and traces. */
  sensitive: v.optional(v.boolean()),
});

/** Outbound (SmartCall) calls. */
export const OutboundSchema = v.strictObject({
  /** Where a call starts when its DynamicId names no flow. */
  defaultFlow: v.optional(NameSchema),
  /** The flows a DynamicId may name. When given, a DynamicId naming another flow is not obeyed. */
  flows: v.optional(v.pipe(v.array(NameSchema), v.minLength(1))),
  /**
   * The variables a sealed DynamicId may carry into a call, each bounded in bytes: others are dropped,
   * so the state-size lint knows every value a call can start with.
   */
  vars: v.optional(v.record(NameSchema, OutboundVariableSchema)),
  /** The calendar campaigns call in (`npm run call`): no call is placed outside its open hours. */
  calendar: v.optional(NameSchema),
  /** The number campaigns show to the callee (SmartCall's `CalledShowNumber`): one the account owns. */
  showNumber: v.optional(
    v.pipe(v.string(), v.regex(/^[0-9]{5,20}$/, 'a number of the account: 5–20 digits')),
  ),
  /** What SmartCall plays first (`VoiceCode`): an audio file, a voice id or a TTS template code, comma-separated. */
  voiceCode: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(512),
      v.regex(/^[A-Za-z0-9_.$-]+(?:,[A-Za-z0-9_.$-]+)*$/, 'one or more voice codes, comma-separated'),
    ),
  ),
});

/**
 * A text a lookup sends: plain, or with `{{caller}}`, `{{vars.NAME}}` and (headers only) `{{env.LOOKUP_NAME}}`
 * filled in. Values are encoded where they go; they never change the lookup's origin.
 */
export const LookupTemplateSchema = v.pipe(v.string('a lookup value is text'), v.maxLength(512));

/** An HTTP header name a lookup may set (not Host, Content-Length and the like, which the client sets). */
export const HeaderNameSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name is letters, digits and "-"'),
  v.check(
    (name) => !CLIENT_SET_HEADERS.includes(name.toLowerCase()),
    `this header is set by the client itself (${CLIENT_SET_HEADERS.join(', ')})`,
  ),
);

/** The defaults and bounds of a lookup's timing and size. */
export const LOOKUP_LIMITS = {
  timeoutMs: { default: 1500, min: 100, max: 10_000 },
  waitMs: { default: 800, min: 0, max: 2000 },
  attempts: { default: 3, min: 1, max: 3 },
  maxBytes: { default: 16_384, min: 64, max: 65_536 },
} as const;

/** A whole number within one of {@link LOOKUP_LIMITS}, its default when left out. */
function boundedByLimit(name: keyof typeof LOOKUP_LIMITS) {
  const limit = LOOKUP_LIMITS[name];
  return v.optional(integerIn(limit.min, limit.max), limit.default);
}

/**
 * A named HTTP endpoint a `lookup` node calls during a call. It must be an idempotent read: a slow answer
 * may be asked for again on another instance.
 */
export const LookupSchema = v.pipe(
  v.strictObject({
    /** `https://host/path`: the origin is fixed; `{{…}}` may appear in the path only. */
    url: v.pipe(v.string('a lookup url is text'), v.minLength(8), v.maxLength(512)),
    method: v.optional(v.picklist(['GET', 'POST']), 'GET'),
    /** Query parameters, each a text with optional `{{…}}`. */
    query: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/)), LookupTemplateSchema)),
    /** A POST's JSON body: a flat object of texts with optional `{{…}}`. */
    body: v.optional(v.record(NameSchema, LookupTemplateSchema)),
    /** Request headers; secrets come from `{{env.LOOKUP_…}}` variables and are never logged. */
    headers: v.optional(v.record(HeaderNameSchema, LookupTemplateSchema)),
    /** How long one attempt may take, ms of awake time. */
    timeoutMs: boundedByLimit('timeoutMs'),
    /** How long a callback waits for the answer before the caller hears the filler, ms (0–2000). */
    waitMs: boundedByLimit('waitMs'),
    /** Attempts before the node gives up (1–3). */
    attempts: boundedByLimit('attempts'),
    /** The largest answer read, bytes. */
    maxBytes: boundedByLimit('maxBytes'),
  }),
  v.check((lookup) => lookup.method === 'POST' || lookup.body === undefined, 'a body is sent with POST only'),
);
export type Lookup = v.InferOutput<typeof LookupSchema>;

/** A whole number within one of {@link CLASSIFIER_LIMITS}, its default when left out. */
function classifierLimit(name: keyof typeof CLASSIFIER_LIMITS) {
  const limit = CLASSIFIER_LIMITS[name];
  return v.optional(integerIn(limit.min, limit.max), limit.default);
}

/** A number from `min` to `max` (fractions allowed), `fallback` when left out. */
function fractionIn(min: number, max: number, fallback: number) {
  return v.optional(v.pipe(v.number(), v.finite(), v.minValue(min), v.maxValue(max)), fallback);
}

/** The environment variable that holds a classifier's API key: `LLM_` and capitals. */
export const CLASSIFIER_KEY_PATTERN = /^LLM_[A-Z0-9_]{1,60}$/;

/** What 1,000 tokens of the model cost, in and out, in any currency. */
export const ClassifierPricesSchema = v.strictObject({
  inputPer1k: fractionIn(0, 1, 0),
  outputPer1k: fractionIn(0, 1, 0),
});

/** When one function instance turns the classifier off for a cooldown. */
export const ClassifierGuardSchema = v.strictObject({
  latencyP95Ms: classifierLimit('latencyP95Ms'),
  maxFailureRate: fractionIn(0, 1, 0.5),
  window: classifierLimit('window'),
  minSamples: classifierLimit('minSamples'),
  /** Spend in the last hour that turns it off, in the prices' currency; 0: no limit. */
  maxSpendPerHour: fractionIn(0, 1_000_000, 0),
  cooldownS: classifierLimit('cooldownS'),
});

/**
 * The language model an utterance that nothing matched is sent to (an OpenAI-compatible chat endpoint),
 * and the per-instance guard that turns it off when it is slow, failing or costly.
 */
export const ClassifierSchema = v.strictObject({
  /** Off for every flow unless a flow or a menu says `classifier: true`. */
  on: v.optional(v.boolean(), true),
  /** The base URL, `https://…/v1`: requests go to `<endpoint>/chat/completions`. */
  endpoint: v.pipe(v.string('an endpoint is text'), v.minLength(8), v.maxLength(300)),
  model: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9._:/-]{1,100}$/, 'a model name is letters, digits and ._:/-'),
  ),
  apiKeyEnv: v.pipe(
    v.string(),
    v.regex(
      CLASSIFIER_KEY_PATTERN,
      'apiKeyEnv names an environment variable that starts with LLM_, such as LLM_API_KEY',
    ),
  ),
  /** How long a callback waits for the verdict, ms; the callback's budget grows by it. */
  waitMs: classifierLimit('waitMs'),
  /** The least confidence taken; below it the utterance is a no-match. */
  threshold: fractionIn(0, 1, 0.7),
  /** Whether a keyword match that a negation or another intent's keyword makes doubtful is asked about too. */
  doubtful: v.optional(v.boolean(), false),
  maxTokens: classifierLimit('maxTokens'),
  maxBytes: classifierLimit('maxBytes'),
  /** Prices per 1,000 tokens, for the spend guard and the evaluation. */
  prices: v.optional(ClassifierPricesSchema, { inputPer1k: 0, outputPer1k: 0 }),
  guard: v.optional(ClassifierGuardSchema, {}),
});
export type Classifier = v.InferOutput<typeof ClassifierSchema>;

/** What any call gets when something goes wrong inside: an apology, then transfer or hang up. */
export const FallbackSchema = v.strictObject({
  say: PromptSchema,
  transferTo: v.optional(PhoneNumberSchema),
});

export const RulesSchema = v.strictObject({
  /** Editors' JSON Schema reference; ignored. */
  $schema: v.optional(v.string()),
  /** The mark `rules compile` leaves on a document it validated (schema version and checksum); ignored here. */
  checked: v.optional(v.string()),
  /** Shown in status and logs, and kept in each call's state so a reload never confuses a live call. */
  version: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  /** The time zone of calendars and time conditions that name none. */
  timezone: v.optional(TimeZoneSchema, 'Asia/Shanghai'),
  /** Call settings for every call, under line and flow settings. */
  settings: v.optional(CallSettingsSchema),
  /** How a node that takes keys is first heard when a call opens on it: `repeat` (the default) or `once`. */
  firstMenu: v.optional(v.picklist(FIRST_MENU_MODES)),
  /** Heard at every listening node of every flow, after the flow's own. */
  handlers: v.optional(HandlerListSchema),
  calendars: v.optional(v.record(NameSchema, CalendarSchema)),
  /**
   * Public-holiday schedules by name, each a list of years (days off and make-up working days). `cn`
   * adds years to China's packaged data and wins over it for the years it lists; any other name is a
   * schedule of the document's own, for calendars with `holidays: NAME`.
   */
  holidaySchedules: v.optional(v.record(NameSchema, HolidayScheduleSchema)),
  /** What calendars do on a date no holiday data covers, unless they say (`weekly` by default). */
  noHolidayData: v.optional(NoHolidayDataSchema, 'weekly'),
  lines: v.optional(v.array(LineSchema)),
  /** The line for any call no line takes, and for calls whose state was lost. */
  defaultLine: DefaultLineSchema,
  outbound: v.optional(OutboundSchema),
  /** Said before restarting the default flow when a call's state is missing or unreadable. */
  recovery: v.optional(PromptSchema),
  /** What any call gets when something goes wrong inside: an apology, then transfer or hang up. */
  fallback: v.optional(FallbackSchema),
  /** Named HTTP endpoints that `lookup` nodes call during a call. */
  lookups: v.optional(v.record(NameSchema, LookupSchema)),
  /** The language model asked about utterances that no keyword, pattern or handler matched. */
  classifier: v.optional(ClassifierSchema),
  flows: v.record(NameSchema, FlowSchema),
});
export type Rules = v.InferOutput<typeof RulesSchema>;
export type RulesInput = v.InferInput<typeof RulesSchema>;
