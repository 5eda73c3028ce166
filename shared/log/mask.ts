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

/** Masks every run of 5 or more digits in free text (a caller may read out a card or phone number). */
export function maskDigitsInText(text: string): string {
  return text.replace(/\d{5,}/g, (run) => `${run.slice(0, 2)}${'*'.repeat(run.length - 2)}`);
}
