import * as v from 'valibot';

/**
 * Schemas for the loose scalar encoding of VMS callbacks: inside `content` every value arrives as a
 * string (`"is_playing":"false"`, `"begin_offset":"18450"`), while the docs type the same fields as
 * numbers and booleans. These accept both and output the real type.
 */

/** A finite number, given as a JSON number or as a decimal string. */
export const NumberLikeSchema = v.pipe(
  v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^-?\d+(?:\.\d+)?$/), v.transform(Number))]),
  v.finite(),
);

/** A boolean, given as a JSON boolean or as `"true"`/`"false"`/`"1"`/`"0"` in any case. */
export const BooleanLikeSchema = v.union([
  v.boolean(),
  v.pipe(
    v.string(),
    v.trim(),
    v.toLowerCase(),
    v.picklist(['true', 'false', '1', '0']),
    v.transform((s) => s === 'true' || s === '1'),
  ),
]);

/** The longest text field read; a longer value is dropped like any value of the wrong shape. */
export const MAX_TEXT_CHARS = 4096;

/** A short free-text field; numbers are accepted and turned into their decimal string. */
export const TextLikeSchema = v.pipe(
  v.union([v.string(), v.pipe(v.number(), v.transform(String))]),
  v.trim(),
  v.maxLength(MAX_TEXT_CHARS),
);

/**
 * Makes a content field optional and forgiving: a value that does not fit is dropped rather than
 * failing the whole event, because one odd field must never cost the caller the call.
 */
export function lenient<T extends v.GenericSchema>(schema: T) {
  return v.optional(v.fallback(v.optional(schema), undefined));
}

/** An integer within `[min, max]`, as a JSON number. */
export function integerIn(min: number, max: number) {
  return v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
}
