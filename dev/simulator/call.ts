/**
 * One simulated call: the caller's actions become the callbacks VMS would send (each carrying the
 * `dynamic_id` of the reply before it, and nothing else of the call), and each reply becomes a turn's
 * outcome — what the caller hears, the transfer, the hang-up — with what the function's log line says
 * of it (node, the rule that decided) when the transport sees the logs.
 */
import * as v from 'valibot';
import { type ReplyData, SuccessReplySchema } from '../../shared/protocol/reply-schema';
import {
  type ActingIn,
  CALL_START,
  nextPlatformState,
  type PlatformState,
  type Refusal,
  refuseAction,
} from './platform-rules';
import type { ClassifyReport } from './simulated-classifier';
import type { LookupReport } from './simulated-lookups';
import type { CallFunction, CallTransport } from './transport';

/** What the caller (or the platform, for a transfer's result) does on a turn. */
export type CallerAction =
  | { readonly kind: 'say'; readonly words: string }
  | { readonly kind: 'keys'; readonly keys: string }
  | { readonly kind: 'silence' }
  | { readonly kind: 'keyTimeout' }
  | { readonly kind: 'bargeIn' }
  | { readonly kind: 'transferResult'; readonly status: 'success' | 'fail' };

/** The opening of an inbound call (`callin`). */
export type Callin = {
  readonly caller: string;
  readonly callee: string;
  readonly forwardedFrom?: string | undefined;
};

/** What happened on one turn, as the caller and the log see it. */
export type TurnOutcome = {
  /** The event sent (`callin`, `normal`, `dtmf`, …), for the transcript. */
  readonly event: string;
  readonly status: number;
  /** The reply's action; undefined when the function did not answer with a valid reply. */
  readonly action: ReplyData['action'] | undefined;
  /** What went wrong with the reply (not HTTP 200, not a valid success reply). */
  readonly problem?: string | undefined;
  /** The TTS texts played, in order. */
  readonly texts: readonly string[];
  /** The audio codes played, in order. */
  readonly audio: readonly string[];
  /** The number a transfer dials, or the call centre of a parallel transfer. */
  readonly transferTo?: string | undefined;
  /** A `dtmf` reply's key collection. */
  readonly keys?:
    | { readonly max: number; readonly timeoutS: number; readonly endKey?: string | undefined }
    | undefined;
  /** Whether the caller may talk over the prompt. */
  readonly bargeIn?: boolean | undefined;
  /** The silence after which the platform sends `mute`, ms, when the reply sets it. */
  readonly muteTimeMs?: number | undefined;
  /** Characters of state carried in `dynamic_id` to the next event (0: none). */
  readonly stateChars: number;
  /** From the function's log line for this callback (in-process only). */
  readonly log?: CallbackLog | undefined;
  /** What the simulator's lookups say of this callback's (in-process only). */
  readonly lookupReport?: LookupReport | undefined;
  /** What the simulator's classifier says of this callback's classification (in-process only). */
  readonly classifyReport?: ClassifyReport | undefined;
};

/** The fields of a `callback` log line the simulator shows and checks. */
export type CallbackLog = {
  readonly flow?: string | undefined;
  readonly node?: string | undefined;
  /** The outcome tag of `node`, when it has one. */
  readonly tag?: string | undefined;
  readonly nodeBefore?: string | undefined;
  /** The flow of `nodeBefore`, when the call has since moved to another. */
  readonly flowBefore?: string | undefined;
  readonly line?: string | undefined;
  readonly matched?: string | undefined;
  readonly trace: readonly string[];
  readonly rulesVersion?: string | undefined;
  /** What happened, in the outcome words (shared/flow/outcome-words.ts). */
  readonly outcomes: readonly string[];
  /** What each lookup of the callback came to. */
  readonly lookups: readonly LoggedLookup[];
  /** What the language model was asked and answered, when a menu asked it. */
  readonly classified?: LoggedClassified | undefined;
  /** The log line as written, for coverage and replay. */
  readonly raw: Record<string, unknown>;
};

/** A lookup as a callback's log line records it (`lookups`): saved values masked, sensitive ones withheld. */
export const LoggedLookupSchema = v.object({
  use: v.string(),
  outcome: v.picklist(['ok', 'failed', 'waiting']),
  attempts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  why: v.optional(v.string()),
  status: v.optional(v.pipe(v.number(), v.integer())),
  values: v.optional(v.record(v.string(), v.string())),
});
export type LoggedLookup = v.InferOutput<typeof LoggedLookupSchema>;

/**
 * A classification as a callback's log line records it (`classified`, shared/flow/call-context.ts's
 * ClassifyRecord): the verdict or why there was none, and whether the call took it.
 */
export const LoggedClassifiedSchema = v.object({
  asked: v.picklist(['nomatch', 'doubtful']),
  choice: v.optional(v.string()),
  confidence: v.optional(v.pipe(v.number(), v.finite())),
  why: v.optional(v.string()),
  taken: v.boolean(),
  ms: v.pipe(v.number(), v.finite(), v.minValue(0)),
  promptTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  completionTokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
});
export type LoggedClassified = v.InferOutput<typeof LoggedClassifiedSchema>;

/** A text field of a log line, read leniently: a field of another shape is left out, never trusted. */
export const lenientText = v.fallback(v.optional(v.string()), undefined);

/**
 * The fields of a `callback` log line the simulator reads, leniently (replay reads these and the
 * event's own).
 */
export const CallbackLogSchema = v.object({
  msg: v.literal('callback'),
  flow: lenientText,
  node: lenientText,
  tag: lenientText,
  nodeBefore: lenientText,
  flowBefore: lenientText,
  line: lenientText,
  matched: lenientText,
  action: lenientText,
  rulesVersion: lenientText,
  trace: v.fallback(v.optional(v.array(v.string()), []), []),
  outcomes: v.fallback(v.optional(v.array(v.string()), []), []),
  lookups: v.fallback(v.optional(v.array(LoggedLookupSchema), []), []),
  classified: v.fallback(v.optional(LoggedClassifiedSchema), undefined),
});

/** The `callback` line among a callback's log lines (the function writes one per callback). */
export function findCallbackLog(logs: readonly Record<string, unknown>[]): CallbackLog | undefined {
  for (const raw of logs) {
    const parsed = v.safeParse(CallbackLogSchema, raw);
    if (parsed.success) {
      const { msg: _msg, ...fields } = parsed.output;
      return { ...fields, raw };
    }
  }
  return undefined;
}

/** A call in progress, over one transport. */
export class SimulatedCall {
  private dynamicId: string | undefined;
  /** Whether the call is over: hung up, transferred away, or the caller hung up. */
  ended = false;
  /** Every turn's outcome so far. */
  readonly outcomes: TurnOutcome[] = [];
  private delivering: PlatformState = CALL_START;

  constructor(
    private readonly transport: CallTransport,
    private readonly fn: CallFunction,
    readonly callId: string,
    /** SmartCall's `DynamicId` for an outbound call's first event. */
    firstDynamicId?: string,
  ) {
    this.dynamicId = firstDynamicId;
  }

  /** Sends the `callin` of an inbound call. */
  answer(callin: Callin, at: number): Promise<TurnOutcome> {
    const content: Record<string, string> = { caller: callin.caller, callee: callin.callee };
    if (callin.forwardedFrom !== undefined) content.orgcallee = callin.forwardedFrom;
    return this.deliver('callin', content, at);
  }

  /** Sends the event a caller's action produces, carrying the last reply's `dynamic_id`. */
  act(action: CallerAction, at: number): Promise<TurnOutcome> {
    const withState = (content: Record<string, string>) =>
      this.dynamicId === undefined ? content : { ...content, dynamic_id: this.dynamicId };
    const atText = String(at);
    switch (action.kind) {
      case 'say':
        return this.deliver(
          'normal',
          withState({ words: action.words, role: 'B', is_playing: 'false', asr_end_time: atText }),
          at,
        );
      case 'keys':
        return this.deliver('dtmf', withState({ dtmf_digits: action.keys }), at);
      case 'keyTimeout':
        return this.deliver('dtmf', withState({ dtmf_digits: 'noInputTimeout' }), at);
      case 'silence':
        return this.deliver('mute', withState({}), at);
      case 'bargeIn':
        return this.deliver('timebreak', withState({ asr_begin_time: atText, play_begin_time: atText }), at);
      case 'transferResult':
        return this.deliver('parallel_transfer', withState({ transfer_status: action.status }), at);
    }
  }

  /** What the platform is doing after the replies so far: what it would deliver next. */
  get platform(): PlatformState {
    return this.delivering;
  }

  /**
   * Whether the platform would deliver `action` now (docs/simulator-rules.md): undefined when it would,
   * else the rule that stops it. {@link act} sends whatever it is given; the simulator asks first.
   */
  refuse(action: CallerAction, actingIn: ActingIn): Refusal | undefined {
    return refuseAction(this.delivering, action, actingIn);
  }

  /** The caller hangs up: the platform sends no callback for it; the call is over. */
  hangUp(): void {
    this.ended = true;
  }

  private async deliver(event: string, content: Record<string, string>, at: number): Promise<TurnOutcome> {
    const delivery = await this.transport.send(
      this.fn,
      { call_id: this.callId, content_type: event, content: JSON.stringify(content), timestamp: String(at) },
      at,
    );
    const outcome = {
      ...readReply(event, delivery.status, delivery.body, findCallbackLog(delivery.logs)),
      lookupReport: delivery.lookups,
      classifyReport: delivery.classifications,
    };
    this.outcomes.push(outcome);
    this.delivering = nextPlatformState(this.delivering, event, outcome);
    this.dynamicId = outcome.action === undefined ? this.dynamicId : readDynamicId(delivery.body);
    if (outcome.action === 'hangup' || outcome.action === 'transfer') this.ended = true;
    return outcome;
  }
}

function readDynamicId(body: string): string | undefined {
  const parsed = v.safeParse(SuccessReplySchema, parseJson(body));
  return parsed.success ? parsed.output.data.dynamic_id : undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A reply as the caller experiences it. */
export function readReply(event: string, status: number, body: string, log?: CallbackLog): TurnOutcome {
  const empty = { event, status, texts: [], audio: [], stateChars: 0, log };
  // Status 0: no HTTP answer at all (the transport says why in the body).
  if (status === 0) return { ...empty, action: undefined, problem: body.slice(0, 300) };
  if (status !== 200)
    return { ...empty, action: undefined, problem: `HTTP ${status}: ${body.slice(0, 300)}` };
  const parsed = v.safeParse(SuccessReplySchema, parseJson(body));
  if (!parsed.success)
    return { ...empty, action: undefined, problem: `not a valid reply: ${body.slice(0, 300)}` };
  const data = parsed.output.data;
  const texts: string[] = [];
  const audio: string[] = [];
  if ('action_code' in data && data.action_code !== undefined) {
    const params = (parseJson(data.action_code_param ?? '{}') ?? {}) as Record<string, string>;
    for (const item of data.action_code.split(',')) {
      const variable = /^\$(.+)\$$/.exec(item)?.[1];
      if (variable === undefined) audio.push(item);
      else texts.push(params[variable] ?? '');
    }
  }
  return {
    ...empty,
    action: data.action,
    texts,
    audio,
    transferTo:
      data.action === 'transfer'
        ? data.number
        : data.action === 'parallel_transfer'
          ? data.cc_name
          : undefined,
    keys:
      data.action === 'dtmf'
        ? { max: data.dtmf_max_numbers, timeoutS: data.dtmf_nonin_overtime, endKey: data.dtmf_end_character }
        : undefined,
    bargeIn: 'action_code_break' in data ? data.action_code_break : undefined,
    muteTimeMs: 'mute_time' in data ? data.mute_time : undefined,
    stateChars: data.dynamic_id?.length ?? 0,
  };
}
