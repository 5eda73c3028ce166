import type { CallSettings, Playback } from './call-settings';

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
