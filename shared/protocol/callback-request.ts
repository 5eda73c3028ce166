import * as v from 'valibot';
import { BooleanLikeSchema, lenient, NumberLikeSchema, TextLikeSchema } from './coerce';
import type { HttpRequest } from './http';

/** A phone number as the platform writes it: digits and `-`, sometimes a leading `+`. */
export const PHONE_NUMBER_PATTERN = /^\+?[0-9-]{1,32}$/;

/** A phone number as the platform writes it; kept as text. */
const PhoneLikeSchema = v.pipe(TextLikeSchema, v.regex(PHONE_NUMBER_PATTERN));

/**
 * The longest `dynamic_id` read. Replies send at most MAX_DYNAMIC_ID_CHARS; this leaves room for a
 * SmartCall `DynamicId` set by whoever started an outbound call.
 */
export const MAX_RECEIVED_DYNAMIC_ID_CHARS = 512;

/** `dynamic_id` echoes what our last reply set; anything else is dropped here and treated as lost state. */
const DynamicIdSchema = v.pipe(TextLikeSchema, v.maxLength(MAX_RECEIVED_DYNAMIC_ID_CHARS));

export const CallinContentSchema = v.object({
  caller: lenient(PhoneLikeSchema),
  callee: lenient(PhoneLikeSchema),
  orgcallee: lenient(PhoneLikeSchema),
  partnerId: lenient(TextLikeSchema),
});

export const NormalContentSchema = v.object({
  words: v.optional(v.fallback(TextLikeSchema, ''), ''),
  role: lenient(TextLikeSchema),
  identity: lenient(TextLikeSchema),
  begin_offset: lenient(NumberLikeSchema),
  end_offset: lenient(NumberLikeSchema),
  /** Call start; real traffic has epoch seconds although the docs say milliseconds. */
  begin_time: lenient(NumberLikeSchema),
  is_playing: lenient(BooleanLikeSchema),
  current_media_code: lenient(TextLikeSchema),
  dynamic_id: lenient(DynamicIdSchema),
  record_begin_time: lenient(NumberLikeSchema),
  asr_begin_time: lenient(NumberLikeSchema),
  asr_end_time: lenient(NumberLikeSchema),
  play_begin_time: lenient(NumberLikeSchema),
  play_end_time: lenient(NumberLikeSchema),
});

export const MuteContentSchema = v.object({
  dynamic_id: lenient(DynamicIdSchema),
});

export const DtmfContentSchema = v.object({
  /** The keys pressed, or the literal `noInputTimeout` when nothing was pressed in time. */
  dtmf_digits: v.optional(v.fallback(TextLikeSchema, ''), ''),
  dynamic_id: lenient(DynamicIdSchema),
});

export const TimebreakContentSchema = v.object({
  current_media_code: lenient(TextLikeSchema),
  asr_begin_time: lenient(NumberLikeSchema),
  play_begin_time: lenient(NumberLikeSchema),
  dynamic_id: lenient(DynamicIdSchema),
});

export const ParallelTransferContentSchema = v.object({
  transfer_status: lenient(v.pipe(TextLikeSchema, v.toLowerCase(), v.picklist(['success', 'fail']))),
  fail_cause: lenient(TextLikeSchema),
  is_monitor: lenient(BooleanLikeSchema),
  cc_name: lenient(TextLikeSchema),
  dynamic_id: lenient(DynamicIdSchema),
});

export type CallinContent = v.InferOutput<typeof CallinContentSchema>;
export type NormalContent = v.InferOutput<typeof NormalContentSchema>;
export type MuteContent = v.InferOutput<typeof MuteContentSchema>;
export type DtmfContent = v.InferOutput<typeof DtmfContentSchema>;
export type TimebreakContent = v.InferOutput<typeof TimebreakContentSchema>;
export type ParallelTransferContent = v.InferOutput<typeof ParallelTransferContentSchema>;

/** The longest `call_id` accepted. */
export const MAX_CALL_ID_CHARS = 128;

/** The characters of a `call_id` accepted: VMS's digits and `^`, and other plain ids, not markup. */
export const CALL_ID_PATTERN = /^[0-9A-Za-z^._:-]+$/;

/** `call_id` looks like `130301340124^117079730123`; this also admits other plain ids, not markup. */
const CallIdSchema = v.pipe(
  TextLikeSchema,
  v.minLength(1, 'call_id is empty'),
  v.maxLength(MAX_CALL_ID_CHARS, 'call_id is too long'),
  v.regex(CALL_ID_PATTERN, 'call_id has characters a VMS call id never has'),
);

const ContentTypeSchema = v.pipe(
  TextLikeSchema,
  v.minLength(1, 'content_type is empty'),
  v.maxLength(64, 'content_type is too long'),
  v.regex(/^[A-Za-z_]+$/, 'content_type is not a word'),
);

/** The four transport parameters every callback carries, wherever they travelled. */
const CallbackEnvelopeSchema = v.object({
  call_id: CallIdSchema,
  content_type: ContentTypeSchema,
  timestamp: lenient(NumberLikeSchema),
  content: v.optional(v.unknown()),
});

/**
 * Fields of `content` that look guessed: the ones the event is about (`expected`, absent from `content`)
 * and the keys `content` had instead, which no schema reads (`unknown`, at most
 * {@link MAX_REPORTED_KEYS}, each cut to {@link MAX_REPORTED_KEY_CHARS} characters; `more` counts the rest).
 */
export type MisnamedContent = {
  readonly expected: readonly string[];
  readonly unknown: readonly string[];
  readonly more: number;
};

type Envelope = {
  callId: string;
  timestamp: number | undefined;
  contentOk: boolean;
  encoding: CallbackEncoding;
  /** Set when `content` lacks a field the event is about and has keys nobody reads instead. */
  misnamed?: MisnamedContent;
};

/** A parsed callback, discriminated by `type`. `contentOk` is false when `content` was unreadable. */
export type CallbackEvent = Envelope &
  (
    | { type: 'callin'; content: CallinContent }
    | { type: 'normal'; content: NormalContent }
    | { type: 'mute'; content: MuteContent }
    | { type: 'dtmf'; content: DtmfContent }
    | { type: 'timebreak'; content: TimebreakContent }
    | { type: 'parallel_transfer'; content: ParallelTransferContent }
    | { type: 'unknown'; contentType: string; content: Record<string, unknown> }
  );

export type ParseCallbackResult =
  | { readonly ok: true; readonly event: CallbackEvent }
  | { readonly ok: false; readonly status: 400; readonly message: string };

const CURLY_QUOTES = /[\u201C\u201D\u201E\u201F\u2033\uFF02]/g;

/**
 * Reads `content` — a JSON object serialised into a string — tolerantly: keys are trimmed (the doc
 * samples have `" callee"`) and, when the first parse fails, it is retried once with curly quotes
 * straightened (the doc samples and the console's test button use “ ”). Returns undefined when no
 * object can be read.
 */
export function readContentObject(raw: unknown): Record<string, unknown> | undefined {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    value = parseJsonOrUndefined(raw) ?? parseJsonOrUndefined(raw.replace(CURLY_QUOTES, '"'));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return trimKeys(value as Record<string, unknown>);
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Keys that would reach an object's prototype if assigned; a callback never has them. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function trimKeys(record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    const name = key.trim();
    if (!UNSAFE_KEYS.has(name)) out[name] = value;
  }
  return out;
}

/**
 * Where a callback's parameters came from: the body (urlencoded or JSON) or, with an empty body, the
 * query string alone. The docs never say which the platform uses; the log line records it.
 */
export type CallbackEncoding = 'query' | 'form' | 'json';

export type ReadParamsResult =
  | { readonly ok: true; readonly params: Record<string, unknown>; readonly encoding: CallbackEncoding }
  | { readonly ok: false; readonly message: string };

/**
 * Collects the transport parameters from the query string and the body (urlencoded or JSON; the docs
 * never say which the platform uses). Body values win over query values; keys are trimmed.
 */
function readCallbackParams(request: HttpRequest): ReadParamsResult {
  const params: Record<string, unknown> = trimKeys(request.query);
  const body = request.body.trim();
  if (body === '') return { ok: true, params, encoding: 'query' };
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.includes('json') || body.startsWith('{')) {
    const parsed = parseJsonOrUndefined(body);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return { ok: false, message: 'body is not a JSON object' };
    }
    Object.assign(params, trimKeys(parsed as Record<string, unknown>));
    return { ok: true, params, encoding: 'json' };
  }
  if (!isPlausibleFormBody(body)) return { ok: false, message: 'body is neither JSON nor form-urlencoded' };
  for (const [key, value] of new URLSearchParams(body)) {
    const name = key.trim();
    if (!UNSAFE_KEYS.has(name)) params[name] = value;
  }
  return { ok: true, params, encoding: 'form' };
}

/** A form body is printable ASCII made of `k=v` pairs; binary or free text is not a callback. */
function isPlausibleFormBody(body: string): boolean {
  return /^[\x21-\x7E]*$/.test(body) && body.includes('=');
}

/** The schema of each event's `content`, by `content_type`: the events this project understands. */
export const CONTENT_SCHEMAS = {
  callin: CallinContentSchema,
  normal: NormalContentSchema,
  mute: MuteContentSchema,
  dtmf: DtmfContentSchema,
  timebreak: TimebreakContentSchema,
  parallel_transfer: ParallelTransferContentSchema,
} as const;

export type KnownContentType = keyof typeof CONTENT_SCHEMAS;

function isKnownContentType(type: string): type is KnownContentType {
  return Object.hasOwn(CONTENT_SCHEMAS, type);
}

/**
 * The fields each event is about: without them the event still gets a reply (an empty utterance, no
 * key, an unknown transfer status), so a sender that misnamed one would otherwise never learn of it.
 */
export const MAIN_CONTENT_FIELDS = {
  callin: ['caller', 'callee'],
  normal: ['words'],
  mute: [],
  dtmf: ['dtmf_digits'],
  timebreak: [],
  parallel_transfer: ['transfer_status'],
} as const satisfies {
  readonly [T in KnownContentType]: readonly (keyof (typeof CONTENT_SCHEMAS)[T]['entries'])[];
};

const MAX_REPORTED_KEYS = 5;
const MAX_REPORTED_KEY_CHARS = 40;

/** A field name without case, `_`, `-` or spaces: `DynamicId`, `dynamic-id` and `dynamic_id` are one. */
function looseName(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/**
 * Finds a guessed field name: `content` lacks a field the event is about (or a field spelt like one of
 * its keys, `DynamicId` for `dynamic_id`) and has keys that no field of the event's schema reads.
 * Undefined when nothing looks guessed; keys the platform adds beside the documented ones are fine.
 */
export function findMisnamedContent(
  type: KnownContentType,
  content: Readonly<Record<string, unknown>>,
): MisnamedContent | undefined {
  const fields = CONTENT_SCHEMAS[type].entries;
  const unknown = Object.keys(content).filter((key) => !Object.hasOwn(fields, key));
  if (unknown.length === 0) return undefined;
  const main: readonly string[] = MAIN_CONTENT_FIELDS[type];
  const loose = new Set(unknown.map(looseName));
  const expected = Object.keys(fields).filter(
    (field) => content[field] === undefined && (main.includes(field) || loose.has(looseName(field))),
  );
  if (expected.length === 0) return undefined;
  return {
    expected,
    unknown: unknown.slice(0, MAX_REPORTED_KEYS).map((key) => key.slice(0, MAX_REPORTED_KEY_CHARS)),
    more: Math.max(0, unknown.length - MAX_REPORTED_KEYS),
  };
}

/**
 * Turns an HTTP request into a callback event, or says in plain words why it is not one. A request
 * with a valid envelope always parses: unreadable `content` yields an event with `contentOk: false`
 * and default content, so a caller is never dropped because of a parse.
 */
export function parseCallback(request: HttpRequest): ParseCallbackResult {
  const read = readCallbackParams(request);
  if (!read.ok) return { ok: false, status: 400, message: `not a VMS callback: ${read.message}` };
  for (const key of ['call_id', 'content_type']) {
    if (read.params[key] === undefined)
      return { ok: false, status: 400, message: `not a VMS callback: ${key} is missing` };
  }
  const envelope = v.safeParse(CallbackEnvelopeSchema, read.params);
  if (!envelope.success) {
    const first = envelope.issues[0];
    return {
      ok: false,
      status: 400,
      message: `not a VMS callback: ${first?.message ?? 'malformed parameters'}`,
    };
  }
  const { call_id: callId, content_type: contentType, timestamp, content } = envelope.output;
  const rawContent = readContentObject(content);
  const base: Envelope = { callId, timestamp, contentOk: rawContent !== undefined, encoding: read.encoding };
  if (!isKnownContentType(contentType)) {
    return { ok: true, event: { ...base, type: 'unknown', contentType, content: rawContent ?? {} } };
  }
  // The content schemas are lenient field by field, so they accept any object; an unreadable content
  // becomes `{}` and the event still gets a sensible reply.
  const parsed = v.parse(CONTENT_SCHEMAS[contentType], rawContent ?? {});
  const misnamed = rawContent === undefined ? undefined : findMisnamedContent(contentType, rawContent);
  if (misnamed !== undefined) base.misnamed = misnamed;
  return { ok: true, event: { ...base, type: contentType, content: parsed } as CallbackEvent };
}
