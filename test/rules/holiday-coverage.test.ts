import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listChinaHolidayYears } from '../../shared/calendar/china-holidays';
import { toLocalTime } from '../../shared/calendar/local-time';
import { describeHolidayCoverage, findHolidayDataShortfalls } from '../../shared/rules/holiday-coverage';
import { compileOrThrow } from '../support/engine-call';

const last = listChinaHolidayYears().at(-1) as number;
const next = last + 1;
const weekly = { workdays: ['09:00-18:00'] };

const compiled = compileOrThrow({
  version: 'coverage-1',
  holidaySchedules: { acme: [{ year: last, daysOff: [`${last}-03-02`] }] },
  calendars: {
    office: { weekly, holidays: 'cn' },
    honolulu: { weekly, holidays: 'cn', timezone: 'Pacific/Honolulu', noHolidayData: 'closed' },
    acme: { weekly, holidays: 'acme' },
    plain: { weekly },
  },
  defaultLine: { flow: 'main' },
  flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: '再见' } } } },
});

describe('findHolidayDataShortfalls', () => {
  it('reads today in each calendar’s own zone', () => {
    // 17 November in Shanghai, 45 days before New Year's Day; still 16 November in Honolulu, 46 days before.
    const instant = Date.parse(`${last}-11-16T20:00:00Z`);
    const found = findHolidayDataShortfalls(compiled, (zone) => toLocalTime(instant, zone).date);
    assert.deepEqual(
      found.map(({ calendar, year, inDays }) => ({ calendar, year, inDays })),
      [
        { calendar: 'office', year: next, inDays: 45 },
        { calendar: 'acme', year: next, inDays: 45 },
      ],
      'Honolulu is still 46 days away from New Year’s Day, outside the window; the calendar without holidays never counts',
    );
  });

  it('says 0 days once the year has begun, and lists each missing year of the window', () => {
    const found = findHolidayDataShortfalls(compiled, () => `${next}-12-20`);
    assert.deepEqual(
      found.filter((shortfall) => shortfall.calendar === 'honolulu'),
      [
        {
          calendar: 'honolulu',
          holidays: 'cn',
          year: next,
          from: `${next}-01-01`,
          inDays: 0,
          policy: 'closed',
        },
        {
          calendar: 'honolulu',
          holidays: 'cn',
          year: next + 1,
          from: `${next + 1}-01-01`,
          inDays: 12,
          policy: 'closed',
        },
      ],
    );
  });
});

describe('describeHolidayCoverage', () => {
  it('lists packaged and document years and the policy of each calendar with holidays', () => {
    const coverage = describeHolidayCoverage(compiled);
    assert.deepEqual(Object.keys(coverage), ['office', 'honolulu', 'acme']);
    assert.deepEqual(coverage.office?.packagedYears, listChinaHolidayYears());
    assert.deepEqual(coverage.acme, {
      holidays: 'acme',
      timezone: 'Asia/Shanghai',
      packagedYears: [],
      documentYears: [last],
      noHolidayData: 'weekly',
    });
    assert.equal(coverage.honolulu?.noHolidayData, 'closed');
  });
});
