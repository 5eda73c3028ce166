/**
 * `npm run bench -- --only size`: what each vCPU share FC allows means for a caller and for the bill. At
 * each size (a `cpu` and the smallest `memorySize` FC allows with it), the measured children run inside a
 * CPU cgroup whose quota is that share (cpu-quota.ts), and the bench takes:
 *
 * - the cold first reply, wall and CPU, of the inbound bundle with the default rules and with the bank
 *   example compiled as a `RULES_FILE` beside it, of the report bundle acknowledging one receipt, and of
 *   the constant handler at the same share (the cold part's runner, cold-child.cjs): from the spawn to
 *   the reply, what a caller waits for the process at a cold start, FC's own start left out;
 * - a warm instance's wall latency per callback (size-child.cjs): the bank example's calls, a burst back
 *   to back, then callbacks paced apart as calls reach an otherwise idle instance, p50 and p99;
 * - the instance's peak resident memory after the burst, and the memory size it asks for with margin;
 * - what that costs at list prices (shared/capacity/call-cost.ts, the CU price `npm run capacity` uses):
 *   a million warm callbacks, a cold start's own time, an idle provisioned instance for an hour.
 *
 * Children run one at a time with `PATH` and the function's variables only, the sizes and variants
 * interleaved round by round; figures are the median round with the range of rounds. A child is started
 * only once its group's quota has been refilled (one CFS period after the last child of that group), as
 * a fresh FC instance starts with its share unspent.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildFcEvent } from '../../dev/fc-event';
import {
  activeCu,
  costPerMillionRequests,
  type InstanceSize,
  idleInstanceHourCost,
} from '../../shared/capacity/call-cost';
import { LIST_PRICE_PER_CU } from '../../shared/capacity/warm-schedule';
import { checkInstanceSize } from '../../shared/fc/instance-size';
import {
  CONSTANT_HANDLER,
  type ColdReport,
  type ColdVariant,
  expectAnswer,
  expectBundleAnswer,
} from './cold';
import {
  builtFile,
  formatSpread,
  interleaved,
  median,
  percentile,
  plural,
  type Row,
  reportProgress,
  roundsWithin,
  type Spread,
  spread,
} from './common';
import { type CpuGroup, closeCpuGroups, openCpuGroups, runInGroup, throttling } from './cpu-quota';
import { writeEventsFile } from './warm';

const root = resolve(import.meta.dirname, '../..');
const COLD_CHILD = join(root, 'scripts', 'bench', 'cold-child.cjs');
const SIZE_CHILD = join(root, 'scripts', 'bench', 'size-child.cjs');

/** The sizes measured: each share with the smallest memory size FC allows with it. */
export const SIZES: readonly InstanceSize[] = [
  { cpu: 0.05, memoryMb: 128 },
  { cpu: 0.1, memoryMb: 128 },
  { cpu: 0.25, memoryMb: 256 },
  { cpu: 0.35, memoryMb: 384 },
  { cpu: 0.5, memoryMb: 512 },
  { cpu: 1, memoryMb: 1024 },
];

export type SizePlan = {
  readonly rounds: number;
  /** Cold runs of each variant at each size per round. */
  readonly perRound: number;
  /** Warm callbacks answered back to back first, then `paced` ones `gapMs` apart, timed. */
  readonly burst: number;
  readonly paced: number;
  readonly gapMs: number;
  readonly budgetMs: number;
};

/** What the part needs from the bench: the private build, and the bank example as the functions take it. */
export type SizeInputs = {
  readonly dist: string;
  /** The compiled bank example beside the inbound bundle. */
  readonly compiledFile: string;
  /** The bank example as `RULES`, and its calls walked through the bundle (warm.ts's mix). */
  readonly bankRulesJson: string;
  readonly bankEvents: readonly Buffer[];
  /** The callin every cold inbound variant answers. */
  readonly callin: Buffer;
};

/** One CFS period, the time a group's quota takes to refill. */
const REFILL_MS = 100;
/** A cold start at 0.05 vCPU takes about a second; this only ends a child that hangs. */
const COLD_TIMEOUT_MS = 30_000;
const WARM_TIMEOUT_MS = 120_000;
/** Memory asked for beyond the peak resident memory measured: FC's runtime and the heap's growth. */
const MEMORY_MARGIN = 1.5;

/** A receipt push of one record, as VMS sends them: the report function's cold first reply. */
function receiptEvent(): Buffer {
  const record = {
    call_id: '130301340124^117079730123',
    start_time: '2026-11-30 10:00:00',
    end_time: '2026-11-30 10:01:00',
    duration: '60',
    status_code: '200000',
  };
  return buildFcEvent({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify([record]) });
}

/** The report bundle's reply: an acknowledgement, and a `receipt` line logged without error. */
const expectReceipt: ColdVariant['verify'] = (report, stdout) => {
  if (stdout.includes('"level":"error"'))
    throw new Error(`the report bundle logged an error: ${stdout.slice(0, 500)}`);
  if (!stdout.includes('"msg":"receipt"')) throw new Error(`no receipt line logged: ${stdout.slice(0, 500)}`);
  if (!report.body.includes('"code":0'))
    throw new Error(`not an acknowledgement: ${report.body.slice(0, 300)}`);
};

function coldVariants(inputs: SizeInputs): ColdVariant[] {
  const bundle = builtFile(inputs.dist, 'inbound');
  return [
    { name: 'constant', module: CONSTANT_HANDLER, verify: expectAnswer },
    { name: 'default', module: bundle, verify: expectBundleAnswer('default line') },
    {
      name: 'bank-file',
      module: bundle,
      env: { RULES_FILE: inputs.compiledFile },
      verify: expectBundleAnswer('line service'),
    },
    {
      name: 'report',
      module: builtFile(inputs.dist, 'report'),
      event: receiptEvent(),
      verify: expectReceipt,
    },
  ];
}

type ColdRun = { readonly wallMs: number; readonly cpuMs: number };

/** Runs one cold child in `group`: its report, checked for a 200, its wall ms and stdout. */
async function runColdInGroup(
  group: CpuGroup,
  variant: ColdVariant,
  callin: Buffer,
): Promise<{ report: ColdReport; wallMs: number; stdout: string }> {
  const event = variant.event ?? callin;
  const result = await runInGroup(
    group,
    `${variant.name} at ${group.share} vCPU`,
    [COLD_CHILD, variant.module, event.toString('base64')],
    variant.env,
    COLD_TIMEOUT_MS,
  );
  const report = JSON.parse(result.reported) as ColdReport;
  if (report.statusCode !== 200)
    throw new Error(`${variant.name}: HTTP ${report.statusCode} ${report.body.slice(0, 300)}`);
  return { report, wallMs: result.wallMs, stdout: result.stdout };
}

const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/** Waits until `group`'s quota has refilled since its last child ended; returns the function marking an end. */
function refills(): { wait: (group: CpuGroup) => Promise<void>; ended: (group: CpuGroup) => void } {
  const lastEnd = new Map<CpuGroup, number>();
  return {
    wait: async (group) => {
      const since = performance.now() - (lastEnd.get(group) ?? Number.NEGATIVE_INFINITY);
      if (since < REFILL_MS) await sleep(REFILL_MS - since);
    },
    ended: (group) => lastEnd.set(group, performance.now()),
  };
}

/** Each size's cold runs, by variant name, by round. */
type ColdSamplesBySize = Map<CpuGroup, Map<string, ColdRun[][]>>;

async function measureColdAtSizes(
  groups: readonly CpuGroup[],
  variants: readonly ColdVariant[],
  inputs: SizeInputs,
  plan: SizePlan,
): Promise<ColdSamplesBySize> {
  const largest = groups[groups.length - 1] as CpuGroup;
  for (const variant of variants) {
    const { report, stdout } = await runColdInGroup(largest, variant, inputs.callin);
    variant.verify(report, stdout);
  }
  const samples: ColdSamplesBySize = new Map(
    groups.map((group) => [group, new Map(variants.map((variant) => [variant.name, [] as ColdRun[][]]))]),
  );
  const pairs = groups.flatMap((group) => variants.map((variant) => ({ group, variant })));
  const quota = refills();
  await roundsWithin('cold first replies at each size', plan.rounds, plan.budgetMs, async (round) => {
    const runs = new Map(pairs.map((pair) => [pair, [] as ColdRun[]]));
    for (let run = 0; run < plan.perRound; run++) {
      for (const pair of interleaved(pairs, round * plan.perRound + run)) {
        await quota.wait(pair.group);
        const { report, wallMs } = await runColdInGroup(pair.group, pair.variant, inputs.callin);
        quota.ended(pair.group);
        runs.get(pair)?.push({ wallMs, cpuMs: report.repliedUs / 1_000 });
      }
    }
    for (const [pair, list] of runs) samples.get(pair.group)?.get(pair.variant.name)?.push(list);
  });
  return samples;
}

/** A warm instance's figures at one size, one run a round. */
type WarmRun = {
  readonly walls: readonly number[];
  readonly cpus: readonly number[];
  readonly maxRssKb: number;
  readonly firstMaxRssKb: number;
};

async function measureWarmAtSizes(
  groups: readonly CpuGroup[],
  inputs: SizeInputs,
  plan: SizePlan,
): Promise<Map<CpuGroup, WarmRun[]>> {
  const folder = mkdtempSync(join(tmpdir(), 'vms-callflow-size-'));
  const eventsFile = join(folder, 'bank.events');
  writeEventsFile(eventsFile, inputs.bankEvents.slice(0, plan.burst + plan.paced));
  const runs = new Map(groups.map((group) => [group, [] as WarmRun[]]));
  const quota = refills();
  try {
    await roundsWithin('warm instances at each size', plan.rounds, plan.budgetMs, async (round) => {
      for (const group of interleaved(groups, round)) {
        await quota.wait(group);
        const result = await runInGroup(
          group,
          `warm at ${group.share} vCPU`,
          [SIZE_CHILD, builtFile(inputs.dist, 'inbound'), eventsFile, String(plan.burst), String(plan.gapMs)],
          { RULES: inputs.bankRulesJson },
          WARM_TIMEOUT_MS,
        );
        quota.ended(group);
        const error = result.stdout.split('\n').find((line) => line.includes('"level":"error"'));
        if (error !== undefined)
          throw new Error(`warm at ${group.share} vCPU logged an error: ${error.slice(0, 500)}`);
        runs.get(group)?.push(JSON.parse(result.reported) as WarmRun);
      }
    });
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
  return runs;
}

/** Each round's median of `pick` over that round's runs. */
function roundSpread(rounds: readonly (readonly ColdRun[])[], pick: (run: ColdRun) => number): Spread {
  return spread(rounds.map((list) => median(list.map(pick))));
}

/** The smallest memory size FC takes that holds `peakKb` with the margin. */
export function memoryNeedMb(peakKb: number): number {
  return Math.max(128, Math.ceil(((peakKb / 1024) * MEMORY_MARGIN) / 64) * 64);
}

/** What one size came to: its table row and its line of the sizing table. */
function sizeFigures(size: InstanceSize, cold: Map<string, ColdRun[][]>, warm: readonly WarmRun[]) {
  const rounds = (name: string) => cold.get(name) ?? [];
  const wall = (name: string) => roundSpread(rounds(name), (run) => run.wallMs);
  const cpu = (name: string) => roundSpread(rounds(name), (run) => run.cpuMs);
  const walls = warm.map((run) => run.walls);
  const p50 = spread(walls.map((list) => percentile(list, 0.5)));
  const p99 = spread(walls.map((list) => percentile(list, 0.99)));
  const meanUs = median(
    walls.map((list) => list.reduce((sum, us) => sum + us, 0) / Math.max(1, list.length)),
  );
  const cpuP50 = spread(warm.map((run) => percentile(run.cpus, 0.5)));
  const peakKb = Math.max(...warm.map((run) => run.maxRssKb));
  const firstKb = Math.max(...warm.map((run) => run.firstMaxRssKb));
  const perMillion = costPerMillionRequests(size, meanUs / 1e6, LIST_PRICE_PER_CU);
  const coldStart = activeCu(size, wall('default').mid / 1_000) * LIST_PRICE_PER_CU;
  const idleHour = idleInstanceHourCost(size, LIST_PRICE_PER_CU);
  const label = `${size.cpu} vCPU, ${size.memoryMb} MB`;
  const row: Row = {
    figure: `size ${label}: cold first reply, default rules, wall`,
    value: `${formatSpread(wall('default'), 0)} ms`,
    target: '',
    pass: undefined,
    detail:
      `constant ${formatSpread(wall('constant'), 0)} ms, bank file ${formatSpread(wall('bank-file'), 0)} ms, ` +
      `report ${formatSpread(wall('report'), 0)} ms; CPU default ${formatSpread(cpu('default'), 1)} ms, constant ${formatSpread(cpu('constant'), 1)} ms; ` +
      `warm wall p50 ${formatSpread(p50, 0)} µs, p99 ${formatSpread(p99, 0)} µs (CPU p50 ${formatSpread(cpuP50, 0)} µs); ` +
      `peak RSS ${(peakKb / 1024).toFixed(0)} MB (${(firstKb / 1024).toFixed(0)} MB after the first callback)`,
  };
  const line = [
    String(size.cpu),
    String(size.memoryMb),
    `${wall('constant').mid.toFixed(0)} / ${wall('default').mid.toFixed(0)} / ${wall('bank-file').mid.toFixed(0)} / ${wall('report').mid.toFixed(0)}`,
    `${cpu('default').mid.toFixed(1)}`,
    `${p50.mid.toFixed(0)} / ${p99.mid.toFixed(0)}`,
    `${(peakKb / 1024).toFixed(0)} (${memoryNeedMb(peakKb)})`,
    perMillion.toFixed(4),
    coldStart.toFixed(7),
    idleHour.toFixed(4),
  ];
  return { row, line };
}

const TABLE_HEADER = [
  'cpu',
  'MB',
  'cold wall ms: constant / default / bank file / report',
  'cold CPU ms, default',
  'warm wall p50 / p99 µs',
  'peak RSS MB (need)',
  'USD / million callbacks',
  'USD / cold start',
  'USD / idle instance-hour',
];

/** The sizing table: aligned columns, one size a line. */
function formatTable(lines: readonly (readonly string[])[]): string[] {
  const all = [TABLE_HEADER, ...lines];
  const widths = TABLE_HEADER.map((_, i) => Math.max(...all.map((line) => (line[i] ?? '').length)));
  return all.map((line) => line.map((cell, i) => cell.padStart(widths[i] ?? 0)).join('  '));
}

/**
 * The part: at every size, cold first replies and a warm instance, with their costs; nothing measured,
 * and a note saying why, where no CPU cgroup is writable.
 */
export async function measureSizes(
  inputs: SizeInputs,
  plan: SizePlan,
): Promise<{ rows: Row[]; notes: string[] }> {
  for (const size of SIZES) {
    const problems = checkInstanceSize('bench', { cpu: size.cpu, memorySize: size.memoryMb });
    if (problems.length > 0) throw new Error(problems.join('; '));
  }
  const groups = openCpuGroups(SIZES.map((size) => size.cpu));
  if (typeof groups === 'string')
    return { rows: [], notes: [`Sizes not measured: no writable cpu cgroup (${groups}).`] };
  try {
    const variants = coldVariants(inputs);
    reportProgress(
      `cold first replies at ${plural(SIZES.length, 'size')} (${plural(plan.rounds, 'round')} × ${plural(plan.perRound, 'run')} of ${variants.length} variants)`,
    );
    const cold = await measureColdAtSizes(groups, variants, inputs, plan);
    reportProgress(`warm instances at ${plural(SIZES.length, 'size')} (${plural(plan.rounds, 'round')})`);
    const warm = await measureWarmAtSizes(groups, inputs, plan);
    const figures = groups.map((group, i) =>
      sizeFigures(SIZES[i] as InstanceSize, cold.get(group) ?? new Map(), warm.get(group) ?? []),
    );
    const throttled = groups.map((group) => {
      const t = throttling(group);
      return `${group.share}: ${t.throttled} of ${t.periods} periods, ${(t.ms / 1_000).toFixed(1)} s`;
    });
    return {
      rows: figures.map((figure) => figure.row),
      notes: [
        'Sizes (each vCPU share with the smallest memory FC allows with it; the bench ran its children in a CPU cgroup of that quota):',
        ...formatTable(figures.map((figure) => figure.line)),
        `Cold: wall from the spawn to the reply, FC's own start left out; median round. Warm: the bank example's calls, ${plan.burst} back to back, then ${plan.paced} timed ${plan.gapMs} ms apart; "need" is the peak RSS × ${MEMORY_MARGIN} in steps of 64 MB.`,
        `Costs at ${LIST_PRICE_PER_CU} USD a CU (npm run capacity's): a million warm callbacks (their mean wall, vCPU and memory, and 75 CU per 10,000 requests), a cold start's own time (default rules), an idle provisioned instance (memory only).`,
        `Throttled by the quota: ${throttled.join('; ')}.`,
      ],
    };
  } finally {
    closeCpuGroups(groups);
  }
}
