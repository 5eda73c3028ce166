import * as v from 'valibot';
import { AsrBaseIds, AudioCodeSchema, PhoneNumberSchema } from './call-settings';
import { integerIn } from './coerce';
import { hasForbiddenTtsCharacter } from './tts-text';

// ---------------------------------------------------------------------------------------------------
// The wire format, with the documented ranges. Every reply is checked against this before it leaves.
// ---------------------------------------------------------------------------------------------------

/**
 * The longest `dynamic_id` a reply may carry, which every state must fit. The platform documents no
 * limit: this is the project's own cap, kept short because the value travels on every event.
 */
export const MAX_DYNAMIC_ID_CHARS = 200;

/** `dynamic_id` goes through URL and JSON encodings and must avoid the forbidden characters. */
export const WireDynamicIdSchema = v.pipe(
  v.string(),
  v.regex(new RegExp(`^[A-Za-z0-9._~-]{1,${MAX_DYNAMIC_ID_CHARS}}$`)),
);

export const WireCommon = {
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
