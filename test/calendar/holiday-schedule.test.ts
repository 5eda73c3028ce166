import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { indexHolidaySchedule } from '../../shared/calendar/holiday-schedule';
import { compileRules } from '../../shared/rules/compile-rules';

/** A minimal document with `holidaySchedules` and one calendar using `holidays`. */
function documentWith(schedules: unknown, holidays = 'cn', extra: Record<string, unknown> = {}) {
  return {
    version: 'schedules-1',
    holidaySchedules: schedules,
    calendars: { office: { weekly: { workdays: ['09:00-18:00'] }, holidays, ...extra } },
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: '再见' } } } },
  };
}

function issuesOf(document: unknown): string[] {
  const result = compileRules(document);
  return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('holidaySchedules', () => {
  it('accepts a real year as docs/rules.md writes it', () => {
    const schedule = [
      {
        year: 2026,
        daysOff: ['2026-01-01..2026-01-03', '2026-02-15..2026-02-23', '2026-10-01..2026-10-07'],
        makeUpWorkdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-09-20', '2026-10-10'],
      },
    ];
    assert.deepEqual(issuesOf(documentWith({ cn: schedule })), []);
  });

  it('refuses a date that does not exist, with its path', () => {
    const issues = issuesOf(documentWith({ cn: [{ year: 2027, daysOff: ['2027-02-29'] }] }));
    assert.equal(issues.length, 1);
    assert.match(issues[0] ?? '', /^holidaySchedules\.cn\.0\.daysOff\.0: this date does not exist/);
  });

  it('refuses a make-up working day that is not a weekend day', () => {
    const issues = issuesOf(
      documentWith({ cn: [{ year: 2027, makeUpWorkdays: ['2027-02-20', '2027-02-16'] }] }),
    );
    assert.deepEqual(issues, [
      'holidaySchedules.cn.0.makeUpWorkdays.1: 2027-02-16 is a Tuesday; a make-up working day is a Saturday or Sunday',
    ]);
  });

  it('refuses a day listed both as a day off and as a make-up working day', () => {
    const issues = issuesOf(
      documentWith({
        cn: [{ year: 2027, daysOff: ['2027-02-05..2027-02-11'], makeUpWorkdays: ['2027-02-06'] }],
      }),
    );
    assert.deepEqual(issues, [
      'holidaySchedules.cn.0.makeUpWorkdays.0: 2027-02-06 is listed as both a day off and a make-up working day ' +
        '(also at holidaySchedules.cn.0.daysOff.0)',
    ]);
  });

  it('refuses a year listed twice', () => {
    const issues = issuesOf(documentWith({ cn: [{ year: 2027 }, { year: 2026 }, { year: 2027 }] }));
    assert.deepEqual(issues, [
      'holidaySchedules.cn.2.year: 2027 is listed twice (also at holidaySchedules.cn.0); merge the two entries',
    ]);
  });

  it('refuses a date outside its year, but takes the December before it', () => {
    const outside = issuesOf(documentWith({ cn: [{ year: 2027, daysOff: ['2027-12-31..2028-01-01'] }] }));
    assert.deepEqual(outside, [
      'holidaySchedules.cn.0.daysOff.0: 2028-01-01 is not in 2027; a year lists its own days ' +
        '(and days of the December before, as some notices do)',
    ]);
    // The 2019 notice: 2018-12-29 worked, 2018-12-30..2019-01-01 off.
    const spill = { year: 2019, daysOff: ['2018-12-30..2019-01-01'], makeUpWorkdays: ['2018-12-29'] };
    assert.deepEqual(issuesOf(documentWith({ cn: [spill] })), []);
  });

  it('refuses backwards ranges, unknown keys and years out of range', () => {
    const issues = issuesOf(
      documentWith({ cn: [{ year: 1999, daysOff: ['2027-02-11..2027-02-05'], holidays: [] }] }),
    ).join('\n');
    assert.match(issues, /holidaySchedules\.cn\.0\.year: year is from 2000 to 2100/);
    assert.match(issues, /holidaySchedules\.cn\.0\.daysOff\.0: a range is written first day first/);
    assert.match(
      issues,
      /holidaySchedules\.cn\.0\.holidays: unknown key holidays: the keys here are year, daysOff and makeUpWorkdays/,
    );
  });

  it('bounds the work of checking a hostile schedule: days per year, entries per list', () => {
    const wholeYear = Array.from({ length: 100 }, () => '2026-01-01..2026-12-31');
    const issues = issuesOf(documentWith({ cn: [{ year: 2026, daysOff: wholeYear }] }));
    assert.deepEqual(issues, [
      'holidaySchedules.cn.0.daysOff.1: 2026 lists more than 397 days; list each day once',
    ]);
    // The count of days stops the walk at the second entry of 365 days: one finding, not a hundred.
    const tooMany = issuesOf(documentWith({ cn: [{ year: 2026, daysOff: Array(101).fill('2026-01-01') }] }));
    assert.match(tooMany.join('\n'), /daysOff: a year lists at most 100 dates or ranges in each list/);
  });

  it('reserves the name none, which holidays: none can never read', () => {
    assert.deepEqual(issuesOf(documentWith({ none: [{ year: 2026 }] }, 'none')), [
      'holidaySchedules.none: holidays: none means no holidays; give this schedule another name',
    ]);
  });

  it('refuses a calendar naming a schedule the document does not have, and a policy naming no flow', () => {
    const issues = issuesOf(documentWith({}, 'acme', { noHolidayData: { flow: 'nowhere' } }));
    assert.deepEqual(issues, [
      'calendars.office.holidays: no holiday schedule is named acme; write "cn", "none" or a name under holidaySchedules',
      'calendars.office.noHolidayData.flow: no flow is named nowhere',
    ]);
  });
});

describe('indexHolidaySchedule', () => {
  it('expands ranges and keeps the years listed', () => {
    const table = indexHolidaySchedule([
      { year: 2027, daysOff: ['2027-02-05..2027-02-07'], makeUpWorkdays: ['2027-02-20'] },
      { year: 2028, daysOff: [], makeUpWorkdays: [] },
    ]);
    assert.deepEqual([...table.years], [2027, 2028]);
    assert.deepEqual(
      [...table.days],
      [
        ['2027-02-05', 'off'],
        ['2027-02-06', 'off'],
        ['2027-02-07', 'off'],
        ['2027-02-20', 'make-up'],
      ],
    );
  });
});
