/**
 * The lines of one file of an export, with the ones whose time is far off taken out: a line over
 * {@link CALL_HORIZON_MS} away from the line before it, and ahead of the next {@link LOOK_AHEAD} timed lines
 * (or behind them and the line before it), stands apart from both sides (a clock gone wrong, on one
 * instance, for a line or two): it is an outlier. A line between the two sides is the export moving on (a
 * quiet night, a sparse file). Pure and streamed: lines are handed in one by one and
 * come back, in order, once the lines after them have judged them; at most {@link LOOK_AHEAD} timed lines
 * (and the untimed ones between them) are held.
 */
import { CALL_HORIZON_MS } from './journey-analytics';
import type { JourneyLine } from './journey-input';

/** The timed lines after a far line that judge it. */
export const LOOK_AHEAD = 3;
/**
 * A file's first line (none before it) is an outlier only this far ahead of the lines after it, and its
 * last (none after it) only this far ahead of the line before it: one side alone cannot tell a clock gone
 * wrong from a quiet night or a file newest first.
 */
export const LONE_GAP_MS = 24 * 60 * 60 * 1000;

/** A line of the file, or that an outlier was taken out. */
export type OrderedLine = JourneyLine | { readonly kind: 'outlier' };

/** The time a line is ordered by; none for a line that has none. */
export function timeOf(line: JourneyLine): number | undefined {
  return line.kind === 'callback' || line.kind === 'receipts' ? line.at : undefined;
}

export class OutlierFilter {
  /** Lines not given back yet: the first timed one among them waits for its judges. */
  private held: JourneyLine[] = [];
  /** The time of the last timed line given back. */
  private last: number | undefined;

  /** One line of the file; the lines (before it) that can be given back now. */
  push(line: JourneyLine): OrderedLine[] {
    if (this.held.length === 0) {
      // Nothing waits for judges: a line near the last one (most lines) goes straight back.
      const at = timeOf(line);
      if (at === undefined) return [line];
      if (this.isNear(at)) {
        this.last = at;
        return [line];
      }
    }
    this.held.push(line);
    return this.release(false);
  }

  /** The file is read: every line still held, the far ones judged by what follows them, if anything. */
  end(): OrderedLine[] {
    return this.release(true);
  }

  private release(ending: boolean): OrderedLine[] {
    const out: OrderedLine[] = [];
    for (;;) {
      const first = this.held.findIndex((line) => timeOf(line) !== undefined);
      if (first === -1) {
        out.push(...this.held);
        this.held = [];
        return out;
      }
      // The untimed lines before the first timed one go as they are.
      out.push(...this.held.slice(0, first));
      this.held = this.held.slice(first);
      const candidate = this.held[0] as JourneyLine;
      const at = timeOf(candidate) as number;
      const judges = this.held
        .slice(1)
        .map(timeOf)
        .filter((time): time is number => time !== undefined);
      if (!ending && judges.length < LOOK_AHEAD && !this.isNear(at)) return out;
      this.held = this.held.slice(1);
      if (this.isNear(at) || this.taken(at, judges.slice(0, LOOK_AHEAD))) {
        this.last = at;
        out.push(candidate);
      } else out.push({ kind: 'outlier' });
    }
  }

  /** Within the horizon of the last line given back (any line is, the first time). */
  private isNear(at: number): boolean {
    return this.last === undefined ? false : Math.abs(at - this.last) <= CALL_HORIZON_MS;
  }

  /**
   * Whether a line far from the last one given back is taken. It is an outlier when it stands apart from
   * both sides: ahead of the lines after it (their median, so that one more outlier among them does not
   * decide) and the line before it by over the horizon, or behind both. A line between the two sides is
   * an export moving on, however sparse. A file's first and last lines: {@link LONE_GAP_MS}.
   */
  private taken(at: number, judges: readonly number[]): boolean {
    if (judges.length === 0) return this.last === undefined || at - this.last <= LONE_GAP_MS;
    const sorted = [...judges].sort((a, b) => a - b);
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as number;
    // A first line (none before it) ahead of the rest may be a file newest first: only a day settles it.
    if (this.last === undefined) return at <= median + LONE_GAP_MS;
    if (at > median + CALL_HORIZON_MS && at > this.last) return false;
    const behind =
      at < median - CALL_HORIZON_MS && (this.last === undefined || at < this.last - CALL_HORIZON_MS);
    return !behind || this.last === undefined;
  }
}
