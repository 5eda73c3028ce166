/**
 * shared/campaign/calling-hours.ts: a campaign calls only while its calendar is open, judged as the flows
 * judge it (public holidays, 调休 Saturdays, lunch breaks, the closing minute, the noHolidayData policy),
 * and waits for the next opening, found within a horizon.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeNoHolidayData,
  describeWait,
  formatDuration,
  formatLocal,
  judgeCallingHours,
  localToEpoch,
  nextOpening,
} from '../../shared/campaign/calling-hours';
import type { CompiledCalendar } from '../../shared/rules/compile-rules';
import { compileOrThrow } from '../support/engine-call';
import { readExampleRules } from '../support/example-rules';

const EXAMPLE = readExampleRules();

/** The example's calendars, and more of this test's own. */
function calendar(name: string, calendars: Record<string, unknown> = {}): CompiledCalendar {
  const compiled = compileOrThrow({
    ...EXAMPLE,
    calendars: { ...(EXAMPLE.calendars as object), ...calendars },
  } as never);
  return compiled.calendars.get(name) as CompiledCalendar;
}

const at = (local: string) => Date.parse(local);
const CALLING = calendar('calling');

describe('the calling hours', () => {
  it('open at the first minute of a range and close at its last', () => {
    assert.equal(judgeCallingHours(CALLING, at('2026-03-10T09:00:00+08:00')).open, true);
    assert.equal(judgeCallingHours(CALLING, at('2026-03-10T11:59:59+08:00')).open, true);
    assert.equal(judgeCallingHours(CALLING, at('2026-03-10T12:00:00+08:00')).open, false);
    assert.equal(judgeCallingHours(CALLING, at('2026-03-10T08:59:59+08:00')).open, false);
  });

  it('open now is now', () => {
    const now = at('2026-03-10T10:17:23+08:00');
    assert.equal(nextOpening(CALLING, now), now);
  });

  it('open again after the lunch break', () => {
    assert.equal(nextOpening(CALLING, at('2026-03-10T12:00:00+08:00')), at('2026-03-10T14:00:00+08:00'));
  });

  it('open on an ordinary Saturday with its own hours', () => {
    assert.equal(nextOpening(CALLING, at('2026-03-06T20:00:00+08:00')), at('2026-03-07T10:00:00+08:00'));
  });

  it('open on a 调休 Saturday with the weekday hours', () => {
    // 2026-02-14 is a Saturday worked before the Spring Festival: 09:00, not the Saturday's 10:00.
    assert.equal(nextOpening(CALLING, at('2026-02-13T20:00:00+08:00')), at('2026-02-14T09:00:00+08:00'));
  });

  it('stay closed through a public holiday', () => {
    // The Spring Festival holiday runs from Sunday 2026-02-15 to Monday 2026-02-23.
    assert.equal(nextOpening(CALLING, at('2026-02-14T20:00:00+08:00')), at('2026-02-24T09:00:00+08:00'));
  });

  it('follow the noHolidayData policy in a year no holiday data covers, and say so', () => {
    const monday = at('2040-03-05T10:00:00+08:00');
    const weekly = judgeCallingHours(CALLING, monday);
    assert.deepEqual(weekly, { open: true, noData: { year: 2040, policy: 'weekly' } });
    assert.match(
      describeNoHolidayData('calling', 'cn', { year: 2040, policy: 'weekly' }),
      /^warning: calendar calling has no holiday data for 2040: calls are judged by noHolidayData weekly; add 2040/,
    );
    const closed = calendar('closedWithoutData', {
      closedWithoutData: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn', noHolidayData: 'closed' },
    });
    assert.deepEqual(judgeCallingHours(closed, monday), {
      open: false,
      noData: { year: 2040, policy: 'closed' },
    });
    assert.equal(nextOpening(closed, monday), undefined);
    assert.match(
      describeNoHolidayData('closedWithoutData', 'cn', { year: 2040, policy: { flow: 'remind' } }),
      /noHolidayData flow remind; .*\(for a campaign: no call on those days\)$/,
    );
  });

  it('never open within the horizon: no next opening', () => {
    const rare = calendar('rare', {
      rare: { weekly: {}, holidays: 'none', open: [{ date: '2026-06-01', hours: ['09:00-10:00'] }] },
    });
    assert.equal(nextOpening(rare, at('2026-03-10T10:00:00+08:00')), undefined);
    assert.equal(nextOpening(rare, at('2026-05-20T10:00:00+08:00')), at('2026-06-01T09:00:00+08:00'));
    assert.equal(nextOpening(rare, at('2026-05-20T10:00:00+08:00'), 5), undefined);
  });

  it('read in the calendar’s own zone, across a change of summer time', () => {
    const newYork = calendar('newYork', {
      newYork: { timezone: 'America/New_York', weekly: { sun: ['09:00-17:00'] }, holidays: 'none' },
    });
    // Summer time starts on Sunday 2030-03-10 at 02:00: 09:00 that day is 13:00 UTC, not 14:00.
    assert.equal(localToEpoch('2030-03-10', 9 * 60, 'America/New_York'), Date.UTC(2030, 2, 10, 13));
    assert.equal(nextOpening(newYork, Date.UTC(2030, 2, 9, 12)), Date.UTC(2030, 2, 10, 13));
    assert.equal(localToEpoch('2030-03-10', 9 * 60, 'Asia/Shanghai'), Date.UTC(2030, 2, 10, 1));
  });
});

describe('a wait', () => {
  it('is said in the calendar’s zone, with how long it lasts', () => {
    assert.equal(
      describeWait(at('2026-02-02T09:00:00+08:00'), at('2026-02-01T18:57:00+08:00'), 'Asia/Shanghai'),
      'waiting until 2026-02-02 09:00 Asia/Shanghai (in 14 h 3 min)',
    );
    assert.equal(formatLocal(Date.UTC(2026, 0, 1, 16, 5), 'Asia/Shanghai'), '2026-01-02 00:05 Asia/Shanghai');
    assert.deepEqual(
      [40_000, 180_000, 3_600_000, 3 * 86_400_000, 3 * 86_400_000 + 7_200_000, -5].map(formatDuration),
      ['40 s', '3 min', '1 h', '3 d', '3 d 2 h', '0 s'],
    );
  });
});
