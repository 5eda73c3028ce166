import { normaliseListedNumber } from './campaign-list';
import { CALLED_NUMBER_PATTERN } from './smartcall';

/**
 * A do-not-call list (`--do-not-call FILE`, a campaign file's `doNotCall`): one number or prefix a line,
 * written as the list's `number` column is (spaces, `-`, a leading `+86` are dropped), a prefix ending in
 * `*` (`0592*`, `170*`), `#` starting a comment. It is checked right before every call, so a number added
 * while a long campaign runs is never called after the change is saved.
 */
export type DoNotCallList = {
  readonly numbers: ReadonlySet<string>;
  readonly prefixes: ReadonlySet<string>;
  /** The longest prefix, so that a check tries at most that many. */
  readonly longestPrefix: number;
};

/** The shortest prefix: `1*` would stop every mobile, which is never what a list means. */
export const MIN_PREFIX_DIGITS = 3;

/** An empty list. */
export const NO_DO_NOT_CALL: DoNotCallList = { numbers: new Set(), prefixes: new Set(), longestPrefix: 0 };

/** Reads a do-not-call list; its problems name the line, never what it holds. */
export function parseDoNotCall(text: string): {
  readonly list: DoNotCallList;
  readonly problems: readonly string[];
} {
  const numbers = new Set<string>();
  const prefixes = new Set<string>();
  const problems: string[] = [];
  let longestPrefix = 0;
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (const [index, raw] of lines.entries()) {
    const hash = raw.indexOf('#');
    const entry = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (entry === '') continue;
    const isPrefix = entry.endsWith('*');
    // No number of China starts with 86: written so, it is the country code, as with a `+` (`8610*` is 010…).
    const written = isPrefix ? entry.slice(0, -1) : entry;
    const digits = normaliseListedNumber(
      /^86[\s.-]?[0-9]/.test(written.trim()) ? `+${written.trim()}` : written,
    );
    if (digits === undefined) {
      problems.push(`line ${index + 1}: not a number, nor a prefix such as 0592*`);
    } else if (isPrefix && digits.length < MIN_PREFIX_DIGITS) {
      problems.push(`line ${index + 1}: a prefix has at least ${MIN_PREFIX_DIGITS} digits`);
    } else if (isPrefix) {
      prefixes.add(digits);
      longestPrefix = Math.max(longestPrefix, digits.length);
    } else if (!CALLED_NUMBER_PATTERN.test(digits)) {
      // A mistyped number would never match the one it meant: that person would be called.
      problems.push(
        `line ${index + 1}: not a number SmartCall can call (a mobile of 11 digits, or a landline with its area code)`,
      );
    } else {
      numbers.add(digits);
    }
  }
  return { list: { numbers, prefixes, longestPrefix }, problems };
}

/** Whether `number` (normalised) is on the list, itself or by a prefix. */
export function isOnDoNotCallList(list: DoNotCallList, number: string): boolean {
  if (list.numbers.has(number)) return true;
  const longest = Math.min(list.longestPrefix, number.length);
  for (let length = MIN_PREFIX_DIGITS; length <= longest; length++) {
    if (list.prefixes.has(number.slice(0, length))) return true;
  }
  return false;
}
