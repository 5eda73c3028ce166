/**
 * Warm capacity from the rules' calendars: writes the scheduled minimum instances of `inbound` (its lines'
 * and the default line's calendars) and `outbound` (`outbound.calendar`) into s.yaml, and prints the plan
 * with a cost estimate at list prices (shared/capacity/warm-schedule.ts plans it).
 *
 *   npm run capacity -- examples/bank-card-service.yaml --from 2026-02-01 --weeks 13
 *
 * Exit codes: 0 written (or printed with --dry-run), 1 a file cannot be read, planned or written, 2 bad
 * command line.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import * as v from 'valibot';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { printable } from '../../dev/simulator/printable';
import { addDays, DateSchema, daysBetween } from '../../shared/calendar/calendar-dates';
import { toLocalTime } from '../../shared/calendar/local-time';
import {
  capacityCalendars,
  estimateIdleCost,
  formatWindow,
  LIST_PRICE_PER_CU,
  MEMORY_CU_PER_GB_SECOND,
  type PlanStamp,
  periodDays,
  planWarmCapacity,
  type WarmPlan,
} from '../../shared/capacity/warm-schedule';
import { compileRules } from '../../shared/rules/compile-rules';
import { readFile, reportRefused } from '../rules/rules-files';
import { provisionOwner, readMemorySize, replaceProvisionConfig } from './s-yaml-capacity';

/** Bytes of a rules file or s.yaml read at most. */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
const DEFAULT_WEEKS = 13;
const MAX_WEEKS = 52;
const DEFAULT_MEMORY_MB = 256;

export const PROGRAM = {
  name: 'capacity',
  summary:
    "Warm capacity from the rules' calendars: the scheduled minimum instances of inbound and outbound, written into s.yaml, with a cost estimate.",
  single: true,
  options: {
    'to-file': { type: 'string', value: 'FILE', help: 'the s.yaml to write (default: s.yaml)' },
    from: {
      type: 'string',
      value: 'YYYY-MM-DD',
      help: "first day planned (default: today in the calendars' zone)",
    },
    weeks: { type: 'string', value: 'N', help: `weeks planned, 1–${MAX_WEEKS} (default ${DEFAULT_WEEKS})` },
    lead: {
      type: 'string',
      value: 'DURATION',
      help: 'warm this long before opening: 15m, 1h, 0m (default 15m)',
    },
    instances: { type: 'string', value: 'N', help: 'instances kept warm in open hours, 0–100 (default 1)' },
    'inbound-instances': { type: 'string', value: 'N', help: 'inbound only (default: --instances)' },
    'outbound-instances': { type: 'string', value: 'N', help: 'outbound only (default: --instances)' },
    memory: {
      type: 'string',
      value: 'MB',
      help: `memory per instance for the estimate (default: the function's memorySize in s.yaml, else ${DEFAULT_MEMORY_MB})`,
    },
    'price-per-cu': {
      type: 'string',
      value: 'PRICE',
      help: `price of one CU for the estimate (default ${LIST_PRICE_PER_CU}, USD, FC 3.0's first tier)`,
    },
    'dry-run': { type: 'boolean', help: 'print the plan without writing s.yaml' },
  },
  commands: {
    capacity: {
      summary: "plan warm capacity from the rules' calendars into s.yaml",
      args: '<rules>',
      positionals: [1, 1],
      options: [
        'to-file',
        'from',
        'weeks',
        'lead',
        'instances',
        'inbound-instances',
        'outbound-instances',
        'memory',
        'price-per-cu',
        'dry-run',
      ],
      example: 'examples/bank-card-service.yaml --from 2026-02-01 --weeks 13 --dry-run',
      details: `
inbound is kept warm while any calendar of its lines or of the default line is open (lines without a
calendar are not counted), outbound while outbound.calendar is open. A function this document has no
calendar for is left as it is (another document may plan it); 0 instances removes the schedule this
command wrote; a provisionConfig written by hand is never replaced or removed. Open hours start --lead
early; nights, holidays and closures are at zero; make-up working days (调休) and extra open days are
warm; a year without holiday data is planned by the calendars' noHolidayData policy, with a warning. Only
provisionConfig of the two functions changes in s.yaml; every other byte stays. Deploy with npx s deploy for the schedule to take effect, and
run this again before the period ends: after it, the plain weekly hours apply for a year (holidays warm).
The estimate counts idle instances' memory alone (alwaysAllocateCPU: false), not calls.`,
    },
  },
} as const satisfies ProgramSpec;

export type CapacityIo = CommandIo & { readonly now?: () => number };

/** `15m`, `1h`, `90` (minutes) to minutes; undefined when it is not one, or over 6 hours. */
export function parseLead(text: string): number | undefined {
  const match = /^(\d{1,3})(m|h)?$/.exec(text);
  if (match === null) return undefined;
  const minutes = Number(match[1]) * (match[2] === 'h' ? 60 : 1);
  return minutes <= 360 ? minutes : undefined;
}

function parseWhole(text: string | undefined, fallback: number, max: number): number | undefined {
  if (text === undefined) return fallback;
  if (!/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

function readBounded(file: string): string {
  const size = statSync(file).size;
  if (size > MAX_FILE_BYTES) throw new Error(`${size} bytes, more than ${MAX_FILE_BYTES}`);
  return readFileSync(file, 'utf8');
}

function describePlan(
  resource: string,
  calendarNames: readonly string[],
  plan: WarmPlan,
  target: number,
  memoryMb: number,
  pricePerCu: number,
): string {
  const hours = plan.warmInstanceMinutes / 60;
  const cost = estimateIdleCost(plan.warmInstanceMinutes, {
    memoryMb,
    pricePerCu,
    cuPerGbSecond: MEMORY_CU_PER_GB_SECOND,
  });
  const lines = [
    `${resource}: ${target} warm instance(s) by calendar ${calendarNames.join(', ')} (${plan.timeZone}), ` +
      `${plan.from} to ${plan.until} (${periodDays(plan)} days); ${plan.provisionConfig.scheduledActions.length} scheduled actions`,
    `  days that differ from their weekday:${plan.deviatingDays.length === 0 ? ' none' : ''}`,
    ...plan.deviatingDays.map(
      (day) =>
        `    ${day.date}  ${printable(day.reason).padEnd(24)} ${day.windows.length === 0 ? 'cold all day' : day.windows.map(formatWindow).join(', ')}`,
    ),
    '  actions:',
    ...plan.provisionConfig.scheduledActions.map(
      (action) =>
        `    ${action.name.padEnd(22)} ${action.scheduleExpression.padEnd(36)} target ${action.target}  ${action.startTime} → ${action.endTime}`,
    ),
    `  cost estimate: ${hours.toFixed(1)} warm instance-hours × ${memoryMb} MB × ${MEMORY_CU_PER_GB_SECOND} CU/GB-s × ${pricePerCu} per CU ≈ ${cost.toFixed(2)} over the period (${((cost / periodDays(plan)) * 30).toFixed(2)} per 30 days); idle memory only (alwaysAllocateCPU: false, idle vCPU 0 CU), calls billed as without warm capacity`,
  ];
  return `${lines.join('\n')}\n`;
}

export function main(argv: readonly string[], io: CapacityIo = PROCESS_IO): number {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values, positionals } = read.line;
  const usage = (message: string) => refuseUsage(io, PROGRAM, 'capacity', message);
  const weeks = parseWhole(values.weeks, DEFAULT_WEEKS, MAX_WEEKS);
  if (weeks === undefined || weeks < 1) return usage(`--weeks is a whole number from 1 to ${MAX_WEEKS}`);
  const lead = parseLead(values.lead ?? '15m');
  if (lead === undefined) return usage('--lead is minutes or hours such as 15m or 1h, at most 6h');
  const instances = parseWhole(values.instances, 1, 100);
  const inboundTarget = parseWhole(values['inbound-instances'], instances ?? 1, 100);
  const outboundTarget = parseWhole(values['outbound-instances'], instances ?? 1, 100);
  if (instances === undefined || inboundTarget === undefined || outboundTarget === undefined)
    return usage('--instances, --inbound-instances and --outbound-instances are whole numbers from 0 to 100');
  if (values.from !== undefined && !v.is(DateSchema, values.from))
    return usage('--from is a real date written YYYY-MM-DD');
  const memoryOption = parseWhole(values.memory, 0, 32768);
  if (memoryOption === undefined || (values.memory !== undefined && memoryOption < 64))
    return usage('--memory is megabytes, from 64 to 32768');
  const pricePerCu =
    values['price-per-cu'] === undefined ? LIST_PRICE_PER_CU : Number(values['price-per-cu']);
  if (!Number.isFinite(pricePerCu) || pricePerCu < 0 || !/^\d/.test(values['price-per-cu'] ?? '0'))
    return usage('--price-per-cu is a number such as 0.00002');

  const rulesFile = positionals[0] ?? '';
  const sYaml = values['to-file'] ?? 's.yaml';
  try {
    readBounded(rulesFile);
  } catch (error) {
    io.err(`cannot read ${printable(rulesFile)} (${String((error as { code?: unknown }).code ?? error)})\n`);
    return EXIT.failed;
  }
  const file = readFile(rulesFile);
  if (!file.ok) return reportRefused(io, rulesFile, file.issues, () => undefined);
  const compiled = compileRules(file.document);
  if (!compiled.ok) return reportRefused(io, rulesFile, compiled.issues, file.locate);
  let text: string;
  try {
    text = readBounded(sYaml);
  } catch (error) {
    io.err(`cannot read ${printable(sYaml)} (${String((error as { code?: unknown }).code ?? error)})\n`);
    return EXIT.failed;
  }
  const { rules } = compiled.compiled;
  const { inbound, outbound, uncounted } = capacityCalendars(compiled.compiled);
  const functions = [
    { resource: 'inbound', target: inboundTarget, ...inbound },
    { resource: 'outbound', target: outboundTarget, ...outbound },
  ];
  const now = io.now?.() ?? Date.now();
  let updated = text;
  for (const fn of functions) {
    let config: WarmPlan['provisionConfig'] | undefined;
    let stamp: PlanStamp | undefined;
    const existing = provisionOwner(updated, fn.resource);
    if (existing === 'other') {
      // A provisionConfig written by hand is the operator's: never replaced or removed here.
      io.out(
        `${fn.resource}: its provisionConfig in ${printable(sYaml)} was not written by npm run capacity: left as it is (remove it to plan it here)\n`,
      );
      continue;
    }
    if (fn.calendars.length === 0 && fn.target !== 0) {
      // Another document may plan this function (a campaign's rules for outbound): nothing changes.
      io.out(
        `${fn.resource}: no calendar in this document; its provisionConfig left as it is${existing === 'ours' ? ` (--${fn.resource}-instances 0 removes it)` : ''}\n`,
      );
      continue;
    }
    if (fn.target === 0) {
      io.out(
        `${fn.resource}: 0 instances; no warm capacity${existing === 'ours' ? ' (provisionConfig removed)' : ''}\n`,
      );
    } else {
      const zone = fn.calendars[0]?.timezone ?? rules.timezone;
      const today = toLocalTime(now, zone).date;
      const from = values.from ?? today;
      if (from < today)
        io.err(
          `warning: ${fn.resource}: --from ${from} is ${daysBetween(from, today)} days ago: the period's first weeks are over, and it ends on ${addDays(from, weeks * 7)}\n`,
        );
      const planned = planWarmCapacity(fn.calendars, { from, weeks, leadMinutes: lead, target: fn.target });
      if (!planned.ok) {
        io.err(`${fn.resource}: ${planned.error}\n`);
        return EXIT.failed;
      }
      const memoryMb =
        values.memory !== undefined ? memoryOption : (readMemorySize(text, fn.resource) ?? DEFAULT_MEMORY_MB);
      io.out(
        describePlan(fn.resource, fn.names.map(printable), planned.plan, fn.target, memoryMb, pricePerCu),
      );
      if (planned.plan.noHolidayDataFrom !== undefined)
        io.err(
          `warning: ${fn.resource}: no holiday data from ${planned.plan.noHolidayDataFrom}: those days are planned by the calendars' noHolidayData policy, holidays and 调休 unknown; add the year (npm run holidays -- --help) and plan again\n`,
        );
      if (fn.resource === 'inbound' && uncounted.length > 0)
        io.out(`  lines without a calendar, not counted: ${uncounted.map(printable).join(', ')}\n`);
      config = planned.plan.provisionConfig;
      stamp = { from, weeks, leadMinutes: lead, target: fn.target };
    }
    const edited = replaceProvisionConfig(updated, fn.resource, config, stamp);
    if (!edited.ok) {
      io.err(`${printable(sYaml)}: ${edited.error}\n`);
      return EXIT.failed;
    }
    updated = edited.text;
  }
  if (values['dry-run'] === true) {
    io.out(`dry run: ${printable(sYaml)} not written\n`);
    return EXIT.ok;
  }
  if (updated === text) {
    io.out(`${printable(sYaml)} unchanged\n`);
    return EXIT.ok;
  }
  try {
    writeFileSync(sYaml, updated);
  } catch (error) {
    io.err(`cannot write ${printable(sYaml)} (${String((error as { code?: unknown }).code ?? error)})\n`);
    return EXIT.failed;
  }
  io.out(`wrote ${printable(sYaml)}: deploy with npx s deploy for the schedule to take effect\n`);
  return EXIT.ok;
}

runWhenMain(import.meta.filename, main);
