import * as v from 'valibot';
import { maskPhoneNumber } from '../log/mask';
import { MAX_OUT_ID_BYTES } from './smartcall';

/**
 * A campaign's results file: JSON lines, appended to and never rewritten, so that a stop at any moment
 * (Ctrl-C, a crash, a lost machine) leaves every line before it intact. It is what makes a campaign
 * resumable: a row with a final record is never sent again, and a row that was being sent when the
 * process stopped (a `sending` line without its `result`) is `uncertain`, never sent again automatically.
 *
 * Lines:
 * - `campaign` (the first): the campaign's code, which every `OutId` starts with, and the input it reads;
 * - `sending`: written and flushed to disk before a request leaves for the API;
 * - `unsent`: the request of the row's last `sending` line certainly placed no call (throttled, the
 *   service unavailable, never written, a campaign stopped for credentials): the row is pending again,
 *   to be sent after a pause or by a later run;
 * - `result`: how the request ended (or why the row was not sent: `do-not-call`, `invalid`);
 * - `settled`: an `uncertain` row found in the receipts by its `OutId` (`npm run outcomes -- --settle`).
 *
 * Phone numbers are never written whole: `number` is masked, and `numberTag` (a keyed hash) only tells
 * on a restart whether the input's row is still the same number.
 */
export const RESULTS_FORMAT = 1;

/** A campaign's code: six lower-case letters and digits, a letter first (so no `OutId` reads as a number). */
export const CAMPAIGN_CODE_PATTERN = /^[a-z][a-z0-9]{5}$/;

/** The most rows one campaign may have: the row number fits the `OutId` after the code and an `r`. */
export const MAX_CAMPAIGN_ROWS = 99_999_999;

/**
 * The `OutId` of a row: the campaign's code, `r`, the row number (1-based), `k3x9q2r42`. At most 15 bytes,
 * unique per row and per campaign, and never masked as a phone number by the log (a letter stands before
 * the digits).
 */
export function outIdOf(code: string, row: number): string {
  const outId = `${code}r${row}`;
  if (Buffer.byteLength(outId) > MAX_OUT_ID_BYTES) throw new Error(`row ${row} does not fit an OutId`);
  return outId;
}

/** The row an `OutId` names, when it is one of `code`'s. */
export function rowOfOutId(code: string, outId: string): number | undefined {
  const match = /^([a-z][a-z0-9]{5})r([1-9][0-9]{0,7})$/.exec(outId);
  if (match === null || match[1] !== code) return undefined;
  return Number(match[2]);
}

/** How a row ended, in a `result` or `settled` line. */
export const ROW_STATUSES = ['placed', 'refused', 'uncertain', 'do-not-call', 'invalid'] as const;
export type RowStatus = (typeof ROW_STATUSES)[number];

const IsoTime = v.pipe(v.string(), v.isoTimestamp());
const Row = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_CAMPAIGN_ROWS));
const OutId = v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_OUT_ID_BYTES));
const ShortText = v.pipe(v.string(), v.maxLength(256));

export const CampaignLineSchema = v.object({
  kind: v.literal('campaign'),
  format: v.literal(RESULTS_FORMAT),
  code: v.pipe(v.string(), v.regex(CAMPAIGN_CODE_PATTERN)),
  created: IsoTime,
  /** The input file as given, and the number of rows it had. */
  input: ShortText,
  rows: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_CAMPAIGN_ROWS)),
});

export const SendingLineSchema = v.object({
  kind: v.literal('sending'),
  row: Row,
  outId: OutId,
  at: IsoTime,
  /** 1 for the first request of the row; more after a retry (throttled, unavailable, never written). */
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

export const UnsentLineSchema = v.object({
  kind: v.literal('unsent'),
  row: Row,
  outId: OutId,
  at: IsoTime,
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** The API's error code (never its message), when it answered. */
  error: v.optional(ShortText),
  http: v.optional(v.number()),
  /** Why, in the project's words (no number in it): `connection refused before the request was written`. */
  why: v.optional(ShortText),
});

export const ResultLineSchema = v.object({
  kind: v.literal('result'),
  row: Row,
  outId: OutId,
  at: IsoTime,
  status: v.picklist(ROW_STATUSES),
  /** The row's own id (an `id` column), when the input has one. */
  id: v.optional(ShortText),
  /** The called number, masked (`138****8000`). */
  number: v.optional(ShortText),
  /** A keyed hash of the number (16 hex digits), to tell on a restart whether the row changed. */
  numberTag: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/))),
  flow: v.optional(ShortText),
  callId: v.optional(ShortText),
  requestId: v.optional(ShortText),
  /** The API's error code (never its message), or the project's word for a failure without one. */
  error: v.optional(ShortText),
  /** The HTTP status of the answer, when one came. */
  http: v.optional(v.number()),
  attempts: v.optional(v.number()),
  /** Why, in the project's words (no number in it): `timeout after the request was written`. */
  why: v.optional(ShortText),
});

export const SettledLineSchema = v.object({
  kind: v.literal('settled'),
  row: Row,
  outId: OutId,
  at: IsoTime,
  status: v.literal('placed'),
  callId: ShortText,
  /** What settled it: `receipt`. */
  by: v.literal('receipt'),
});

export const ResultsLineSchema = v.variant('kind', [
  CampaignLineSchema,
  SendingLineSchema,
  UnsentLineSchema,
  ResultLineSchema,
  SettledLineSchema,
]);
export type CampaignLine = v.InferOutput<typeof CampaignLineSchema>;
export type SendingLine = v.InferOutput<typeof SendingLineSchema>;
export type UnsentLine = v.InferOutput<typeof UnsentLineSchema>;
export type ResultLine = v.InferOutput<typeof ResultLineSchema>;
export type SettledLine = v.InferOutput<typeof SettledLineSchema>;
export type ResultsLine = v.InferOutput<typeof ResultsLineSchema>;

/**
 * A text of a campaign's row as it may be printed or written (its `id`, a value an API or a log gave):
 * every phone number in it masked, however it is written and wherever it stands (`appt13800138000`,
 * which the log's masking leaves, since there a letter glued to digits is rarely a number). A number is a
 * mobile (`1[3-9]` and 9 more digits) or a landline with its area code (`0`, then 9 to 11 more digits),
 * after `+86`/`0086` or not, with spaces, `-`, `.` and brackets between digits (`(010) 8888-9999`,
 * `138.0013.8000`), full-width digits read as digits. An appointment number such as `20260311` or
 * `appt-1042` stays readable.
 */
export function maskRowText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(
      /(?:(?:\+|00)86[\s.()-]*)?(?:1[3-9](?:[\s.()-]*[0-9]){9}|\(?0[1-9](?:[\s.()-]*[0-9]){8,10})/g,
      (run) => maskPhoneNumber(run.replace(/^(?:\+|00)86/, '')),
    );
}
