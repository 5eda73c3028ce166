import { createHmac, timingSafeEqual } from 'node:crypto';
import * as v from 'valibot';

/**
 * Where a call is in its flow. The platform keeps no state for us: this travels in `dynamic_id` and
 * comes back with the next event, so it is small, versioned and signed.
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
};

/**
 * - `listening`: the node's prompt was played and its inputs are armed.
 * - `keysUnarmed`: a key menu whose prompt was played on `answer`, when keys cannot be collected yet.
 * - `ending`: a goodbye was played; the next event hangs up.
 * - `transferred`: the call was handed over; later events change nothing.
 * - `transferPending`: a transfer chosen on `callin` (where only `answer` is allowed) happens next.
 */
export const CALL_PHASES = ['listening', 'keysUnarmed', 'ending', 'transferred', 'transferPending'] as const;
export type CallPhase = (typeof CALL_PHASES)[number];

const FORMAT = '1';
const SIGNATURE_CHARS = 16; // 96 bits of HMAC-SHA256, base64url

const count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000));
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const name = v.pipe(v.string(), v.regex(NAME));

/** The payload's wire form: a positional array, because every byte of `dynamic_id` is sent back and forth. */
const StatePayloadSchema = v.tuple([
  v.pipe(v.string(), v.regex(/^[0-9a-z]{1,13}$/)),
  name,
  name,
  v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(CALL_PHASES.length - 1)),
  count,
  count,
  count,
  v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1e11)),
]);

export type DecodedState =
  | { readonly kind: 'ok'; readonly state: CallState }
  | { readonly kind: 'missing' }
  /** A plain flow name, as given to SmartCall's `DynamicId` to start an outbound call in that flow. */
  | { readonly kind: 'flow'; readonly flow: string }
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'signature' | 'format' };

function sign(body: string, key: string): string {
  return createHmac('sha256', key).update(body).digest('base64url').slice(0, SIGNATURE_CHARS);
}

/** Encodes a call state as `1.<payload>.<signature>`, signed with the first key. */
export function encodeState(state: CallState, keys: readonly [string, ...string[]]): string {
  const payload = [
    state.rulesTag,
    state.flow,
    state.node,
    CALL_PHASES.indexOf(state.phase),
    state.noInput,
    state.noMatch,
    state.turns,
    state.startedAt,
  ];
  const body = `${FORMAT}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${body}.${sign(body, keys[0])}`;
}

/**
 * Reads a `dynamic_id`. Any of `keys` may have signed it (key rotation). Never throws: a missing,
 * foreign or tampered value is reported as such and the engine recovers.
 */
export function decodeState(dynamicId: string | undefined, keys: readonly string[]): DecodedState {
  if (dynamicId === undefined || dynamicId === '') return { kind: 'missing' };
  if (NAME.test(dynamicId)) return { kind: 'flow', flow: dynamicId };
  const parts = dynamicId.split('.');
  if (parts.length !== 3) return { kind: 'invalid', reason: 'malformed' };
  const [format, payload, signature] = parts as [string, string, string];
  if (format !== FORMAT) return { kind: 'invalid', reason: 'format' };
  const body = `${format}.${payload}`;
  if (!keys.some((key) => safeEqual(sign(body, key), signature)))
    return { kind: 'invalid', reason: 'signature' };
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'malformed' };
  }
  const parsed = v.safeParse(StatePayloadSchema, json);
  if (!parsed.success) return { kind: 'invalid', reason: 'malformed' };
  const [rulesTag, flow, node, phase, noInput, noMatch, turns, startedAt] = parsed.output;
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
    },
  };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
