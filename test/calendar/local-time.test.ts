import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIXED_OFFSET_ZONES, isValidTimeZone, toLocalTime } from '../../shared/calendar/local-time';

// Instants are written with an explicit offset, so nothing here depends on the machine's zone.
const at = (isoWithOffset: string) => Date.parse(isoWithOffset);

describe('toLocalTime', () => {
  it('reads an instant on a Shanghai wall clock', () => {
    assert.deepEqual(toLocalTime(at('2026-03-02T01:30:00Z'), 'Asia/Shanghai'), {
      date: '2026-03-02',
      weekday: 'mon',
      minutes: 9 * 60 + 30,
      hour: 9,
    });
  });

  it('moves to the next local date once it is past midnight in Shanghai', () => {
    assert.deepEqual(toLocalTime(at('2025-12-31T16:00:00Z'), 'Asia/Shanghai'), {
      date: '2026-01-01',
      weekday: 'thu',
      minutes: 0,
      hour: 0,
    });
    assert.equal(toLocalTime(at('2025-12-31T15:59:00Z'), 'Asia/Shanghai').date, '2025-12-31');
  });

  it('counts the last minute of the day as 1439', () => {
    const local = toLocalTime(at('2026-03-08T23:59:59+08:00'), 'Asia/Shanghai');
    assert.equal(local.minutes, 1439);
    assert.equal(local.hour, 23);
    assert.equal(local.weekday, 'sun');
  });

  it('follows daylight saving time in zones that have it', () => {
    assert.deepEqual(toLocalTime(at('2026-01-15T12:00:00Z'), 'America/New_York'), {
      date: '2026-01-15',
      weekday: 'thu',
      minutes: 7 * 60,
      hour: 7,
    });
    assert.deepEqual(toLocalTime(at('2026-07-01T12:00:00Z'), 'America/New_York'), {
      date: '2026-07-01',
      weekday: 'wed',
      minutes: 8 * 60,
      hour: 8,
    });
  });

  it('reads the same instant as different local days in different zones', () => {
    const instant = at('2026-03-07T02:00:00Z');
    assert.equal(toLocalTime(instant, 'Asia/Shanghai').weekday, 'sat');
    assert.equal(toLocalTime(instant, 'America/Los_Angeles').weekday, 'fri');
    assert.equal(toLocalTime(instant, 'Asia/Kolkata').minutes, 7 * 60 + 30);
  });

  it('throws a RangeError for an unknown zone', () => {
    assert.throws(() => toLocalTime(0, 'Mars/Olympus_Mons'), RangeError);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA zone names and rejects anything else', () => {
    assert.equal(isValidTimeZone('Asia/Shanghai'), true);
    assert.equal(isValidTimeZone('UTC'), true);
    assert.equal(isValidTimeZone('Mars/Olympus_Mons'), false);
    assert.equal(isValidTimeZone(''), false);
  });
});

describe('zones read without Intl', () => {
  /** The same reading through `Intl`, written independently of the module, as one line of text. */
  function readWithIntl(format: Intl.DateTimeFormat, epochMs: number): string {
    const parts = Object.fromEntries(format.formatToParts(epochMs).map((part) => [part.type, part.value]));
    const minutes = Number(parts.hour) * 60 + Number(parts.minute);
    return `${parts.year}-${parts.month}-${parts.day} ${String(parts.weekday).toLowerCase()} ${minutes}`;
  }

  it('agree with Intl every thirteenth day from 2000 to 2035, at an hour that moves through the day', () => {
    // Any summer time lasts months: a sample every thirteenth day meets it several times a season.
    const step = 13 * 86_400_000;
    assert.ok(FIXED_OFFSET_ZONES.includes('Asia/Shanghai'));
    for (const zone of FIXED_OFFSET_ZONES) {
      const format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        weekday: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
      for (let ms = Date.UTC(2000, 0, 1), n = 0; ms < Date.UTC(2036, 0, 1); ms += step, n++) {
        // 7 h 13 min more each day: every hour and many minutes of the day come round, DST would show.
        const instant = ms + ((n * 433) % 1440) * 60_000;
        const local = toLocalTime(instant, zone);
        const read = `${local.date} ${local.weekday} ${local.minutes}`;
        const expected = readWithIntl(format, instant);
        if (read !== expected) {
          assert.fail(`${zone} at ${new Date(instant).toISOString()}: ${read}, but Intl reads ${expected}`);
        }
      }
    }
  });

  it('are valid zones without building a formatter, and older instants still go through Intl', () => {
    assert.equal(isValidTimeZone('Asia/Shanghai'), true);
    // Shanghai kept summer time until 1991: 1990-07-01 12:00 UTC was 21:00 there, not 20:00.
    assert.equal(toLocalTime(Date.UTC(1990, 6, 1, 12), 'Asia/Shanghai').hour, 21);
  });
});
