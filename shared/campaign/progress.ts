import { formatDuration } from './calling-hours';
import type { RunCounts } from './campaign-run';
import { formatRate } from './campaign-run';

/**
 * The progress of a running campaign, on stderr: one line rewritten in place at most every half second
 * on a terminal, else a line every ten seconds (a log file reads well), and nothing with `--quiet`.
 *
 *   placed 120/300 · refused 2 · uncertain 1 · dnc 3 · waiting 0 · 9.8 calls/s · ETA 18 s
 */

/** How often the line is rewritten on a terminal, and written elsewhere. */
export const TTY_EVERY_MS = 500;
export const LOG_EVERY_MS = 10_000;

/** The speed is measured over the last requests within this window. */
const SPEED_WINDOW_MS = 10_000;

export type ProgressOptions = {
  readonly now: () => number;
  readonly write: (text: string) => void;
  /** stderr is a terminal: the line is rewritten in place. */
  readonly tty: boolean;
  /** Rows placed before this run (earlier runs of the campaign). */
  readonly placedBefore: number;
  /** The campaign's rows. */
  readonly total: number;
  /** Rows this run may send. */
  readonly queued: number;
};

export type Progress = {
  update(counts: RunCounts): void;
  /** Ends the line on a terminal, before the summary. */
  end(): void;
};

export function createProgress(options: ProgressOptions): Progress {
  const { now, write, tty } = options;
  const every = tty ? TTY_EVERY_MS : LOG_EVERY_MS;
  let last = now();
  let shown = false;
  const sent: { at: number; requests: number }[] = [{ at: last, requests: 0 }];
  const line = (counts: RunCounts) => {
    const at = now();
    sent.push({ at, requests: counts.requests });
    while (sent.length > 2 && (sent[0] as { at: number }).at < at - SPEED_WINDOW_MS) sent.shift();
    const first = sent[0] as { at: number; requests: number };
    const seconds = (at - first.at) / 1000;
    const speed = seconds > 0 ? (counts.requests - first.requests) / seconds : 0;
    const done = counts.placed + counts.refused + counts.uncertain + counts.doNotCall + counts.outsideHours;
    const left = Math.max(0, options.queued - done);
    // While rows wait for the calling hours, the time left is the wait's (said when it began), not a speed's.
    const eta =
      counts.waiting === 0 && speed > 0 && left > 0 ? ` · ETA ${formatDuration((left / speed) * 1000)}` : '';
    return (
      `placed ${options.placedBefore + counts.placed}/${options.total} · refused ${counts.refused} · ` +
      `uncertain ${counts.uncertain} · dnc ${counts.doNotCall} · waiting ${counts.waiting} · ` +
      `${formatRate(speed)} calls/s${eta}`
    );
  };
  return {
    update(counts) {
      const at = now();
      if (at - last < every) return;
      last = at;
      shown = true;
      write(tty ? `\r${line(counts)}\u001b[K` : `${line(counts)}\n`);
    },
    end() {
      if (tty && shown) write('\n');
    },
  };
}
