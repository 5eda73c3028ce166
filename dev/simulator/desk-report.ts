/**
 * What the simulator's desks (its lookups, its classifier) say of the needs of one callback: those nothing
 * answered, what was put in place of what could not be known, and whether what follows is re-derivable.
 */

/** What became of one callback's needs of one kind (`R`: the request of a need nothing answered). */
export type DeskReport<R> = {
  /** The needs the flow had that nothing answered: each failed `unsendable`. */
  readonly unanswered: readonly R[];
  /** What the simulator put in place of what it could not know, or why a need was not sent. */
  readonly notes: readonly string[];
  /** Whether an answer was made up: what follows from it is not re-derivable. */
  readonly underivable: boolean;
};

/** Collects one callback's report. */
export class Reporter<R> {
  unanswered: R[] = [];
  notes: string[] = [];
  underivable = false;

  /** The report so far; starts the next one. */
  take(): DeskReport<R> {
    const report = { unanswered: this.unanswered, notes: this.notes, underivable: this.underivable };
    this.unanswered = [];
    this.notes = [];
    this.underivable = false;
    return report;
  }

  /** A made-up answer: noted, and what follows is not re-derivable. */
  underive(note: string): void {
    this.underivable = true;
    this.notes.push(note);
  }
}

/** The first line of what a client threw, printable later. */
export function describeThrown(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
}
