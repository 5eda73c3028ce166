import * as v from 'valibot';
import { maskPhoneNumber } from '../log/mask';
import { MAX_CALL_ID_CHARS } from '../protocol/callback-request';
import { NumberLikeSchema, TextLikeSchema } from '../protocol/coerce';

/**
 * Receipts (话单 / 状态回执) pushed in batches: their type is told from their fields (classifyReceipt,
 * shared/protocol/receipt-type.ts); pages disagree on numbers vs strings, so both pass.
 */

const IdSchema = v.pipe(
  TextLikeSchema,
  v.minLength(1, 'call_id is empty'),
  v.maxLength(MAX_CALL_ID_CHARS, 'call_id is too long'),
);

/** What every record must have to be worth keeping: an object with a call id. */
export const ReceiptRecordSchema = v.looseObject({
  call_id: v.pipe(
    v.unknown(),
    v.check((x) => x !== undefined && x !== null, 'call_id is missing'),
    IdSchema,
  ),
});

/** The console's test button sends this instead of an array of records. */
export const ConsoleTestSchema = v.strictObject({ json: v.string() });

const PHONE_FIELD = /caller|callee|called|number|phone|show/i;
const NUMERIC_FIELD = /(_time|duration|_code|status_code)$/;

/**
 * A record as one log line: phone numbers masked, DTMF hidden, URLs without their query (the
 * recording link's signature would give anyone with log access the recording), numbers as numbers.
 */
export function toReceiptLogFields(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(record)) {
    const key = rawKey.trim();
    if (value === null || value === undefined) continue;
    if (typeof value === 'object') {
      out[key] = '[object]';
      continue;
    }
    const text = String(value).slice(0, 512);
    if (key === 'dtmf') out[key] = '*'.repeat(text.length);
    else if (PHONE_FIELD.test(key)) out[key] = maskPhoneNumber(text);
    else if (/^https?:\/\//i.test(text)) out[key] = text.replace(/[?#].*$/, '');
    else if (NUMERIC_FIELD.test(key) && v.is(NumberLikeSchema, value))
      out[key] = v.parse(NumberLikeSchema, value);
    else out[key] = text;
  }
  return out;
}
