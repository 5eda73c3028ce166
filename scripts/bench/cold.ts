/**
 * Cold first reply, the figure that matters most on FC 3.0 (one request per instance, so instances start
 * often): fresh node processes, each loading one module from a file and answering one event, measured in
 * CPU time (the whole process: node's start-up, the module's load, the reply) against a constant handler
 * run the same way. Used by `npm run bench` and by `scripts/bench/code-cache.ts`.
 */
import { join, resolve } from 'node:path';
import {
  forEachRound,
  formatSpread,
  interleaved,
  median,
  plural,
  type Row,
  runMeasuredChild,
  type Spread,
  spread,
} from './common';

const root = resolve(import.meta.dirname, '../..');

/** The runner every child is, and the module the baseline loads. */
const COLD_CHILD = join(root, 'scripts', 'bench', 'cold-child.cjs');
export const CONSTANT_HANDLER = join(root, 'scripts', 'bench', 'constant-handler.cjs');

/** What a child reports on fd 3. */
export type ColdReport = {
  /** CPU time (µs, user + system) of the whole process when the module had loaded, and when it replied. */
  readonly loadedUs: number;
  readonly repliedUs: number;
  readonly statusCode: number;
  readonly body: string;
  /** The file names of the modules the process had loaded when it replied (what a reply did not load). */
  readonly modules: readonly string[];
};

export type ColdVariant = {
  readonly name: string;
  /** The module the child loads and calls `handler` of. */
  readonly module: string;
  /** The function's own variables; the rest of the environment is `fcLikeEnv`'s (bench-common). */
  readonly env?: Readonly<Record<string, string>>;
  /** The event it answers, when not the one all variants answer (a state sealed for its rules, say). */
  readonly event?: Buffer;
  /** Node flags before the runner (a code cache made under other flags, say). */
  readonly nodeFlags?: readonly string[];
  /**
   * Checks the first, untimed run: the reply and what the child logged on stdout. Throws what is wrong,
   * so that a handler answering with a fallback is never timed as if it had done the work.
   */
  readonly verify: (report: ColdReport, stdout: string) => void;
};

export type ColdPlan = {
  readonly rounds: number;
  /** Runs of each variant per round; a round's figure is their median. */
  readonly perRound: number;
  /** No round starts after this long (the first always runs), whatever the machine's speed. */
  readonly budgetMs: number;
  /** The node binary the children run on (another Node version, say); this process's own when not given. */
  readonly node?: string | undefined;
};

/** Each variant's reports, by round. */
export type ColdSamples = ReadonlyMap<string, readonly (readonly ColdReport[])[]>;

/**
 * Checks a bundle's reply to a callin: an answer, a `callback` line in the child's log with that action
 * and, when given, `traceIncludes` in its trace (the rules document really routed the call), and no
 * error logged (no fallback, no invalid rules).
 */
export function expectBundleAnswer(traceIncludes?: string): ColdVariant['verify'] {
  return (report, stdout) => {
    const lines = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(
        (line) => JSON.parse(line) as { level?: unknown; msg?: unknown; action?: unknown; trace?: unknown },
      );
    const error = lines.find((line) => line.level === 'error');
    if (error !== undefined)
      throw new Error(`the bundle logged an error: ${JSON.stringify(error).slice(0, 500)}`);
    const callback = lines.find((line) => line.msg === 'callback');
    if (callback?.action !== 'answer') {
      throw new Error(`expected a callback log line answering the call, got ${stdout.slice(0, 500)}`);
    }
    if (traceIncludes !== undefined && !JSON.stringify(callback.trace).includes(traceIncludes)) {
      throw new Error(`expected "${traceIncludes}" in the trace: ${JSON.stringify(callback.trace)}`);
    }
    expectAnswer(report);
  };
}

/** Checks a reply's envelope: a success answering the callin (all the constant handler can be asked). */
export function expectAnswer(report: ColdReport): void {
  const reply = JSON.parse(report.body) as { result?: unknown; data?: { action?: unknown } };
  if (reply.result !== 'success' || reply.data?.action !== 'answer') {
    throw new Error(`not a callin answer: ${report.body.slice(0, 300)}`);
  }
}

/** Longest a child may take: a cold start is ~0.1 s, so this only ends one that hangs. */
const CHILD_TIMEOUT_MS = 15_000;

/**
 * Starts one child, on `node` when given (else this process's node), and returns its report and stdout;
 * throws when it fails or reports nothing.
 */
export function runColdChild(
  variant: ColdVariant,
  event: Buffer,
  node?: string,
): { report: ColdReport; stdout: string } {
  const { reported, stdout } = runMeasuredChild(
    variant.name,
    [...(variant.nodeFlags ?? []), COLD_CHILD, variant.module, event.toString('base64')],
    { env: variant.env, timeoutMs: CHILD_TIMEOUT_MS, stdout: 'pipe', maxBuffer: 4 * 1024 * 1024, node },
  );
  const report = JSON.parse(reported) as ColdReport;
  if (report.statusCode !== 200) {
    throw new Error(`${variant.name}: HTTP ${report.statusCode} ${report.body.slice(0, 300)}`);
  }
  return { report, stdout };
}

/**
 * Runs every variant `perRound` times a round, interleaved (the order rotates and reverses from one run
 * to the next), after one verified, untimed run each that also brings node and the files into the page
 * cache. Children run one at a time, and this process waits in `spawnSync`, spending no CPU meanwhile.
 */
export function measureColdFirstReplies(
  variants: readonly ColdVariant[],
  event: Buffer,
  plan: ColdPlan,
): ColdSamples {
  for (const variant of variants) {
    const { report, stdout } = runColdChild(variant, variant.event ?? event, plan.node);
    variant.verify(report, stdout);
  }
  const samples = new Map(variants.map((variant) => [variant.name, [] as ColdReport[][]]));
  forEachRound('cold first reply', plan.rounds, plan.budgetMs, (round) => {
    const reports = new Map(variants.map((variant) => [variant.name, [] as ColdReport[]]));
    for (let run = 0; run < plan.perRound; run++) {
      for (const variant of interleaved(variants, round * plan.perRound + run)) {
        reports.get(variant.name)?.push(runColdChild(variant, variant.event ?? event, plan.node).report);
      }
    }
    for (const [name, list] of reports) samples.get(name)?.push(list);
  });
  return samples;
}

/** A variant's figures against the baseline's, round by round. */
export type ColdComparison = {
  /** CPU time of the whole process at its reply (ms): each round's median. */
  readonly cpuMs: Spread;
  readonly baselineCpuMs: Spread;
  /** Each round's median over the baseline's median of the same round. */
  readonly ratio: Spread;
  /** Over all runs, against the baseline: the module's load (ms), then the first reply after it (ms). */
  readonly loadMs: number;
  readonly replyMs: number;
  readonly runs: number;
  readonly rounds: number;
};

export function compareCold(samples: ColdSamples, name: string, baseline: string): ColdComparison {
  const rounds = samples.get(name) ?? [];
  const baseRounds = samples.get(baseline) ?? [];
  const roundMedian = (list: readonly ColdReport[]) => median(list.map((r) => r.repliedUs)) / 1_000;
  const ratios = rounds.map((list, i) => roundMedian(list) / roundMedian(baseRounds[i] ?? []));
  const all = rounds.flat();
  const allBase = baseRounds.flat();
  return {
    cpuMs: spread(rounds.map(roundMedian)),
    baselineCpuMs: spread(baseRounds.map(roundMedian)),
    ratio: spread(ratios),
    loadMs: (median(all.map((r) => r.loadedUs)) - median(allBase.map((r) => r.loadedUs))) / 1_000,
    replyMs: median(all.map((r) => r.repliedUs - r.loadedUs)) / 1_000,
    runs: all.length,
    rounds: rounds.length,
  };
}

/**
 * How much more CPU (ms) a variant's process took than `against`'s, round by round (each round's medians):
 * with both measured against the same baseline, the difference of their own CPU over it.
 */
export function compareOwnCpu(samples: ColdSamples, name: string, against: string): Spread {
  const rounds = samples.get(name) ?? [];
  const againstRounds = samples.get(against) ?? [];
  const roundMedian = (list: readonly ColdReport[]) => median(list.map((r) => r.repliedUs)) / 1_000;
  return spread(rounds.map((list, i) => roundMedian(list) - roundMedian(againstRounds[i] ?? [])));
}

/** A difference in ms with its sign: `+10.1`, `-0.8`. */
export function signed(ms: number): string {
  return `${ms < 0 ? '-' : '+'}${Math.abs(ms).toFixed(1)}`;
}

/** A table row for a variant: the ratio as the value, judged on the median round against `target`. */
export function coldRow(figure: string, comparison: ColdComparison, target: number | undefined): Row {
  const c = comparison;
  return {
    figure,
    value: `${formatSpread(c.ratio, 2, '×')}`,
    target: target === undefined ? '' : `≤ ${target.toFixed(2)}×`,
    pass: target === undefined ? undefined : c.ratio.mid <= target,
    detail:
      `CPU ${formatSpread(c.cpuMs, 1)} ms vs ${formatSpread(c.baselineCpuMs, 1)} ms; ` +
      `load ${signed(c.loadMs)} ms, reply ${c.replyMs.toFixed(1)} ms (${plural(c.runs, 'run')}, ${plural(c.rounds, 'round')})`,
  };
}
