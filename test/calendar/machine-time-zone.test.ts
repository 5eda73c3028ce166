import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as v from 'valibot';
import { weekdayOfDate } from '../../shared/calendar/calendar-dates';
import { CalendarSchema } from '../../shared/calendar/calendar-schema';
import { describeOpenState } from '../../shared/calendar/is-open';
import { toLocalTime } from '../../shared/calendar/local-time';

/**
 * Calendars never read the machine's time zone: every instant is judged in the calendar's own zone. Node
 * applies a change of `process.env.TZ` at once (it resets V8's zone cache), so this reads the same
 * calendars, at the same instants, under machine zones far from Shanghai's and on both sides of the date
 * line, and expects exactly the readings made under Shanghai's.
 */
const office = v.parse(CalendarSchema, {
  weekly: { workdays: ['09:00-12:00', '13:30-18:00'], sat: ['09:00-12:00'] },
  holidays: 'cn',
  closed: ['2026-12-24..2026-12-26'],
  open: [{ date: '2026-12-27', hours: ['10:00-14:00'] }],
});
const london = v.parse(CalendarSchema, { timezone: 'Europe/London', weekly: { workdays: ['09:00-17:00'] } });

/** Every calendar reading of 2026 and early 2027, every 7 h 13 min, as one line each. */
function readAll(): string[] {
  const lines: string[] = [];
  for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 1, 1); ms += 433 * 60_000) {
    const shanghai = toLocalTime(ms, 'Asia/Shanghai');
    const newYork = toLocalTime(ms, 'America/New_York');
    const states = [
      describeOpenState(office, ms, 'Asia/Shanghai'),
      describeOpenState(london, ms, 'Asia/Shanghai'),
    ];
    lines.push(`${ms} ${JSON.stringify([shanghai, newYork, weekdayOfDate(shanghai.date), ...states])}`);
  }
  return lines;
}

describe('calendars under other machine time zones', () => {
  const machineZone = process.env.TZ;
  after(() => {
    if (machineZone === undefined) delete process.env.TZ;
    else process.env.TZ = machineZone;
  });

  // In a hook, not the describe body: the suite imports every file first, and a body runs at import.
  let expected: string[] = [];
  before(() => {
    process.env.TZ = 'Asia/Shanghai';
    expected = readAll();
    assert.ok(expected.length > 0);
  });

  for (const zone of ['America/New_York', 'Pacific/Kiritimati', 'UTC', 'Pacific/Pago_Pago']) {
    it(`read the same with TZ=${zone}`, () => {
      process.env.TZ = zone;
      // The change took effect: the machine's own offset for an instant is now the zone's.
      const offset = new Date(Date.UTC(2026, 6, 1)).getTimezoneOffset();
      assert.notEqual(offset, -480, `TZ=${zone} did not change the machine zone`);
      assert.deepEqual(readAll(), expected);
    });
  }
});
