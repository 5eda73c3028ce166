/**
 * The analytics part of `npm run bench` (alone: `npm run bench -- --only analytics`): what `npm run
 * analytics` costs on a million lines. The lines are a seeded week of the bank example (`npm run
 * analytics:week`: its calls played through the built bundles and the report function), written again
 * with each call's id and times moved by a week per copy until the export holds the lines wanted: a
 * realistic mix of callbacks and receipts, in time order, as SLS exports them.
 *
 * 1. Time: the command on the whole export (`--json`, its output dropped), in a child of its own
 *    (scripts/bench/analytics-child.ts: node with tsx, PATH only), against a child that only reads the
 *    same files line by line and parses each line as JSON, the floor of any reader of JSON lines.
 *    Interleaved rounds; CPU time of the work (not the start), and lines per second of wall time.
 * 2. Memory: the child's peak resident memory on a quarter, a half and all of the lines: flat when the
 *    calls in progress and the counters are all that is held.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beijingTime, generateWeek } from '../../dev/journey-week';
import { readBeijingTime } from '../../shared/analytics/journey-input';
import { buildBundles } from '../build/build';
import {
  formatSpread,
  interleaved,
  plural,
  type Row,
  reportProgress,
  runMeasuredChild,
  spread,
} from './common';

export type AnalyticsPlan = {
  /** Calls of the week generated once, then copied. */
  readonly weekCalls: number;
  /** Lines of the largest export. */
  readonly lines: number;
  readonly rounds: number;
};

/** The wall time a million lines must take at most: the "well under a minute". */
const TARGET_S_PER_MILLION = 30;
/** Peak memory on all the lines, against a quarter of them: at most this much more. */
const FLAT_MEMORY_RATIO = 1.25;
const CHILD = 'scripts/bench/analytics-child.ts';
const DAY_MS = 86_400_000;

type Measured = {
  readonly cpuMs: number;
  readonly maxRssKb: number;
  readonly lines: number;
  readonly wallMs: number;
};

function runChild(mode: 'analytics' | 'parse', files: readonly string[]): Measured {
  const started = performance.now();
  const { reported } = runMeasuredChild(
    `analytics bench (${mode})`,
    ['--import', 'tsx', CHILD, mode, ...files],
    {
      env: undefined,
      timeoutMs: 300_000,
      stdout: 'ignore',
      maxBuffer: 1024 * 1024,
    },
  );
  return { ...(JSON.parse(reported) as Omit<Measured, 'wallMs'>), wallMs: performance.now() - started };
}

/**
 * Writes `lines` lines of export to `file`: the week's callback lines and receipt lines, merged by time, copy
 * after copy, each copy a week later with its own call ids. Returns the lines written.
 */
export function writeExport(
  week: { callbacks: string[]; receipts: string[] },
  days: number,
  lines: number,
  file: string,
): void {
  const merged = mergeWeek(week);
  writeFileSync(file, '');
  let written = 0;
  for (let copy = 0; written < lines; copy++) {
    const chunk: string[] = [];
    for (const line of merged) {
      if (written + chunk.length >= lines) break;
      chunk.push(copy === 0 ? line : moveLine(line, copy, copy * days * DAY_MS));
    }
    appendFileSync(file, `${chunk.join('\n')}\n`);
    written += chunk.length;
  }
}

/** The week's lines in time order: each line's `time`. */
function mergeWeek(week: { callbacks: string[]; receipts: string[] }): string[] {
  const timed = [...week.callbacks, ...week.receipts].map((line) => ({
    line,
    at: Date.parse((JSON.parse(line) as { time: string }).time),
  }));
  return timed.sort((a, b) => a.at - b.at).map(({ line }) => line);
}

/** A line of the week as the same line of copy `copy`: its call id its own, its times `shiftMs` later. */
function moveLine(line: string, copy: number, shiftMs: number): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  const later = (iso: unknown) =>
    typeof iso === 'string' ? new Date(Date.parse(iso) + shiftMs).toISOString() : iso;
  record.time = later(record.time);
  if (typeof record.callId === 'string') record.callId = `${record.callId}.${copy}`;
  if (typeof record.call_id === 'string') record.call_id = `${record.call_id}.${copy}`;
  for (const field of ['start_time', 'end_time'])
    if (typeof record[field] === 'string') record[field] = moveBeijingTime(record[field] as string, shiftMs);
  return JSON.stringify(record);
}

/** `YYYY-MM-DD HH:MM:SS` in Beijing time, `shiftMs` later. */
function moveBeijingTime(text: string, shiftMs: number): string {
  const at = readBeijingTime(text);
  return at === undefined ? text : beijingTime(at + shiftMs);
}

export async function measureAnalytics(plan: AnalyticsPlan): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vms-callflow-analytics-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    reportProgress(`analytics: a week of ${plan.weekCalls} calls through the bundles`);
    await buildBundles({ quiet: true });
    const days = 7;
    const model = await generateWeek({ out: dir, calls: plan.weekCalls, seed: 19, days });
    const read = (name: string) =>
      readFileSync(join(dir, name), 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    const week = { callbacks: read('callbacks.jsonl'), receipts: read('receipts.jsonl') };
    const sizes = [Math.round(plan.lines / 4), Math.round(plan.lines / 2), plan.lines];
    const files = sizes.map((lines) => {
      const file = join(dir, `export-${lines}.jsonl`);
      writeExport(week, days, lines, file);
      return file;
    });
    const whole = files.at(-1) as string;
    reportProgress(
      `analytics: ${plural(plan.rounds, 'round')} of ${plan.lines.toLocaleString('en')} lines, against JSON.parse alone`,
    );
    const runs: Record<'analytics' | 'parse', Measured[]> = { analytics: [], parse: [] };
    for (let round = 0; round < plan.rounds; round++)
      for (const mode of interleaved(['analytics', 'parse'] as const, round))
        runs[mode].push(runChild(mode, [whole]));
    reportProgress('analytics: peak memory on a quarter and a half of the lines');
    const memory = files.slice(0, -1).map((file) => runChild('analytics', [file]).maxRssKb);
    memory.push(Math.max(...runs.analytics.map((run) => run.maxRssKb)));

    const perMillion = (ms: number) => (ms / 1000) * (1_000_000 / plan.lines);
    const wall = spread(runs.analytics.map((run) => run.wallMs));
    const cpu = spread(runs.analytics.map((run) => run.cpuMs / 1000));
    const floor = spread(runs.parse.map((run) => run.cpuMs / 1000));
    const ratio = spread(runs.analytics.map((run, i) => run.cpuMs / (runs.parse[i] as Measured).cpuMs));
    const linesPerSecond = spread(runs.analytics.map((run) => run.lines / (run.cpuMs / 1000)));
    const mb = (kb: number) => (kb / 1024).toFixed(0);
    const growth = (memory.at(-1) as number) / (memory[0] as number);
    return [
      {
        figure: `analytics: ${plan.lines.toLocaleString('en')} lines, wall`,
        value: `${formatSpread({ mid: wall.mid / 1000, min: wall.min / 1000, max: wall.max / 1000 }, 1, ' s')}`,
        target: `< ${TARGET_S_PER_MILLION} s a million`,
        pass: perMillion(wall.mid) < TARGET_S_PER_MILLION,
        detail: `child from spawn to exit (node and tsx start included); a week of ${model.calls} calls copied to ${plan.lines.toLocaleString('en')} lines`,
      },
      {
        figure: 'analytics: CPU, against JSON.parse of each line',
        value: `${formatSpread(cpu, 1, ' s')} vs ${formatSpread(floor, 1, ' s')}: ${formatSpread(ratio, 2, '×')}`,
        target: 'information',
        pass: undefined,
        detail: `the work, start excluded; ${formatSpread({ mid: linesPerSecond.mid / 1000, min: linesPerSecond.min / 1000, max: linesPerSecond.max / 1000 }, 0, 'k')} lines per CPU second`,
      },
      {
        figure: 'analytics: peak memory, ¼, ½, all the lines',
        value: `${memory.map(mb).join(', ')} MB`,
        target: `all ≤ ${FLAT_MEMORY_RATIO}× ¼`,
        pass: growth <= FLAT_MEMORY_RATIO,
        detail: `peak resident memory of the child (node and tsx included: ${mb(Math.min(...runs.parse.map((run) => run.maxRssKb)))} MB for the JSON.parse child); ×${growth.toFixed(2)} from ¼ to all`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
