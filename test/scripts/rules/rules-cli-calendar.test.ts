import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import chineseDays from 'chinese-days/dist/chinese-days.json';
import { main } from '../../../scripts/rules/rules';
import { expandDateRange } from '../../../shared/calendar/calendar-dates';
import { parseYaml } from '../../../shared/rules/yaml-parser';
import { captureText } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';
import {
  LAST_PACKAGED_YEAR as LAST,
  FIRST_UNCOVERED_YEAR as NEXT,
  nextWeekday,
} from '../../support/holiday-years';

/** Runs the rules CLI in-process, as `npm run rules -- …` would, with a stopped clock. */
async function runRules(args: string[], now = Date.parse('2026-06-01T12:00:00+08:00')) {
  const { streams, captured } = captureText();
  const status = await main(args, { ...streams, now: () => now });
  return { status, ...captured };
}

const dir = mkdtempSync(join(tmpdir(), 'rules-calendar-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BANK = join(ROOT, 'examples', 'bank-card-service.yaml');
const REMINDER = join(ROOT, 'examples', 'appointment-reminder.yaml');

/** The bank example with a 2027 schedule for the tests (not the official one, which is not out yet). */
function bankWith2027(): string {
  const text = readFileSync(BANK, 'utf8').replace(
    /^calendars:/m,
    [
      'holidaySchedules:',
      '  cn:',
      '    - year: 2027',
      '      daysOff: [2027-02-05..2027-02-11]',
      '      makeUpWorkdays: [2027-02-20]',
      'calendars:',
    ].join('\n'),
  );
  const file = join(dir, 'bank-2027.yaml');
  writeFileSync(file, text);
  return file;
}

describe('npm run rules -- check --at', () => {
  it('warns about the next uncovered year for every calendar that uses China’s holidays, with the calendar’s path', async () => {
    const { status, stderr } = await runRules(['check', BANK, REMINDER, '--at', `${LAST}-12-15`]);
    assert.equal(status, 0);
    const warnings = stderr.split('\n').filter((line) => line.startsWith('warning'));
    assert.equal(warnings.length, 3);
    assert.match(
      warnings[0] ?? '',
      new RegExp(
        `bank-card-service\\.yaml:\\d+ {2}calendars\\.office\\.holidays: calendar office has no holiday data for ${NEXT} \\(from ${NEXT}-01-01, in 17 days\\)`,
      ),
    );
    assert.match(
      warnings[1] ?? '',
      new RegExp(`appointment-reminder\\.yaml:\\d+ {2}calendars\\.clinic\\.holidays: .*${NEXT}`),
    );
    assert.match(
      warnings[2] ?? '',
      new RegExp(`appointment-reminder\\.yaml:\\d+ {2}calendars\\.calling\\.holidays: .*${NEXT}`),
    );
    assert.match(stderr, /2 files checked: 0 errors, 3 warnings\n$/);
  });

  it('fails with --strict, and fails with an error once the data has run out', async () => {
    assert.equal((await runRules(['check', BANK, '--at', `${LAST}-12-15`, '--strict'])).status, 1);
    const late = await runRules(['check', BANK, '--at', `${NEXT}-01-02`]);
    assert.equal(late.status, 1);
    assert.match(
      late.stderr,
      new RegExp(`^error {4}.*calendars\\.office\\.holidays: .*${NEXT} \\(since ${NEXT}-01-01\\)`, 'm'),
    );
  });

  it('judges from today by default, in the document’s zone', async () => {
    const quiet = await runRules(['check', BANK], Date.parse(`${LAST}-06-01T12:00:00+08:00`));
    assert.equal(quiet.stderr, '1 file checked: 0 errors, 0 warnings\n');
    // 16:30 UTC on 16 November is already 17 November in Shanghai: 45 days before New Year's Day.
    const warned = await runRules(['check', BANK], Date.parse(`${LAST}-11-16T16:30:00Z`));
    assert.match(warned.stderr, /in 45 days/);
  });

  it('is quiet once the document carries the year', async () => {
    assert.equal(
      (await runRules(['check', bankWith2027(), '--at', '2026-12-15'])).stderr,
      '1 file checked: 0 errors, 0 warnings\n',
    );
  });

  it('refuses a date it cannot read', async () => {
    const { status, stderr } = await runRules(['check', BANK, '--at', '2026-13-01']);
    assert.equal(status, 2);
    assert.match(stderr, /--at takes a date, YYYY-MM-DD/);
  });
});

describe('npm run rules -- schedule', () => {
  it('prints a month with its holidays and make-up days, and what decided each day', async () => {
    const { status, stdout } = await runRules([
      'schedule',
      bankWith2027(),
      '--calendar',
      'office',
      '--month',
      '2027-02',
    ]);
    assert.equal(status, 0);
    const lines = stdout.split('\n');
    assert.equal(lines[0], 'calendar office (Asia/Shanghai), February 2027');
    assert.match(
      lines[1] ?? '',
      /^holidays: cn \(installed chinese-days: years 2004–\d{4}; document years 2027\); no holiday data: weekly$/,
    );
    const row = (date: string) => lines.find((line) => line.startsWith(date))?.replace(/ +/g, ' ');
    assert.equal(row('2027-02-04'), '2027-02-04 Thu open 09:00-18:00 weekly');
    assert.equal(row('2027-02-05'), '2027-02-05 Fri closed - document holiday');
    assert.equal(row('2027-02-13'), '2027-02-13 Sat open 09:00-12:00 weekly');
    assert.equal(row('2027-02-14'), '2027-02-14 Sun closed - weekly');
    assert.equal(row('2027-02-20'), '2027-02-20 Sat open 09:00-18:00 document make-up day');
    assert.match(
      stdout,
      /\n28 days: 18 open, 10 closed; decided by weekly 20, document holiday 7, document make-up day 1\n$/,
    );
  });

  it('names the packaged source, closures, and the policy on days without data', async () => {
    const october = (await runRules(['schedule', BANK, '--month', '2026-10'])).stdout;
    assert.match(october, /^2026-10-01 +Thu +closed +- +packaged holiday$/m);
    assert.match(october, /^2026-10-10 +Sat +open +09:00-18:00 +packaged make-up day$/m);
    assert.match(
      (await runRules(['schedule', BANK, '--month', '2026-06'])).stdout,
      /^2026-06-15 +Mon +closed +- +closure$/m,
    );
    const { stdout: january, stderr: warned } = await runRules(['schedule', BANK, '--month', `${NEXT}-01`]);
    const monday = nextWeekday(`${NEXT}-01-04`, 'mon');
    assert.match(
      january,
      new RegExp(
        `^${monday} +Mon +open +09:00-18:00 +no holiday data for ${NEXT} \\(noHolidayData weekly\\)$`,
        'm',
      ),
    );
    // The warning goes on stderr: the schedule alone is the result.
    assert.match(warned, /^warning: 31 days judged without holiday data/);
    assert.doesNotMatch(january, /warning/);
  });

  it('prints every day of a year as JSON', async () => {
    const { status, stdout } = await runRules(['schedule', bankWith2027(), '--year', '2027', '--json']);
    assert.equal(status, 0);
    const output = JSON.parse(stdout) as {
      days: { date: string; open: boolean; source: string }[];
      documentYears: number[];
    };
    assert.equal(output.days.length, 365);
    assert.deepEqual(output.documentYears, [2027]);
    assert.deepEqual(
      output.days.find((day) => day.date === '2027-02-20'),
      {
        date: '2027-02-20',
        weekday: 'sat',
        open: true,
        hours: ['09:00-18:00'],
        source: 'document make-up day',
      },
    );
  });

  it('refuses a year or month outside 2000–2100, which it would otherwise walk day by day', async () => {
    for (const args of [
      ['--year', '9999'],
      ['--year', '0050'],
      ['--month', '9999-12'],
    ]) {
      const { status, stderr } = await runRules(['schedule', BANK, ...args]);
      assert.equal(status, 2, args.join(' '));
      assert.match(stderr, /from 2000 to 2100/);
    }
  });

  it('asks for a calendar when the document has several, and names them', async () => {
    const text = readFileSync(BANK, 'utf8').replace(
      /^calendars:/m,
      'calendars:\n  other:\n    weekly: { sun: ["10:00-12:00"] }',
    );
    const file = join(dir, 'two-calendars.yaml');
    writeFileSync(file, text);
    const { status, stderr } = await runRules(['schedule', file, '--month', '2026-10']);
    assert.equal(status, 1);
    assert.match(stderr, /name a calendar with --calendar; its calendars are other, office/);
  });
});

describe('the rules guide’s holiday schedule example', () => {
  it('is the real 2026 schedule, the same as the packaged data', async () => {
    const guide = readFileSync(join(ROOT, 'docs', 'rules.md'), 'utf8');
    const block = guide.match(/```yaml\n(holidaySchedules:[\s\S]*?)```/)?.[1];
    assert.ok(block !== undefined, 'docs/rules.md has a holidaySchedules example');
    const [year] = (
      parseYaml(block) as {
        holidaySchedules: { cn: { year: number; daysOff: string[]; makeUpWorkdays: string[] }[] };
      }
    ).holidaySchedules.cn;
    assert.equal(year?.year, 2026);
    const expand = (list: readonly string[]) =>
      list.flatMap((written) => [...expandDateRange(String(written))]);
    const packaged = (table: Record<string, string>) =>
      Object.keys(table)
        .filter((date) => date.startsWith('2026-'))
        .sort();
    assert.deepEqual(expand(year?.daysOff ?? []), packaged(chineseDays.holidays));
    assert.deepEqual(expand(year?.makeUpWorkdays ?? []), packaged(chineseDays.workdays));
  });
});
