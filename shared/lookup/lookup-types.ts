/**
 * What a lookup is, between the engine (which decides that a call needs one, and what its answer means)
 * and the client at the edge (which sends it). Plain data both ways: the engine stays pure, and the
 * simulator answers lookups from a scenario instead of the network.
 */

/** A part of a header value: text as written, or the value of an environment variable read at the edge. */
export type HeaderPart = string | { readonly env: string };

/**
 * The prefix every environment variable a lookup reads must have: nothing else of the environment leaks.
 * Defined with the templates (shared/rules/templates.ts), where the compiler checks it.
 */
export { LOOKUP_ENV_PREFIX } from '../rules/templates';

/** A lookup as the engine asks for it, with the call's values filled in (secrets still named, not read). */
export type LookupRequest = {
  /** The lookup's name under `lookups`. */
  readonly name: string;
  readonly method: 'GET' | 'POST';
  /** The full URL: the document's origin, the path and query with values encoded. */
  readonly url: string;
  /** Header name and value parts, `{{env.LOOKUP_…}}` left for the edge to read. */
  readonly headers: readonly (readonly [string, readonly HeaderPart[]])[];
  /** A POST's JSON body. */
  readonly body?: string | undefined;
  /** One attempt's limit, ms of awake time. */
  readonly timeoutMs: number;
  /** The largest answer read, bytes. */
  readonly maxBytes: number;
};

/** Why a lookup gave no usable answer: one word each, for traces, logs and coverage. */
export const LOOKUP_FAILURES = [
  /** Every attempt ran out of time. */
  'timeout',
  /** The connection failed (refused, reset, DNS) on every attempt. */
  'connection',
  /** An HTTP status other than 2xx. */
  'status',
  /** A 3xx: never followed. */
  'redirect',
  /** The answer is larger than `maxBytes` (or says it is). */
  'too-large',
  /** The answer is not JSON. */
  'not-json',
  /** The answer nests deeper than the client reads. */
  'too-deep',
  /** A value to save is missing from the answer. */
  'missing',
  /** A value to save is of another kind than its `type`, or over its `maxBytes`. */
  'invalid',
  /** The lookup cannot be sent: an environment variable it names is unset, or the client refused it. */
  'unsendable',
] as const;
export type LookupFailure = (typeof LOOKUP_FAILURES)[number];

/**
 * What became of a lookup within one callback's wait:
 * - `ok`: a 2xx JSON answer (parsed, bounded);
 * - `failed`: it will not be usable, and the node goes to `onError`;
 * - `waiting`: the wait ran out with an attempt still in flight (it goes on; the call's next event picks
 *   it up on this instance, or sends it again elsewhere).
 * `attempts` counts the attempts sent so far for this node, across callbacks.
 */
export type LookupAnswer =
  | { readonly kind: 'ok'; readonly data: unknown; readonly attempts: number; readonly status?: number }
  | {
      readonly kind: 'failed';
      readonly why: LookupFailure;
      readonly attempts: number;
      /** The HTTP status, for `status` and `redirect`. */
      readonly status?: number;
    }
  | { readonly kind: 'waiting'; readonly attempts: number };

/** How deep a lookup's JSON answer may nest before it is refused (`too-deep`). */
export const MAX_ANSWER_DEPTH = 32;

/** A lookup the edge performs for one callback: see the lookup client for what joining and attempts mean. */
export type LookupTask = {
  /**
   * The call's lookup at one visit of its node: `callId|flow/node@turn` ({@link lookupTaskKey}). An
   * attempt in flight (or an answer kept) for it is joined, not sent again.
   */
  readonly key: string;
  readonly request: LookupRequest;
  /** Attempts sent in earlier callbacks of the call. */
  readonly attemptsSoFar: number;
  readonly maxAttempts: number;
  /** How long this callback waits, ms. */
  readonly waitMs: number;
  /** Reads an environment variable (only names starting with {@link LOOKUP_ENV_PREFIX} are asked for). */
  readonly env: (name: string) => string | undefined;
};

/**
 * The key of a call's lookup at one visit of a node: `callId|flow/node@turn`, `turn` being the call's
 * turns as it entered the node (a call waiting for the answer keeps it). The events of one visit (a
 * duplicate, the next event after the filler) share it; a later visit, after the caller said or pressed
 * something (asking again, say), has its own, and is sent anew rather than given an earlier answer.
 */
export function lookupTaskKey(callId: string, flow: string, node: string, turn: number): string {
  return `${callId}|${flow}/${node}@${turn}`;
}

/** The flow and node of a {@link lookupTaskKey} (a call id may hold anything but the key's last `|`). */
export function readLookupTaskKey(key: string): { flow: string; node: string } | undefined {
  const match = /\|([^|/@]+)\/([^|/@]+)@\d+$/.exec(key);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { flow: match[1], node: match[2] };
}

/** Performs a lookup task; never rejects. */
export type PerformLookup = (task: LookupTask) => Promise<LookupAnswer>;

/** Lookups a callback may perform before it answers (a lookup's `next` may be another lookup). */
export const MAX_LOOKUPS_PER_CALLBACK = 3;
