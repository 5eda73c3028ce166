/**
 * A callback's deadline: the one place its time is counted. It starts with the callback's budget, grows
 * when the callback takes on a wait (a lookup's `waitMs`), and bounds every wait on the callback's path,
 * so that no I/O of a callback runs past it.
 */
export type Deadline = {
  /** Milliseconds left, never below 0. */
  readonly remainingMs: () => number;
  /** The budget as it stands (the first budget and every extension), for messages and logs. */
  readonly budgetMs: () => number;
  /** Gives the callback `ms` more (a lookup's wait). */
  readonly extend: (ms: number) => void;
  /**
   * `value`, or a {@link DeadlineError} once the deadline passes first. What was waited for goes on (the
   * rules still loading, say, serve the calls after this one). A value already at hand costs nothing.
   */
  readonly within: <T>(value: T | Promise<T>, what: string) => T | Promise<T>;
};

/** The deadline of a callback ran out while it waited for something. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** Starts a deadline of `budgetMs` from `startedAt`, read on `now` (the host's clock, ms). */
export function startDeadline(now: () => number, budgetMs: number, startedAt = now()): Deadline {
  let budget = budgetMs;
  const remainingMs = () => Math.max(0, startedAt + budget - now());
  return {
    remainingMs,
    budgetMs: () => budget,
    extend: (ms) => {
      budget += Math.max(0, ms);
    },
    within: <T>(value: T | Promise<T>, what: string): T | Promise<T> => {
      if (!(value instanceof Promise)) return value;
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new DeadlineError(`the callback's budget of ${budget} ms ran out waiting for ${what}`)),
          remainingMs(),
        );
      });
      return Promise.race([value, expired]).finally(() => clearTimeout(timer));
    },
  };
}
