import type { LookupNode, SavedField } from '../rules/rules-schema';
import { measureStateBytes } from '../state/state-token';

/**
 * The values a lookup node keeps, read from its JSON answer: all of them, or the first that fails
 * (`missing` or `invalid`, which send the node to `onError`). `field` is the variable's name, never the
 * value: a failure is traced and logged.
 */
export type SavedValuesResult =
  | { readonly ok: true; readonly values: Record<string, string> }
  | { readonly ok: false; readonly why: 'missing' | 'invalid'; readonly field: string };

/**
 * Reads each value of a lookup node's `save` from `data` (the parsed answer) and checks it:
 * - `from` is walked by its dot-separated steps through own properties only; a step of digits indexes
 *   an array; `__proto__`, `constructor` and `prototype` are never followed (JSON.parse makes
 *   `"__proto__"` an own key). A step that leads nowhere, or to `null`, is `missing`.
 * - `type`: `text` takes a string as it is; `number` a JSON number only (a numeric string is `invalid`:
 *   an API that sends amounts as strings, to keep their decimals, is read with `text`), rendered by
 *   `String`; `digits` a string of 0–9 (at least one), or a non-negative JSON integer up to 2^53 − 1
 *   rendered by `String` (codes and account numbers are often sent as numbers; write `text` when leading
 *   zeros matter and the API sends a number); `boolean` true or false, kept as `'true'` or `'false'`.
 *   Anything else is `invalid`.
 * - `maxBytes`: the value's UTF-8 bytes once JSON-escaped, without the quotes, as the sealed state
 *   counts them. A string's UTF-16 length is never more than that count (each unit takes at least one
 *   byte), so a value within `maxBytes` (at most 64) also fits the state's 64-character limit of a value.
 */
export function readSavedValues(save: LookupNode['save'], data: unknown): SavedValuesResult {
  const values: Record<string, string> = {};
  for (const [field, spec] of Object.entries(save ?? {})) {
    const found = walkAnswer(data, spec.from);
    if (found === undefined || found === null) return { ok: false, why: 'missing', field };
    const value = renderSaved(found, spec.type);
    if (value === undefined || measureStateBytes(value) > spec.maxBytes)
      return { ok: false, why: 'invalid', field };
    values[field] = value;
  }
  return { ok: true, values };
}

/** Steps that would reach a prototype's members rather than the answer's own data. */
const UNSAFE_STEPS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** The value at a dotted path of own properties and array positions, or undefined. */
function walkAnswer(data: unknown, from: string): unknown {
  let current = data;
  for (const step of from.split('.')) {
    if (Array.isArray(current)) {
      if (!/^(?:0|[1-9][0-9]*)$/.test(step)) return undefined;
      current = Number(step) < current.length ? current[Number(step)] : undefined;
    } else if (typeof current === 'object' && current !== null) {
      if (UNSAFE_STEPS.has(step) || !Object.hasOwn(current, step)) return undefined;
      current = (current as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return current;
}

/** A value as kept for its type, or undefined when it is of another kind. */
function renderSaved(value: unknown, type: SavedField['type']): string | undefined {
  switch (type) {
    case 'text':
      return typeof value === 'string' ? value : undefined;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
    case 'digits':
      if (typeof value === 'string') return /^[0-9]+$/.test(value) ? value : undefined;
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? String(value)
        : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? String(value) : undefined;
  }
}
