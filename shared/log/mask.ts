/**
 * Phone numbers are personal data (PIPL): logs keep only enough to tell numbers apart.
 * `13800138000` → `138****8000`; short numbers keep less.
 */
export function maskPhoneNumber(raw: string): string {
  const digits = raw.replace(/[^0-9]/g, '');
  if (digits.length >= 11) return `${digits.slice(0, 3)}****${digits.slice(-4)}`;
  if (digits.length >= 7) return `${digits.slice(0, 2)}****${digits.slice(-2)}`;
  return '*'.repeat(digits.length);
}

const DIGIT = '0-9０-９零〇一幺二两三四五六七八九';
/** Three or more digits, as ASR writes them (ASCII, full width, Chinese numerals), spaces or commas between. */
const DIGIT_RUN = new RegExp(`[${DIGIT}](?:[\\s,，、.-]*[${DIGIT}]){2,}`, 'g');

/**
 * Masks digits a caller reads out (a card, phone or PIN code) in recognised speech: every run of three
 * or more, however ASR wrote them (`6222…`, `１３８…`, `一二三 四五六`), becomes `*`s. Short answers such as
 * "按1" stay readable.
 */
export function maskDigitsInText(text: string): string {
  return text.replace(DIGIT_RUN, (run) => run.replace(new RegExp(`[${DIGIT}]`, 'g'), '*'));
}

/** What the log says in place of the keys or words a sensitive collect node heard. */
export const SENSITIVE_INPUT = '(sensitive)';
