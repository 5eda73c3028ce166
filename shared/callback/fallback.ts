import { renderPrompt } from '../flow/render-prompt';
import { FOLLOW_UP_MUTE_MS, type PromptItem } from '../protocol/call-settings';
import type { CallbackEvent } from '../protocol/callback-request';
import { buildCallinReply, buildEventReply } from '../protocol/reply';
import type { SuccessReply } from '../protocol/reply-schema';
import type { Rules } from '../rules/rules-schema';

/**
 * `dynamic_id` of a call that got the fallback: the next event finishes it (transfer or hang up)
 * without touching rules or state again. It has a dot and two parts, so it is never a flow name nor a
 * state token.
 */
const FALLBACK_MARK = 'x.fallback';

export type FallbackConfig = NonNullable<Rules['fallback']>;

/** Used when the rules cannot be loaded, or set no fallback of their own. */
export const DEFAULT_FALLBACK: FallbackConfig = { say: '抱歉，系统暂时繁忙，请稍后再拨。' };

/**
 * The safe reply when anything inside goes wrong: apologise, then transfer (if a number is configured)
 * or hang up. It depends on nothing but the call id and the fallback settings, so it cannot fail the
 * way the flow did.
 */
export function buildFallbackReply(event: CallbackEvent, fallback: FallbackConfig): SuccessReply {
  const items: PromptItem[] = renderPrompt(fallback.say, undefined);
  const playback = { items, bargeIn: false };
  if (event.type === 'callin') {
    return buildCallinReply(
      event.callId,
      { action: 'answer', playback, settings: { muteTimeMs: FOLLOW_UP_MUTE_MS } },
      FALLBACK_MARK,
    );
  }
  if (isFallbackFollowUp(event)) return buildFollowUp(event.callId, fallback);
  if (fallback.transferTo !== undefined) {
    return buildEventReply(event.callId, { action: 'transfer', number: fallback.transferTo, playback });
  }
  return buildEventReply(
    event.callId,
    { action: 'play', playback, muteTimeMs: FOLLOW_UP_MUTE_MS },
    FALLBACK_MARK,
  );
}

/** True for an event that follows a fallback reply. */
export function isFallbackFollowUp(event: CallbackEvent): boolean {
  return event.type !== 'callin' && event.type !== 'unknown' && event.content.dynamic_id === FALLBACK_MARK;
}

/** Finishes a call that got the fallback: transfer if configured, otherwise hang up. */
export function buildFollowUp(callId: string, fallback: FallbackConfig): SuccessReply {
  if (fallback.transferTo !== undefined)
    return buildEventReply(callId, { action: 'transfer', number: fallback.transferTo });
  return buildEventReply(callId, { action: 'hangup' });
}
