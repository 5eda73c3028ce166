/** The engine's defaults and limits: what a flow gets when it sets nothing, and where the engine stops. */

/** Said when a flow ends a call itself and has no `goodbye` of its own. */
export const DEFAULT_GOODBYE = '感谢您的来电，再见。';

/** Caller turns before a flow without `maxTurns` ends the call politely. */
export const DEFAULT_MAX_TURNS = 50;

/** Seconds to wait for keys when the node does not say. */
export const DEFAULT_KEY_TIMEOUT_S = 5;

/** A call is ended this long before the platform's `session_timeout`, so the goodbye is heard. */
export const SESSION_MARGIN_S = 20;

/** Nodes passed through (`say`, `branch`) in one reply before the flow is declared looping. */
export const MAX_HOPS = 32;

/** Characters of an utterance considered for matching (keys, keywords, patterns, digits read out). */
export const MAX_UTTERANCE_CHARS = 200;

/**
 * Keys of one entry considered: over `collect`'s largest `maxDigits` (32) plus its end key, so a longer
 * entry still does not fit, and the rules' patterns never run on more.
 */
export const MAX_KEY_ENTRY_CHARS = 40;
