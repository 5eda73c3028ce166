/**
 * Reduces a phone number to its domestic digits, so that a number routes alike however it is written:
 * `+86 138-0013-8000`, `8613800138000` and `13800138000`; `+86 592 3391657` and `05923391657`.
 */
export function normalisePhoneNumber(raw: string): string {
  let digits = raw.replace(/[^0-9]/g, '');
  let international = false;
  if (digits.startsWith('0086')) {
    digits = digits.slice(4);
    international = true;
  } else if (raw.trimStart().startsWith('+') && digits.startsWith('86')) {
    digits = digits.slice(2);
    international = true;
  } else if (digits.length === 13 && digits.startsWith('861')) {
    digits = digits.slice(2);
  }
  // Written internationally, a fixed line drops its trunk 0 (+86 592… is 0592…, +86 10… is Beijing's
  // 010…); a mobile starts with 13 to 19.
  if (international && !/^(1[3-9]|0)/.test(digits)) digits = `0${digits}`;
  return digits;
}
