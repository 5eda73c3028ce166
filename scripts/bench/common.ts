/**
 * What the parts of `npm run bench` (and `scripts/bench/code-cache.ts`) share: the build, the environment
 * their child processes get, the statistics they report and the table they print.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildBundles } from '../build/build';

const root = resolve(import.meta.dirname, '../..');

/** One line of the results table; `pass` is undefined for a figure given as information only. */
export type Row = {
  figure: string;
  value: string;
  target: string;
  pass: boolean | undefined;
  detail: string;
};

// ─── The environment of every child process ───

/**
 * Variables that change what a node process does before it runs a line of ours: `NODE_EXTRA_CA_CERTS`
 * parses a CA bundle at every start (several times a bare start's CPU), `NODE_OPTIONS` adds
 * flags and preloads, `UV_*` sizes the thread pool, `OPENSSL_*`/`SSL_CERT_*` change crypto start-up.
 * s.yaml deploys the functions with their own variables only; the report names those this machine sets.
 */
const START_UP_VARIABLE = /^(NODE_|V8_|UV_|OPENSSL_|SSL_CERT_)/;

/** The start-up variables this machine sets, which no child of the bench inherits. */
export function droppedStartUpVariables(): string[] {
  return Object.keys(process.env)
    .filter((name) => START_UP_VARIABLE.test(name))
    .sort();
}

/**
 * An FC-like environment: `PATH` and the function's own variables, nothing else. Built from nothing
 * rather than by deleting from this process's environment, so that a variable nobody thought of (a
 * locale, a proxy, a shell's `NODE_*`) cannot reach a measured process.
 */
export function fcLikeEnv(variables: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...variables };
}

/** The files of the build the benches load, each under `dist/<function>/`. */
const BUILT_FILES = [
  'inbound/index.js',
  'inbound/yaml-parser.js',
  'inbound/oss-client.js',
  'inbound/lookup-client.js',
  'inbound/classifier-client.js',
  'outbound/index.js',
  'report/index.js',
];

/**
 * Builds the bundles (in this process, quietly), then copies dist/ to a private folder that every
 * measurement loads from, removed when this process exits: `npm test` or a build in another terminal
 * may rewrite dist/ at any moment, and every figure of a run must come from the one build. Returns the
 * private folder.
 */
export async function buildPrivateDist(): Promise<string> {
  // A rebuild elsewhere between the build and the copy leaves the copy incomplete: build and copy again.
  for (let attempt = 1; attempt <= 3; attempt++) {
    await buildBundles({ quiet: true });
    const dist = mkdtempSync(join(tmpdir(), 'vms-callflow-dist-'));
    process.once('exit', () => rmSync(dist, { recursive: true, force: true }));
    cpSync(join(root, 'dist'), dist, { recursive: true });
    if (BUILT_FILES.every((file) => existsSync(join(dist, file)))) return dist;
  }
  throw new Error('dist/ kept changing while it was copied (another build running?); run the bench again');
}

/** A built function's file in a copy of dist/ (see {@link buildPrivateDist}). */
export function builtFile(dist: string, name: string, file = 'index.js'): string {
  return join(dist, name, file);
}

/** How a measured child is run: its function's variables, its time limit, and whether its stdout is read. */
export type ChildOptions = {
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs: number;
  /** A pipe, as FC's runtime collects stdout (the handlers' log lines cost what they cost there), or ignored. */
  readonly stdout: 'pipe' | 'ignore';
  readonly maxBuffer: number;
  /** The node binary that runs it: this process's own when not given (`bench --node`). */
  readonly node?: string | undefined;
};

/**
 * Runs one measured child in an FC-like environment, loading `args[0]` from a file. The child writes its
 * report as JSON to fd 3. Returns that report's text and the child's stdout; throws, naming `name`, when
 * the child cannot start, fails, or reports nothing.
 */
export function runMeasuredChild(
  name: string,
  args: readonly string[],
  options: ChildOptions,
): { reported: string; stdout: string } {
  const result = spawnSync(options.node ?? process.execPath, args, {
    cwd: root,
    env: fcLikeEnv(options.env),
    stdio: ['ignore', options.stdout, 'pipe', 'pipe'],
    timeout: options.timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: options.maxBuffer,
  });
  if (result.error !== undefined) throw new Error(`${name}: ${result.error.message}`);
  const reported = result.output[3]?.toString('utf8') ?? '';
  if (result.status !== 0 || reported === '') {
    const stderr = result.output[2]?.toString('utf8') ?? '';
    throw new Error(
      `${name}: child exited with ${result.status ?? result.signal}, no report\n${stderr.slice(-2_000)}`,
    );
  }
  return { reported, stdout: result.output[1]?.toString('utf8') ?? '' };
}

/**
 * Starts a stand-in of the bench in a process of its own (the bench waits in `spawnSync` while it
 * measures, so a server in this process could not answer): `node --import tsx <script> <args>`, which
 * prints one JSON line (`{"url": …}`) once it listens and serves until its stdin ends. Resolves with its
 * URL and the function that stops it (called when this process exits, at the latest).
 */
export async function startStandInProcess(
  script: string,
  args: readonly string[],
): Promise<{ readonly url: string; readonly stop: () => void }> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, script), ...args], {
    cwd: root,
    env: fcLikeEnv(),
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = () => {
    child.stdin?.end();
    child.kill();
  };
  process.once('exit', stop);
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`))),
  );
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    new Promise<string>((resolveLine) => lines.once('line', resolveLine)),
    exited,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${script} did not start`)), 20_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const { url } = JSON.parse(first) as { url: string };
  return { url, stop };
}

// ─── Statistics ───

/** `1 round`, `2 rounds`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Nearest-rank percentile (`p` in 0..1) of values in any order. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/**
 * A figure measured once per round. Rounds are the unit of noise on a shared machine: the report gives
 * the median over rounds and their range, and targets are judged on the median.
 */
export type Spread = { readonly mid: number; readonly min: number; readonly max: number };

export function spread(perRound: readonly number[]): Spread {
  return { mid: median(perRound), min: Math.min(...perRound), max: Math.max(...perRound) };
}

/** `12.3 (11.9–12.8)` with `digits` decimals, a unit after each number when given. */
export function formatSpread(s: Spread, digits: number, unit = ''): string {
  const f = (n: number) => `${n.toFixed(digits)}${unit}`;
  return s.min === s.max ? f(s.mid) : `${f(s.mid)} (${f(s.min)}–${f(s.max)})`;
}

/**
 * The order in which `items` are measured in iteration `i`: rotated by one each time and reversed every
 * other time, so that each item runs first, last and after each other item equally often (A/B/A/B…
 * for two items), and drift or position effects cancel out instead of favouring one side.
 */
export function interleaved<T>(items: readonly T[], i: number): T[] {
  const shift = i % items.length;
  const rotated = [...items.slice(shift), ...items.slice(0, shift)];
  return Math.floor(i / items.length) % 2 === 1 ? rotated.reverse() : rotated;
}

/**
 * Runs `round(0)`, `round(1)`… up to `rounds` rounds, stopping early (and saying so) once `budgetMs` is
 * spent; the first round always runs. Every loop of the bench is bounded in count and in time this way.
 */
export function forEachRound(
  label: string,
  rounds: number,
  budgetMs: number,
  round: (i: number) => void,
): void {
  const spent = budgetOf(label, rounds, budgetMs);
  for (let i = 0; i < rounds && !spent(i); i++) round(i);
}

/** {@link forEachRound} for rounds that wait (children run with `spawn`, servers in this process). */
export async function roundsWithin(
  label: string,
  rounds: number,
  budgetMs: number,
  round: (i: number) => Promise<void>,
): Promise<void> {
  const spent = budgetOf(label, rounds, budgetMs);
  for (let i = 0; i < rounds && !spent(i); i++) await round(i);
}

/** Whether round `i` is past the budget that starts now (never the first), saying so once it is. */
function budgetOf(label: string, rounds: number, budgetMs: number): (i: number) => boolean {
  const stopAt = performance.now() + budgetMs;
  return (i) => {
    if (i === 0 || performance.now() <= stopAt) return false;
    reportProgress(`${label}: time budget spent after ${i} of ${rounds} rounds`);
    return true;
  };
}

// ─── Output ───

export function reportProgress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** Prints rows as aligned columns: figure, value, target, PASS/MISS (`info` without a target), detail. */
export function printTable(
  rows: readonly Row[],
  out: (text: string) => void = (text) => process.stdout.write(text),
): void {
  const header: Row = {
    figure: 'figure',
    value: 'value',
    target: 'target',
    pass: undefined,
    detail: 'detail',
  };
  const result = (row: Row): string =>
    row === header ? 'result' : row.pass === undefined ? 'info' : row.pass ? 'PASS' : 'MISS';
  const all = [header, ...rows];
  const width = (pick: (row: Row) => string): number => Math.max(...all.map((row) => pick(row).length));
  const figureWidth = width((row) => row.figure);
  const valueWidth = width((row) => row.value);
  const targetWidth = width((row) => row.target);
  for (const row of all) {
    out(
      `${[
        row.figure.padEnd(figureWidth),
        row.value.padStart(valueWidth),
        row.target.padEnd(targetWidth),
        result(row).padEnd(6),
        row.detail,
      ]
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}
