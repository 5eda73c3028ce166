import assert from 'node:assert/strict';

/**
 * The clock the tests host the bundles on (`createHandler({ now })`, see `FunctionHost`): running by
 * default, stopped at an instant by {@link setClock}. Only the instances built on it read it; no global
 * (`Date.now`) is replaced.
 */
let fixed: number | undefined;

/** The test clock's reading: the instant set, else the real time. */
export const testNow = (): number => fixed ?? Date.now();

/** Stops the test clock at `instant` (ISO 8601 with an explicit offset). */
export function setClock(instant: string): void {
  const ms = Date.parse(instant);
  assert.ok(!Number.isNaN(ms), `not an instant: ${instant}`);
  fixed = ms;
}

/** Lets the test clock run again after {@link setClock}: an `afterEach` for every suite that stops it. */
export function restoreClock(): void {
  fixed = undefined;
}
