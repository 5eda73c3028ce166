/**
 * Text and numbers for the analytics reports (the terminal tables and the HTML report). Names and
 * utterances come from log lines, which are hostile: control characters are dropped, phone numbers masked
 * again, and long text cut, before either report writes them.
 */
import { isValidTimeZone, toLocalTime } from '../calendar/local-time';
import { maskPhoneNumbersInText } from '../log/logger';
import {
  ENDINGS,
  type EndingCounts,
  type HourFigures,
  type JourneyFigures,
  type LineFigures,
  type NodeRef,
  type ReadTotals,
} from './journey-figures';

/** At most this many flows are shown (the rest are counted in a note): flow names come from logs. */
export const MAX_FLOWS_DRAWN = 50;
/** At most this many nodes of a flow are shown, in its funnel and its tables. */
export const MAX_NODES_DRAWN = 200;
/** At most this many lines are shown. */
export const MAX_LINES_DRAWN = 50;

/**
 * Control characters (C0 with newlines and tabs, DEL, C1) and the invisible marks that reorder or hide text
 * (bidirectional overrides and isolates, zero-width characters): none reaches a terminal or a page, so no
 * escape sequence, made-up line or text shown in another order than it is.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is dropped
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Line breaks and tabs: a space in their place, so that the words they parted stay apart. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;

/**
 * `text` without control characters, its phone numbers masked: before (a number a break or a control
 * character set apart from a word is one), and after (a number a dropped control character cut in two is
 * one again).
 */
export function cleanLogText(text: string): string {
  const masked = maskPhoneNumbersInText(text);
  return maskPhoneNumbersInText(masked.replace(BREAKS, ' ').replace(UNPRINTABLE, ''));
}

/**
 * Characters shown two columns wide by terminals: CJK ideographs, kana, hangul, full-width forms and
 * CJK punctuation (Chinese node names and utterances are common).
 */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;
/** Marks drawn over the character before them: no column of their own. */
const COMBINING = /\p{M}/u;

function charWidth(char: string): number {
  if (COMBINING.test(char)) return 0;
  return WIDE.test(char) ? 2 : 1;
}

/** Columns `text` takes in a terminal. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/** `text` cut to at most `width` columns, ending with `…` when it was cut. */
export function cutToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let kept = '';
  let used = 0;
  for (const char of text) {
    const next = charWidth(char);
    if (used + next > width - 1) break;
    kept += char;
    used += next;
  }
  return `${kept}…`;
}

/** `text` cut and padded to exactly `width` columns, on the right (`left`) or on the left (numbers). */
export function fitToWidth(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = cutToWidth(text, width);
  const padding = ' '.repeat(Math.max(0, width - displayWidth(cut)));
  return align === 'left' ? cut + padding : padding + cut;
}

/** A whole count, or `–` for anything that is not a finite number. */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value)) : '–';
}

/** A share (0–1) as a percentage with one decimal, `–` when there is none. */
export function formatPercent(share: number | null): string {
  return share === null || !Number.isFinite(share) ? '–' : `${(share * 100).toFixed(1)}%`;
}

/** Seconds with one decimal, `–` when unknown. */
export function formatSeconds(seconds: number | null): string {
  return seconds === null || !Number.isFinite(seconds) ? '–' : seconds.toFixed(1);
}

/** `text` cut to at most `length` characters (code points), ending with `…` when it was cut. */
export function cutToLength(text: string, length: number): string {
  const chars = Array.from(text);
  return chars.length <= length ? text : `${chars.slice(0, length - 1).join('')}…`;
}

/** Where an exit goes, as the reports write it: the node, or `flow/node` in another flow (clean text). */
export function exitTarget(fromFlow: string, exit: NodeRef): string {
  return cleanLogText(exit.flow === fromFlow ? exit.node : `${exit.flow}/${exit.node}`);
}

/** Calls by ending, the non-zero ones (`transferred 3 · caller 1`), or `none`. */
export function describeEndings(endings: EndingCounts): string {
  const parts = ENDINGS.filter((ending) => endings[ending] > 0).map(
    (ending) => `${ending} ${formatCount(endings[ending])}`,
  );
  return parts.length === 0 ? 'none' : parts.join(' · ');
}

/** What was read, in one line, each count explained in a word or two; counts of nothing left out. */
export function describeReadTotals(read: ReadTotals): string {
  const parts: [number, string][] = [
    [read.duplicates, 'duplicates (redelivered, not counted)'],
    [read.receiptDuplicates, 'receipts pushed again (counted once)'],
    [read.receiptsWithoutCalls, 'receipts of no call read'],
    [read.late, 'late (of a call already counted, not counted)'],
    [read.lateReceipts, 'receipts after their call was counted'],
    [read.outliers, 'lines with a time far off (skipped)'],
    [read.overflow, 'calls or nodes past the limits (left out)'],
    [read.other, 'other'],
    [read.unreadable, 'unreadable'],
  ];
  return [
    `${formatCount(read.lines)} lines`,
    `${formatCount(read.callbacks)} callbacks counted`,
    `${formatCount(read.receipts)} receipts`,
    ...parts.filter(([count]) => count > 0).map(([count, what]) => `${formatCount(count)} ${what}`),
  ].join(' · ');
}

/** The period the figures cover, or a word that there is none. */
export function describePeriod(figures: Pick<JourneyFigures, 'from' | 'to' | 'timezone'>): string {
  const zone = cleanLogText(figures.timezone);
  if (figures.from === null || figures.to === null) return `no callbacks read (hours in ${zone})`;
  return `${localTimeOf(figures.from, figures.timezone)} – ${localTimeOf(figures.to, figures.timezone)} (${zone})`;
}

/** `2026-03-09 08:06` in `timezone`: an ISO instant of the figures on the zone's wall clock, else as written. */
function localTimeOf(iso: string, timezone: string): string {
  const at = Date.parse(iso);
  if (!Number.isFinite(at) || !isValidTimeZone(timezone)) return cleanLogText(iso);
  const local = toLocalTime(at, timezone);
  const minutes = local.minutes % 60;
  return `${local.date} ${String(local.hour).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/** A note that `count` more `what` were left out (at most `limit` are shown), or `` when none was. */
export function leftOutNote(count: number, what: string, limit: number): string {
  return count > 0 ? `${count} more ${what} not shown: the report shows at most ${limit}.` : '';
}

/** The 24 hours of a line, hour 0 first; an hour the figures miss has no calls. */
export function hoursOf(line: LineFigures): HourFigures[] {
  const hours: HourFigures[] = Array.from({ length: 24 }, (_, hour) => ({
    hour,
    calls: 0,
    afterHours: 0,
    transferred: 0,
  }));
  for (const hour of line.hours) {
    if (Number.isInteger(hour.hour) && hour.hour >= 0 && hour.hour < 24) hours[hour.hour] = hour;
  }
  return hours;
}

/** `9` → `09:00`. */
export function hourLabel(hour: number): string {
  return `${String(hour).padStart(2, '0')}:00`;
}
