/**
 * Calls through the built callback functions under documents that use every construct of the flow
 * language's second edition, and what every callback of them must do besides the properties of
 * dev/fuzz-callbacks.ts. Shared by `npm run fuzz -- --flows` and its quick slice in the tests
 * (test/fuzz/). No lookups here: `--lookups` fuzzes those (dev/fuzz-lookups.ts).
 *
 * The documents ({@link buildFlowDocuments}, drawn from the run's seed) have document and flow handlers
 * of every kind (`goto`, `flow` + `goto`, `flow`, `do: repeat`, `do: restart`; keywords, patterns,
 * excludes, keys, a flow's handler replacing the document's), nodes that hear none or some of them,
 * subflows nested 1 to 3 deep with plain returns and returns by an exit, values of every scope saved in
 * subflows and read after they return, intents with excludes, a split of 2 to 10 branches weighted
 * 1–1000, `firstMenu` once, repeat or unset (document, and per flow, a line leading to one), collect
 * nodes and a parallel transfer. Each must pass `lintRules` without an error, or the run does not start.
 * The calls ({@link flowItemArb}) are played by dev/fuzz-calls.ts: states carried, forged or left out,
 * events sent twice or to another instance; callers say the documents' keywords, excludes and spoken
 * digits, press menu and handler keys, stay silent, talk over prompts, report transfers, and send garbage.
 *
 * Properties, besides dev/fuzz-callbacks.ts's, of every callback:
 * - never the fallback (the log line `callback failed; answered with the fallback`): a document the
 *   linter passes never makes the engine fail (a FlowError, or anything else);
 * - every sealed `dynamic_id` is at most MAX_DYNAMIC_ID_CHARS and opens, for its call, under the run's
 *   key, its subflow stack at most MAX_CALL_DEPTH deep;
 * - no value of scope `flow` outlives its flow: a state holds a subflow's `flow` value only while that
 *   flow is in the call's stack or current;
 * - a callback sent twice is answered alike (action, prompts, settings, and the state, sealed anew);
 * - a split sends a call down the same branch every time it passes the node, on any instance.
 * And, for a run of {@link EVERY_CONSTRUCT_RUNS} requests or more, every construct of
 * {@link EVERY_CONSTRUCT} was exercised, and each split branch whose weight promised 30 calls was taken.
 */
import fc from 'fast-check';
import {
  readFlowEntered,
  readHandlerHeard,
  readIntentExcluded,
  readSplitTaken,
  readSubflowReturned,
} from '../shared/flow/trace-phrases';
import { MAX_DYNAMIC_ID_CHARS } from '../shared/protocol/reply-schema';
import { DEFAULT_RULES } from '../shared/rules/default-rules';
import type { RulesInput } from '../shared/rules/rules-schema';
import { lintRules } from '../shared/rules-tooling/lint-rules';
import { decodeState, indexStateNames, MAX_CALL_DEPTH, openState } from '../shared/state/state-token';
import { requestArb, safeJson } from './fuzz-callbacks';
import {
  type Answered,
  type CallRunOptions,
  callerArb,
  deliveryArbs,
  type FollowUp,
  type FuzzCall,
  type FuzzItem,
  openLogBook,
  platformCallIdArb,
  playCalls,
  stateOf,
  withTwoDists,
} from './fuzz-calls';
import { scanLogOutput } from './log-scan';

// ─── The documents ───

/** Phrases the documents draw their handlers' and intents' words from; callers say them all. */
const PHRASES = {
  agent: ['人工', '转人工', '人工服务'],
  agentNot: ['不要人工', '不用人工'],
  again: ['再说一遍', '重复', '没听清'],
  top: ['从头开始', '重新开始'],
  home: ['主菜单', '回主菜单'],
  help: ['帮助', '怎么用'],
  card: ['查卡', '卡号'],
  back: ['返回', '上一级'],
  yes: ['是的', '对的'],
  yesNot: ['不是', '不对'],
  go: ['办理', '我要办'],
  goNot: ['不办理', '不要办'],
} as const;

/** Where the value scopes apply: `v1`–`v3` are saved in the subflows `l1`–`l3`. */
type Scope = 'flow' | 'once' | 'call';

/** A fuzz document: the rules, as `RULES`, and what the checks need to know of it. */
export type FlowDocument = {
  readonly json: string;
  readonly rules: RulesInput;
  /** How deep each flow runs: `main` and `help` 0, `lN` N. */
  readonly depthOf: (flow: string) => number;
  /** The scope of each subflow's value (`v1`…), by name. */
  readonly scopes: Readonly<Record<string, Scope>>;
  /** The split of `main`: its branches' weights. */
  readonly splitWeights: readonly number[];
};

type Drawn = {
  readonly depth: number;
  readonly weights: readonly number[];
  readonly scopes: readonly Scope[];
  readonly firstMenu: 'once' | 'repeat' | undefined;
  readonly mainFirstMenu: 'once' | 'repeat' | undefined;
  readonly helpFirstMenu: 'once' | 'repeat' | undefined;
  readonly cardHandlers: boolean | readonly string[];
  readonly askHandlers: readonly (boolean | readonly string[])[];
  readonly card: { readonly min: number; readonly max: number; readonly endKey: '#' | '*' | undefined };
  readonly scopeOfCard: Scope;
  readonly words: readonly number[];
};

const firstMenuArb = fc.constantFrom<'once' | 'repeat' | undefined>('once', 'repeat', undefined);
const scopeArb = fc.constantFrom<Scope>('flow', 'once', 'call');
/** What a node hears: all handlers, none, or those named (one of the flow's own among them in `lists`). */
const nodeHandlersArb = (own: string) =>
  fc.constantFrom<boolean | readonly string[]>(true, false, ['flowGotoAgent', 'repeatAgain'], [own]);

const drawnArb: fc.Arbitrary<Drawn> = fc.record({
  depth: fc.integer({ min: 1, max: MAX_CALL_DEPTH }),
  weights: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 10 }),
  scopes: fc.array(scopeArb, { minLength: 3, maxLength: 3 }),
  firstMenu: firstMenuArb,
  mainFirstMenu: firstMenuArb,
  helpFirstMenu: firstMenuArb,
  cardHandlers: nodeHandlersArb('gotoCard'),
  askHandlers: fc.array(nodeHandlersArb('gotoBack'), { minLength: 3, maxLength: 3 }),
  card: fc
    .tuple(
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom('#', '*', undefined),
    )
    .map(([min, more, endKey]) => ({ min, max: min + more, endKey })),
  scopeOfCard: scopeArb,
  // Which phrase of each list a document takes (the callers say them all).
  words: fc.array(fc.nat(2), { minLength: 12, maxLength: 12 }),
});

/** The `i`th drawn phrase of a list. */
function pick(list: readonly string[], i: number | undefined): string {
  return list[(i ?? 0) % list.length] as string;
}

/**
 * `count` documents drawn from `seed`. Each: `main` opens on a split whose branches greet and lead to
 * its menu (1: the subflow `l1`, 2: a collect node, 3: a parallel transfer); `l1`…`lD` (D drawn, 1 to 3)
 * each collect a value of a drawn scope, then a menu (1: the next subflow, 2: return, 3: return by the
 * exit `done`); `help` is a flow only a handler and a line lead to. Every listening node hears the
 * document's handlers, its flow's, none or those it names.
 */
export function buildFlowDocuments(seed: number, count: number): FlowDocument[] {
  return fc.sample(drawnArb, { seed, numRuns: count }).map((drawn, i) => buildDocument(drawn, i));
}

function buildDocument(drawn: Drawn, i: number): FlowDocument {
  const w = (key: keyof typeof PHRASES, n: number) => pick(PHRASES[key], drawn.words[n]);
  const optional = <T>(key: string, value: T | undefined) => (value === undefined ? {} : { [key]: value });
  const main = {
    start: 'pick',
    ...optional('firstMenu', drawn.mainFirstMenu),
    handlers: [{ name: 'gotoCard', keywords: [w('card', 0)], goto: 'card' }],
    nodes: {
      pick: {
        type: 'split',
        branches: drawn.weights.map((weight, j) => ({ name: `b${j}`, weight, goto: `hello${j}` })),
      },
      ...Object.fromEntries(
        drawn.weights.map((_, j) => [`hello${j}`, { type: 'say', say: `您好，第${j}号。`, next: 'menu' }]),
      ),
      menu: {
        type: 'menu',
        say: '办理请按1，卡号请按2，坐席请按3。',
        keys: { '1': 'callL1', '2': 'card', '3': 'desk' },
        intents: [{ name: 'wantSub', keywords: [w('go', 1)], excludes: [w('goNot', 2)], goto: 'callL1' }],
        noMatch: { retries: 2, say: ['没听懂。'], escalateTo: 'desk' },
      },
      callL1: { type: 'subflow', flow: 'l1', next: 'afterL1', exits: { done: 'afterDone' } },
      afterL1: { type: 'say', say: '回到主菜单，{{vars.v1}}{{vars.v2}}{{vars.v3}}。', next: 'menu' },
      afterDone: { type: 'say', say: '办好了，{{vars.v1}}。', next: 'menu' },
      card: {
        type: 'collect',
        say: '请输入卡号。',
        saveAs: 'card',
        minDigits: drawn.card.min,
        maxDigits: drawn.card.max,
        ...optional('endKey', drawn.card.endKey),
        scope: drawn.scopeOfCard,
        sensitive: true,
        handlers: drawn.cardHandlers,
        next: 'readCard',
      },
      readCard: { type: 'say', say: '收到。', next: 'menu' },
      desk: { type: 'parallelTransfer', ccName: 'fuzzcc', onFail: 'menu' },
      agent: { type: 'transfer', say: '正在转接。', to: '05923391657' },
    },
  };
  const levels = Object.fromEntries(
    Array.from({ length: drawn.depth }, (_, k) => {
      const d = k + 1;
      const deeper = d < drawn.depth;
      return [
        `l${d}`,
        {
          start: `ask${d}`,
          ...optional('firstMenu', d === 1 ? drawn.mainFirstMenu : undefined),
          handlers: [
            { name: 'gotoBack', keywords: [w('back', 3)], goto: `back${d}` },
            // Replaces the document's handler of that name in this flow.
            { name: 'repeatAgain', patterns: [`^${w('again', 4)}`], keys: ['*'], do: 'repeat' },
          ],
          nodes: {
            [`ask${d}`]: {
              type: 'collect',
              say: `第${d}层，请输入编号。`,
              saveAs: `v${d}`,
              maxDigits: 4,
              scope: drawn.scopes[k],
              handlers: drawn.askHandlers[k],
              next: `m${d}`,
            },
            [`m${d}`]: {
              type: 'menu',
              say: `编号{{vars.v${d}}}。继续请按1，返回请按2，完成请按3。`,
              keys: { '1': deeper ? `call${d + 1}` : `back${d}`, '2': `back${d}`, '3': `done${d}` },
              intents: [
                { name: 'yes', keywords: [w('yes', 5)], excludes: [w('yesNot', 6)], goto: `done${d}` },
              ],
            },
            ...(deeper
              ? {
                  [`call${d + 1}`]: {
                    type: 'subflow',
                    flow: `l${d + 1}`,
                    next: `m${d}`,
                    exits: { done: `after${d}` },
                  },
                  [`after${d}`]: { type: 'say', say: `下一层办好了，{{vars.v${d + 1}}}。`, next: `m${d}` },
                }
              : {}),
            [`back${d}`]: { type: 'return', say: '好的。' },
            [`done${d}`]: { type: 'return', exit: 'done' },
          },
        },
      ];
    }),
  );
  // Checked by compileRules and lintRules before any call: the literal's types are left wide.
  const rules = {
    version: `fuzz-flows-${i + 1}`,
    defaultLine: { flow: 'main' },
    lines: [{ name: 'helpLine', callerPrefixes: ['139'], flow: 'help' }],
    outbound: { defaultFlow: 'main' },
    // The forged-state property of dev/fuzz-callbacks.ts hears a restart by this prompt.
    recovery: DEFAULT_RULES.recovery,
    ...optional('firstMenu', drawn.firstMenu),
    handlers: [
      {
        name: 'flowGotoAgent',
        keywords: [w('agent', 7)],
        excludes: [w('agentNot', 8)],
        keys: ['0'],
        flow: 'main',
        goto: 'agent',
      },
      { name: 'repeatAgain', keywords: [w('again', 4)], keys: ['*'], do: 'repeat' },
      { name: 'restartTop', keywords: [w('top', 9)], keys: ['#'], do: 'restart' },
      { name: 'flowHome', keywords: [w('home', 10)], flow: 'main' },
      { name: 'flowHelp', patterns: [`^${w('help', 11)}`], keys: ['9'], flow: 'help' },
      { name: 'flowGotoCard', keywords: ['我要查卡'], flow: 'main', goto: 'card' },
    ],
    flows: {
      main,
      ...levels,
      help: {
        start: 'helpMenu',
        ...optional('firstMenu', drawn.helpFirstMenu),
        nodes: {
          helpMenu: {
            type: 'menu',
            say: '这里是帮助。听完请按1。',
            keys: { '1': 'helpBye' },
          },
          helpBye: { type: 'hangup', say: '再见。' },
        },
      },
    },
  } as unknown as RulesInput;
  const scopes = Object.fromEntries(
    drawn.scopes.slice(0, drawn.depth).map((scope, k) => [`v${k + 1}`, scope]),
  );
  return {
    json: JSON.stringify(rules),
    rules,
    depthOf: (flow) => (/^l[1-3]$/.test(flow) ? Number(flow.slice(1)) : 0),
    scopes,
    splitWeights: drawn.weights,
  };
}

/**
 * The one finding of the linter the documents are allowed: a subflow's own value read by the flow that
 * called it after it returns (`afterL1` reads `v1` of scope `flow` or `once`), which the linter rightly
 * says always reads as nothing there (for a value of a subflow's subflow, that no node of the reading
 * flow saves it; for a `once` value, that a node read it first). The documents read it on purpose: the property checked is that the
 * value is gone (a value of scope `call` comes back, and the linter says nothing of it). Any other error
 * refuses the document.
 */
const SUBFLOW_VALUE_READ =
  /^(flow l[1-3] saves v[1-3] for itself, and drops it when it returns, on every path here, |no collect or lookup node in flow (main|l[12]) saves v[1-3] |v[1-3] is kept once \(scope: once\), and every path here passes a node that reads it first and drops it)/;

/** What the linter says of each document that it refuses (errors only): empty when all pass. */
export function lintFlowDocuments(documents: readonly Pick<FlowDocument, 'rules'>[]): string[] {
  return documents.flatMap((document, i) =>
    lintRules(document.rules)
      .errors.filter((issue) => !SUBFLOW_VALUE_READ.test(issue.message))
      .map((issue) => `document ${i + 1}: ${issue.path}: ${issue.message}`),
  );
}

// ─── The calls ───

/** Everything a caller may say: every phrase the documents draw from, with excludes around keywords. */
export const FLOW_WORDS = [
  ...Object.values(PHRASES).flat(),
  '我不要人工',
  '我要人工',
  '不是的',
  '一二三四',
  '按一',
  '按二',
  '三',
  '幺二三',
  '好的',
  '再说一遍吧',
  `我的号码是${['139', '1234', '5678'].join('')}`,
];

/** A caller's key presses: menu keys, handler keys, entries of every length, the platform's timeout. */
const digitsArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('1', '2', '3', '0', '*', '#', '9', '4', '5') },
  { weight: 2, arbitrary: fc.stringMatching(/^[0-9]{2,8}[#*]?$/) },
  { weight: 1, arbitrary: fc.constantFrom('noInputTimeout', '', '12345678901234567890123456789012345') },
);

/** Random events; a `digger` presses 1 most of the time, so that calls go deep into the subflows. */
function followUpArb(digger: boolean): fc.Arbitrary<FollowUp> {
  return fc.record({
    type: digger
      ? fc.oneof(
          { weight: 8, arbitrary: fc.constant('dtmf' as const) },
          { weight: 2, arbitrary: fc.constantFrom('mute' as const, 'normal' as const) },
        )
      : fc.constantFrom(
          'mute',
          'dtmf',
          'dtmf',
          'dtmf',
          'normal',
          'normal',
          'normal',
          'timebreak',
          'parallel_transfer',
        ),
    digits: digger
      ? fc.oneof({ weight: 7, arbitrary: fc.constant('1') }, { weight: 3, arbitrary: digitsArb })
      : digitsArb,
    words: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...FLOW_WORDS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    ),
    status: fc.constantFrom('success', 'fail', 'fail', 'ringing'),
    ...deliveryArbs({ carried: 30, pauseMs: fc.constant(0), twicePercent: 8 }),
  });
}

const flowCallArb: fc.Arbitrary<FuzzCall> = fc.boolean().chain((digger) =>
  fc.record({
    callId: platformCallIdArb,
    caller: callerArb,
    named: fc.boolean(),
    followUps: fc.array(followUpArb(digger), { maxLength: digger ? 12 : 10 }),
  }),
);

/** Calls mostly, and dev/fuzz-callbacks.ts's requests (junk, forged and replayed states) among them. */
export function flowItemArb(replayed: readonly string[]): fc.Arbitrary<FuzzItem> {
  return fc.oneof(
    { weight: 9, arbitrary: flowCallArb.map((call) => ({ call })) },
    { weight: 1, arbitrary: requestArb(replayed).map((request) => ({ request })) },
  );
}

// ─── The properties ───

/** What the run exercised, by construct, from the callbacks' traces and states. */
export type FlowCoverage = {
  readonly constructs: Map<string, number>;
  /** Calls that passed each document's split, and the branches they took, by document. */
  readonly splits: Map<FlowDocument, { visits: number; branches: Map<number, number> }>;
};

/** The constructs every run of {@link EVERY_CONSTRUCT_RUNS} requests or more must exercise. */
export const EVERY_CONSTRUCT = [
  'handler goto',
  'handler flow+goto',
  'handler flow',
  'handler repeat',
  'handler restart',
  'handler by key',
  'handler by words',
  'handler replaced by the flow',
  'subflow called at depth 1',
  'subflow called at depth 2',
  'subflow called at depth 3',
  'returned from depth 1',
  'returned from depth 2',
  'returned from depth 3',
  'returned by exit done',
  'call value kept after return',
  'excludes voided an intent',
  'excludes voided a handler',
  'split',
  'firstMenu once: greeting only',
  'collected',
  'duplicate answered alike',
  'state 3 subflows deep',
];

/** A run of at least this many requests must exercise {@link EVERY_CONSTRUCT}. */
export const EVERY_CONSTRUCT_RUNS = 20_000;

/** A split branch whose weight promises this many calls must be taken in a run. */
const SPLIT_EXPECTED_AT_LEAST = 30;

function counted(coverage: FlowCoverage, construct: string, n = 1): void {
  coverage.constructs.set(construct, (coverage.constructs.get(construct) ?? 0) + n);
}

/** The kind of a handler, as the documents name them: `flowGotoAgent` is a `flow+goto`. */
function handlerKind(name: string): string {
  const kind = /^(flowGoto|goto|flow|repeat|restart)/.exec(name)?.[1] ?? 'other';
  return kind === 'flowGoto' ? 'flow+goto' : kind;
}

/**
 * Checks a callback's reply and log line under a flows document, and counts what it exercised. `splits`
 * remembers the branch each call took at a split, which it must take again.
 */
export function checkFlowCallback(
  answered: Answered<FlowDocument>,
  stateSecrets: string,
  coverage: FlowCoverage,
  splits: Map<string, string>,
): string | undefined {
  const { request, result, line, instance } = answered;
  const document = instance.document;
  if (line !== undefined && line.level === 'error') {
    const error = line.error as { name?: unknown; message?: unknown } | undefined;
    return `answered with the fallback under a document the linter passes: ${String(error?.name)}: ${String(error?.message)}`;
  }
  const trace = Array.isArray(line?.trace) ? (line.trace as unknown[]).map(String) : [];
  const problem = readTrace(trace, document, coverage, request.callId, splits);
  if (problem !== undefined) return problem;
  const dynamicId = stateOf(result);
  if (dynamicId === undefined || dynamicId === 'x.fallback') return undefined;
  return checkState(dynamicId, request.callId, stateSecrets, document, coverage, trace);
}

function readTrace(
  trace: readonly string[],
  document: FlowDocument,
  coverage: FlowCoverage,
  callId: string,
  splits: Map<string, string>,
): string | undefined {
  for (const [index, entry] of trace.entries()) {
    const handler = readHandlerHeard(entry);
    if (handler !== undefined) {
      counted(coverage, `handler ${handlerKind(handler.name)}`);
      counted(coverage, /^(spoken )?key /.test(handler.why) ? 'handler by key' : 'handler by words');
      if (handler.name === 'repeatAgain' && handler.why.startsWith('pattern'))
        counted(coverage, 'handler replaced by the flow');
    }
    const next = trace[index + 1];
    if (/^enter \S+ \(subflow\)$/.test(entry) && next !== undefined) {
      const flow = readFlowEntered(next);
      if (flow !== undefined) counted(coverage, `subflow called at depth ${document.depthOf(flow)}`);
    }
    const returned = readSubflowReturned(entry);
    if (returned !== undefined) {
      counted(coverage, `returned from depth ${document.depthOf(returned.flow) + 1}`);
      if (returned.exit !== undefined) counted(coverage, `returned by exit ${returned.exit}`);
    }
    const excluded = readIntentExcluded(entry);
    if (excluded !== undefined)
      counted(coverage, `excludes voided ${excluded.kind === 'intent' ? 'an intent' : 'a handler'}`);
    const taken = readSplitTaken(entry);
    const split =
      taken === undefined ? undefined : ([entry, taken.node, taken.branch.replace(/^b/, '')] as const);
    if (split?.[1] !== undefined && split[2] !== undefined) {
      counted(coverage, 'split');
      const seen = coverage.splits.get(document) ?? { visits: 0, branches: new Map<number, number>() };
      coverage.splits.set(document, seen);
      seen.visits += 1;
      const branch = Number(split[2]);
      seen.branches.set(branch, (seen.branches.get(branch) ?? 0) + 1);
      // A split's choice is the call id's and the node's: the same under one document, whichever call and instance.
      const key = `${document.rules.version}|${callId}|${split[1]}`;
      const before = splits.get(key);
      if (before !== undefined && before !== split[2])
        return `split ${split[1]} sent call ${callId} down branch b${split[2]}, and before down b${before}`;
      splits.set(key, split[2]);
    }
    if (entry === 'prompt held for the first dtmf reply (firstMenu: once)')
      counted(coverage, 'firstMenu once: greeting only');
    if (/^collected \S+ \(/.test(entry)) counted(coverage, 'collected');
  }
  return undefined;
}

/** The state a reply sealed: short enough, opens for its call, at most 3 subflows deep, no stale `flow` value. */
function checkState(
  dynamicId: string,
  callId: string,
  stateSecrets: string,
  document: FlowDocument,
  coverage: FlowCoverage,
  trace: readonly string[],
): string | undefined {
  if (dynamicId.length > MAX_DYNAMIC_ID_CHARS)
    return `a dynamic_id of ${dynamicId.length} characters, over the ${MAX_DYNAMIC_ID_CHARS} the platform keeps`;
  // A flow name (an outbound reply never seals one, but say so should it).
  const decoded = decodeState(dynamicId, [stateSecrets], callId);
  if (decoded.kind !== 'ok')
    return `a sealed state does not open for its call (${decoded.kind}): ${dynamicId}`;
  const depth = decoded.state.stack?.length ?? 0;
  if (depth > MAX_CALL_DEPTH) return `a state ${depth} subflows deep, over ${MAX_CALL_DEPTH}`;
  counted(coverage, `state ${depth} subflows deep`);
  const state = openState(decoded.state, indexStateNames(document.rules.flows as never));
  if (state === undefined)
    return `a sealed state names no node of its document: ${JSON.stringify(decoded.state)}`;
  const inForce = new Set([state.flow, ...(state.stack ?? []).map((frame) => frame.flow)]);
  for (const [name, scope] of Object.entries(document.scopes)) {
    if (!Object.hasOwn(state.vars, name)) continue;
    const flow = `l${name.slice(1)}`;
    if (scope === 'flow' && !inForce.has(flow))
      return `value ${name} (scope flow, saved in ${flow}) outlived its flow: the call is at ${state.flow}/${state.node} inside ${[...inForce].join(', ')}`;
    if (scope === 'call' && !inForce.has(flow) && trace.some((entry) => entry.startsWith('return')))
      counted(coverage, 'call value kept after return');
  }
  return undefined;
}

/**
 * A callback sent twice must be answered alike: the same reply, but for the state, which is sealed anew
 * (a new iv) and so compared opened, its start time aside (the clock may turn a second in between).
 */
export function checkAnsweredAlike(
  first: Answered<FlowDocument>,
  second: Answered<FlowDocument>,
  stateSecrets: string,
  coverage: FlowCoverage,
): string | undefined {
  const comparable = (answered: Answered<FlowDocument>) => {
    const body = safeJson(answered.result.body);
    const data = (body?.data ?? {}) as Record<string, unknown>;
    const { dynamic_id: dynamicId, ...rest } = data;
    const decoded =
      typeof dynamicId === 'string'
        ? decodeState(dynamicId, [stateSecrets], answered.request.callId)
        : { kind: 'none' };
    const state = decoded.kind === 'ok' && 'state' in decoded ? { ...decoded.state, startedAt: 0 } : decoded;
    return JSON.stringify({ status: answered.result.statusCode, rest, state });
  };
  const a = comparable(first);
  const b = comparable(second);
  counted(coverage, 'duplicate answered alike');
  return a === b ? undefined : `the same callback sent twice was answered differently:\n  ${a}\n  ${b}`;
}

/** What each document's split came to: every branch whose weight promised {@link SPLIT_EXPECTED_AT_LEAST} calls, taken. */
export function untakenSplitBranches(documents: readonly FlowDocument[], coverage: FlowCoverage): string[] {
  return documents.flatMap((document, i) => {
    const seen = coverage.splits.get(document);
    if (seen === undefined) return [];
    const total = document.splitWeights.reduce((sum, weight) => sum + weight, 0);
    return document.splitWeights.flatMap((weight, j) =>
      (seen.visits * weight) / total >= SPLIT_EXPECTED_AT_LEAST && !seen.branches.has(j)
        ? [`document ${i + 1} split branch b${j} (weight ${weight}/${total}, ${seen.visits} calls passed)`]
        : [],
    );
  });
}

// ─── The run ───

export type FlowFuzzOptions = CallRunOptions;

export type FlowFuzzResult = {
  readonly sent: number;
  /** The first property that did not hold (or the linter's errors); undefined when all held. */
  readonly failure: string | undefined;
  readonly coverage: FlowCoverage;
  readonly documents: readonly FlowDocument[];
};

/**
 * Runs the fuzz: draws the documents (and refuses to start when the linter refuses one), starts the
 * instances from the built bundles and a copy of them, and sends `runs` requests from the lanes at once,
 * each checked. Sets the functions' variables while it runs, and puts back what they were.
 */
export async function fuzzFlows(options: FlowFuzzOptions): Promise<FlowFuzzResult> {
  const coverage: FlowCoverage = { constructs: new Map(), splits: new Map() };
  const documents = buildFlowDocuments(options.seed, options.documents);
  const refused = lintFlowDocuments(documents);
  if (refused.length > 0)
    return {
      sent: 0,
      failure: `the linter refuses generated documents:\n${refused.join('\n')}`,
      coverage,
      documents,
    };
  const splits = new Map<string, string>();
  return await withTwoDists(options.functions, {}, async (dists) => {
    const { sent, failure } = await playCalls<FlowDocument>({
      ...options,
      documents,
      environment: (document) => ({ STATE_SECRETS: options.stateSecrets, RULES: document.json }),
      dists,
      book: openLogBook(
        (line) => scanLogOutput(line, [options.stateSecrets]),
        () => {},
      ),
      items: flowItemArb,
      check: (answered) => checkFlowCallback(answered, options.stateSecrets, coverage, splits),
      checkTwice: (first, second) => checkAnsweredAlike(first, second, options.stateSecrets, coverage),
    });
    return { sent, failure, coverage, documents };
  });
}

/** The constructs a run never exercised, and the split branches it should have taken and did not. */
export function unexercised(result: FlowFuzzResult): string[] {
  return [
    ...EVERY_CONSTRUCT.filter((construct) => !result.coverage.constructs.has(construct)),
    ...untakenSplitBranches(result.documents, result.coverage),
  ];
}
