import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { restoreClock, setClock, spoken, startCall } from '../support/bundle-call';
import { captureLogs, fcEvent, loadWithEnv } from '../support/fc-event';
import { FIRST_UNCOVERED_YEAR, LAST_PACKAGED_YEAR, nextWeekday } from '../support/holiday-years';

/**
 * Through the built inbound bundle: a `holidays: cn` calendar judged in the first year beyond the
 * packaged data (2027 with chinese-days 1.5.7) follows its noHolidayData policy and warns once; the same
 * document with that year's schedule closes New Year's Day; the status lists the missing year weeks ahead.
 */

const STATE_SECRETS = 'holiday-tests-state-key-01';
const YEAR = FIRST_UNCOVERED_YEAR;
const LAST = LAST_PACKAGED_YEAR;
const NEW_YEARS_DAY_10H = `${YEAR}-01-01T10:00:00+08:00`;
/** A Monday of that January, after the New Year holiday: open by the weekly hours. */
const MONDAY_10H = `${nextWeekday(`${YEAR}-01-04`, 'mon')}T10:00:00+08:00`;

function rules(calendar: Record<string, unknown> = {}, document: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: 'holidays-bundle-1',
    calendars: { office: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn', ...calendar } },
    lines: [
      { name: 'service', numbers: ['95555'], flow: 'open', calendar: 'office', afterHoursFlow: 'closed' },
    ],
    defaultLine: { flow: 'open' },
    flows: {
      open: { start: 'bye', nodes: { bye: { type: 'hangup', say: '我们正在营业' } } },
      closed: { start: 'bye', nodes: { bye: { type: 'hangup', say: '现在是休息时间' } } },
    },
    ...document,
  });
}

/** Two calls to the line at `instant`; what each heard, and the log lines of both. */
async function callTwice(rulesJson: string, instant: string) {
  const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: rulesJson });
  setClock(instant);
  const { result: heard, logs } = await captureLogs(async () => {
    const first = await startCall(handler).send('callin', { caller: '13800138000', callee: '95555' });
    const second = await startCall(handler).send('callin', { caller: '13800138000', callee: '95555' });
    return [spoken(first), spoken(second)];
  });
  const warnings = logs.filter(
    (line) => line.level === 'warn' && /has no holiday data/.test(String(line.msg)),
  );
  const traces = logs
    .filter((line) => line.msg === 'callback')
    .map((line) => (line.trace as string[]).join(' | '));
  return { heard, warnings, traces };
}

describe('inbound bundle: a date beyond the holiday data', () => {
  afterEach(restoreClock);

  it('takes the weekly hours by default, says so in the trace, and warns once per instance', async () => {
    const { heard, warnings, traces } = await callTwice(rules(), MONDAY_10H);
    assert.deepEqual(heard, ['我们正在营业', '我们正在营业']);
    assert.match(traces[0] ?? '', new RegExp(`no holiday data for ${YEAR} → noHolidayData weekly: open`));
    assert.equal(warnings.length, 1);
    assert.match(
      String(warnings[0]?.msg),
      new RegExp(
        `^calendar office has no holiday data for ${YEAR}: calls are judged by noHolidayData weekly; add ${YEAR} to holidaySchedules.cn`,
      ),
    );
  });

  it('is closed under the closed policy', async () => {
    const { heard, warnings } = await callTwice(rules({ noHolidayData: 'closed' }), NEW_YEARS_DAY_10H);
    assert.deepEqual(heard, ['现在是休息时间', '现在是休息时间']);
    assert.equal(warnings.length, 1);
  });

  it('closes New Year’s Day once the document carries the year, without a warning', async () => {
    const schedule = { cn: [{ year: YEAR, daysOff: [`${YEAR}-01-01..${YEAR}-01-03`] }] };
    const { heard, warnings, traces } = await callTwice(
      rules({}, { holidaySchedules: schedule }),
      NEW_YEARS_DAY_10H,
    );
    assert.deepEqual(heard, ['现在是休息时间', '现在是休息时间']);
    assert.deepEqual(warnings, []);
    assert.doesNotMatch(traces[0] ?? '', /no holiday data/);
  });
});

describe('inbound bundle: status', () => {
  afterEach(restoreClock);

  async function statusAt(instant: string, rulesJson: string) {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, RULES: rulesJson });
    setClock(instant);
    const result = await handler(fcEvent({ method: 'GET', path: '/inbound' }));
    return JSON.parse(result.body) as {
      calendars?: Record<string, { packagedYears: number[]; documentYears: number[]; noHolidayData: string }>;
      warnings: { kind: string; calendar?: string; year?: number; inDays?: number; message: string }[];
    };
  }

  it('lists a calendar whose holiday data ends within 45 days, naming it and the missing year', async () => {
    const status = await statusAt(`${LAST}-12-15T10:00:00+08:00`, rules());
    const holidayWarnings = status.warnings.filter((warning) => warning.kind === 'holiday-data');
    assert.equal(holidayWarnings.length, 1);
    assert.equal(holidayWarnings[0]?.calendar, 'office');
    assert.equal(holidayWarnings[0]?.year, YEAR);
    assert.equal(holidayWarnings[0]?.inDays, 17);
    assert.match(
      holidayWarnings[0]?.message ?? '',
      new RegExp(`calendar office has no holiday data for ${YEAR}`),
    );
  });

  it('shows the packaged years of the build and the document years in force, and no warning when covered', async () => {
    const schedule = { cn: [{ year: YEAR, daysOff: [`${YEAR}-01-01`] }] };
    const status = await statusAt(`${LAST}-12-15T10:00:00+08:00`, rules({}, { holidaySchedules: schedule }));
    const office = status.calendars?.office;
    assert.equal(office?.packagedYears.at(-1), LAST, 'the newest packaged year is always kept');
    assert.deepEqual(office?.documentYears, [YEAR]);
    assert.equal(office?.noHolidayData, 'weekly');
    assert.deepEqual(
      status.warnings.filter((warning) => warning.kind === 'holiday-data'),
      [],
    );
  });

  it('says nothing of holiday data two months ahead', async () => {
    const status = await statusAt(`${LAST}-10-31T10:00:00+08:00`, rules());
    assert.deepEqual(
      status.warnings.filter((warning) => warning.kind === 'holiday-data'),
      [],
    );
  });
});
