/**
 * Reduces a phone number to the digits that identify it, so that `+86 138-0013-8000`, `8613800138000`
 * and `13800138000` route alike. Fixed-line numbers keep their leading 0 (`05923391657`).
 */
export function normalisePhoneNumber(raw: string): string {
  let digits = raw.replace(/[^0-9]/g, '');
  if (digits.startsWith('0086')) digits = digits.slice(4);
  else if (digits.startsWith('86') && digits.length === 13) digits = digits.slice(2);
  return digits;
}
