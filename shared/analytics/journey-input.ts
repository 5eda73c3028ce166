/**
 * One line of an export, read for analytics: a callback line of the `inbound` or `outbound` function, the
 * `report` function's line of a receipt (or a receipt record as the platform pushed it, or a pushed array of
 * them), or something else. Bare JSON lines or SLS records holding the line in `content` or `message`
 * (shared/log/log-export.ts). Each field is read leniently and bounded: a field of another shape is left
 * out, never trusted; a line without a call id or a time is not a callback line.
 */
import * as v from 'valibot';
import { MAX_LOG_LINE_CHARS, readLogLine } from '../log/log-export';
import { MAX_CALL_ID_CHARS } from '../protocol/callback-request';
import { NumberLikeSchema, TextLikeSchema } from '../protocol/coerce';
import { classifyReceipt } from '../protocol/receipt-type';
import { NAME_PATTERN } from '../text/name';

/** The most trace phrases and outcome words read of one line: a callback writes far fewer. */
const MAX_TRACE_ITEMS = 256;
const MAX_OUTCOMES = 64;
/** The longest text (utterance, trace phrase) read. */
const MAX_TEXT_CHARS = 1024;
/** The longest call a receipt may tell, in seconds. */
const MAX_CALL_SECONDS = 86_400;

/** A callback line, as analytics reads it. */
export type CallbackStep = {
  /** Milliseconds since the epoch: the line's `time`. */
  readonly at: number;
  readonly callId: string;
  readonly fn?: string | undefined;
  readonly type?: string | undefined;
  /** The same for every delivery of one event (`eventId`), when the line has it. */
  readonly eventId?: string | undefined;
  readonly duplicate: boolean;
  readonly line?: string | undefined;
  readonly flow?: string | undefined;
  readonly flowBefore?: string | undefined;
  readonly nodeBefore?: string | undefined;
  readonly node?: string | undefined;
  readonly action?: string | undefined;
  readonly outcomes: readonly string[];
  readonly retries: { readonly noInput?: number | undefined; readonly noMatch?: number | undefined };
  readonly trace: readonly string[];
  readonly words?: string | undefined;
  readonly dtmf?: string | undefined;
};

/** A VoiceReport receipt, what analytics reads of it. */
export type ReceiptFacts = {
  readonly callId: string;
  /** When the call ended (its `end_time`, or start and duration), ms since the epoch. */
  readonly endAt: number | undefined;
  /** `hangup_direction` as written. */
  readonly direction: string | undefined;
};

/** What a line of an export is. */
export type JourneyLine =
  | { readonly kind: 'callback'; readonly at: number; readonly step: CallbackStep }
  | { readonly kind: 'receipts'; readonly at: number | undefined; readonly receipts: readonly ReceiptFacts[] }
  | { readonly kind: 'other' }
  | { readonly kind: 'unreadable' };

/** Seven digits in a row: a phone number's, which no name of a hotline needs. */
export const LONG_DIGITS = /\d{7}/;

/**
 * A flow, node or line name, as the rules allow them, without a run of seven digits (others, a hostile
 * export's, are left out: no phone number reaches the figures through a name).
 */
const name = v.fallback(
  v.optional(
    v.pipe(
      v.string(),
      v.regex(NAME_PATTERN),
      v.check((text) => !LONG_DIGITS.test(text)),
    ),
  ),
  undefined,
);
/** A function, event type or reply action: a short word. */
const word = v.fallback(v.optional(v.pipe(v.string(), v.regex(/^[a-z_]{1,32}$/))), undefined);
const id = v.fallback(v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/))), undefined);
const text = v.fallback(v.optional(v.pipe(v.string(), v.maxLength(MAX_TEXT_CHARS))), undefined);
const count = v.fallback(v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))), undefined);
const words = (max: number, each: number) =>
  v.fallback(v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(each))), v.maxLength(max)), []), []);

const CallbackLineSchema = v.object({
  msg: v.literal('callback'),
  time: v.pipe(v.string(), v.isoTimestamp()),
  callId: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CALL_ID_CHARS)),
  fn: word,
  type: word,
  eventId: id,
  duplicate: v.fallback(v.optional(v.boolean(), false), false),
  line: name,
  flow: name,
  flowBefore: name,
  nodeBefore: name,
  node: name,
  action: word,
  outcomes: words(MAX_OUTCOMES, 64),
  retries: v.fallback(v.optional(v.object({ noInput: count, noMatch: count }), {}), {}),
  trace: words(MAX_TRACE_ITEMS, MAX_TEXT_CHARS),
  words: text,
  dtmf: text,
});

const receiptText = v.fallback(v.optional(v.pipe(TextLikeSchema, v.maxLength(64))), undefined);
const VoiceReportSchema = v.object({
  call_id: v.pipe(TextLikeSchema, v.minLength(1), v.maxLength(MAX_CALL_ID_CHARS)),
  start_time: receiptText,
  end_time: receiptText,
  duration: v.fallback(
    v.optional(v.pipe(NumberLikeSchema, v.minValue(0), v.maxValue(MAX_CALL_SECONDS))),
    undefined,
  ),
  hangup_direction: receiptText,
});

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** What {@link readLogLine} should take: a log line, a receipt record, or a pushed array. */
const takeValue = (value: unknown): unknown =>
  Array.isArray(value) || (isRecord(value) && (typeof value.msg === 'string' || 'call_id' in value))
    ? value
    : undefined;

/** Reads one line of an export (`undefined`: a line over the bound, whose bytes were dropped). */
export function readJourneyLine(raw: string | undefined): JourneyLine {
  if (raw === undefined || raw.length > MAX_LOG_LINE_CHARS) return { kind: 'unreadable' };
  if (raw.trim() === '') return { kind: 'other' };
  const value = readLogLine(raw, takeValue);
  if (value === undefined) return isJson(raw) ? { kind: 'other' } : { kind: 'unreadable' };
  if (Array.isArray(value)) return receiptsOf(value, undefined);
  const record = value as Record<string, unknown>;
  if (record.msg === 'callback') {
    const parsed = v.safeParse(CallbackLineSchema, unflatten(record));
    if (!parsed.success) return { kind: 'other' };
    const { msg: _msg, time, ...fields } = parsed.output;
    const at = Date.parse(time);
    return { kind: 'callback', at, step: { ...fields, at } };
  }
  if (record.msg === 'receipt') {
    if (record.receiptType !== 'VoiceReport') return { kind: 'other' };
    const at = typeof record.time === 'string' ? Date.parse(record.time) : Number.NaN;
    return receiptsOf([record], Number.isFinite(at) ? at : undefined);
  }
  if (typeof record.msg === 'string') return { kind: 'other' };
  return receiptsOf([record], undefined);
}

/** Fields an SLS index may give back as text: `["started","entered"]` as a string, `duplicate` as `"true"`. */
const STRUCTURED_FIELDS = ['outcomes', 'trace', 'retries'] as const;

/** A record whose structured fields came back as text (an SLS query's columns), with them read again. */
function unflatten(record: Record<string, unknown>): Record<string, unknown> {
  let copy: Record<string, unknown> | undefined;
  for (const key of STRUCTURED_FIELDS) {
    const value = record[key];
    if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) continue;
    copy ??= { ...record };
    copy[key] = parseJson(value);
  }
  if (record.duplicate === 'true') {
    copy ??= { ...record };
    copy.duplicate = true;
  }
  return copy ?? record;
}

/** The VoiceReport records among `values`; a line with none is another line. */
function receiptsOf(values: readonly unknown[], loggedAt: number | undefined): JourneyLine {
  const receipts: ReceiptFacts[] = [];
  for (const value of values.slice(0, 10_000)) {
    if (!isRecord(value) || classifyReceipt(value) !== 'VoiceReport') continue;
    const parsed = v.safeParse(VoiceReportSchema, value);
    if (!parsed.success) continue;
    const record = parsed.output;
    const startAt = readBeijingTime(record.start_time);
    const endAt =
      readBeijingTime(record.end_time) ??
      (startAt === undefined || record.duration === undefined ? undefined : startAt + record.duration * 1000);
    receipts.push({ callId: record.call_id, endAt, direction: record.hangup_direction?.trim() });
  }
  if (receipts.length === 0) return { kind: 'other' };
  // A receipt comes after its call: a raw record is placed at its call's end.
  const at = loggedAt ?? receipts.reduce<number | undefined>((latest, r) => max(latest, r.endAt), undefined);
  return { kind: 'receipts', at, receipts };
}

function max(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.max(a, b);
}

/** Receipts write their times in Beijing time, `YYYY-MM-DD HH:MM:SS`, without a zone: ms since the epoch. */
export function readBeijingTime(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(value)) return undefined;
  const at = Date.parse(`${value.replace(' ', 'T')}+08:00`);
  return Number.isFinite(at) ? at : undefined;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Whether `raw` is JSON (`null` too: parseJson gives undefined only for what is not). */
function isJson(raw: string): boolean {
  return parseJson(raw) !== undefined;
}
