import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { Call, compileOrThrow, spoken } from '../support/engine-call';

/**
 * Calls judged on dates no holiday data covers (2027: the packaged data ends in 2026), under each
 * `noHolidayData` policy, and the document's own schedule filling the gap. Every instant carries its
 * offset, so neither the machine's clock nor its zone matters.
 */

const KEYS: [string] = ['holiday-data-tests-key-0001'];
const NEW_YEARS_DAY_2027 = Date.parse('2027-01-01T10:00:00+08:00');
/** A Saturday the test schedule below makes a working day. */
const MAKE_UP_SATURDAY_2027 = Date.parse('2027-02-20T10:00:00+08:00');
const ORDINARY_MONDAY_2027 = Date.parse('2027-01-04T10:00:00+08:00');
const ORDINARY_SATURDAY_2027 = Date.parse('2027-01-09T10:00:00+08:00');

/** A 2027 schedule for the tests (not the official one, which is not out yet). */
const SCHEDULE_2027 = {
  year: 2027,
  daysOff: ['2027-01-01..2027-01-03', '2027-02-05..2027-02-11'],
  makeUpWorkdays: ['2027-02-20'],
};

const bye = (say: string) => ({ type: 'hangup' as const, say });

function rulesWith(extra: Partial<RulesInput> = {}, calendar: Record<string, unknown> = {}): RulesInput {
  return {
    version: 'holidays-1',
    calendars: { office: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn', ...calendar } },
    lines: [
      { name: 'service', numbers: ['95555'], flow: 'open', calendar: 'office', afterHoursFlow: 'closed' },
    ],
    defaultLine: { flow: 'open' },
    flows: {
      open: { start: 'bye', nodes: { bye: bye('open') } },
      closed: { start: 'bye', nodes: { bye: bye('closed') } },
      unsure: { start: 'bye', nodes: { bye: bye('hours unconfirmed') } },
      desk: {
        start: 'pick',
        nodes: {
          pick: {
            type: 'branch',
            branches: [{ when: { open: 'office' }, goto: 'staffed' }],
            else: 'unstaffed',
          },
          staffed: bye('staffed'),
          unstaffed: bye('unstaffed'),
        },
      },
    },
    ...extra,
  } as RulesInput;
}

function callin(rules: RulesInput, now: number, callee = '95555') {
  const decision = new Call(compileOrThrow(rules), { keys: KEYS, now }).send('callin', { callee });
  return { heard: spoken(decision)[0], trace: decision.trace.join(' | '), gaps: decision.holidayGaps };
}

describe('a date no holiday data covers', () => {
  it('takes the weekly hours by default, says so in the trace, and reports the gap', () => {
    const { heard, trace, gaps } = callin(rulesWith(), NEW_YEARS_DAY_2027);
    assert.equal(heard, 'open', 'a Friday at 10:00 by the weekly hours');
    assert.match(trace, /calendar office: no holiday data for 2027 → noHolidayData weekly hours: open/);
    assert.deepEqual(gaps, [{ calendar: 'office', year: 2027 }]);
  });

  it('is closed under the closed policy', () => {
    const { heard, trace } = callin(rulesWith({}, { noHolidayData: 'closed' }), NEW_YEARS_DAY_2027);
    assert.equal(heard, 'closed');
    assert.match(trace, /no holiday data for 2027 → noHolidayData closed/);
    assert.match(trace, /calendar office is closed → flow closed/);
  });

  it('sends the line to the named flow under the flow policy', () => {
    const { heard, trace } = callin(rulesWith({}, { noHolidayData: { flow: 'unsure' } }), NEW_YEARS_DAY_2027);
    assert.equal(heard, 'hours unconfirmed');
    assert.match(trace, /no holiday data for 2027 → noHolidayData flow unsure/);
  });

  it('counts as closed in a condition under the flow policy', () => {
    const rules = rulesWith({ defaultLine: { flow: 'desk' } }, { noHolidayData: { flow: 'unsure' } });
    assert.equal(callin(rules, NEW_YEARS_DAY_2027, '10000').heard, 'unstaffed');
  });

  it('takes the document default when the calendar sets no policy, and the calendar’s own over it', () => {
    assert.equal(callin(rulesWith({ noHolidayData: 'closed' }), NEW_YEARS_DAY_2027).heard, 'closed');
    const both = rulesWith({ noHolidayData: 'closed' }, { noHolidayData: 'weekly' });
    assert.equal(callin(both, NEW_YEARS_DAY_2027).heard, 'open');
  });

  it('lets closures and extra open days decide before the policy', () => {
    const closure = rulesWith({}, { closed: ['2027-01-01'] });
    assert.equal(callin(closure, NEW_YEARS_DAY_2027).heard, 'closed');
    assert.doesNotMatch(callin(closure, NEW_YEARS_DAY_2027).trace, /no holiday data/);
    const extra = rulesWith(
      {},
      { noHolidayData: 'closed', open: [{ date: '2027-01-01', hours: ['09:00-12:00'] }] },
    );
    assert.equal(callin(extra, NEW_YEARS_DAY_2027).heard, 'open');
  });

  it('never applies to a calendar without holidays', () => {
    const rules = rulesWith({}, { holidays: 'none', noHolidayData: 'closed' });
    const { heard, gaps } = callin(rules, NEW_YEARS_DAY_2027);
    assert.equal(heard, 'open');
    assert.deepEqual(gaps, []);
  });
});

describe('a schedule in the document', () => {
  const withSchedule = rulesWith({ holidaySchedules: { cn: [SCHEDULE_2027] } }, { noHolidayData: 'closed' });

  it('closes its days off', () => {
    const { heard, trace, gaps } = callin(withSchedule, NEW_YEARS_DAY_2027);
    assert.equal(heard, 'closed');
    assert.doesNotMatch(trace, /no holiday data/);
    assert.deepEqual(gaps, []);
  });

  it('opens its make-up Saturdays with the weekday hours, and leaves other Saturdays closed', () => {
    assert.equal(callin(withSchedule, MAKE_UP_SATURDAY_2027).heard, 'open');
    assert.equal(callin(withSchedule, ORDINARY_SATURDAY_2027).heard, 'closed');
  });

  it('leaves an ordinary Monday of its year open', () => {
    assert.equal(callin(withSchedule, ORDINARY_MONDAY_2027).heard, 'open');
  });

  it('wins over the packaged data for a year it lists', () => {
    // The package closes 2026-10-01 (National Day); a document year that does not list it opens it.
    const nationalDay = Date.parse('2026-10-01T10:00:00+08:00');
    assert.equal(callin(rulesWith(), nationalDay).heard, 'closed');
    const own2026 = rulesWith({ holidaySchedules: { cn: [{ year: 2026, daysOff: ['2026-01-01'] }] } });
    assert.equal(callin(own2026, nationalDay).heard, 'open');
    // ...and only for that year: the packaged 2025 still decides 2025.
    assert.equal(callin(own2026, Date.parse('2025-10-01T10:00:00+08:00')).heard, 'closed');
  });

  it('is the only source of a calendar that names a schedule of the document’s own', () => {
    const own = rulesWith(
      { holidaySchedules: { acme: [{ year: 2026, daysOff: ['2026-03-02'] }] } },
      { holidays: 'acme', noHolidayData: 'closed' },
    );
    assert.equal(callin(own, Date.parse('2026-03-02T10:00:00+08:00')).heard, 'closed', 'its own day off');
    assert.equal(
      callin(own, Date.parse('2026-10-01T10:00:00+08:00')).heard,
      'open',
      'not a packaged holiday',
    );
    assert.equal(callin(own, Date.parse('2025-03-03T10:00:00+08:00')).heard, 'closed', 'a year it lacks');
  });
});
