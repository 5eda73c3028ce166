import * as v from 'valibot';
import { integerIn } from '../protocol/coerce';
import { NAME_PATTERN } from '../text/name';
import { OUTBOUND_ID_FORMAT, openOutboundId } from './outbound-id';
import { createKeyDeriver, measureSealed, nextIv, openPayload, sealText } from './sealing';

/**
 * Where a call is in its flow. The platform keeps no state for us: this travels in `dynamic_id` and
 * comes back with the next event, so it is small, versioned and sealed (encrypted and authenticated:
 * collected digits and the caller's number travel in it, and must be neither read nor forged).
 */
export type CallState = {
  /** Tag of the rules version the call started under. */
  readonly rulesTag: string;
  readonly flow: string;
  readonly node: string;
  readonly phase: CallPhase;
  /** Consecutive no-input and no-match events at this node. */
  readonly noInput: number;
  readonly noMatch: number;
  /** Caller turns (speech, keys, silence) so far. */
  readonly turns: number;
  /** When the call started, epoch seconds. */
  readonly startedAt: number;
  /** The caller's number on inbound calls (`callin` is the only event that carries it); '' when unknown. */
  readonly caller: string;
  /** Values collected in the call (`collect` and `lookup` nodes), by name. */
  readonly vars: Readonly<Record<string, string>>;
  /** Lookup attempts sent so far for the node the call waits at (`waiting`); 0 elsewhere. */
  readonly attempts: number;
  /**
   * The subflow nodes the call is inside, outermost first: where each `return` goes back to. Absent (or
   * empty) in the top flow; at most {@link MAX_CALL_DEPTH} deep.
   */
  readonly stack?: readonly CallFrame[];
  /** The call's line says `classifier: false`: none of its utterances is sent to a language model. */
  readonly classifierOff?: true;
};

/** A call's state as it starts a flow at a node: listening, nothing counted, no lookup, no subflow. */
export function startState(
  start: Pick<CallState, 'rulesTag' | 'flow' | 'node' | 'startedAt' | 'caller' | 'vars'>,
): CallState {
  return { ...start, phase: 'listening', noInput: 0, noMatch: 0, turns: 0, attempts: 0 };
}

/** A subflow node a call is inside: the flow and node it returns to. */
export type CallFrame = { readonly flow: string; readonly node: string };

/** How many subflows deep a call may be (each costs a few characters of `dynamic_id`). */
export const MAX_CALL_DEPTH = 3;

/**
 * - `listening`: the node's prompt was played and its inputs are armed.
 * - `keysUnarmed`: a node that takes keys, whose prompt was played when keys could not be collected yet
 *   (on `answer`, or by SmartCall's opening).
 * - `ending`: a goodbye was played; the next event hangs up.
 * - `transferred`: the call was handed over; later events change nothing.
 * - `transferPending`: a transfer chosen where it could not be done at once (on `callin`, or after a
 *   prompt that a parallel transfer cannot play) happens on the next event.
 * - `waiting`: a lookup's answer took longer than its wait; the caller heard the filler, and the next
 *   event, whatever it is, asks for the answer again (`attempts` sent so far).
 */
export const CALL_PHASES = [
  'listening',
  'keysUnarmed',
  'ending',
  'transferred',
  'transferPending',
  'waiting',
] as const;
export type CallPhase = (typeof CALL_PHASES)[number];

const FORMAT = '2';

const count = integerIn(0, 1_000_000);
const name = v.pipe(v.string(), v.regex(NAME_PATTERN));

/**
 * The payload's wire form: a positional array, because every byte of `dynamic_id` goes back and forth.
 * The lookup attempts come next, only while the call waits for a lookup or is inside a subflow, then the
 * subflow nodes it is inside (positions in {@link StateNames.calls}), only while it is, and the call's
 * flags last, only when it has one (its line turned the classifier off).
 */
const StatePayloadItems = [
  v.pipe(v.string(), v.regex(/^[0-9a-z]{1,13}$/)),
  count,
  count,
  integerIn(0, CALL_PHASES.length - 1),
  count,
  count,
  count,
  integerIn(0, 1e11),
  v.pipe(v.string(), v.maxLength(32)),
  v.record(name, v.pipe(v.string(), v.maxLength(64))),
] as const;
const StatePayloadSchema = v.union([
  v.strictTuple(StatePayloadItems),
  v.strictTuple([...StatePayloadItems, integerIn(1, 9)]),
  v.strictTuple([
    ...StatePayloadItems,
    integerIn(0, 9),
    v.pipe(v.array(integerIn(0, 9999)), v.minLength(1), v.maxLength(MAX_CALL_DEPTH)),
  ]),
  // The flags last, only when a call has one: 1 = the line turned the classifier off.
  v.strictTuple([
    ...StatePayloadItems,
    integerIn(0, 9),
    v.pipe(v.array(integerIn(0, 9999)), v.maxLength(MAX_CALL_DEPTH)),
    v.literal(1),
  ]),
]);

/**
 * A state as sealed: flow and node are positions in the rules version named by `rulesTag` (names would
 * cost up to 64 characters of `dynamic_id` on every event). {@link openState} turns it back into names.
 */
export type SealedState = Omit<CallState, 'flow' | 'node' | 'stack'> & {
  readonly flow: number;
  readonly node: number;
  readonly stack?: readonly number[];
};

/** The flow and node names of one rules version, in a fixed order, for sealing states. */
export type StateNames = {
  readonly flows: readonly string[];
  readonly nodes: ReadonlyMap<string, readonly string[]>;
  /** Every subflow node (`flow/node`), which a stack frame names by position. */
  readonly calls: readonly string[];
};

/** Names to positions and back, for one rules version. */
export function indexStateNames(
  flows: Readonly<Record<string, { readonly nodes: Readonly<Record<string, unknown>> }>>,
): StateNames {
  const isCall = (node: unknown) =>
    typeof node === 'object' && node !== null && 'type' in node && node.type === 'subflow';
  return {
    flows: Object.keys(flows),
    nodes: new Map(Object.entries(flows).map(([flow, { nodes }]) => [flow, Object.keys(nodes)])),
    calls: Object.entries(flows).flatMap(([flow, { nodes }]) =>
      Object.entries(nodes).flatMap(([node, spec]) => (isCall(spec) ? [`${flow}/${node}`] : [])),
    ),
  };
}

/** The named state of a sealed one, or undefined when its positions do not exist in these names. */
export function openState(sealed: SealedState, names: StateNames): CallState | undefined {
  const flow = names.flows[sealed.flow];
  const node = flow === undefined ? undefined : names.nodes.get(flow)?.[sealed.node];
  if (flow === undefined || node === undefined) return undefined;
  const { stack: positions, ...rest } = sealed;
  if (positions === undefined) return { ...rest, flow, node };
  const stack: CallFrame[] = [];
  for (const position of positions) {
    const call = names.calls[position];
    const slash = call === undefined ? -1 : call.indexOf('/');
    if (call === undefined || slash < 0) return undefined;
    stack.push({ flow: call.slice(0, slash), node: call.slice(slash + 1) });
  }
  return { ...rest, flow, node, stack };
}

export type DecodedState =
  | { readonly kind: 'ok'; readonly state: SealedState }
  | { readonly kind: 'missing' }
  /** A plain flow name, as given to SmartCall's `DynamicId` to start an outbound call in that flow. */
  | { readonly kind: 'flow'; readonly flow: string }
  /** A DynamicId sealed by the sender of an outbound call (outbound-id.ts): a flow and its first values. */
  | { readonly kind: 'outbound'; readonly flow: string; readonly vars: Readonly<Record<string, string>> }
  /** `expired`: a sealed DynamicId past its expiry (a call state has none). */
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'tampered' | 'format' | 'expired' };

/** What opening a `dynamic_id` needs besides the state keys and the call. */
export type DecodeOptions = {
  /**
   * The keys that open a sealed SmartCall DynamicId (`OUTBOUND_SECRETS`) and the time its expiry is judged
   * at. Without them (or with no key), one is refused as `tampered`.
   */
  readonly outbound?: { readonly keys: readonly string[]; readonly nowMs: number };
};

/** AES-256 keys of `STATE_SECRETS`, under a label of their own (an outbound key is derived under another). */
const deriveKey = createKeyDeriver('vms-callflow state v2');

/** The payload's wire form (see {@link StatePayloadSchema}), before sealing. */
function serialisePayload(
  state: Omit<CallState, 'flow' | 'node' | 'stack'>,
  flow: number,
  node: number,
  stack: readonly number[],
): string {
  const payload = [
    state.rulesTag,
    flow,
    node,
    CALL_PHASES.indexOf(state.phase),
    state.noInput,
    state.noMatch,
    state.turns,
    state.startedAt,
    state.caller,
    state.vars,
  ];
  if (state.classifierOff === true) return JSON.stringify([...payload, state.attempts, stack, 1]);
  if (stack.length > 0) return JSON.stringify([...payload, state.attempts, stack]);
  return JSON.stringify(state.attempts > 0 ? [...payload, state.attempts] : payload);
}

/**
 * The bytes a value takes in the sealed state: UTF-8, JSON-escaped, without its quotes. Values saved by
 * lookups and carried by a sealed DynamicId are bounded by it, and the linter's state bound counts a
 * value of `maxBytes` at this measure.
 */
export function measureStateBytes(value: string): number {
  return Buffer.byteLength(JSON.stringify(value)) - 2;
}

/**
 * The `dynamic_id` length of the longest state a call could seal with these values: the largest flow and
 * node positions, counters, turns and start time a call reaches (and the flag of a line that turns the
 * classifier off, when a line may), so the linter can refuse a flow whose states would not fit before any
 * call does.
 */
export function measureLongestState(
  rulesTag: string,
  caller: string,
  vars: Readonly<Record<string, string>>,
  depth = 0,
  classifierOff = false,
): number {
  const longest = {
    rulesTag,
    phase: 'transferPending',
    noInput: 9,
    noMatch: 9,
    turns: 500,
    startedAt: 1_800_000_000,
    caller,
    vars,
    attempts: 3,
    ...(classifierOff ? { classifierOff: true as const } : {}),
  } as const;
  return measureSealed(FORMAT, serialisePayload(longest, 999, 999, new Array<number>(depth).fill(999)));
}

/**
 * Seals a call state as `2.<base64url(iv ‖ ciphertext ‖ tag)>` with AES-256-GCM under the first key.
 * `iv` is random, so equal states seal differently; that is fine, nothing compares tokens.
 */
export function encodeState(
  state: CallState,
  names: StateNames,
  keys: readonly [string, ...string[]],
  callId: string,
  iv: Buffer = nextIv(),
): string {
  const flow = names.flows.indexOf(state.flow);
  const node = names.nodes.get(state.flow)?.indexOf(state.node) ?? -1;
  if (flow < 0 || node < 0)
    throw new Error(`cannot seal a state at ${state.flow}/${state.node}: not in these rules`);
  const stack = (state.stack ?? []).map((frame) => names.calls.indexOf(`${frame.flow}/${frame.node}`));
  if (stack.some((position) => position < 0))
    throw new Error(`cannot seal a state inside ${state.flow}: its stack names a node that calls no flow`);
  const payload = serialisePayload(state, flow, node, stack);
  // The call id is authenticated with the state: a state taken from one call is refused on another.
  const sealed = sealText(payload, deriveKey(keys[0]), stateAad(callId), iv);
  return `${FORMAT}.${sealed.toString('base64url')}`;
}

/**
 * Reads a `dynamic_id` of call `callId`. Any of `keys` may have sealed it (key rotation). Never throws:
 * a missing, foreign (another call's) or tampered value is reported as such and the engine recovers.
 * A plain name and a sealed SmartCall DynamicId are told apart here, what they may start is the engine's.
 */
export function decodeState(
  dynamicId: string | undefined,
  keys: readonly string[],
  callId: string,
  options: DecodeOptions = {},
): DecodedState {
  if (dynamicId === undefined || dynamicId === '') return { kind: 'missing' };
  if (NAME_PATTERN.test(dynamicId)) return { kind: 'flow', flow: dynamicId };
  const dot = dynamicId.indexOf('.');
  if (dot < 0) return { kind: 'invalid', reason: 'malformed' };
  const format = dynamicId.slice(0, dot);
  if (format === OUTBOUND_ID_FORMAT) {
    const { keys: outboundKeys = [], nowMs = 0 } = options.outbound ?? {};
    const opened = openOutboundId(dynamicId, outboundKeys, nowMs);
    return opened.kind === 'ok' ? { kind: 'outbound', flow: opened.flow, vars: opened.vars } : opened;
  }
  if (format !== FORMAT) return { kind: 'invalid', reason: 'format' };
  const sealed = Buffer.from(dynamicId.slice(dot + 1), 'base64url');
  const opened = openPayload(sealed, keys, deriveKey, stateAad(callId), StatePayloadSchema);
  if (!opened.ok) return { kind: 'invalid', reason: opened.reason };
  const [
    rulesTag,
    flow,
    node,
    phase,
    noInput,
    noMatch,
    turns,
    startedAt,
    caller,
    vars,
    attempts,
    stack,
    flags,
  ] = opened.payload;
  return {
    kind: 'ok',
    state: {
      rulesTag,
      flow,
      node,
      phase: CALL_PHASES[phase] ?? 'listening',
      noInput,
      noMatch,
      turns,
      startedAt,
      caller,
      vars,
      attempts: attempts ?? 0,
      ...(stack === undefined || stack.length === 0 ? {} : { stack }),
      ...(flags === 1 ? { classifierOff: true } : {}),
    },
  };
}

function stateAad(callId: string): Buffer {
  return Buffer.from(`${FORMAT}\u0000${callId}`);
}
