/**
 * A turn's expectations against what happened, and the diff a user reads when they differ. Pure.
 */
import { CLASSIFY_FAILURES, NO_CHOICE } from '../../shared/classify/classify-types';
import type { LoggedClassified, LoggedLookup, TurnOutcome } from './call';
import { printable } from './printable';
import type { Expect } from './scenario';

/** One expectation that did not hold: the field, what was expected and what happened, as text. */
export type Mismatch = { readonly field: string; readonly expected: string; readonly actual: string };

/** The TTS text a turn played, joined as the caller hears it. */
export function heardText(outcome: TurnOutcome): string {
  return outcome.texts.join('');
}

/** Fields read from the function's log line, not from the reply. */
const LOGGED_FIELDS = ['flow', 'node', 'tag', 'line', 'matched'] as const;

/**
 * How a turn names a lookup of its log line: `account ok (1 attempt)`, `account waiting (1 attempt)`,
 * `account failed status 503 (1 attempt)`, `account failed timeout (3 attempts)`.
 */
export function describeLookup(lookup: LoggedLookup): string {
  const status = lookup.status === undefined ? '' : ` ${lookup.status}`;
  const why = lookup.outcome === 'failed' ? ` ${lookup.why ?? 'unknown'}${status}` : '';
  return `${lookup.use} ${lookup.outcome}${why} (${lookup.attempts} ${lookup.attempts === 1 ? 'attempt' : 'attempts'})`;
}

/** Whether an expected lookup (`account failed`) names a lookup's description: all of it, or its first words. */
function namesLookup(expected: string, description: string): boolean {
  return description === expected || description.startsWith(`${expected} `);
}

/**
 * How a turn names what its classification came to: `lostCard 0.92, taken`, `none 0.90`,
 * `lostCard 0.55, not taken: below-threshold`, `failed timeout`, or `not asked`.
 */
export function describeClassified(logged: LoggedClassified | undefined): string {
  if (logged === undefined) return 'not asked';
  const { choice, confidence } = logged;
  if (choice === undefined || confidence === undefined) return `failed ${logged.why ?? 'unknown'}`;
  const verdict = `${choice} ${confidence.toFixed(2)}`;
  if (logged.taken) return `${verdict}, taken`;
  return choice === NO_CHOICE ? verdict : `${verdict}, not taken: ${logged.why ?? 'unknown'}`;
}

/**
 * Whether a classification is what an expectation says (scenario.ts, ExpectedClassifiedSchema): `not
 * asked`; `none`; `failed` (any reason, or the one named); `not taken` (a verdict the call did not take,
 * for any reason, or the one named); else the name of the choice the call took.
 */
export function meetsClassified(expected: string, logged: LoggedClassified | undefined): boolean {
  if (expected === 'not asked') return logged === undefined;
  if (logged === undefined) return false;
  if (expected === NO_CHOICE) return logged.choice === NO_CHOICE;
  // `failed` and `not taken` alone, or with the reason the log gives.
  const says = (words: string, why: string) => expected === words || expected === `${words}${why}`;
  const why = logged.why ?? '';
  if (expected === 'failed' || expected.startsWith('failed '))
    return CLASSIFY_FAILURES.some((word) => word === why) && says('failed', ` ${why}`);
  if (expected.startsWith('not taken'))
    return !logged.taken && logged.choice !== undefined && says('not taken', `: ${why}`);
  return logged.taken && logged.choice === expected;
}

/**
 * Every expectation of `expect` that `outcome` does not meet. A field read from the log line is a
 * mismatch when the transport does not see the logs: a scenario is never passed by what was not seen.
 */
export function compareTurn(expect: Expect, outcome: TurnOutcome): Mismatch[] {
  const found: Mismatch[] = [];
  const differs = (field: string, expected: string, actual: string) => {
    if (expected !== actual) found.push({ field, expected, actual });
  };
  if (outcome.problem !== undefined) {
    found.push({ field: 'reply', expected: 'a valid reply', actual: outcome.problem });
    return found;
  }
  if (expect.action !== undefined) differs('action', expect.action, outcome.action ?? '(none)');
  if (expect.hangsUp !== undefined)
    differs('hangsUp', String(expect.hangsUp), String(outcome.action === 'hangup'));
  if (expect.transferTo !== undefined)
    differs('transferTo', expect.transferTo, outcome.transferTo ?? '(none)');
  if (expect.audio !== undefined) differs('audio', expect.audio.join(', '), outcome.audio.join(', '));
  if (expect.hears !== undefined) {
    const heard = heardText(outcome);
    const wanted = typeof expect.hears === 'string' ? [expect.hears] : expect.hears;
    const missing = wanted.filter((words) => !heard.includes(words));
    if (missing.length > 0)
      found.push({ field: 'hears', expected: missing.join(' … '), actual: heard || '(nothing)' });
  }
  if (expect.notHears !== undefined) {
    const heard = heardText(outcome);
    const unwanted = typeof expect.notHears === 'string' ? [expect.notHears] : expect.notHears;
    const present = unwanted.filter((words) => heard.includes(words));
    if (present.length > 0)
      found.push({ field: 'notHears', expected: `not ${present.join(' … ')}`, actual: heard });
  }
  for (const field of LOGGED_FIELDS) {
    const expected = expect[field];
    if (expected === undefined) continue;
    differs(
      field,
      expected,
      outcome.log === undefined ? '(no log line seen)' : (outcome.log[field] ?? '(none)'),
    );
  }
  if (expect.lookup !== undefined) {
    const made = outcome.log?.lookups.map(describeLookup);
    const wanted = typeof expect.lookup === 'string' ? [expect.lookup] : expect.lookup;
    const missing = wanted.filter((text) => !made?.some((description) => namesLookup(text, description)));
    if (missing.length > 0)
      found.push({
        field: 'lookup',
        expected: missing.join(', '),
        actual: made === undefined ? '(no log line seen)' : made.join(', ') || '(no lookup)',
      });
  }
  // Not asked is never passed by a log line not seen.
  if (
    expect.classified !== undefined &&
    (outcome.log === undefined || !meetsClassified(expect.classified, outcome.log.classified))
  )
    found.push({
      field: 'classified',
      expected: expect.classified,
      actual: outcome.log === undefined ? '(no log line seen)' : describeClassified(outcome.log.classified),
    });
  if (expect.outcomes !== undefined) {
    const seen = outcome.log?.outcomes;
    const missing = expect.outcomes.filter((word) => !seen?.includes(word));
    if (missing.length > 0)
      found.push({
        field: 'outcomes',
        expected: expect.outcomes.join(', '),
        actual: seen === undefined ? '(no log line seen)' : seen.join(', ') || '(none)',
      });
  }
  return found;
}

/**
 * A readable diff of one turn: `-` what was expected, `+` what happened, field by field, with the
 * trace of the decision when the log was seen, so that the reason is on screen.
 */
export function formatMismatches(
  where: string,
  mismatches: readonly Mismatch[],
  outcome: TurnOutcome,
): string {
  const width = Math.max(...mismatches.map((m) => m.field.length));
  const lines = [`  ${printable(where)}`];
  for (const { field, expected, actual } of mismatches) {
    lines.push(`    - ${field.padEnd(width)}  ${printable(expected)}`);
    lines.push(`    + ${field.padEnd(width)}  ${printable(actual)}`);
  }
  const trace = outcome.log?.trace ?? [];
  if (trace.length > 0) lines.push(`    trace: ${printable(trace.join(' · '))}`);
  for (const note of [...(outcome.lookupReport?.notes ?? []), ...(outcome.classifyReport?.notes ?? [])])
    lines.push(`    note: ${printable(note)}`);
  return `${lines.join('\n')}\n`;
}
