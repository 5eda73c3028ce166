import * as v from 'valibot';
import { AudioCodeSchema, type CallSettings, type Playback } from './call-settings';
import type { CallinAction, EventAction } from './reply-actions';
import {
  InvalidReplyError,
  type ReplyData,
  type SuccessReply,
  SuccessReplySchema,
  WireCommon,
  WireDynamicIdSchema,
} from './reply-schema';
import { cleanTtsText } from './tts-text';

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
