/**
 * The trace lines that tools read back, written and read here only: coverage reads which nodes a call
 * entered, which branch held and which retry escalated; replay reads how many digits a collect node took
 * (the digits themselves are never traced). A change of wording changes writer and reader together.
 */

/** `enter askPin (collect)`: a node the call entered. */
export function enteredNode(node: string, type: string): string {
  return `enter ${node} (${type})`;
}
export function readEnteredNode(line: string): string | undefined {
  return /^enter (\S+) \(/.exec(line)?.[1];
}

/** `branches.0 holds → next`, or `no branch holds → else`: the way a branch node went. */
export function branchTaken(index: number, target: string): string {
  return index === -1 ? `no branch holds → ${target}` : `branches.${index} holds → ${target}`;
}
/** The branch a trace line says held: its index, `else`, or undefined for another line. */
export function readBranchTaken(line: string): number | 'else' | undefined {
  if (line.startsWith('no branch holds → ')) return 'else';
  const index = /^branches\.(\d+) holds → /.exec(line)?.[1];
  return index === undefined ? undefined : Number(index);
}

/** `no digits → noMatch retries used up → desk`: a retry policy escalated (or ended the call). */
export function retriesUsedUp(why: string, kind: string, target: string): string {
  return `${why} → ${kind} retries used up → ${target}`;
}
export function readRetriesUsedUp(line: string): { kind: 'noInput' | 'noMatch'; target: string } | undefined {
  const match = /(noInput|noMatch) retries used up → (\S+)$/.exec(line);
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { kind: match[1] as 'noInput' | 'noMatch', target: match[2] };
}

/** `6 digits`: how a collect node's trace names what it heard, by count only. */
export function countedDigits(count: number): string {
  return `${count} digits`;
}
/** The count of a collect node's trace line (`collected pin (6 digits) → …`, `4 digits do not fit → …`). */
export function readCountedDigits(line: string): number | undefined {
  const counted = /\((\d+) digits\)|^(\d+) digits do not fit/.exec(line);
  const digits = counted?.[1] ?? counted?.[2];
  return digits === undefined ? undefined : Number(digits);
}

/** The trace's note of a calendar judged on a date no holiday data covers, and how it is read back. */
const NO_HOLIDAY_DATA = /^calendar (\S+): no holiday data for (\d{4}) → /;

export function noHolidayDataNote(calendar: string, year: number, decidedBy: string): string {
  return `calendar ${calendar}: no holiday data for ${year} → ${decidedBy}`;
}

/** The calendar and year of a holiday data gap's trace line. */
export function readNoHolidayDataNote(line: string): { calendar: string; year: number } | undefined {
  const match = NO_HOLIDAY_DATA.exec(line);
  return match?.[1] === undefined ? undefined : { calendar: match[1], year: Number(match[2]) };
}
