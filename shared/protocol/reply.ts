import * as v from 'valibot';
import { integerIn } from './coerce';
import { cleanTtsText, hasForbiddenTtsCharacter } from './tts-text';

// ---------------------------------------------------------------------------------------------------
// Call settings and playback, in the project's own words (camelCase, explicit units). The rules
// document uses these schemas; the builder below renders them into the platform's field names.
// ---------------------------------------------------------------------------------------------------

/** Audio file code uploaded in the console, e.g. `2d4c…afbb.wav`; it must not break the comma list. */
export const AudioCodeSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'an audio code is letters, digits, "_", "-" and "."'),
);

/** A phone number to transfer to: digits, optionally with a leading `+`. */
export const PhoneNumberSchema = v.pipe(
  v.string(),
  v.regex(/^\+?[0-9]{3,20}$/, 'a phone number is 3–20 digits'),
);

export const AsrBaseIds = ['customer_service_8k', 'dialect_customer_service_8k'] as const;

/** Settings of a call, given on `answer` (and `muteTimeMs` on later replies too). */
export const CallSettingsSchema = v.strictObject({
  /** ASR model: one of the platform's base models, or a custom model id. */
  asrBaseId: v.optional(v.picklist(AsrBaseIds)),
  asrModelId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/))),
  record: v.optional(v.boolean()),
  /** Silence before a `mute` event, ms. Outside 1000–20000 the platform silently uses 10000. */
  muteTimeMs: v.optional(integerIn(1000, 20000)),
  /** End-of-sentence pause, ms; only the value on `answer` counts. */
  pauseTimeMs: v.optional(integerIn(300, 1200)),
  /** The platform hangs up when the call reaches this, s. */
  sessionTimeoutS: v.optional(integerIn(1, 3600)),
  tts: v.optional(
    v.strictObject({
      voice: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/))),
      volume: v.optional(integerIn(0, 100)),
      speed: v.optional(integerIn(-200, 200)),
    }),
  ),
  /** May the caller interrupt prompts (`action_code_break`). */
  bargeIn: v.optional(v.boolean()),
  /** Talk this long over a prompt to stop it (`action_code_time_break`), ms; needs `bargeIn`. */
  bargeInAfterMs: v.optional(integerIn(1, 60000)),
});
export type CallSettings = v.InferOutput<typeof CallSettingsSchema>;

/** One thing to play: TTS text or an uploaded audio file. */
export type PromptItem = { readonly tts: string } | { readonly audio: string };

export type Playback = {
  readonly items: readonly PromptItem[];
  readonly bargeIn?: boolean | undefined;
  readonly bargeInAfterMs?: number | undefined;
};

// ---------------------------------------------------------------------------------------------------
// What a reply may say, in domain terms. Two types so that the compiler already refuses a `play`
// after `callin` or an `answer` after anything else.
// ---------------------------------------------------------------------------------------------------

/** The only actions valid in reply to `callin`. */
export type CallinAction =
  | { readonly action: 'answer'; readonly playback?: Playback; readonly settings: CallSettings }
  | { readonly action: 'hangup'; readonly playback?: Playback };

/** The actions valid in reply to any later event. */
export type EventAction =
  | { readonly action: 'hangup'; readonly playback?: Playback }
  | { readonly action: 'play'; readonly playback: Playback; readonly muteTimeMs?: number | undefined }
  | { readonly action: 'break' }
  | { readonly action: 'continue' }
  | { readonly action: 'donothing' }
  | {
      readonly action: 'transfer';
      readonly number: string;
      readonly playback?: Playback;
      readonly muteTimeMs?: number | undefined;
    }
  | {
      readonly action: 'dtmf';
      readonly playback?: Playback;
      readonly maxDigits: number;
      readonly timeoutS: number;
      readonly endKey?: '#' | '*' | undefined;
      readonly muteTimeMs?: number | undefined;
    }
  | {
      readonly action: 'parallel_transfer';
      readonly ccName: string;
      readonly monitor: boolean;
      readonly transferPlayfile?: string | undefined;
    }
  | { readonly action: 'parallel_bridge' };

// ---------------------------------------------------------------------------------------------------
// The wire format, with the documented ranges. Every reply is checked against this before it leaves.
// ---------------------------------------------------------------------------------------------------

/** `dynamic_id` goes through URL and JSON encodings and must avoid the forbidden characters. */
const WireDynamicIdSchema = v.pipe(v.string(), v.regex(/^[A-Za-z0-9._~-]{1,200}$/));

const WireCommon = {
  call_id: v.pipe(v.string(), v.minLength(1)),
  dynamic_id: v.optional(WireDynamicIdSchema),
};

const ActionCodeItemSchema = v.union([
  AudioCodeSchema,
  v.pipe(v.string(), v.regex(/^\$[A-Za-z0-9_]{1,32}\$$/)),
]);

function isCleanParamObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return (
      parsed !== null &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((x) => typeof x === 'string' && !hasForbiddenTtsCharacter(x))
    );
  } catch {
    return false;
  }
}

const WirePlayback = {
  action_code: v.optional(
    v.pipe(
      v.string(),
      v.check(
        (s) => s.split(',').every((item) => v.is(ActionCodeItemSchema, item)),
        'action_code must be a comma-separated list of audio codes and $variables$',
      ),
    ),
  ),
  /** A JSON object serialised into a string, never a nested object. */
  action_code_param: v.optional(
    v.pipe(
      v.string(),
      v.check(isCleanParamObject, 'action_code_param must be a JSON object of clean strings'),
    ),
  ),
  action_code_break: v.optional(v.boolean()),
  action_code_time_break: v.optional(integerIn(1, 60000)),
};

const WireSettings = {
  session_timeout: v.optional(integerIn(1, 3600)),
  record_flag: v.optional(v.boolean()),
  asr_base_id: v.optional(v.picklist(AsrBaseIds)),
  asr_model_id: v.optional(v.string()),
  mute_time: v.optional(integerIn(1000, 20000)),
  pause_time: v.optional(integerIn(300, 1200)),
  tts_conf: v.optional(v.boolean()),
  tts_style: v.optional(v.string()),
  tts_volume: v.optional(integerIn(0, 100)),
  tts_speed: v.optional(integerIn(-200, 200)),
};

const MuteTime = { mute_time: v.optional(integerIn(1000, 20000)) };

export const ReplyDataSchema = v.variant('action', [
  v.strictObject({ ...WireCommon, action: v.literal('answer'), ...WirePlayback, ...WireSettings }),
  v.strictObject({ ...WireCommon, action: v.literal('hangup'), ...WirePlayback }),
  v.strictObject({ ...WireCommon, action: v.literal('play'), ...WirePlayback, ...MuteTime }),
  v.strictObject({ ...WireCommon, action: v.literal('break') }),
  v.strictObject({ ...WireCommon, action: v.literal('continue') }),
  v.strictObject({ ...WireCommon, action: v.literal('donothing') }),
  v.strictObject({
    ...WireCommon,
    action: v.literal('transfer'),
    number: PhoneNumberSchema,
    ...WirePlayback,
    ...MuteTime,
  }),
  v.strictObject({
    ...WireCommon,
    action: v.literal('dtmf'),
    ...WirePlayback,
    ...MuteTime,
    dtmf_max_numbers: integerIn(1, 50),
    dtmf_nonin_overtime: integerIn(3, 60),
    dtmf_end_character: v.optional(v.picklist(['#', '*', ''])),
  }),
  v.strictObject({
    ...WireCommon,
    action: v.literal('parallel_transfer'),
    cc_name: v.pipe(v.string(), v.minLength(1)),
    is_monitor: v.boolean(),
    transfer_playfile: v.optional(AudioCodeSchema),
  }),
  v.strictObject({ ...WireCommon, action: v.literal('parallel_bridge') }),
]);

export const SuccessReplySchema = v.strictObject({
  result: v.literal('success'),
  msg: v.string(),
  code: v.literal(200),
  data: ReplyDataSchema,
});
export type SuccessReply = v.InferOutput<typeof SuccessReplySchema>;
export type ReplyData = v.InferOutput<typeof ReplyDataSchema>;

/** Thrown when a reply would not pass {@link SuccessReplySchema}: a bug, caught by the one error path. */
export class InvalidReplyError extends Error {
  override readonly name = 'InvalidReplyError';
}

// ---------------------------------------------------------------------------------------------------
// The builder.
// ---------------------------------------------------------------------------------------------------

type WireFields = Record<string, string | number | boolean>;

/**
 * Renders playback items: audio codes go into `action_code` as they are, each TTS text becomes a
 * `$ttsN$` variable whose cleaned value goes into `action_code_param` (a JSON string).
 */
function renderPlayback(playback: Playback | undefined): WireFields {
  if (playback === undefined) return {};
  const codes: string[] = [];
  const params: Record<string, string> = {};
  for (const item of playback.items) {
    if ('audio' in item) {
      // Checked one by one: joined, a code with a comma in it would pass as two.
      if (!v.is(AudioCodeSchema, item.audio))
        throw new InvalidReplyError('an audio code is not a plain file code');
      codes.push(item.audio);
      continue;
    }
    const text = cleanTtsText(item.tts);
    if (text === '') continue;
    const name = `tts${codes.length + 1}`;
    codes.push(`$${name}$`);
    params[name] = text;
  }
  if (codes.length === 0) return {};
  const fields: WireFields = { action_code: codes.join(',') };
  if (Object.keys(params).length > 0) fields.action_code_param = JSON.stringify(params);
  if (playback.bargeIn !== undefined) fields.action_code_break = playback.bargeIn;
  if (playback.bargeIn !== false && playback.bargeInAfterMs !== undefined) {
    fields.action_code_time_break = playback.bargeInAfterMs;
  }
  return fields;
}

function renderSettings(settings: CallSettings): WireFields {
  const fields: WireFields = {};
  if (settings.sessionTimeoutS !== undefined) fields.session_timeout = settings.sessionTimeoutS;
  if (settings.record !== undefined) fields.record_flag = settings.record;
  // The platform wants one of the two ASR fields; a custom model wins over a base model.
  if (settings.asrModelId !== undefined) fields.asr_model_id = settings.asrModelId;
  else if (settings.asrBaseId !== undefined) fields.asr_base_id = settings.asrBaseId;
  if (settings.muteTimeMs !== undefined) fields.mute_time = settings.muteTimeMs;
  if (settings.pauseTimeMs !== undefined) fields.pause_time = settings.pauseTimeMs;
  if (settings.tts !== undefined) {
    fields.tts_conf = true;
    if (settings.tts.voice !== undefined) fields.tts_style = settings.tts.voice;
    if (settings.tts.volume !== undefined) fields.tts_volume = settings.tts.volume;
    if (settings.tts.speed !== undefined) fields.tts_speed = settings.tts.speed;
  }
  return fields;
}

function renderAction(action: CallinAction | EventAction): WireFields {
  switch (action.action) {
    case 'answer':
      return { action: 'answer', ...renderSettings(action.settings), ...renderPlayback(action.playback) };
    case 'hangup':
      return { action: 'hangup', ...renderPlayback(action.playback) };
    case 'play':
      return { action: 'play', ...renderPlayback(action.playback), ...muteTime(action.muteTimeMs) };
    case 'break':
    case 'continue':
    case 'donothing':
    case 'parallel_bridge':
      return { action: action.action };
    case 'transfer':
      return {
        action: 'transfer',
        number: action.number,
        ...renderPlayback(action.playback),
        ...muteTime(action.muteTimeMs),
      };
    case 'dtmf': {
      const fields: WireFields = {
        action: 'dtmf',
        ...renderPlayback(action.playback),
        ...muteTime(action.muteTimeMs),
        dtmf_max_numbers: action.maxDigits,
        dtmf_nonin_overtime: action.timeoutS,
      };
      if (action.endKey !== undefined) fields.dtmf_end_character = action.endKey;
      return fields;
    }
    case 'parallel_transfer': {
      const fields: WireFields = {
        action: 'parallel_transfer',
        cc_name: action.ccName,
        is_monitor: action.monitor,
      };
      if (action.transferPlayfile !== undefined) fields.transfer_playfile = action.transferPlayfile;
      return fields;
    }
  }
}

function muteTime(ms: number | undefined): WireFields {
  return ms === undefined ? {} : { mute_time: ms };
}

/**
 * Action fields already checked against {@link SuccessReplySchema}, by the action they render. A call
 * meets a handful of distinct replies (one per node, mostly), so each is validated once per instance
 * and only the per-call fields (`call_id`, `dynamic_id`) are checked on every reply.
 */
const checkedActions = new Map<string, WireFields>();
const CHECKED_ACTIONS_MAX = 512;
const CallIdCheck = WireCommon.call_id;

function renderCheckedAction(action: CallinAction | EventAction): WireFields {
  const key = JSON.stringify(action);
  const cached = checkedActions.get(key);
  if (cached !== undefined) return cached;
  const fields = renderAction(action);
  const checked = v.safeParse(SuccessReplySchema, {
    result: 'success',
    msg: '成功',
    code: 200,
    data: { call_id: 'x', ...fields },
  });
  if (!checked.success) {
    const issue = checked.issues[0];
    throw new InvalidReplyError(
      `invalid ${action.action} reply at ${v.getDotPath(issue) ?? '?'}: ${issue.message}`,
    );
  }
  if (checkedActions.size >= CHECKED_ACTIONS_MAX) checkedActions.clear();
  checkedActions.set(key, fields);
  return fields;
}

function buildReply(
  callId: string,
  action: CallinAction | EventAction,
  dynamicId: string | undefined,
): SuccessReply {
  const fields = renderCheckedAction(action);
  if (!v.is(CallIdCheck, callId)) throw new InvalidReplyError('invalid call_id in reply');
  if (dynamicId !== undefined && !v.is(WireDynamicIdSchema, dynamicId)) {
    throw new InvalidReplyError('invalid dynamic_id in reply');
  }
  // Field order as the platform's samples show it: call_id, then the action and its fields.
  const data = (
    dynamicId === undefined
      ? { call_id: callId, ...fields }
      : { call_id: callId, dynamic_id: dynamicId, ...fields }
  ) as ReplyData;
  return { result: 'success', msg: '成功', code: 200, data };
}

/** Builds the reply to a `callin`: only `answer` or `hangup` are possible. Throws {@link InvalidReplyError}. */
export function buildCallinReply(callId: string, action: CallinAction, dynamicId?: string): SuccessReply {
  if (action.action !== 'answer' && action.action !== 'hangup') {
    throw new InvalidReplyError(
      `${String((action as { action: unknown }).action)} is not a valid reply to callin`,
    );
  }
  return buildReply(callId, action, dynamicId);
}

/** Builds the reply to any event after `callin`; `answer` is impossible. Throws {@link InvalidReplyError}. */
export function buildEventReply(callId: string, action: EventAction, dynamicId?: string): SuccessReply {
  if ((action as { action: string }).action === 'answer') {
    throw new InvalidReplyError('answer is only valid in reply to callin');
  }
  return buildReply(callId, action, dynamicId);
}
