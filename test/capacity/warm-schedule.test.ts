import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { replaceProvisionConfig } from '../../scripts/capacity/s-yaml-capacity';
import { addDays, weekdayOfDate } from '../../shared/calendar/calendar-dates';
import {
  describeScheduleEnd,
  estimateIdleCost,
  formatWindow,
  MAX_SCHEDULED_ACTIONS,
  planWarmCapacity,
  type ScheduledAction,
  toWarmWindows,
  weeklyCron,
} from '../../shared/capacity/warm-schedule';
import { type CompiledCalendar, compileRules } from '../../shared/rules/compile-rules';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { ROOT } from '../support/fc-event';
import { LAST_PACKAGED_YEAR } from '../support/holiday-years';

function bankOffice(): CompiledCalendar {
  const document = parseYaml(readFileSync(join(ROOT, 'examples', 'bank-card-service.yaml'), 'utf8'));
  const compiled = compileRules(document);
  assert.ok(compiled.ok);
  const office = compiled.compiled.calendars.get('office');
  assert.ok(office !== undefined);
  return office;
}

function calendar(
  weekly: Record<string, string[]>,
  extra: Partial<CompiledCalendar['calendar']> = {},
): CompiledCalendar {
  return { calendar: { weekly, holidays: 'none', ...extra }, timezone: 'Asia/Shanghai', holidays: undefined };
}

const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** When an action fires on `date`, in minutes, if it does: the cron's days, or the at's date. */
function firesAt(action: ScheduledAction, date: string): number | undefined {
  if (`${date}T00:00:00` < action.startTime || `${date}T00:00:00` >= action.endTime) return undefined;
  const at = /^at\((\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(action.scheduleExpression);
  if (at !== null)
    return at[1] === date ? Number(at[2]) * 60 + Number(at[3]) + Number(at[4]) / 60 : undefined;
  const cron = /^cron\((\d+) (\d+) (\d+) \? \* ([A-Z,]+)\)$/.exec(action.scheduleExpression);
  assert.ok(cron !== null, action.scheduleExpression);
  const day = DAY_NAMES[new Date(`${date}T00:00:00Z`).getUTCDay()] ?? '';
  if (!cron[4]?.split(',').includes(day)) return undefined;
  return Number(cron[3]) * 60 + Number(cron[2]) + Number(cron[1]) / 60;
}

/**
 * The minimum in force at `minute` of `date` as FC documents it: the latest firing wins (the largest of
 * those at the same instant); nothing fired yet means `defaultTarget` (0). Looks back up to 10 days.
 */
function targetAt(actions: readonly ScheduledAction[], date: string, minute: number): number {
  for (let back = 0; back <= 10; back++) {
    const day = addDays(date, -back);
    let best: { at: number; target: number } | undefined;
    for (const action of actions) {
      const at = firesAt(action, day);
      if (at === undefined || (back === 0 && at > minute)) continue;
      if (best === undefined || at > best.at || (at === best.at && action.target > best.target))
        best = { at, target: action.target };
    }
    if (best !== undefined) return best.target;
  }
  return 0;
}

describe('toWarmWindows', () => {
  it('opens each range early, not before midnight, and merges what overlaps or touches', () => {
    assert.deepEqual(toWarmWindows(['13:30-18:00', '09:00-12:00', '00:10-01:00'], 15), [
      { start: 0, end: 60 },
      { start: 525, end: 720 },
      { start: 795, end: 1080 },
    ]);
    assert.deepEqual(toWarmWindows(['09:00-12:00', '12:10-18:00'], 15).map(formatWindow), ['08:45-18:00']);
    assert.deepEqual(toWarmWindows([], 15), []);
  });
});

describe('weeklyCron', () => {
  it('writes six fields, seconds first, and the end of the day as 23:59:59', () => {
    assert.equal(weeklyCron(525, ['mon', 'sat']), 'cron(0 45 8 ? * MON,SAT)');
    assert.equal(weeklyCron(1440, ['sun']), 'cron(59 59 23 ? * SUN)');
  });
});

describe('planWarmCapacity', () => {
  it('follows the bank calendar through Spring Festival 2026, make-up Saturdays included', () => {
    const office = bankOffice();
    const planned = planWarmCapacity([office], { from: '2026-02-01', weeks: 8, leadMinutes: 15, target: 2 });
    assert.ok(planned.ok);
    const { plan } = planned;
    const actions = plan.provisionConfig.scheduledActions;
    assert.equal(plan.until, '2026-03-29');
    assert.equal(plan.provisionConfig.defaultTarget, 0);
    assert.equal(plan.provisionConfig.alwaysAllocateCPU, false);
    assert.ok(actions.length <= MAX_SCHEDULED_ACTIONS);
    assert.ok(actions.every((action) => action.timeZone === 'Asia/Shanghai'));
    assert.equal(new Set(actions.map((action) => action.name)).size, actions.length);
    // Every day of the period and a week after it, at night, before and in opening hours.
    for (let date = '2026-02-01'; date < addDays(plan.until, 7); date = addDays(date, 1)) {
      const weekday = weekdayOfDate(date);
      const holiday = date >= '2026-02-15' && date <= '2026-02-23';
      const makeUp = date === '2026-02-14' || date === '2026-02-28';
      const open = makeUp || (!holiday && weekday !== 'sun');
      assert.equal(targetAt(actions, date, 3 * 60), 0, `${date} 03:00`);
      assert.equal(targetAt(actions, date, 8 * 60 + 30), 0, `${date} 08:30`);
      assert.equal(targetAt(actions, date, 8 * 60 + 50), open ? 2 : 0, `${date} 08:50`);
      assert.equal(targetAt(actions, date, 11 * 60), open ? 2 : 0, `${date} 11:00`);
      const afternoon = makeUp || (open && weekday !== 'sat');
      assert.equal(targetAt(actions, date, 15 * 60), afternoon ? 2 : 0, `${date} 15:00`);
      assert.equal(targetAt(actions, date, 19 * 60), 0, `${date} 19:00`);
    }
    assert.deepEqual(
      plan.deviatingDays.filter((day) => day.windows.length > 0).map((day) => [day.date, day.reason]),
      [
        ['2026-02-14', 'make-up workday'],
        ['2026-02-28', 'make-up workday'],
      ],
    );
    // The baseline: the weekly crons from the period's end, for a year.
    const baseline = actions.filter((action) => action.name.startsWith('base-'));
    assert.ok(baseline.length > 0);
    assert.ok(baseline.every((action) => action.startTime === '2026-03-29T00:00:00'));
    assert.ok(baseline.every((action) => action.endTime === '2027-03-30T00:00:00'));
    // Idle minutes: weekdays 9h15, Saturdays 3h15, make-up Saturdays 9h15, times two instances.
    assert.ok(plan.warmInstanceMinutes > 0);
  });

  it('keeps a holiday (National Day 2026) cold and its make-up days warm', () => {
    const planned = planWarmCapacity([bankOffice()], {
      from: '2026-09-20',
      weeks: 4,
      leadMinutes: 0,
      target: 1,
    });
    assert.ok(planned.ok);
    const actions = planned.plan.provisionConfig.scheduledActions;
    for (const date of ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'])
      assert.equal(targetAt(actions, date, 10 * 60), 0, date);
    assert.equal(targetAt(actions, '2026-10-09', 10 * 60), 1);
    assert.equal(targetAt(actions, '2026-10-10', 15 * 60), 1, 'make-up Saturday, weekday hours');
    assert.equal(targetAt(actions, '2026-10-12', 9 * 60), 1);
  });

  it('gives no actions to a run of cold days, and refuses mixed zones and too many actions', () => {
    const weekdaysOnly = calendar({ workdays: ['09:00-17:00'] }, { closed: ['2026-03-06', '2026-03-09'] });
    const planned = planWarmCapacity([weekdaysOnly], {
      from: '2026-03-02',
      weeks: 2,
      leadMinutes: 0,
      target: 1,
    });
    assert.ok(planned.ok);
    // Runs: Mon 2..Thu 5, Sat 7..Sun 8 (cold: none), Tue 10..Sun 15; then the baseline.
    const runs = new Set(
      planned.plan.provisionConfig.scheduledActions.map((action) => action.name.split('-')[0]),
    );
    assert.deepEqual([...runs], ['w1', 'w2', 'base']);
    const other = { ...calendar({ sat: ['10:00-12:00'] }), timezone: 'Europe/Berlin' };
    const mixed = planWarmCapacity([weekdaysOnly, other], {
      from: '2026-03-02',
      weeks: 1,
      leadMinutes: 0,
      target: 1,
    });
    assert.ok(!mixed.ok);
    assert.match(mixed.error, /different time zones \(Asia\/Shanghai, Europe\/Berlin\)/);
    const closed = Array.from({ length: 60 }, (_, i) => addDays('2026-01-01', i * 3));
    const busy = planWarmCapacity(
      [calendar({ workdays: ['09:00-17:00'], sat: ['09:00-10:00'] }, { closed })],
      {
        from: '2026-01-01',
        weeks: 26,
        leadMinutes: 0,
        target: 1,
      },
    );
    assert.ok(!busy.ok);
    assert.match(busy.error, /more than FC's 100: plan fewer --weeks/);
    assert.deepEqual(planWarmCapacity([], { from: '2026-01-01', weeks: 1, leadMinutes: 0, target: 1 }), {
      ok: false,
      error: 'no calendar to plan from',
    });
  });

  it('ends a window at midnight with 23:59:59', () => {
    const late = calendar(
      { fri: ['20:00-24:00'] },
      { open: [{ date: '2026-03-04', hours: ['22:00-24:00'] }] },
    );
    const planned = planWarmCapacity([late], { from: '2026-03-02', weeks: 1, leadMinutes: 0, target: 1 });
    assert.ok(planned.ok);
    const expressions = planned.plan.provisionConfig.scheduledActions.map(
      (action) => action.scheduleExpression,
    );
    assert.ok(expressions.includes('cron(59 59 23 ? * FRI)'));
    assert.ok(expressions.includes('at(2026-03-04T23:59:59)'));
  });
});

describe('windows that run past midnight', () => {
  /**
   * Around each midnight of the period and the week after it: 23:59:58 is warm when the day has a late
   * window, 00:00:30 when the day has an early one, and 23:59:59.5 as well when both meet at midnight (no
   * second at zero between them).
   */
  function assertMidnights(
    actions: readonly ScheduledAction[],
    from: string,
    until: string,
    late: (date: string) => boolean,
    early: (date: string) => boolean,
  ) {
    for (let date = from; date < addDays(until, 7); date = addDays(date, 1)) {
      const next = addDays(date, 1);
      assert.equal(targetAt(actions, date, 1439 + 58 / 60), late(date) ? 1 : 0, `${date} 23:59:58`);
      if (late(date) && early(next))
        assert.equal(targetAt(actions, date, 1439 + 59.5 / 60), 1, `${date} 23:59:59.5`);
      assert.equal(targetAt(actions, next, 0.5), early(next) ? 1 : 0, `${next} 00:00:30`);
    }
  }

  it('keeps a line open round the clock warm through every midnight, and cold on its closed days', () => {
    const allDay = calendar(
      { workdays: ['00:00-24:00'], sat: ['00:00-24:00'], sun: ['00:00-24:00'] },
      { closed: ['2026-03-05', '2026-03-10', '2026-03-11'] },
    );
    const planned = planWarmCapacity([allDay], { from: '2026-03-02', weeks: 2, leadMinutes: 0, target: 1 });
    assert.ok(planned.ok);
    const actions = planned.plan.provisionConfig.scheduledActions;
    const closed = new Set(['2026-03-05', '2026-03-10', '2026-03-11']);
    const open = (date: string) => !closed.has(date);
    assertMidnights(actions, '2026-03-02', planned.plan.until, open, open);
    assert.ok(!actions.some((action) => action.scheduleExpression.startsWith('cron(59 59 23')));
  });

  it('carries a late window into an early one, and steps down at midnight before a day that starts later', () => {
    const night = calendar(
      { workdays: ['00:00-02:00', '22:00-24:00'] },
      { open: [{ date: '2026-03-04', hours: ['10:00-12:00'] }], closed: ['2026-03-09'] },
    );
    const planned = planWarmCapacity([night], { from: '2026-03-02', weeks: 2, leadMinutes: 0, target: 1 });
    assert.ok(planned.ok);
    const actions = planned.plan.provisionConfig.scheduledActions;
    const workday = (date: string) => !['sat', 'sun'].includes(weekdayOfDate(date)) && date !== '2026-03-09';
    const changed = new Set(['2026-03-04']);
    // Late: from 22:00 to midnight on workdays (the open day and the closed day have no late window).
    // Early: from midnight to 02:00 on workdays but the closed day and the open day (its hours replace
    // the weekly ones).
    const usual = (date: string) => workday(date) && !changed.has(date);
    assertMidnights(actions, '2026-03-02', planned.plan.until, usual, usual);
    assert.equal(targetAt(actions, '2026-03-04', 11 * 60), 1);
    assert.equal(targetAt(actions, '2026-03-04', 1 * 60), 0, 'the open day starts at 10:00, not midnight');
    assert.equal(targetAt(actions, '2026-03-07', 1 * 60), 0, 'Saturday');
    assert.equal(targetAt(actions, '2026-03-06', 23 * 60), 1);
  });

  it('keeps the last second warm before a day that differs and opens at 00:00, when the usual next day opens later', () => {
    // Fridays to midnight (00:30 less an hour's lead), Saturdays from 09:00; one Saturday opens at 00:00.
    const friday = calendar(
      { fri: ['00:30-24:00'], sat: ['09:00-12:00'] },
      { open: [{ date: '2026-03-14', hours: ['00:00-08:00'] }] },
    );
    const planned = planWarmCapacity([friday], { from: '2026-03-02', weeks: 3, leadMinutes: 60, target: 1 });
    assert.ok(planned.ok);
    const actions = planned.plan.provisionConfig.scheduledActions;
    assert.equal(targetAt(actions, '2026-03-13', 1439 + 59.5 / 60), 1, 'the Friday before the open Saturday');
    assert.equal(targetAt(actions, '2026-03-14', 0.5), 1);
    assert.equal(targetAt(actions, '2026-03-14', 8 * 60 + 1), 0);
    assert.equal(
      targetAt(actions, '2026-03-06', 1439 + 59.5 / 60),
      0,
      'an ordinary Friday steps down at 23:59:59',
    );
    assert.equal(targetAt(actions, '2026-03-07', 0.5), 0);
  });
});

describe('estimateIdleCost', () => {
  it('prices idle memory alone: minutes × GB × 0.15 CU × price', () => {
    // 100 hours of 256 MB at 0.15 CU/GB-s and USD 0.00002 per CU: 360,000 s × 0.25 GB × 0.15 × 0.00002.
    const cost = estimateIdleCost(6000, { memoryMb: 256, pricePerCu: 0.00002, cuPerGbSecond: 0.15 });
    assert.ok(Math.abs(cost - 0.27) < 1e-9);
  });
});

describe('the end of a warm schedule', () => {
  const actions = [
    { name: 'w1-up-0845', startTime: '2026-02-01T00:00:00', endTime: '2026-05-03T00:00:00' },
    { name: 'base-up-0845', startTime: '2026-05-03T00:00:00', endTime: '2027-05-04T00:00:00' },
  ];
  it("says nothing while the calendars' period runs for more than 45 days, or for a schedule not written by the command", () => {
    assert.equal(describeScheduleEnd('inbound', actions, '2026-03-01'), undefined);
    assert.equal(describeScheduleEnd('inbound', actions.slice(0, 1), '2026-05-01'), undefined);
  });
  it('warns from 45 days before the period ends, after it, and once the baseline ended', () => {
    assert.match(
      describeScheduleEnd('inbound', actions, '2026-03-19') ?? '',
      /until 2026-05-03 \(in 45 days\)/,
    );
    assert.match(describeScheduleEnd('inbound', actions, '2026-05-02') ?? '', /\(in 1 day\)/);
    assert.match(
      describeScheduleEnd('inbound', actions, '2026-05-03') ?? '',
      /only until 2026-05-03: since then/,
    );
    assert.match(
      describeScheduleEnd('inbound', actions, '2027-05-04') ?? '',
      /ended on 2027-05-04: no instance/,
    );
  });
});

describe('writing a schedule into s.yaml', () => {
  it('refuses props written as a flow map rather than writing invalid YAML', () => {
    const text = 'resources:\n  inbound:\n    props: {memorySize: 256, timeout: 10}\n';
    const config = { defaultTarget: 0, alwaysAllocateCPU: false, scheduledActions: [] };
    const edited = replaceProvisionConfig(text, 'inbound', config);
    assert.equal(edited.ok, false);
    assert.match(!edited.ok ? edited.error : '', /write the props as a block/);
  });
});

describe('a period past the holiday data', () => {
  it('says from which day it was planned without holiday data', () => {
    const from = `${LAST_PACKAGED_YEAR + 1}-01-05`;
    const planned = planWarmCapacity([bankOffice()], { from, weeks: 2, leadMinutes: 15, target: 1 });
    assert.ok(planned.ok);
    assert.equal(planned.plan.noHolidayDataFrom, from);
    const covered = planWarmCapacity([bankOffice()], {
      from: '2026-03-02',
      weeks: 2,
      leadMinutes: 15,
      target: 1,
    });
    assert.ok(covered.ok);
    assert.equal(covered.plan.noHolidayDataFrom, undefined);
  });
});
