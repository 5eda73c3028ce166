/**
 * The simulator's pace: `npm run simulate -- run` of the bank example's scenario file, ten times over in
 * one run, in this process as a user's CI runs it (a run loads the built bundles and reads the YAML rules
 * once, then places every call). Timer events are explicit, so nothing waits on a clock: the figure is
 * callbacks per second of CPU time and of wall time, over whole runs, loading included.
 */
import { join, resolve } from 'node:path';
import { main } from '../simulate/simulate';
import { formatSpread, type Row, spread } from './common';

const root = resolve(import.meta.dirname, '../..');
const RULES = join(root, 'examples', 'bank-card-service.yaml');
const SCENARIOS = join(root, 'examples', 'bank-card-service.scenarios.yaml');

/** The scenario file, this many times in each run: a user's suite of scenario files, roughly. */
const FILES_PER_RUN = 10;

/** What the issue asks of scenario runs: hundreds of turns a second. */
const TARGET_PER_SECOND = 200;

export async function measureSimulator(runs: number): Promise<Row> {
  const cpuRates: number[] = [];
  const wallRates: number[] = [];
  let callbacks = 0;
  for (let run = 0; run <= runs; run++) {
    const chunks: string[] = [];
    const io = { out: (text: string) => chunks.push(text), err: (text: string) => chunks.push(text) };
    const cpu = process.cpuUsage();
    const started = performance.now();
    const status = await main(['run', ...Array<string>(FILES_PER_RUN).fill(SCENARIOS), '--rules', RULES], io);
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const out = chunks.join('');
    if (status !== 0) throw new Error(`simulate run failed:\n${out.slice(-2_000)}`);
    callbacks = [...out.matchAll(/\((\d+) callbacks?\)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
    if (callbacks === 0) throw new Error(`no callbacks counted in:\n${out.slice(0, 1_000)}`);
    // The first run also loads the simulator's own modules: left out.
    if (run === 0) continue;
    cpuRates.push(callbacks / ((used.user + used.system) / 1e6));
    wallRates.push(callbacks / (wallMs / 1_000));
  }
  const cpu = spread(cpuRates);
  return {
    figure: 'simulator: scenario callbacks per second',
    value: formatSpread(cpu, 0),
    target: `≥ ${TARGET_PER_SECOND}/s`,
    pass: cpu.mid >= TARGET_PER_SECOND,
    detail:
      `per CPU second; ${formatSpread(spread(wallRates), 0)} per wall second; whole runs of ${callbacks} ` +
      `callbacks (the bank example's scenarios ×${FILES_PER_RUN}), bundles and YAML rules loaded each run (${runs} runs)`,
  };
}
