import * as v from 'valibot';
import { MAX_DYNAMIC_ID_CHARS } from '../protocol/reply-schema';
import { NAME_PATTERN } from '../text/name';
import { createKeyDeriver, measureSealed, nextIv, openPayload, sealText } from './sealing';

/**
 * A SmartCall `DynamicId` that carries a flow and values into an outbound call, sealed by the system that
 * places the call (the sender) under `OUTBOUND_SECRETS`: `o1.<base64url(iv ‖ ciphertext ‖ tag)>`, with
 * AES-256-GCM as the call state uses it (sealing.ts) but keys derived under a label of its own.
 *
 * What it is bound to: its format and a fixed purpose, {@link OUTBOUND_ID_PURPOSE}, authenticated with it,
 * and its expiry, inside it. Not to a call: SmartCall is asked for the call with the DynamicId already
 * written, so no `call_id` exists yet; nor to the number called, which no callback of an outbound call
 * carries. So until it expires the same text starts the same flow with the same values on any outbound
 * call that brings it to a function holding the key: another SmartCall call of the account (whoever can
 * place those can replay it), or a forged callback (whoever holds `CALLBACK_SECRETS`). It never passes for
 * a call state (another format, another key), and on an inbound call it is refused like a plain name.
 *
 * The sender needs only `OUTBOUND_SECRETS`: with it, it can start allowed flows with values of its own,
 * never read or forge a state in the middle of a call (that takes `STATE_SECRETS`).
 */

/** The format prefix: a `.` never occurs in a flow name, and the call state's format is `2`. */
export const OUTBOUND_ID_FORMAT = 'o1';

/** What a sealed DynamicId is bound to, authenticated with it (and the label its keys are derived under). */
export const OUTBOUND_ID_PURPOSE = 'vms-callflow outbound v1';

/** The longest sealed DynamicId: the `dynamic_id` a reply may send, since it seeds the call's first one. */
export const MAX_OUTBOUND_ID_CHARS = MAX_DYNAMIC_ID_CHARS;

/** The most variables one carries: enough for a reminder's time, place and name, few enough to stay small. */
export const MAX_OUTBOUND_VARS = 8;

/** The longest value, in UTF-16 code units: the call state's bound on a collected value. */
export const MAX_OUTBOUND_VALUE_CHARS = 64;

/**
 * The most bytes the variables may take as JSON (`{"time":"10:30"}` is 16), so that the call's state,
 * which carries them sealed on every event after the first, still fits in `dynamic_id` at its longest
 * (the largest counters, positions and rules tag; outbound calls carry no caller number). Derived from the
 * state's layout by test/state/outbound-id.test.ts, which fails with the new figure when that changes.
 * Values the flow's `collect` nodes save later come on top of these.
 */
export const MAX_OUTBOUND_VARS_BYTES = 78;

const name = v.pipe(
  v.string(),
  v.regex(NAME_PATTERN, 'a name is a letter then up to 31 letters, digits, "_" or "-"'),
);

const VarsSchema = v.pipe(
  v.record(
    name,
    v.pipe(
      v.string('a value is text'),
      v.maxLength(MAX_OUTBOUND_VALUE_CHARS, `a value is at most ${MAX_OUTBOUND_VALUE_CHARS} characters`),
    ),
  ),
  v.check((vars) => Object.keys(vars).length <= MAX_OUTBOUND_VARS, `at most ${MAX_OUTBOUND_VARS} variables`),
);

/** Epoch seconds, up to the year 5138: a time written in milliseconds by mistake is refused. */
const EpochSecondsSchema = v.pipe(
  v.number('the expiry is a number of epoch seconds'),
  v.integer('the expiry is a whole number of epoch seconds'),
  v.minValue(0, 'the expiry is a number of epoch seconds'),
  v.maxValue(1e11, 'the expiry is in epoch seconds, not milliseconds'),
);

/** What a sealed DynamicId holds: the flow to start, its first values, and when it stops being accepted. */
export const OutboundIdContentSchema = v.object({
  flow: name,
  vars: VarsSchema,
  /** Epoch seconds; from then on it is refused as expired. */
  expiresAtS: EpochSecondsSchema,
});
export type OutboundIdContent = v.InferOutput<typeof OutboundIdContentSchema>;

/** The payload's wire form: a positional array, `[flow, vars, expiresAtS]`, because every byte counts. */
const OutboundPayloadSchema = v.tuple([name, VarsSchema, EpochSecondsSchema]);

export type OpenedOutboundId =
  | ({ readonly kind: 'ok' } & OutboundIdContent)
  | { readonly kind: 'invalid'; readonly reason: 'malformed' | 'tampered' | 'expired' };

/** How much of the two bounds a content takes: the sealed text's characters, its variables' bytes. */
export type OutboundIdSize = { readonly chars: number; readonly varsBytes: number };

/** AES-256 keys of `OUTBOUND_SECRETS`, under their own label: a state key and an outbound key never match. */
const deriveKey = createKeyDeriver(OUTBOUND_ID_PURPOSE);
const AAD = Buffer.from(`${OUTBOUND_ID_FORMAT}\u0000${OUTBOUND_ID_PURPOSE}`);

function serialisePayload(content: OutboundIdContent): string {
  return JSON.stringify([content.flow, content.vars, content.expiresAtS]);
}

/**
 * The size of the DynamicId `content` seals to (the IV is random, the length is not), to compare with
 * {@link MAX_OUTBOUND_ID_CHARS} and {@link MAX_OUTBOUND_VARS_BYTES}. Flow `reminder` with `time` 10:30 and
 * `doctor` 王医生 is 117 characters, and its variables 37 bytes.
 */
export function measureOutboundId(content: OutboundIdContent): OutboundIdSize {
  return {
    chars: measureSealed(OUTBOUND_ID_FORMAT, serialisePayload(content)),
    varsBytes: Buffer.byteLength(JSON.stringify(content.vars)),
  };
}

/**
 * Seals a flow and its first values for SmartCall's `DynamicId` under the first key. Throws when the
 * content is invalid (naming the field) or would not fit (naming the size and the bound), so that a
 * sender finds out before placing the call, not from a call that ends in the fallback.
 */
export function sealOutboundId(
  content: OutboundIdContent,
  keys: readonly [string, ...string[]],
  iv: Buffer = nextIv(),
): string {
  const parsed = v.safeParse(OutboundIdContentSchema, content);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new Error(`cannot seal a DynamicId: ${v.getDotPath(issue) ?? 'content'}: ${issue.message}`);
  }
  const size = measureOutboundId(parsed.output);
  if (size.chars > MAX_OUTBOUND_ID_CHARS) {
    throw new Error(
      `cannot seal a DynamicId: it would be ${size.chars} characters, over the ${MAX_OUTBOUND_ID_CHARS} ` +
        'a dynamic_id may have; use a shorter flow name, fewer or shorter variables',
    );
  }
  if (size.varsBytes > MAX_OUTBOUND_VARS_BYTES) {
    throw new Error(
      `cannot seal a DynamicId: its variables take ${size.varsBytes} bytes as JSON, over the ` +
        `${MAX_OUTBOUND_VARS_BYTES} the call's state can carry; use fewer or shorter variables`,
    );
  }
  const sealed = sealText(serialisePayload(parsed.output), deriveKey(keys[0]), AAD, iv);
  return `${OUTBOUND_ID_FORMAT}.${sealed.toString('base64url')}`;
}

/**
 * Opens a sealed DynamicId. Any of `keys` may have sealed it (rotation); none, and it is `tampered`. Never
 * throws: `malformed` is not this format or not readable, `tampered` fails authentication (forged, changed,
 * or sealed under a key not listed), `expired` is genuine but at or past its expiry at `nowMs`.
 */
export function openOutboundId(text: string, keys: readonly string[], nowMs: number): OpenedOutboundId {
  if (!text.startsWith(`${OUTBOUND_ID_FORMAT}.`)) return { kind: 'invalid', reason: 'malformed' };
  const body = text.slice(OUTBOUND_ID_FORMAT.length + 1);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) return { kind: 'invalid', reason: 'malformed' };
  const opened = openPayload(Buffer.from(body, 'base64url'), keys, deriveKey, AAD, OutboundPayloadSchema);
  if (!opened.ok) return { kind: 'invalid', reason: opened.reason };
  const [flow, vars, expiresAtS] = opened.payload;
  if (nowMs >= expiresAtS * 1000) return { kind: 'invalid', reason: 'expired' };
  return { kind: 'ok', flow, vars, expiresAtS };
}
