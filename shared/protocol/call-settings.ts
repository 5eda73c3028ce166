import * as v from 'valibot';
import { integerIn } from './coerce';

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

/** How TTS speaks. */
export const TtsSettingsSchema = v.strictObject({
  voice: v.optional(
    v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,32}$/, 'a voice is 1–32 letters, digits, "_" or "-"')),
  ),
  volume: v.optional(integerIn(0, 100)),
  speed: v.optional(integerIn(-200, 200)),
});

/** Settings of a call, given on `answer` (and `muteTimeMs` on later replies too). */
export const CallSettingsSchema = v.strictObject({
  /** ASR model: one of the platform's base models, or a custom model id. */
  asrBaseId: v.optional(v.picklist(AsrBaseIds)),
  asrModelId: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'an ASR model id is 1–64 letters, digits, "_" or "-"'),
    ),
  ),
  record: v.optional(v.boolean()),
  /** Silence before a `mute` event, ms. Outside 1000–20000 the platform silently uses 10000. */
  muteTimeMs: v.optional(integerIn(1000, 20000)),
  /** End-of-sentence pause, ms; only the value on `answer` counts. */
  pauseTimeMs: v.optional(integerIn(300, 1200)),
  /** The platform hangs up when the call reaches this, s. */
  sessionTimeoutS: v.optional(integerIn(1, 3600)),
  tts: v.optional(TtsSettingsSchema),
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

/**
 * `mute_time` after a goodbye, and before a deferred transfer: the next event is what acts (whether
 * `hangup` plays its own prompt is undocumented), so the wait after the prompt is kept short.
 */
export const FOLLOW_UP_MUTE_MS = 2000;

/** Layers of settings, later ones winning; `tts` is merged field by field. */
export function mergeSettings(...layers: (CallSettings | undefined)[]): CallSettings {
  let merged: CallSettings = {};
  for (const layer of layers) {
    if (layer === undefined) continue;
    const tts =
      merged.tts === undefined && layer.tts === undefined ? undefined : { ...merged.tts, ...layer.tts };
    merged = { ...merged, ...layer };
    if (tts !== undefined) merged = { ...merged, tts };
  }
  return merged;
}
