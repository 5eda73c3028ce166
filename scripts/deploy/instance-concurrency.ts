/**
 * deploy:check's check of the custom-runtime mode's concurrency variables (s.custom.yaml renders them
 * with `* 1`, which turns `abc` into null and lets 500 through).
 */

/** The variables s.custom.yaml reads for `instanceConcurrency`: every function's, and the report's own. */
export const CONCURRENCY_VARIABLES = ['INSTANCE_CONCURRENCY', 'REPORT_INSTANCE_CONCURRENCY'] as const;

/** The most callbacks one instance may serve at once: an instance keeps at most 64 lookups in flight. */
export const MAX_INSTANCE_CONCURRENCY = 64;

/** One line for each variable that is set and is not a whole number from 1 to 64; none when all are fine. */
export function concurrencyProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  for (const name of CONCURRENCY_VARIABLES) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    const number = /^[0-9]{1,3}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (number >= 1 && number <= MAX_INSTANCE_CONCURRENCY) continue;
    const shown = JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
    problems.push(
      `${name} is ${shown}: give a whole number from 1 to ${MAX_INSTANCE_CONCURRENCY} (requests one custom-runtime instance serves at once)`,
    );
  }
  return problems;
}
