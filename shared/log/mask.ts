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

/**
 * A digit as ASR or a hostile sender may write it: any decimal digit of any script (ASCII, full width,
 * Arabic-Indic, mathematical bold…), any other number character (①, ⑴, ²), and the Chinese numerals,
 * financial ones (壹贰叁) included.
 */
const DIGIT = '\\p{Nd}\\p{No}零〇一幺二两兩三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖';
/** What may stand between the digits of one number read out: spaces and punctuation (`62/22`, `62。22`). */
const BETWEEN = '[\\s\\p{P}\\p{Pd}]*';
/** Three or more digits, however written, with spaces or punctuation between. */
const DIGIT_RUN = new RegExp(`[${DIGIT}](?:${BETWEEN}[${DIGIT}]){2,}`, 'gu');
const ONE_DIGIT = new RegExp(`[${DIGIT}]`, 'gu');

/**
 * Masks digits a caller reads out (a card, phone or PIN code) in recognised speech: every run of three
 * or more, however it was written (`6222…`, `１３８…`, `一二三 四五六`, `壹贰叁`, `①②③`, `62/22/84`),
 * becomes `*`s. Short answers such as "按1" stay readable.
 */
export function maskDigitsInText(text: string): string {
  return text.replace(DIGIT_RUN, (run) => run.replace(ONE_DIGIT, '*'));
}

/** What the log says in place of the keys or words a sensitive collect node heard. */
export const SENSITIVE_INPUT = '(sensitive)';
