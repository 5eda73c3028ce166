import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { weekdayOfDate } from '../../shared/calendar/calendar-dates';
import { type Calendar, CalendarSchema } from '../../shared/calendar/calendar-schema';
import {
  CHINA_HOLIDAYS,
  isChinaHoliday,
  isChinaMakeUpWorkday,
  listChinaHolidayYears,
} from '../../shared/calendar/china-holidays';
import { indexHolidaySchedule } from '../../shared/calendar/holiday-schedule';
import { describeOpenState, hasAnyOpenHours, isOpenAt, planDay } from '../../shared/calendar/is-open';

const shanghai = 'Asia/Shanghai';

/** A Shanghai wall-clock time as an instant; the explicit offset keeps the machine's zone out of it. */
const inShanghai = (dateTime: string) => Date.parse(`${dateTime}:00+08:00`);

const calendar = (input: unknown): Calendar => v.parse(CalendarSchema, input);

/** A typical hotline: weekdays 09:00–18:00, closed on public holidays, open on make-up working days. */
const office = calendar({
  weekly: { workdays: ['09:00-18:00'] },
  holidays: 'cn',
  closed: ['2026-06-01', '2026-12-24..2026-12-26'],
  open: [{ date: '2026-12-27', hours: ['10:00-14:00'] }],
});

const stateAt = (dateTime: string, cal: Calendar = office) =>
  describeOpenState(cal, inShanghai(dateTime), shanghai);

describe('describeOpenState', () => {
  it('is open on a weekday inside the weekly hours', () => {
    assert.deepEqual(stateAt('2026-03-02T10:30'), {
      open: true,
      reason: 'weekly',
      date: '2026-03-02',
      weekday: 'mon',
    });
  });

  it('is closed on a weekday outside the weekly hours', () => {
    assert.deepEqual(stateAt('2026-03-02T20:00'), {
      open: false,
      reason: 'closed hours',
      date: '2026-03-02',
      weekday: 'mon',
    });
    assert.equal(stateAt('2026-03-02T07:59').open, false);
  });

  it('opens at the first minute of a range and closes at its end', () => {
    assert.equal(stateAt('2026-03-02T08:59').open, false);
    assert.equal(stateAt('2026-03-02T09:00').open, true);
    assert.equal(stateAt('2026-03-02T17:59').open, true);
    assert.equal(stateAt('2026-03-02T18:00').open, false);
  });

  it('is closed at the weekend when the weekly hours give none', () => {
    assert.deepEqual(stateAt('2026-03-07T10:00'), {
      open: false,
      reason: 'closed hours',
      date: '2026-03-07',
      weekday: 'sat',
    });
    assert.equal(stateAt('2026-03-08T10:00').weekday, 'sun');
    assert.equal(stateAt('2026-03-08T10:00').open, false);
  });

  it('is closed all day on a statutory holiday that falls on a weekday', () => {
    assert.deepEqual(stateAt('2026-10-01T10:00'), {
      open: false,
      reason: 'holiday',
      date: '2026-10-01',
      weekday: 'thu',
    });
    assert.deepEqual(stateAt('2026-02-17T10:00'), {
      open: false,
      reason: 'holiday',
      date: '2026-02-17',
      weekday: 'tue',
    });
  });

  it('opens with the workday hours on a make-up working Saturday (调休)', () => {
    assert.deepEqual(stateAt('2026-02-14T10:00'), {
      open: true,
      reason: 'make-up workday',
      date: '2026-02-14',
      weekday: 'sat',
    });
    assert.equal(stateAt('2026-02-28T09:00').open, true);
    assert.equal(stateAt('2026-02-28T18:00').open, false);
  });

  it('opens a make-up working day with Monday hours when there is no workdays shorthand', () => {
    const cal = calendar({ weekly: { mon: ['08:00-12:00'], sat: ['13:00-15:00'] }, holidays: 'cn' });
    assert.equal(stateAt('2026-02-14T08:30', cal).open, true);
    assert.equal(stateAt('2026-02-14T13:30', cal).open, false);
    assert.equal(stateAt('2026-02-14T13:30', cal).reason, 'closed hours');
  });

  it('treats holidays and make-up working days as ordinary days without holidays: cn', () => {
    const cal = calendar({ weekly: { workdays: ['09:00-18:00'] } });
    assert.equal(cal.holidays, 'none');
    assert.deepEqual(stateAt('2026-10-01T10:00', cal), {
      open: true,
      reason: 'weekly',
      date: '2026-10-01',
      weekday: 'thu',
    });
    assert.equal(stateAt('2026-02-14T10:00', cal).open, false);
  });

  it('is closed all day on a closed date and on every day of a closed range', () => {
    assert.deepEqual(stateAt('2026-06-01T10:00'), {
      open: false,
      reason: 'closure',
      date: '2026-06-01',
      weekday: 'mon',
    });
    assert.equal(stateAt('2026-12-24T10:00').reason, 'closure');
    assert.equal(stateAt('2026-12-25T10:00').reason, 'closure');
    assert.equal(stateAt('2026-12-26T10:00').reason, 'closure');
    assert.equal(stateAt('2026-12-23T10:00').reason, 'weekly');
    assert.equal(stateAt('2026-12-28T10:00').reason, 'weekly');
  });

  it('opens an extra day within its own hours only', () => {
    assert.deepEqual(stateAt('2026-12-27T10:00'), {
      open: true,
      reason: 'extra day',
      date: '2026-12-27',
      weekday: 'sun',
    });
    assert.equal(stateAt('2026-12-27T14:00').open, false);
    assert.equal(stateAt('2026-12-27T14:00').reason, 'closed hours');
  });

  it('puts extra open days over closed dates, closed dates over make-up working days', () => {
    const cal = calendar({
      weekly: { workdays: ['09:00-18:00'] },
      holidays: 'cn',
      closed: ['2026-10-01..2026-10-10'],
      open: [{ date: '2026-10-03', hours: ['10:00-12:00'] }],
    });
    assert.equal(stateAt('2026-10-03T11:00', cal).reason, 'extra day');
    assert.equal(stateAt('2026-10-03T11:00', cal).open, true);
    assert.equal(stateAt('2026-10-02T11:00', cal).reason, 'closure');
    // 2026-10-10 is a make-up working Saturday, but the user closed it.
    assert.equal(stateAt('2026-10-10T11:00', cal).reason, 'closure');
  });

  it('uses a day’s own hours over the workdays shorthand, an empty list closing the day', () => {
    const cal = calendar({ weekly: { workdays: ['09:00-18:00'], fri: ['09:00-12:00'], wed: [] } });
    assert.equal(stateAt('2026-03-06T11:00', cal).open, true);
    assert.equal(stateAt('2026-03-06T13:00', cal).open, false);
    assert.equal(stateAt('2026-03-04T11:00', cal).open, false);
    assert.equal(stateAt('2026-03-05T13:00', cal).open, true);
  });

  it('is open while any of several (even overlapping) ranges is', () => {
    const cal = calendar({ weekly: { mon: ['09:00-12:00', '11:00-13:00', '20:00-24:00'] } });
    assert.equal(stateAt('2026-03-02T12:30', cal).open, true);
    assert.equal(stateAt('2026-03-02T13:00', cal).open, false);
    assert.equal(stateAt('2026-03-02T23:59', cal).open, true);
    assert.equal(stateAt('2026-03-03T00:00', cal).open, false);
  });

  it('judges a year beyond the holiday data by the noHolidayData policy, weekly hours by default, and says so', () => {
    assert.ok((listChinaHolidayYears().at(-1) as number) < 2099);
    // National Day, a Thursday, would be a holiday; without data the policy decides, and the state says so.
    assert.deepEqual(stateAt('2099-10-01T10:00'), {
      open: true,
      reason: 'no holiday data',
      date: '2099-10-01',
      weekday: 'thu',
      noData: { year: 2099, policy: 'weekly' },
    });
    assert.equal(stateAt('2099-10-01T20:00').reason, 'no holiday data', 'kept outside the hours too');
    const closed = calendar({
      weekly: { workdays: ['09:00-18:00'] },
      holidays: 'cn',
      noHolidayData: 'closed',
    });
    assert.deepEqual(stateAt('2099-10-01T10:00', closed).noData, { year: 2099, policy: 'closed' });
    assert.equal(stateAt('2099-10-01T10:00', closed).open, false);
  });

  it('reads the hours in the calendar’s own zone over the default', () => {
    const london = calendar({ timezone: 'Europe/London', weekly: { workdays: ['09:00-17:00'] } });
    // 16:30 in Shanghai is 08:30 in London (GMT in March before the clocks change).
    assert.equal(isOpenAt(london, inShanghai('2026-03-02T16:30'), shanghai), false);
    assert.equal(isOpenAt(london, inShanghai('2026-03-02T17:30'), shanghai), true);
    assert.equal(stateAt('2026-03-03T00:30', london).date, '2026-03-02');
  });

  it('reads the hours in the default zone when the calendar names none', () => {
    const cal = calendar({ weekly: { workdays: ['09:00-17:00'] } });
    const instant = Date.parse('2026-07-01T14:00:00Z');
    assert.equal(isOpenAt(cal, instant, 'America/New_York'), true);
    assert.equal(isOpenAt(cal, instant, shanghai), false);
  });
});

describe('planDay', () => {
  const document = indexHolidaySchedule([
    { year: 2027, daysOff: ['2027-01-01..2027-01-03'], makeUpWorkdays: ['2027-01-09'] },
  ]);
  const sources = { packaged: CHINA_HOLIDAYS, document, noHolidayData: 'weekly' as const };
  const plan = (date: string) => planDay(office, sources, date, weekdayOfDate(date));

  it('names the source of each day: packaged, document, weekly, closure, extra day', () => {
    assert.deepEqual(plan('2026-10-01'), { hours: [], source: 'holiday' });
    assert.deepEqual(plan('2026-10-10'), { hours: ['09:00-18:00'], source: 'make-up workday' });
    assert.deepEqual(plan('2027-01-01'), { hours: [], source: 'document holiday' });
    assert.deepEqual(plan('2027-01-09'), { hours: ['09:00-18:00'], source: 'document make-up workday' });
    assert.deepEqual(plan('2027-01-04'), { hours: ['09:00-18:00'], source: 'weekly' });
    assert.deepEqual(plan('2026-12-25'), { hours: [], source: 'closure' });
    assert.deepEqual(plan('2026-12-27'), { hours: ['10:00-14:00'], source: 'extra day' });
  });

  it('names the missing year and the policy on a date no source covers', () => {
    assert.deepEqual(plan('2028-01-03'), {
      hours: ['09:00-18:00'],
      source: 'no holiday data',
      noData: { year: 2028, policy: 'weekly' },
    });
    const flow = planDay(office, { ...sources, noHolidayData: { flow: 'unsure' } }, '2028-01-03', 'mon');
    assert.deepEqual(flow, {
      hours: [],
      source: 'no holiday data',
      noData: { year: 2028, policy: { flow: 'unsure' } },
    });
  });
});

describe('isOpenAt', () => {
  it('answers what describeOpenState decides', () => {
    assert.equal(isOpenAt(office, inShanghai('2026-03-02T10:30'), shanghai), true);
    assert.equal(isOpenAt(office, inShanghai('2026-10-01T10:30'), shanghai), false);
  });
});

describe('hasAnyOpenHours', () => {
  it('is true when a weekday has hours', () => {
    assert.equal(hasAnyOpenHours(office), true);
    assert.equal(hasAnyOpenHours(calendar({ weekly: { sun: ['10:00-11:00'] } })), true);
  });

  it('is false when no day has hours and there are no extra days', () => {
    assert.equal(hasAnyOpenHours(calendar({ weekly: {} })), false);
    assert.equal(hasAnyOpenHours(calendar({ weekly: { mon: [], sat: [] }, holidays: 'cn' })), false);
  });

  it('is false when every weekday overrides the workdays shorthand with no hours', () => {
    const weekly = { workdays: ['09:00-18:00'], mon: [], tue: [], wed: [], thu: [], fri: [] };
    assert.equal(hasAnyOpenHours(calendar({ weekly })), false);
    // ...unless make-up working days take those hours.
    assert.equal(hasAnyOpenHours(calendar({ weekly, holidays: 'cn' })), true);
  });

  it('is true with only an extra open day', () => {
    const cal = calendar({ weekly: {}, open: [{ date: '2026-12-27', hours: ['10:00-14:00'] }] });
    assert.equal(hasAnyOpenHours(cal), true);
  });
});

describe('china holiday data', () => {
  it('knows the 2026 holidays and make-up working days', () => {
    assert.equal(isChinaHoliday('2026-10-01'), true);
    assert.equal(isChinaHoliday('2026-02-17'), true);
    assert.equal(isChinaHoliday('2026-03-02'), false);
    assert.equal(isChinaMakeUpWorkday('2026-02-14'), true);
    assert.equal(isChinaMakeUpWorkday('2026-02-28'), true);
    assert.equal(isChinaMakeUpWorkday('2026-02-21'), false);
  });

  it('states the years it covers, from 2004 to at least 2026', () => {
    const years = listChinaHolidayYears();
    assert.equal(years[0], 2004);
    assert.ok((years.at(-1) as number) >= 2026);
  });
});

describe('CalendarSchema', () => {
  const messagesFor = (input: unknown) => {
    const result = v.safeParse(CalendarSchema, input);
    return result.success ? [] : result.issues.map((issue) => `${v.getDotPath(issue)}: ${issue.message}`);
  };

  it('accepts a full calendar and defaults holidays to none', () => {
    const cal = calendar({
      timezone: 'Asia/Shanghai',
      weekly: { workdays: ['09:00-12:00', '13:30-18:00'], sat: ['10:00-16:00'], sun: ['20:00-24:00'] },
      closed: ['2026-06-01', '2026-12-24..2026-12-26'],
      open: [{ date: '2026-12-27', hours: ['10:00-14:00'] }],
    });
    assert.equal(cal.holidays, 'none');
  });

  it('says how to write hours that are malformed, backwards or past midnight', () => {
    assert.match(messagesFor({ weekly: { mon: ['9:00-18:00'] } }).join(), /weekly\.mon\.0: .*"HH:MM-HH:MM"/);
    assert.match(messagesFor({ weekly: { mon: ['18:00-09:00'] } }).join(), /end after they start/);
    assert.match(messagesFor({ weekly: { mon: ['22:00-02:00'] } }).join(), /"00:00-02:00" on the next/);
    assert.match(messagesFor({ weekly: { mon: ['09:00-24:01'] } }).join(), /"HH:MM-HH:MM"/);
  });

  it('rejects unknown keys, unknown zones and unknown holiday sets', () => {
    assert.match(messagesFor({ weekly: { monday: ['09:00-18:00'] } }).join(), /keyed by workdays/);
    assert.match(messagesFor({ weekly: {}, hours: [] }).join(), /no other keys/);
    assert.match(messagesFor({ weekly: {}, timezone: 'China/Beijing' }).join(), /IANA zone name/);
    assert.match(
      messagesFor({ weekly: {}, holidays: 'u s' }).join(),
      /"cn", "none" or the name of a schedule/,
    );
    assert.match(
      messagesFor({ weekly: {}, noHolidayData: 'open' }).join(),
      /"weekly", "closed" or \{flow: NAME\}/,
    );
    assert.match(messagesFor({}).join(), /weekly: a calendar has weekly hours/);
  });

  it('rejects impossible dates and backwards closed ranges', () => {
    assert.match(messagesFor({ weekly: {}, closed: ['2026-02-30'] }).join(), /does not exist/);
    assert.match(messagesFor({ weekly: {}, closed: ['2026/06/01'] }).join(), /"YYYY-MM-DD"/);
    assert.match(messagesFor({ weekly: {}, closed: ['2026-12-26..2026-12-24'] }).join(), /first day first/);
    assert.match(
      messagesFor({ weekly: {}, open: [{ date: '2026-12-27', hours: [] }] }).join(),
      /lists its hours/,
    );
  });
});
