import {
  CalendarSchema,
  ExtraOpenDaySchema,
  NoHolidayDataFlowSchema,
  NoHolidayDataSchema,
  TimeRangeSchema,
  TimeZoneSchema,
  WeeklyHoursSchema,
} from '../calendar/calendar-schema';
import { HolidayScheduleSchema, HolidayYearSchema } from '../calendar/holiday-schedule';
import {
  DEFAULT_GOODBYE,
  DEFAULT_KEY_TIMEOUT_S,
  DEFAULT_MAX_TURNS,
  SESSION_MARGIN_S,
} from '../flow/flow-limits';
import { CallSettingsSchema, TtsSettingsSchema } from '../protocol/call-settings';
import { CLASSIFIER_LIMITS } from '../rules/classifier-limits';
import { DEFAULT_RETRY_POLICIES } from '../rules/node-types';
import {
  AudioItemSchema,
  BranchNodeSchema,
  BranchSchema,
  ClassifierGuardSchema,
  ClassifierPricesSchema,
  ClassifierSchema,
  CollectNodeSchema,
  ConditionSchema,
  DefaultLineSchema,
  FallbackSchema,
  FlowSchema,
  HandlerSchema,
  HangupNodeSchema,
  IntentSchema,
  LineSchema,
  LOOKUP_LIMITS,
  LookupNodeSchema,
  LookupSchema,
  MAX_SPLIT_BRANCHES,
  MenuNodeSchema,
  NodeSchema,
  OutboundSchema,
  OutboundVariableSchema,
  ParallelTransferNodeSchema,
  PromptSchema,
  RetryPolicySchema,
  ReturnNodeSchema,
  RulesSchema,
  SavedFieldSchema,
  SayNodeSchema,
  SplitBranchSchema,
  SplitNodeSchema,
  SubflowNodeSchema,
  TransferNodeSchema,
  TransferTargetSchema,
  TtsItemSchema,
} from '../rules/rules-schema';
import {
  describeObject,
  describeSchema,
  describeSchemas,
  type FieldDescriptions,
} from '../schema/field-descriptions';
import { NameSchema } from '../text/name';

/**
 * The reference of the rules document: what every field does, its units, default and allowed values.
 * Editors show it on hover (`rules.schema.json`) and a missing key's message says what it is for
 * (`start is required: the node a call enters the flow at`). Kept out of the function bundles, which
 * import only the schemas: tools (the linter, the CLIs) pass it to `compileRules`.
 *
 * The first sentence of each field's description says what the field is: it follows "X is required: ".
 */

/** What a listening node does by default: `2 retries, saying 抱歉，我没有听懂。`. */
function describeDefaultRetries(kind: keyof typeof DEFAULT_RETRY_POLICIES): string {
  const { retries, say } = DEFAULT_RETRY_POLICIES[kind];
  return `${retries} retries, saying ${say?.map((prompt) => `\`${String(prompt)}\``).join(', ')}, then the goodbye`;
}

/** The keys a menu and a collect node share: how they treat silence, input they do not understand, barge-in. */
const LISTENING = {
  noInput: `What this node does when the caller says and presses nothing (silence for the call's \`muteTimeMs\`, no key in time): how many times to ask again, then where to go. Over the flow's \`noInput\`; by default ${describeDefaultRetries('noInput')}.`,
  noMatch: `What this node does with input it does not understand (a key not on the menu, words no intent matches, digits that do not fit): how many times to ask again, then where to go. Over the flow's \`noMatch\`; by default ${describeDefaultRetries('noMatch')}.`,
  bargeIn:
    "Whether the caller may interrupt this node's prompt, over the call's `bargeIn` setting: `false` for a notice that must be heard in full.",
  handlers:
    'The global handlers heard here: all (`true`, the default), none (`false`, as a PIN entry should), or a list of their names. A collect node never takes digits, spoken or keyed, as a handler.',
} as const;

const NODE_TYPE = 'The kind of node';
/** The outcome tag every node may have. */
const TAG =
  'A word of your own for how a call that ends or waits at this node went, such as `confirmed`, `cancelled` or `call-back`: a lower-case letter, then up to 31 lower-case letters, digits or `-`. The log line of every callback after which the call is at this node carries it (`tag`), and `npm run outcomes` reports the last one of each call.';
const LINE_TARGET = {
  flow: 'The flow calls on this line get (a name under `flows`).',
  settings:
    "Call settings for this line's calls, over the document's `settings` (a flow's own settings win over both).",
  calendar:
    'The calendar (a name under `calendars`) that says when this line is open; while it is closed, calls go to `afterHoursFlow`. Needs `afterHoursFlow`.',
  afterHoursFlow: "The flow calls get while the line's `calendar` is closed. Needs `calendar`.",
  classifier:
    "`false`: no utterance of this line's calls is ever sent to the language model (`classifier`), whatever its flows and menus say. A line with callers' health or account details might say so.",
} as const;

const CLASSIFIER_HINTS = {
  description:
    'What this is for, in a sentence the language model (`classifier`) reads to tell it from the others, such as `挂失丢失或被盗的银行卡`. 1–200 characters.',
  examples:
    'Things callers say for it, beyond its keywords, which the language model reads, such as `["我的卡找不着了", "卡好像被人盗刷了"]`. 1 to 20, each at most 100 characters.',
} as const;

const TIME_RANGE =
  'Hours as `HH:MM-HH:MM` on a 24-hour clock, local time: the start is included, the end is not, such as `"09:00-18:00"`. `24:00` may end a range; a range never crosses midnight (write `"22:00-24:00"` on one day and `"00:00-02:00"` on the next).';

export const RULES_DESCRIPTIONS: FieldDescriptions = describeSchemas([
  describeObject(
    RulesSchema,
    'A vms-callflow rules document: which flow each call gets (lines), when lines are open (calendars), and what each flow says and does.',
    {
      $schema:
        'The JSON Schema editors check this document against, such as `./rules.schema.json`; ignored by the functions.',
      checked:
        'Written by `rules compile` as the last field of the JSON it writes: the schema version and a SHA-256 of the rest of the document. While both still hold, the functions take the document as already validated; any edit, or another schema version, has it validated in full. Never written by hand.',
      version:
        "The name of this version of the document, 1–64 characters, such as `2026-03-clinic`. Shown in status and logs, and kept in each call's state, so that a call in progress is never confused by new rules.",
      timezone:
        'The IANA time zone of calendars and `time` conditions that name none, such as `Asia/Shanghai` (the default).',
      settings:
        "Call settings for every call (speech recognition, silence, TTS voice, barge-in…). A line's settings, then a flow's, win over these.",
      calendars:
        'Business-hours calendars by name, for lines (`calendar`) and conditions (`open`, `closed`).',
      holidaySchedules:
        "Public-holiday schedules by name, each a list of years (days off and make-up working days). `cn` adds years to China's packaged data and wins over it for the years it lists; any other name is a schedule of the document's own, for calendars with `holidays: NAME`.",
      noHolidayData:
        'What calendars do on a date whose year no holiday data covers, unless they say: `weekly` (the default: the weekly hours, with a warning), `closed`, or `{flow: NAME}` (calls a line routes by the calendar go to that flow).',
      lines: `The lines: which calls each takes (by the number dialled, the number that forwarded the call, or the caller's number) and the flow they get. A call no line takes goes to \`defaultLine\`.`,
      defaultLine:
        'The line for any call no line takes, and for calls whose state was lost. It has a `flow`, and may have `settings`, `calendar` and `afterHoursFlow`.',
      outbound:
        'How outbound (SmartCall) calls start: the flow a DynamicId may name, and the flow when it names none.',
      recovery:
        "The prompt said before restarting the default line's flow when a call's state is missing or unreadable, such as `抱歉，刚才没有跟上，我们回到主菜单。`.",
      fallback:
        'What any call gets when something goes wrong inside: an apology, then a transfer (`transferTo`) or the end of the call.',
      lookups:
        'Named HTTP endpoints that `lookup` nodes call during a call (an account balance, an appointment): each an idempotent read with a fixed origin, a timeout and a size limit.',
      classifier:
        "The language model (an OpenAI-compatible chat endpoint, such as Alibaba Model Studio's) asked which intent a caller meant when no key, keyword, pattern or handler matched at a menu; it never slows a call past its `waitMs`, and a per-instance guard turns it off when it is slow, failing or costly. See docs/classifier.md.",
      flows: 'The call flows by name: each a set of nodes and the node calls start at.',
      firstMenu:
        "How a node that takes keys (a menu with keys, a collect node) is first heard when a call opens on it: `repeat` (the default) plays it with the answer, so speech works at once and the first silence, which arms the keys, plays it again; `once` plays only what comes before it with the answer (nothing, when the flow starts with it) and its prompt with the first `dtmf` reply, so it is heard once. `once` rests on the platform playing a `dtmf` reply's prompt (see docs/reference/protocol.md).",
      handlers:
        "Global handlers heard at every listening node of every flow, after the node's own keys and intents and after the flow's handlers: `人工` to an agent, `再说一遍` to repeat, `返回主菜单` to the main menu. At most 20.",
    },
  ),
  describeObject(
    HandlerSchema,
    "Something a caller may say (or press, at menus that take keys) at any listening node: heard after the node's own keys and intents.",
    {
      name: "The handler's name, such as `agent`: in traces, in a node's `handlers` list, and for a flow's handler to replace the document's of the same name.",
      keywords:
        'Words that select it when the caller\'s normalised words contain any of them, such as `["人工", "转人工"]`.',
      patterns: "Regular expressions tried on the caller's normalised words.",
      excludes:
        'Phrases that void a match, such as `["不要人工"]`: the handler is passed over when the words contain one.',
      keys: 'Keys that select it at menus that take keys, when the menu has no key of its own for them, such as `["0"]`. Never at a collect node, where keys are digits.',
      goto: "The node the call goes to: of `flow` when given, else of the flow the call is in. A document's handler names its `flow`.",
      flow: 'A flow the call goes to, at its start or at its node `goto`, leaving any subflows it is in.',
      ...CLASSIFIER_HINTS,
      do: "`repeat`: the node's prompt again, its retry counts standing (what a `say` node said before it is not repeated); `restart`: the start of the top flow (the one the call started in, or a handler's `flow` sent it to), leaving any subflows.",
    },
  ),
  describeObject(
    LineSchema,
    "A line: the calls it takes and the flow they get. A call is matched, in this order, by its caller's number (`callers`, then the longest `callerPrefixes`), by the number that forwarded it (`forwardedFrom`), by the number dialled (`numbers`); otherwise it takes `defaultLine`.",
    {
      name: 'The name of the line, shown in logs and traces, such as `service`.',
      numbers:
        "The service numbers dialled (the platform's `callee`) that this line takes, written as you like: `05923391657`, `+86 592 3391657`, `400-800-1234`. Quote them in YAML.",
      forwardedFrom:
        "The numbers that forward to the service number (the platform's `orgcallee`) whose calls this line takes. Quote them in YAML.",
      callers: "Callers' numbers this line takes (a VIP list, a blocklist). Quote them in YAML.",
      callerPrefixes:
        "Callers' number prefixes this line takes, such as an area code `'0592'` or a mobile range `'1380013'`; the longest matching prefix wins.",
      ...LINE_TARGET,
    },
  ),
  describeObject(
    DefaultLineSchema,
    'The line for any call no line takes, and for calls whose state was lost.',
    LINE_TARGET,
  ),
  describeObject(
    OutboundSchema,
    'How outbound (SmartCall) calls start: the DynamicId of the call names a flow, or carries a flow and values sealed by the sender.',
    {
      defaultFlow: 'The flow a call starts in when its DynamicId names no flow.',
      flows:
        'The flows a DynamicId may name. When given, a DynamicId naming another flow is not obeyed (the call starts in `defaultFlow`).',
      vars: 'The variables a sealed DynamicId may carry into a call (`{{vars.time}}` in a prompt), each with its size in bytes. A value not declared here, or over its size, is dropped (the trace says which name).',
      calendar:
        'The calendar campaigns call in: `npm run call` places no call outside its open hours (holidays, 调休 and its `noHolidayData` policy included), in its time zone.',
      showNumber:
        "The number campaigns show to the callee (SmartCall's `CalledShowNumber`): 5–20 digits, a number the account owns. A campaign file or `--show-number` wins over it.",
      voiceCode:
        'What SmartCall plays first (`VoiceCode`): an audio file, a voice id or a TTS template code, several comma-separated. A campaign file or `--voice-code` wins over it.',
    },
  ),
  describeObject(OutboundVariableSchema, 'A variable a sealed DynamicId may carry.', {
    maxBytes:
      "The most bytes its value may take in the call's state, 1–64, counted in UTF-8 after JSON escaping (a Chinese character takes 3).",
    sensitive: 'Keeps the value out of logs and traces. `false` by default.',
  }),
  describeObject(
    FallbackSchema,
    'What any call gets when something goes wrong inside: an apology, then a transfer or the end of the call.',
    {
      say: 'The apology said, such as `抱歉，系统暂时繁忙，请稍后再拨。`. It cannot be interrupted.',
      transferTo:
        'The number the call is transferred to after the apology, quoted; without it, the call ends.',
    },
  ),
  describeObject(
    FlowSchema,
    'A call flow: nodes by name, the node calls start at, and what the flow does when a call goes wrong.',
    {
      start: 'The node a call enters the flow at (a name under `nodes`).',
      settings: "Call settings for calls in this flow, over the document's and the line's.",
      noInput: `What nodes that set no \`noInput\` of their own do when the caller says and presses nothing: retries, what is said, where to escalate. By default ${describeDefaultRetries('noInput')}.`,
      noMatch: `What nodes that set no \`noMatch\` of their own do with input they do not understand. By default ${describeDefaultRetries('noMatch')}.`,
      goodbye: `The prompt said when the flow ends a call itself (retries used up, a limit reached). \`${DEFAULT_GOODBYE}\` by default.`,
      maxTurns: `The most caller turns (events) a call may have in this flow, 1–500; past it the call is ended with the goodbye. ${DEFAULT_MAX_TURNS} by default.`,
      maxCallS:
        "The longest a call may last, in seconds (10–3600): past it, the call is ended with the goodbye at its next event. Keep it under the call settings' `sessionTimeoutS`.",
      nodes: 'The nodes of the flow by name: what is said, what is heard and where the call goes next.',
      firstMenu:
        "How a node that takes keys (a menu with keys, a collect node) is first heard when a call opens on it in this flow, over the document's `firstMenu`.",
      handlers:
        "Handlers heard at every listening node of this flow (and of no other: a subflow hears its own), before the document's; one with the name of a document's handler replaces it here.",
      classifier:
        "Whether this flow's menus ask the language model about an utterance nothing matched, over the document's `classifier.on` (a menu's own `classifier` wins). Needs the document's `classifier`.",
    },
  ),
  describeSchema(
    NodeSchema,
    'A node: `say`, `menu`, `collect`, `branch`, `split`, `transfer`, `parallelTransfer`, `hangup`, `lookup`, `subflow` or `return`, given by `type`.',
  ),
  describeObject(
    SayNodeSchema,
    'Says a prompt and goes on to the next node at once, without waiting for the caller.',
    {
      type: `${NODE_TYPE}: \`say\`.`,
      tag: TAG,
      say: 'The prompt said.',
      next: 'The node the call goes to; its prompt is played right after this one, in the same reply.',
    },
  ),
  describeObject(
    MenuNodeSchema,
    'Says a prompt and waits for a key or for words: each key or intent leads to a node.',
    {
      type: `${NODE_TYPE}: \`menu\`.`,
      tag: TAG,
      say: 'The prompt said, such as `查询余额请按1，人工服务请按0。`.',
      keys: 'Single keys (`0`–`9`, `*`, `#`) and the node each leads to, such as `{"1": balance, "0": agent}`. A spoken digit (`一`, `按2`) also selects a key.',
      intents:
        'Spoken choices, each a list of keywords or patterns and the node it leads to; tried in order, after the keys.',
      keyTimeoutS: `How long the platform waits for a key once the prompt has played, in seconds (3–60); ${DEFAULT_KEY_TIMEOUT_S} by default. Has no effect on a menu without keys.`,
      classifier:
        "Whether an utterance nothing matched here is sent to the language model, over the flow's `classifier` and the document's `classifier.on`. Needs the document's `classifier`; never at a line that says `classifier: false`.",
      ...LISTENING,
    },
  ),
  describeObject(
    CollectNodeSchema,
    'Says a prompt and collects digits (a card or phone number, a PIN), keeps them in a variable, then goes on.',
    {
      type: `${NODE_TYPE}: \`collect\`.`,
      tag: TAG,
      say: 'The prompt said, such as `请输入您的卡号，以井号键结束。`.',
      saveAs:
        'The variable the digits are kept in, for prompts (`{{vars.card}}`, `{{vars.card|digits}}`) and conditions (`var: card`).',
      minDigits: 'The fewest digits accepted, 1–32; 1 by default. Fewer count as no match.',
      maxDigits: 'The most digits the platform collects, 1–32 (the end key aside).',
      endKey: 'The key that ends entry early: `#` or `*`. It is not kept with the digits.',
      keyTimeoutS: `How long the platform waits for keys, in seconds (3–60); ${DEFAULT_KEY_TIMEOUT_S} by default.`,
      timeoutS: 'The former name of `keyTimeoutS`, still read; write `keyTimeoutS` instead.',
      pattern:
        'A regular expression the digits must match, such as `^1[3-9]\\d{9}$`; digits that do not match count as no match.',
      sensitive:
        "Keeps the digits out of logs and traces (they still travel, encrypted, in the call's state). `false` by default.",
      scope:
        "How long the digits are kept in the call's state: `flow` (the default) while the call is in this flow (a subflow's are dropped when it returns); `once` until the first node that reads them (a prompt, a condition, a lookup) is left, as a PIN should be; `call` for the rest of the call, which is how a subflow hands a value back.",
      next: 'The node the call goes to once the digits are collected.',
      ...LISTENING,
    },
  ),
  describeObject(
    LookupNodeSchema,
    'Calls a lookup (an HTTP endpoint under `lookups`), keeps values from its JSON answer, then goes on; a failure of any kind goes to `onError`.',
    {
      type: `${NODE_TYPE}: \`lookup\`.`,
      tag: TAG,
      use: 'The lookup to call: a name under `lookups`.',
      save: 'The values kept from the answer, by variable name: each with where it is in the answer (`from`), its kind and its size in bytes.',
      filler:
        "Said once, when the answer takes longer than the lookup's `waitMs`, such as `正在为您查询，请稍候。`; later waits are a short silence.",
      next: 'The node the call goes to once the answer is in and its values are saved.',
      onError:
        'The node the call goes to when the lookup fails: a timeout on every attempt, an HTTP status other than 2xx, a redirect, an answer that is not JSON, too large or too deep, or a value that is missing or of the wrong kind.',
    },
  ),
  describeObject(SavedFieldSchema, "One value a lookup keeps from its answer, in the call's sealed state.", {
    from: 'Where the value is in the JSON answer: names and list positions joined by dots, such as `data.balance` or `items.0.name` (8 steps at most).',
    type: 'The kind of value expected: `text` (the default, a JSON string), `number` (a JSON number; a numeric string is refused), `digits` (a text of 0–9 only, or a whole JSON number) or `boolean`. A value of another kind is a failure (`onError`).',
    maxBytes:
      "The most bytes the value may take in the call's state, 1–64, counted in UTF-8 after JSON escaping (a Chinese character takes 3). A longer value is a failure.",
    sensitive: 'Keeps the value out of logs and traces. `false` by default.',
    scope:
      "`flow` (the default): kept while the call is in this flow (a subflow's are dropped when it returns); `once`: dropped as the call leaves the first node that reads it; `call`: kept for the rest of the call.",
  }),
  describeObject(
    LookupSchema,
    'An HTTP endpoint that lookup nodes call. It must be an idempotent read: an answer that is slow may be asked for again, on another instance.',
    {
      url: 'The address, `https://host/path`. The origin (scheme, host, port) is fixed; `{{caller}}` and `{{vars.NAME}}` may appear in the path only, each value encoded. Plain `http://` is refused except to 127.0.0.1, localhost or [::1] (for tests).',
      method: '`GET` (the default) or `POST` with a JSON body.',
      query: 'Query parameters by name, each a text that may hold `{{caller}}` or `{{vars.NAME}}`.',
      body: 'The JSON body of a POST: a flat object of texts that may hold `{{caller}}` or `{{vars.NAME}}`.',
      headers:
        'Request headers by name. A secret is written `{{env.LOOKUP_NAME}}`, read from that environment variable (the name must start with `LOOKUP_`) and never logged.',
      timeoutMs: `How long one attempt may take, in ms of awake time (${LOOKUP_LIMITS.timeoutMs.min}–${LOOKUP_LIMITS.timeoutMs.max}); ${LOOKUP_LIMITS.timeoutMs.default} by default.`,
      waitMs: `How long a callback waits for the answer before the caller hears the filler, in ms (${LOOKUP_LIMITS.waitMs.min}–${LOOKUP_LIMITS.waitMs.max}); ${LOOKUP_LIMITS.waitMs.default} by default. The callback's budget grows by it.`,
      attempts: `Attempts (timeouts and connection failures) before the node goes to \`onError\`, ${LOOKUP_LIMITS.attempts.min}–${LOOKUP_LIMITS.attempts.max}; ${LOOKUP_LIMITS.attempts.default} by default.`,
      maxBytes: `The largest answer read, in bytes (${LOOKUP_LIMITS.maxBytes.min}–${LOOKUP_LIMITS.maxBytes.max}); ${LOOKUP_LIMITS.maxBytes.default} by default. A larger one is a failure.`,
    },
  ),
  describeObject(
    BranchNodeSchema,
    'Chooses the next node by conditions (hours, caller, collected values), saying nothing.',
    {
      type: `${NODE_TYPE}: \`branch\`.`,
      tag: TAG,
      branches: 'The branches, tried in order: the first whose condition holds decides where the call goes.',
      else: 'The node the call goes to when no branch holds.',
    },
  ),
  describeObject(BranchSchema, 'One branch: a condition and where the call goes when it holds.', {
    when: 'The condition under which this branch is taken: every field given must hold.',
    goto: 'The node the call goes to when the condition holds.',
  }),
  describeObject(
    SplitNodeSchema,
    "Sends a share of calls down each branch, by weight, saying nothing: to try a new prompt on some calls. A call always takes the same branch of a node (a hash of its call id and the node's position).",
    {
      type: `${NODE_TYPE}: \`split\`.`,
      tag: TAG,
      branches: `The ways on, 2 to ${MAX_SPLIT_BRANCHES}: each takes the share of calls its weight is of the sum of the weights, such as \`[{name: classic, weight: 90, goto: welcome}, {name: short, weight: 10, goto: welcomeShort}]\`. Names, when given, differ.`,
    },
  ),
  describeObject(SplitBranchSchema, 'One way on of a split: its share of calls and where they go.', {
    name: "A name for the trace, coverage and the graph, such as `short`; by default the branch's index (`0`, `1`, …). The branches of a node have different names.",
    weight:
      "This branch's share of calls: its weight over the sum of the node's weights, a whole number 1–1000 (`90` beside `10` is 90 %; `1` beside `999` is 0.1 %).",
    goto: 'The node the calls of this branch go to.',
  }),
  describeObject(
    TransferNodeSchema,
    'Transfers the call to a phone number (the platform dials it and bridges the caller).',
    {
      type: `${NODE_TYPE}: \`transfer\`.`,
      tag: TAG,
      say: 'The prompt said while the transfer starts, such as `正在为您转接，请稍候。`.',
      targets:
        'Numbers to transfer to under conditions, tried in order: the first whose condition holds (or that has none) is dialled.',
      to: 'The number dialled when no target applies, quoted: 3–20 digits, optionally with a leading `+`.',
    },
  ),
  describeObject(TransferTargetSchema, 'A number to transfer to, under a condition.', {
    when: 'The condition under which this number is dialled; without it, always.',
    to: 'The number dialled, quoted: 3–20 digits, optionally with a leading `+`.',
  }),
  describeObject(
    ParallelTransferNodeSchema,
    "Transfers the call to a call centre configured in the console, which rings its agents (the platform's parallel transfer).",
    {
      type: `${NODE_TYPE}: \`parallelTransfer\`.`,
      tag: TAG,
      ccName: 'The call-centre name configured in the VMS console, 1–64 characters.',
      monitor: 'Keeps the robot listening on the call once an agent answers. `false` by default.',
      playfile: 'The audio file code (uploaded in the console) played to the caller while agents are rung.',
      onFail: 'The node the call goes to when the platform reports that the transfer failed.',
    },
  ),
  describeObject(
    SubflowNodeSchema,
    'Runs another flow (an identity check, a survey) and goes on here when it returns: its nodes, prompts, retry policies and handlers are in force meanwhile. At most 3 subflows deep.',
    {
      type: `${NODE_TYPE}: \`subflow\`.`,
      tag: TAG,
      flow: 'The flow to run (a name under `flows`); it ends with `return` nodes.',
      next: 'The node of this flow the call goes on at when the flow returns with a plain `return`.',
      exits:
        "Where the call goes on when the flow returns with `exit: NAME`, by name, such as `{failed: selfService}`. Every exit the flow's returns name needs one.",
    },
  ),
  describeObject(
    ReturnNodeSchema,
    "Ends a subflow: the call goes back to the node that called it, at its `next` or at the exit named, and the subflow's own values (not `scope: call`) are dropped.",
    {
      type: `${NODE_TYPE}: \`return\`.`,
      tag: TAG,
      say: 'Said before the call goes on in the calling flow, in the same reply.',
      exit: 'The exit of the calling `subflow` node to go on at (a name under its `exits`); without it, its `next`.',
    },
  ),
  describeObject(HangupNodeSchema, 'Ends the call, after a goodbye if it has one.', {
    type: `${NODE_TYPE}: \`hangup\`.`,
    tag: TAG,
    say: 'The goodbye said before the call ends; the call ends on the next event, so that it is heard in full.',
  }),
  describeObject(IntentSchema, 'A spoken choice of a menu: words that select it, and where it leads.', {
    name: 'A name for logs, traces and the graph, such as `agent`.',
    keywords:
      'Words that select this intent when the caller\'s words contain any of them (synonyms), such as `["人工", "客服"]`. Matched after normalisation (half width, lower case, no punctuation).',
    patterns:
      'Regular expressions tried on the caller\'s normalised words (lower case, half width, no punctuation, 一→1), such as `"^(查|问).*余额"`.',
    excludes:
      'Phrases that void a match of this intent: when the caller\'s normalised words contain any of them, the intent is passed over and the next ones are tried, such as `["不要人工", "不用人工"]` beside the keyword `人工`. Normalised as keywords are.',
    goto: 'The node the call goes to when this intent is heard.',
    ...CLASSIFIER_HINTS,
  }),
  describeObject(
    ClassifierSchema,
    "The language model asked which of a menu's intents (or global handlers) a caller meant, when nothing matched: an OpenAI-compatible chat endpoint. The API key is read from the environment, never written here.",
    {
      on: 'Whether menus ask it unless their flow or they themselves say otherwise (`classifier: true` or `false`). `true` by default; `false` turns it on only where a flow or menu says `classifier: true`.',
      endpoint:
        "The endpoint's base URL, to which `/chat/completions` is added, such as `https://dashscope.aliyuncs.com/compatible-mode/v1` (Alibaba Model Studio, a key of the same region). Plain `http://` is refused except to 127.0.0.1, localhost or [::1] (the stand-in).",
      model:
        'The model, such as `qwen-flash` or `qwen-turbo`: models are renamed and retired, so it is configuration.',
      apiKeyEnv:
        'The environment variable holding the API key, whose name starts with `LLM_`, such as `LLM_API_KEY`. Without it set, every classification fails as `unsendable` and callers get the no-match retry.',
      waitMs: `How long a callback waits for the verdict, in ms (${CLASSIFIER_LIMITS.waitMs.min}–${CLASSIFIER_LIMITS.waitMs.max}); ${CLASSIFIER_LIMITS.waitMs.default} by default. The callback's budget grows by it; past it the utterance is a no-match.`,
      threshold: 'The least confidence (0–1) taken; a verdict below it is a no-match. 0.7 by default.',
      doubtful:
        "`true`: a keyword match is asked about too when it is doubtful (the words negate the keyword, `不是挂失`, or hold another intent's keyword too), and the model's confident verdict for another choice wins; on any failure the keyword match stands. `false` by default.",
      maxTokens: `The most tokens the answer may take (${CLASSIFIER_LIMITS.maxTokens.min}–${CLASSIFIER_LIMITS.maxTokens.max}); ${CLASSIFIER_LIMITS.maxTokens.default} by default.`,
      maxBytes: `The largest answer read, in bytes (${CLASSIFIER_LIMITS.maxBytes.min}–${CLASSIFIER_LIMITS.maxBytes.max}); ${CLASSIFIER_LIMITS.maxBytes.default} by default.`,
      prices:
        "The model's prices per 1,000 tokens, `{inputPer1k, outputPer1k}`, in any currency (CNY for Model Studio, such as `{inputPer1k: 0.00015, outputPer1k: 0.0015}` for qwen-flash): the spend guard and `rules intents --llm` count with them. 0 by default.",
      guard:
        "When one function instance turns the model off for `cooldownS`, then tries one call: `latencyP95Ms`, `maxFailureRate`, `window`, `minSamples`, `maxSpendPerHour`. Per instance: it does not cap an account's spend across instances.",
    },
  ),
  describeObject(ClassifierPricesSchema, "The model's prices per 1,000 tokens.", {
    inputPer1k: 'What 1,000 tokens of the request (prompt) cost, such as `0.00015` (CNY, qwen-flash); 0–1.',
    outputPer1k: 'What 1,000 tokens of the answer cost, such as `0.0015`; 0–1.',
  }),
  describeObject(
    ClassifierGuardSchema,
    "The budget guard's limits, per function instance, judged on the instance's recent calls (wall time).",
    {
      latencyP95Ms: `The p95 latency of the recent calls, ms, above which it turns the model off (${CLASSIFIER_LIMITS.latencyP95Ms.min}–${CLASSIFIER_LIMITS.latencyP95Ms.max}); ${CLASSIFIER_LIMITS.latencyP95Ms.default} by default. A timeout counts as slow.`,
      maxFailureRate:
        'The share of failures (timeouts, errors, 429, unparseable answers) among the recent calls above which it turns the model off, 0–1; 0.5 by default.',
      window: `How many recent calls latency and failures are judged on (${CLASSIFIER_LIMITS.window.min}–${CLASSIFIER_LIMITS.window.max}); ${CLASSIFIER_LIMITS.window.default} by default.`,
      minSamples: `How many recent calls it takes before latency or failures can turn it off (${CLASSIFIER_LIMITS.minSamples.min}–${CLASSIFIER_LIMITS.minSamples.max}); ${CLASSIFIER_LIMITS.minSamples.default} by default.`,
      maxSpendPerHour:
        "The spend in the last hour (tokens from the answers' `usage`, at `prices`) above which it turns the model off; 0 (the default) sets no limit.",
      cooldownS: `How long it stays off before one call tries again, s (${CLASSIFIER_LIMITS.cooldownS.min}–${CLASSIFIER_LIMITS.cooldownS.max}); ${CLASSIFIER_LIMITS.cooldownS.default} by default.`,
    },
  ),
  describeObject(
    RetryPolicySchema,
    'How a node asks again after silence or input it does not understand, and where it goes when it gives up.',
    {
      retries: 'How many times the node is asked again before escalating, 0–9.',
      say: 'Said before the node\'s own prompt on each retry, in turn (the last one repeats), such as `["抱歉，我没有听清。", "请按键选择。"]`.',
      escalateTo:
        "The node the call goes to when the retries are used up; without it, the call ends with the flow's goodbye.",
    },
  ),
  describeObject(
    ConditionSchema,
    "A condition: every field given must hold (AND); list several branches for OR. It reads the clock in the rules' time zone, the caller's number (inbound calls) and the values collected in the call.",
    {
      open: 'Holds while this calendar (a name under `calendars`) is open.',
      closed: 'Holds while this calendar (a name under `calendars`) is closed.',
      time: `Holds within these hours, in the rules' time zone. ${TIME_RANGE}`,
      weekdays:
        "Holds on these days of the week, in the rules' time zone: `mon`, `tue`, `wed`, `thu`, `fri`, `sat`, `sun`.",
      callerIn: "Holds when the caller's number is one of these (quoted).",
      callerPrefix: "Holds when the caller's number starts with one of these prefixes, such as `'0592'`.",
      var: 'The collected value (a `saveAs` name) that `equals`, `in` or `matches` test; alone, holds when it has been collected.',
      equals: 'Holds when `var` is exactly this text.',
      in: 'Holds when `var` is one of these texts.',
      matches: 'Holds when `var` matches this regular expression, such as `^6228`.',
    },
  ),
  describeSchema(
    PromptSchema,
    'A prompt: a text to speak, `{tts: text}`, `{audio: code}`, or a list of them played in turn. Texts may use `{{caller.last4}}`, `{{vars.NAME}}`, `{{vars.NAME|digits}}` (read digit by digit) and `{{timeOfDay}}` (早上, 上午, 中午, 下午 or 晚上).',
  ),
  describeObject(TtsItemSchema, 'A text spoken by TTS.', {
    tts: 'The text spoken, such as `您好，{{timeOfDay}}好`.',
  }),
  describeObject(AudioItemSchema, 'An audio file uploaded in the VMS console.', {
    audio:
      'The audio file code from the console, such as `2d4c…afbb.wav`: letters, digits, `_`, `-` and `.`.',
  }),
  describeObject(
    CallSettingsSchema,
    "Settings of a call, sent to the platform when the call is answered; the document's, then a line's, then a flow's, the later winning.",
    {
      asrBaseId:
        'The speech recognition model: `customer_service_8k` or `dialect_customer_service_8k` (dialects).',
      asrModelId: 'A custom speech recognition model id, sent instead of `asrBaseId` when both are set.',
      record: 'Whether the platform records the call.',
      muteTimeMs:
        'The silence, in ms (1000–20000), after which the caller counts as saying nothing (a `mute` event). Outside that range the platform silently uses 10000.',
      pauseTimeMs:
        'The pause, in ms (300–1200), that ends an utterance. Only the value sent when the call is answered counts.',
      sessionTimeoutS: `The longest a call may last, in seconds (1–3600): the platform hangs up then. From ${SESSION_MARGIN_S} s before, the caller's next event gets the flow's goodbye.`,
      tts: 'How TTS speaks: voice, volume and speed.',
      bargeIn: 'Whether the caller may interrupt prompts (goodbyes and the fallback never can be).',
      bargeInAfterMs:
        'How long, in ms (1–60000), the caller must talk over a prompt to stop it; needs `bargeIn`.',
    },
  ),
  describeObject(TtsSettingsSchema, 'How TTS speaks.', {
    voice: 'The TTS voice, such as `xiaoyun`.',
    volume: 'The TTS volume, 0–100.',
    speed: 'The TTS speed, −200 (slower) to 200 (faster); 0 is normal.',
  }),
  describeObject(
    CalendarSchema,
    'A business-hours calendar: weekly hours, public holidays, closures and extra open days.',
    {
      timezone:
        "The IANA time zone the calendar's hours and dates are in, such as `Asia/Shanghai`; the document's `timezone` by default.",
      weekly:
        'The opening hours for each day of the week, such as `{workdays: ["09:00-18:00"], sat: ["10:00-16:00"]}`.',
      holidays:
        "Which public holidays close the calendar (and which make-up working days open it): `cn` (China's, with the years `holidaySchedules.cn` lists taking precedence), the name of another schedule in `holidaySchedules`, or `none` (the default).",
      noHolidayData:
        "What this calendar does on a date whose year its holiday data does not cover: `weekly`, `closed` or `{flow: NAME}`; the document's `noHolidayData` by default.",
      closed:
        'Days closed all day, over the weekly hours and make-up working days: dates `YYYY-MM-DD` or ranges `YYYY-MM-DD..YYYY-MM-DD`.',
      open: 'Extra open days with their own hours, over everything else (even a closed date or a public holiday).',
    },
  ),
  describeObject(WeeklyHoursSchema, 'Opening hours by day of the week; a day left out or empty is closed.', {
    workdays:
      'Hours for Monday to Friday, for each of `mon`–`fri` not given itself (so `fri: []` next to it closes Friday), and for make-up working days.',
    mon: 'Hours on Mondays, such as `["09:00-12:00", "13:30-18:00"]`.',
    tue: 'Hours on Tuesdays.',
    wed: 'Hours on Wednesdays.',
    thu: 'Hours on Thursdays.',
    fri: 'Hours on Fridays.',
    sat: 'Hours on Saturdays.',
    sun: 'Hours on Sundays.',
  }),
  describeObject(ExtraOpenDaySchema, 'A day open outside the weekly pattern, with its own hours.', {
    date: 'The date, `YYYY-MM-DD`.',
    hours: 'The opening hours that day, such as `["10:00-14:00"]`.',
  }),
  describeSchema(
    NoHolidayDataSchema,
    'What a calendar does on a date whose year no holiday data covers: `weekly` (the weekly hours, with a warning), `closed` (closed all day) or `{flow: NAME}`.',
  ),
  describeObject(
    NoHolidayDataFlowSchema,
    'Sends calls that a line routes by the calendar to a flow (in conditions, the calendar counts as closed).',
    {
      flow: 'The flow calls go to (a name under `flows`).',
    },
  ),
  describeSchema(
    HolidayScheduleSchema,
    'A public-holiday schedule: a list of years, each once, in any order.',
  ),
  describeObject(
    HolidayYearSchema,
    'One year of a public-holiday schedule, as a government notice gives it.',
    {
      year: 'The year, such as 2027.',
      daysOff:
        'Days off, closed all day (weekends inside a holiday period included): `YYYY-MM-DD` or `YYYY-MM-DD..YYYY-MM-DD`.',
      makeUpWorkdays:
        'Weekend days worked in exchange (调休), open with the `workdays` hours: `YYYY-MM-DD` or ranges.',
    },
  ),
  describeSchema(TimeRangeSchema, TIME_RANGE),
  describeSchema(TimeZoneSchema, 'An IANA time zone name, such as `Asia/Shanghai`.'),
  describeSchema(NameSchema, 'A name: a letter, then up to 31 letters, digits, `_` or `-`.'),
]);
