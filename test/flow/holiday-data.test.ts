import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { Call, compileOrThrow, spoken } from '../support/engine-call';
import { FIRST_UNCOVERED_YEAR, LAST_PACKAGED_YEAR, nextWeekday } from '../support/holiday-years';

/**
 * Calls judged on dates no holiday data covers (2027 while the packaged data ends in 2026), under each
 * `noHolidayData` policy, and the document's own schedule filling the gap. Every instant carries its
 * offset, so neither the machine's clock nor its zone matters.
 */

const KEYS: [string] = ['holiday-data-tests-key-0001'];
const YEAR = FIRST_UNCOVERED_YEAR;
const at10 = (date: string) => Date.parse(`${date}T10:00:00+08:00`);
const NEW_YEARS_DAY = at10(`${YEAR}-01-01`);
/** A Monday in January, after the New Year holiday. */
const ORDINARY_MONDAY = at10(nextWeekday(`${YEAR}-01-04`, 'mon'));
const ORDINARY_SATURDAY = at10(nextWeekday(`${YEAR}-01-04`, 'sat'));
/** A Saturday the test schedule below makes a working day. */
const MAKE_UP_SATURDAY_DATE = nextWeekday(`${YEAR}-02-14`, 'sat');
const MAKE_UP_SATURDAY = at10(MAKE_UP_SATURDAY_DATE);

/** A schedule of that year for the tests (not the official one). */
const SCHEDULE = {
  year: YEAR,
  daysOff: [`${YEAR}-01-01..${YEAR}-01-03`, `${YEAR}-02-05..${YEAR}-02-11`],
  makeUpWorkdays: [MAKE_UP_SATURDAY_DATE],
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
    const { heard, trace, gaps } = callin(rulesWith(), ORDINARY_MONDAY);
    assert.equal(heard, 'open', 'a Monday at 10:00 by the weekly hours');
    assert.match(
      trace,
      new RegExp(`calendar office: no holiday data for ${YEAR} → noHolidayData weekly: open`),
    );
    assert.deepEqual(gaps, [{ calendar: 'office', holidays: 'cn', year: YEAR, policy: 'weekly' }]);
  });

  it('is closed under the closed policy', () => {
    const { heard, trace } = callin(rulesWith({}, { noHolidayData: 'closed' }), NEW_YEARS_DAY);
    assert.equal(heard, 'closed');
    assert.match(trace, new RegExp(`no holiday data for ${YEAR} → noHolidayData closed: closed`));
    assert.match(trace, /calendar office is closed → flow closed/);
  });

  it('sends the line to the named flow under the flow policy', () => {
    const { heard, trace } = callin(rulesWith({}, { noHolidayData: { flow: 'unsure' } }), NEW_YEARS_DAY);
    assert.equal(heard, 'hours unconfirmed');
    assert.match(trace, new RegExp(`no holiday data for ${YEAR} → noHolidayData flow unsure`));
  });

  it('counts as closed in a condition under the flow policy', () => {
    const rules = rulesWith({ defaultLine: { flow: 'desk' } }, { noHolidayData: { flow: 'unsure' } });
    assert.equal(callin(rules, NEW_YEARS_DAY, '10000').heard, 'unstaffed');
  });

  it('takes the document default when the calendar sets no policy, and the calendar’s own over it', () => {
    assert.equal(callin(rulesWith({ noHolidayData: 'closed' }), ORDINARY_MONDAY).heard, 'closed');
    const both = rulesWith({ noHolidayData: 'closed' }, { noHolidayData: 'weekly' });
    assert.equal(callin(both, ORDINARY_MONDAY).heard, 'open');
  });

  it('lets closures and extra open days decide before the policy', () => {
    const monday = nextWeekday(`${YEAR}-01-04`, 'mon');
    const closure = rulesWith({}, { closed: [monday] });
    assert.equal(callin(closure, ORDINARY_MONDAY).heard, 'closed');
    assert.doesNotMatch(callin(closure, ORDINARY_MONDAY).trace, /no holiday data/);
    const extra = rulesWith(
      {},
      { noHolidayData: 'closed', open: [{ date: `${YEAR}-01-01`, hours: ['09:00-12:00'] }] },
    );
    assert.equal(callin(extra, NEW_YEARS_DAY).heard, 'open');
  });

  it('never applies to a calendar without holidays', () => {
    const rules = rulesWith({}, { holidays: 'none', noHolidayData: 'closed' });
    const { heard, gaps } = callin(rules, ORDINARY_MONDAY);
    assert.equal(heard, 'open');
    assert.deepEqual(gaps, []);
  });
});

describe('a schedule in the document', () => {
  const withSchedule = rulesWith({ holidaySchedules: { cn: [SCHEDULE] } }, { noHolidayData: 'closed' });

  it('closes its days off', () => {
    const { heard, trace, gaps } = callin(withSchedule, NEW_YEARS_DAY);
    assert.equal(heard, 'closed');
    assert.doesNotMatch(trace, /no holiday data/);
    assert.deepEqual(gaps, []);
  });

  it('opens its make-up Saturdays with the weekday hours, and leaves other Saturdays closed', () => {
    assert.equal(callin(withSchedule, MAKE_UP_SATURDAY).heard, 'open');
    assert.equal(callin(withSchedule, ORDINARY_SATURDAY).heard, 'closed');
  });

  it('leaves an ordinary Monday of its year open', () => {
    assert.equal(callin(withSchedule, ORDINARY_MONDAY).heard, 'open');
  });

  it('wins over the packaged data for a year it lists', () => {
    // Open every day, so that only holidays close it; the package closes 1 October (National Day).
    const everyDay = { weekly: { workdays: ['09:00-18:00'], sat: ['09:00-18:00'], sun: ['09:00-18:00'] } };
    const last = LAST_PACKAGED_YEAR;
    const nationalDay = at10(`${last}-10-01`);
    assert.equal(callin(rulesWith({}, everyDay), nationalDay).heard, 'closed');
    const ownYear = rulesWith(
      { holidaySchedules: { cn: [{ year: last, daysOff: [`${last}-01-01`] }] } },
      everyDay,
    );
    assert.equal(callin(ownYear, nationalDay).heard, 'open');
    // ...and only for that year: the packaged year before still decides its own National Day.
    assert.equal(callin(ownYear, at10(`${last - 1}-10-01`)).heard, 'closed');
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
