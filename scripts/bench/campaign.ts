/**
 * The campaign part of `npm run bench` (alone: `npm run bench -- --only campaign`): what `npm run call`
 * reaches and costs against the VMS API stand-in (dev/vms-api-server.ts), which runs in this process on
 * 127.0.0.1, checking every signature, with no faults and no calls played. The caller runs in a child
 * process of its own (scripts/bench/campaign-child.ts, `node --import tsx` as the npm script runs it,
 * with `PATH` and its own variables only), so that its CPU time is its own; every list is the
 * appointment reminder's (examples/appointment-reminder.yaml), placed at 10:00 on a Tuesday
 * (`--now 2026-03-10T10:00+08:00`, inside its `calling` hours).
 *
 * 1. Sustained rate: a list placed against the stand-in's default limit (100 requests in any sliding
 *    second) at `--rate 100` (the limit), `--rate 95` (5% under it), both `--concurrency 16`, and
 *    `--rate 1000 --concurrency 64` (ten times over it): calls placed a second from the first request to
 *    the last call placed (wall, the stand-in's clock), the throttled answers (the caller halves its
 *    rate on them and climbs back), the stand-in's busiest second. One run each.
 * 2. CPU per placed call: the caller child's CPU time from its first request to its end, per call placed
 *    (reading the list before it is the resume's figure), against a child POSTing the same number of form
 *    bodies of the same size to the same stand-in with node's own `http.request` over a keep-alive agent,
 *    at the same pace (scripts/bench/form-post-child.cjs: no signing, no results file, no campaign); at
 *    `--rate 500 --concurrency 16` against a stand-in that takes 1,000 a second (SmartCall's account-wide
 *    limit), so nothing is throttled. Interleaved rounds.
 * 3. Resume: a 10,000-row list stopped halfway (5,000 rows placed by a real run to `--limit 5000`, once,
 *    before the rounds: the first ones, give or take a few the pacing sent in another order), then run again from a copy of that results file at
 *    `--rate 1000`: the wall time from the child's spawn to the first call the stand-in places, and the
 *    child's CPU time when its first request starts; then the whole second run. Against a child that only
 *    loads the command module (node, tsx, scripts/campaign/call.ts), so the difference is what reading the
 *    list and the results file, and checking and planning every row, add. Interleaved rounds.
 * 4. Signers: `@alicloud/pop-core` (the caller's client) and, when it is installed, `@alicloud/openapi-core`
 *    (the generated SDKs' core; not a dependency: `npm i --no-save @alicloud/openapi-core@1.0.8`), each
 *    loaded in a fresh node and sending requests one after another to a server here that answers as
 *    SmartCall does (scripts/bench/signer-child.cjs), against the plain POSTs. Interleaved rounds.
 *
 * Every child is bounded in time and killed when this process exits; every loop in rounds and in time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { readBody, sendJson, serveStandIn } from '../../dev/stand-in-http';
import {
  DEFAULT_LIMIT,
  percentEncode,
  startVmsApiServer,
  VMS_STAND_IN_ACCESS_KEY_ID,
  VMS_STAND_IN_ACCESS_KEY_SECRET,
  type VmsApiRequest,
  type VmsApiServer,
} from '../../dev/vms-api-server';
import { SMARTCALL_API } from '../../shared/campaign/smartcall';
import {
  fcLikeEnv,
  formatSpread,
  interleaved,
  plural,
  type Row,
  reportProgress,
  roundsWithin,
  type Spread,
  spread,
} from './common';

const root = resolve(import.meta.dirname, '../..');

const RULES = join(root, 'examples', 'appointment-reminder.yaml');
/** 10:00 on a Tuesday: the reminder's `calling` calendar is open until 12:00. */
export const CAMPAIGN_NOW = '2026-03-10T10:00+08:00';
/** The caller's environment: the outbound function's key, and the stand-in's credentials. */
const CALLER_ENV: Readonly<Record<string, string>> = {
  OUTBOUND_SECRETS: 'bench-campaign-outbound-key-0001',
  ALIBABA_CLOUD_ACCESS_KEY_ID: VMS_STAND_IN_ACCESS_KEY_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: VMS_STAND_IN_ACCESS_KEY_SECRET,
};
const CAMPAIGN_CHILD = join(root, 'scripts', 'bench', 'campaign-child.ts');
const FORM_POST_CHILD = join(root, 'scripts', 'bench', 'form-post-child.cjs');
const SIGNER_CHILD = join(root, 'scripts', 'bench', 'signer-child.cjs');
/** The version of `@alicloud/openapi-core` the signer rows were first weighed with. */
const OPENAPI_CORE_VERSION = '1.0.8';
/** The longest any child may run. */
const CHILD_TIMEOUT_MS = 180_000;

/** A pace asked of the caller: `--rate`, `--concurrency`. */
type Pace = { readonly rate: number; readonly concurrency: number };

/**
 * The runs of the sustained rate against the default limit: the limit itself, 5% under it, and ten times
 * over it (throttled, the caller halving its rate and climbing back).
 */
const SUSTAINED: readonly Pace[] = [
  { rate: DEFAULT_LIMIT, concurrency: 16 },
  { rate: DEFAULT_LIMIT * 0.95, concurrency: 16 },
  { rate: 10 * DEFAULT_LIMIT, concurrency: 64 },
];
/** The stand-in's limit in the CPU and resume runs: SmartCall's account-wide one, which never throttles them. */
const WIDE_LIMIT = SMARTCALL_API.callsPerSecond;
/** The CPU runs' pace: one the caller keeps on two noisy cores, and the plain POSTs too. */
const CPU_PACE: Pace = { rate: 500, concurrency: 16 };
/** A resume's pace: the fastest the caller may be asked for. */
const RESUME_PACE: Pace = { rate: SMARTCALL_API.callsPerSecond, concurrency: 16 };

export type CampaignPlan = {
  /** Rows of each sustained-rate run. */
  readonly sustainedRows: number;
  readonly cpu: { readonly rounds: number; readonly rows: number };
  /** The list's rows (stopped at half of them), and the rounds of the second run. */
  readonly resume: { readonly rounds: number; readonly rows: number };
  readonly signers: { readonly rounds: number; readonly requests: number };
  /** The time each part's rounds may take before the rest are left out (the first round always runs). */
  readonly budgetMs: number;
};

// ─── Children ───

/** One JSON line a child wrote on fd 3, and when it arrived (performance.now() of this process). */
type Report = { readonly fields: Readonly<Record<string, unknown>>; readonly at: number };

type ChildRun = {
  readonly exit: number | null;
  readonly reports: readonly Report[];
  /** performance.now() just before the spawn, and once the child had exited. */
  readonly spawnedAt: number;
  readonly exitedAt: number;
  readonly stderr: string;
};

const children = new Set<ChildProcess>();
let cleanUpRegistered = false;

/** Kills every child still running (called when this process exits). */
function killChildren(): void {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/**
 * Runs `node ARGS…` in an FC-like environment (PATH and `env` only) with fd 3 a pipe of JSON lines;
 * resolves once it exited, its reports read. Killed at {@link CHILD_TIMEOUT_MS}, and when this process exits.
 */
function runChild(
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<ChildRun> {
  if (!cleanUpRegistered) {
    cleanUpRegistered = true;
    process.once('exit', killChildren);
  }
  return new Promise((resolveRun, reject) => {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: fcLikeEnv(env),
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    const reports: Report[] = [];
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4_000);
    });
    const lines = createInterface({ input: child.stdio[3] as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const at = performance.now();
      try {
        reports.push({ fields: JSON.parse(line.slice(0, 100_000)) as Record<string, unknown>, at });
      } catch {
        reports.push({ fields: { kind: 'unreadable' }, at });
      }
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`${name}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const run = { exit: code, reports, spawnedAt, exitedAt: performance.now(), stderr };
      if (signal !== null) reject(new Error(`${name}: killed by ${signal}\n${stderr}`));
      else resolveRun(run);
    });
  });
}

/** The report of `kind` a child wrote, or a failure naming the child and its stderr. */
function reportOf(run: ChildRun, kind: string, name: string): Report {
  const found = run.reports.find((report) => report.fields.kind === kind);
  if (found === undefined)
    throw new Error(`${name}: exited with ${run.exit} without a ${kind} report\n${run.stderr.slice(-2_000)}`);
  return found;
}

/** A number a child reported. */
function numberIn(report: Report, field: string): number {
  const value = report.fields[field];
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`a child's ${String(report.fields.kind)} report has no number ${field}`);
  return value;
}

// ─── The caller against the stand-in ───

type StandIn = {
  readonly server: VmsApiServer;
  /** performance.now() when the stand-in placed its first call. */
  readonly firstPlacedAt: () => number | undefined;
};

async function startStandIn(limit: number): Promise<StandIn> {
  let first: number | undefined;
  const server = await startVmsApiServer({
    limit,
    onPlaced: () => {
      first ??= performance.now();
    },
  });
  return { server, firstPlacedAt: () => first };
}

/** Runs `use` with a fresh stand-in, closed afterwards. */
async function withStandIn<T>(limit: number, use: (standIn: StandIn) => Promise<T>): Promise<T> {
  const standIn = await startStandIn(limit);
  try {
    return await use(standIn);
  } finally {
    await standIn.server.close();
  }
}

/** A list of the appointment reminder, `rows` rows, as the clinic's system would write it. */
export function reminderList(rows: number): string {
  const lines = ['number,id,var.time,var.doctor,tts.time,tts.doctor'];
  for (let row = 1; row <= rows; row++) {
    const time = `明天上午${8 + (row % 4)}点`;
    const doctor = row % 2 === 0 ? '王医生' : '李医生';
    lines.push(`138${String(10_000_000 + row).slice(-8)},appt-${row},${time},${doctor},${time},${doctor}`);
  }
  return `${lines.join('\n')}\n`;
}

type CallerRun = {
  readonly exit: number;
  /** `main` alone, in the child. */
  readonly cpuMs: number;
  readonly wallMs: number;
  /** The whole child process, start-up included, at its end and when its first request started. */
  readonly processCpuMs: number;
  readonly firstRequestCpuMs: number | undefined;
  readonly spawnedAt: number;
  readonly exitedAt: number;
  readonly stderr: string;
};

/** `npm run call -- LIST …` in a child, against `standIn`, writing `results`. */
async function runCaller(
  standIn: StandIn,
  list: string,
  results: string,
  pace: Pace,
  extra: readonly string[] = [],
): Promise<CallerRun> {
  const args = [
    list,
    '--rules',
    RULES,
    '--now',
    CAMPAIGN_NOW,
    '--endpoint',
    standIn.server.url,
    '--rate',
    String(pace.rate),
    '--concurrency',
    String(pace.concurrency),
    '--results',
    results,
    '--quiet',
    ...extra,
  ];
  const name = `npm run call (--rate ${pace.rate})`;
  const refusedBefore = standIn.server.stats.refused;
  const run = await runChild(name, ['--import', 'tsx', CAMPAIGN_CHILD, 'run', ...args], CALLER_ENV);
  const ran = reportOf(run, 'run', name);
  const first = run.reports.find((report) => report.fields.kind === 'first');
  const refused = standIn.server.stats.refused - refusedBefore;
  if (refused > 0)
    throw new Error(`the stand-in refused ${plural(refused, 'request')} of ${name}\n${run.stderr}`);
  return {
    exit: numberIn(ran, 'exit'),
    cpuMs: numberIn(ran, 'cpuMs'),
    wallMs: numberIn(ran, 'wallMs'),
    processCpuMs: numberIn(ran, 'processCpuMs'),
    firstRequestCpuMs: first === undefined ? undefined : numberIn(first, 'cpuMs'),
    spawnedAt: run.spawnedAt,
    exitedAt: run.exitedAt,
    stderr: run.stderr,
  };
}

/**
 * The caller's CPU time per placed call: the child's, from its first request to its end, so that reading
 * the rules and the list (a fixed cost, the resume rows' figure) is left out.
 */
function perCallCpuMs(run: CallerRun, placed: number): number {
  if (run.firstRequestCpuMs === undefined || placed === 0) return Number.NaN;
  return (run.processCpuMs - run.firstRequestCpuMs) / placed;
}

/** Fails unless the run ended well (exit 0) and the stand-in placed `calls` calls. */
function expectPlaced(run: CallerRun, standIn: StandIn, calls: number, what: string): void {
  const { placed, duplicateOutIds } = standIn.server.stats;
  if (run.exit !== 0 || placed !== calls || duplicateOutIds !== 0)
    throw new Error(
      `${what}: exit ${run.exit}, ${placed} of ${calls} calls placed, ${duplicateOutIds} placed twice\n${run.stderr.slice(-2_000)}`,
    );
}

/**
 * Calls placed a second over `requests` (one run's, in the order the stand-in answered them), from the
 * first request to the last call placed, on the stand-in's clock: the pace of the sending, without the
 * reading of the list before it.
 */
function placingRate(requests: readonly VmsApiRequest[]): { perSecond: number; seconds: number } {
  const firstAt = requests[0]?.at ?? 0;
  const placed = requests.filter((request) => request.code === 'OK');
  const seconds = ((placed.at(-1)?.at ?? firstAt) - firstAt) / 1_000;
  return { perSecond: seconds > 0 ? (placed.length - 1) / seconds : Number.NaN, seconds };
}

/** One sustained-rate run against the stand-in's default limit. */
async function measureSustained(dir: string, list: string, rows: number, pace: Pace): Promise<Row> {
  return await withStandIn(DEFAULT_LIMIT, async (standIn) => {
    const run = await runCaller(standIn, list, join(dir, `sustained-${pace.rate}.results.jsonl`), pace);
    const { placed, throttled, peakPerSecond } = standIn.server.stats;
    const { perSecond, seconds } = placingRate(standIn.server.requests);
    const stopped = run.exit === 0 ? '' : ` (the run stopped, exit ${run.exit}: ${lastLine(run.stderr)})`;
    return {
      figure: `campaign: sustained rate, --rate ${pace.rate} --concurrency ${pace.concurrency} (wall)`,
      value: `${perSecond.toFixed(1)} calls/s`,
      target: '',
      pass: undefined,
      detail:
        `${placed} of ${rows} rows placed in ${seconds.toFixed(1)} s from the first request${stopped}; ` +
        `${plural(throttled, 'request')} throttled (retried); the stand-in's busiest second ${peakPerSecond} ` +
        `(limit ${DEFAULT_LIMIT}); caller CPU ${perCallCpuMs(run, placed).toFixed(2)} ms per call`,
    };
  });
}

/** The caller's last line on stderr (why it stopped), the results file's path left out. */
function lastLine(stderr: string): string {
  return (
    stderr
      .trim()
      .split('\n')
      .filter((line) => !line.startsWith('call: results in'))
      .pop()
      ?.replace(/^call: /, '')
      .slice(0, 200) ?? 'no message'
  );
}

/**
 * A SmartCall request's form body as the caller sends it for one row (the same parameters and sizes),
 * without its `Signature`: the stand-in answers `MissingParameter` at once, never counting it in its rate.
 */
export function unsignedFormBody(): string {
  const params: Record<string, string> = {
    Action: SMARTCALL_API.action,
    Version: SMARTCALL_API.version,
    Format: 'JSON',
    AccessKeyId: VMS_STAND_IN_ACCESS_KEY_ID,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: '1741572000000-0.4217395821',
    Timestamp: '2026-03-10T02:00:00Z',
    AsrBaseId: 'customer_service_8k',
    RecordFlag: 'true',
    MuteTime: '5000',
    SessionTimeout: '300',
    ActionCodeBreak: 'true',
    TtsStyle: 'xiaoyun',
    TtsVolume: '50',
    TtsSpeed: '0',
    CalledShowNumber: '05925550000',
    VoiceCode: 'TTS_201234567',
    VoiceCodeParam: '{"time":"明天上午10点半","doctor":"王医生"}',
    CalledNumber: '13810000001',
    OutId: 'k3x9q2r1',
    DynamicId: `o1.${'x'.repeat(131)}`,
  };
  return Object.entries(params)
    .map(([name, value]) => `${percentEncode(name)}=${percentEncode(value)}`)
    .join('&');
}

/** The plain POSTs of form-post-child.cjs: CPU ms per request, and the answers' codes. */
async function runPlainPosts(
  url: string,
  bodyFile: string,
  count: number,
  pace: Pace,
): Promise<{ perRequestMs: number; wallMs: number; codes: Readonly<Record<string, unknown>> }> {
  const name = 'plain POSTs';
  const run = await runChild(name, [
    FORM_POST_CHILD,
    url,
    bodyFile,
    String(count),
    String(pace.rate),
    String(pace.concurrency),
  ]);
  const posts = reportOf(run, 'posts', name);
  const codes = (posts.fields.codes ?? {}) as Readonly<Record<string, unknown>>;
  return { perRequestMs: numberIn(posts, 'cpuMs') / count, wallMs: numberIn(posts, 'wallMs'), codes };
}

/** Fails unless every one of `count` answers had `code`. */
function expectCodes(
  codes: Readonly<Record<string, unknown>>,
  code: string,
  count: number,
  what: string,
): void {
  if (codes[code] !== count)
    throw new Error(`${what}: answers ${JSON.stringify(codes)}, not ${count} × ${code}`);
}

/** The caller's CPU per placed call against plain POSTs, interleaved, at {@link CPU_PACE}. */
async function measureCallCpu(plan: CampaignPlan, dir: string, bodyFile: string): Promise<Row> {
  const { rows } = plan.cpu;
  const list = join(dir, 'cpu.csv');
  writeFileSync(list, reminderList(rows));
  const caller: number[] = [];
  const plain: number[] = [];
  const ratios: number[] = [];
  const reached: number[] = [];
  await withStandIn(WIDE_LIMIT, async (standIn) => {
    await roundsWithin('campaign: CPU per call', plan.cpu.rounds, plan.budgetMs, async (round) => {
      const perCall: Record<string, number> = {};
      for (const side of interleaved(['caller', 'plain'] as const, round)) {
        if (side === 'caller') {
          const placedBefore = standIn.server.stats.placed;
          const requestsBefore = standIn.server.requests.length;
          const results = join(dir, `cpu-${round}.results.jsonl`);
          const run = await runCaller(standIn, list, results, CPU_PACE);
          const placed = standIn.server.stats.placed - placedBefore;
          if (run.exit !== 0 || placed !== rows)
            throw new Error(`CPU round ${round}: exit ${run.exit}, ${placed} of ${rows} calls placed`);
          perCall.caller = perCallCpuMs(run, placed);
          reached.push(placingRate(standIn.server.requests.slice(requestsBefore)).perSecond);
        } else {
          const posts = await runPlainPosts(standIn.server.url, bodyFile, rows, CPU_PACE);
          expectCodes(posts.codes, 'MissingParameter', rows, 'the plain POSTs');
          perCall.plain = posts.perRequestMs;
        }
      }
      caller.push(perCall.caller as number);
      plain.push(perCall.plain as number);
      ratios.push((perCall.caller as number) / (perCall.plain as number));
    });
  });
  return {
    figure: 'campaign: CPU per placed call vs a plain keep-alive POST',
    value: formatSpread(spread(ratios), 2, '×'),
    target: '',
    pass: undefined,
    detail:
      `CPU ${formatSpread(spread(caller), 2)} ms per call vs ${formatSpread(spread(plain), 2)} ms per POST; ` +
      `${rows} calls at --rate ${CPU_PACE.rate} --concurrency ${CPU_PACE.concurrency} against a stand-in taking ` +
      `${WIDE_LIMIT} a second, reaching ${formatSpread(spread(reached), 0)} calls/s (wall); ${plural(caller.length, 'round')}`,
  };
}

/** The resume rows: to the first call, and the whole second run, against loading the command alone. */
async function measureResume(plan: CampaignPlan, dir: string): Promise<Row[]> {
  const { rows } = plan.resume;
  const half = Math.floor(rows / 2);
  const list = join(dir, 'resume.csv');
  writeFileSync(list, reminderList(rows));
  const halfway = join(dir, 'halfway.results.jsonl');
  reportProgress(`campaign: ${rows} rows stopped at --limit ${half} (once)`);
  // The rows that run placed: the first ones, give or take a few that the pacing's timers sent in another order.
  const final = await withStandIn(WIDE_LIMIT, async (standIn) => {
    const run = await runCaller(standIn, list, halfway, RESUME_PACE, ['--limit', String(half)]);
    expectPlaced(run, standIn, half, `the first ${half} rows`);
    return new Set(standIn.server.placed.map((call) => call.outId));
  });

  const toFirst = { wall: [] as number[], cpu: [] as number[] };
  const loading = { wall: [] as number[], cpu: [] as number[] };
  const whole = { wall: [] as number[], cpu: [] as number[], rate: [] as number[] };
  reportProgress(`campaign: resuming it (${plural(plan.resume.rounds, 'round')})`);
  await roundsWithin('campaign: resume', plan.resume.rounds, plan.budgetMs, async (round) => {
    for (const side of interleaved(['resume', 'load'] as const, round)) {
      if (side === 'load') {
        const run = await runChild('loading call.ts', ['--import', 'tsx', CAMPAIGN_CHILD, 'load']);
        const loaded = reportOf(run, 'load', 'loading call.ts');
        loading.wall.push(loaded.at - run.spawnedAt);
        loading.cpu.push(numberIn(loaded, 'cpuMs'));
        continue;
      }
      const results = join(dir, `resume-${round}.results.jsonl`);
      copyFileSync(halfway, results);
      await withStandIn(WIDE_LIMIT, async (standIn) => {
        const run = await runCaller(standIn, list, results, RESUME_PACE);
        expectPlaced(run, standIn, rows - half, `resume round ${round}`);
        const again = standIn.server.placed.filter((call) => final.has(call.outId)).length;
        if (again > 0) throw new Error(`resume round ${round}: ${plural(again, 'final row')} sent again`);
        const first = standIn.firstPlacedAt();
        if (first === undefined || run.firstRequestCpuMs === undefined)
          throw new Error(`resume round ${round}: no first request seen`);
        toFirst.wall.push(first - run.spawnedAt);
        toFirst.cpu.push(run.firstRequestCpuMs);
        whole.wall.push(run.exitedAt - run.spawnedAt);
        whole.cpu.push(run.processCpuMs);
        whole.rate.push(placingRate(standIn.server.requests).perSecond);
      });
    }
  });
  const roundsDone = plural(toFirst.wall.length, 'round');
  const ms = (s: Spread) => formatSpread(s, 0);
  const ratios = toFirst.wall.map((wall, i) => wall / (loading.wall[i] as number));
  const added = (side: number[], base: number[]) =>
    spread(side.map((value, i) => value - (base[i] as number)));
  return [
    {
      figure: `campaign: resume ${rows.toLocaleString('en')} rows stopped halfway, to its first call (wall)`,
      value: formatSpread(spread(ratios), 2, '×'),
      target: '',
      pass: undefined,
      detail:
        `wall ${ms(spread(toFirst.wall))} ms from spawn vs ${ms(spread(loading.wall))} ms loading call.ts alone ` +
        `(+${ms(added(toFirst.wall, loading.wall))} ms); CPU ${ms(spread(toFirst.cpu))} vs ${ms(spread(loading.cpu))} ms ` +
        `(+${ms(added(toFirst.cpu, loading.cpu))} ms: the list and ${half.toLocaleString('en')} final rows read, every row checked); ${roundsDone}`,
    },
    {
      figure: `campaign: resume, the whole second run (${(rows - half).toLocaleString('en')} calls, wall)`,
      value: `${formatSpread(spread(whole.wall.map((wall) => wall / 1_000)), 1)} s`,
      target: '',
      pass: undefined,
      detail:
        `CPU ${formatSpread(spread(whole.cpu.map((cpu) => cpu / 1_000)), 1)} s (the whole child); ` +
        `${formatSpread(spread(whole.rate), 0)} calls/s at --rate ${RESUME_PACE.rate} --concurrency ${RESUME_PACE.concurrency}; ${roundsDone}`,
    },
  ];
}

// ─── Signers ───

/** Where `@alicloud/openapi-core` resolves from this project, and its version; undefined when absent. */
function findOpenApiCore(): { readonly version: string } | undefined {
  const require = createRequire(join(root, 'package.json'));
  try {
    const manifest = require.resolve('@alicloud/openapi-core/package.json');
    const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
    return { version: String(version) };
  } catch {
    return undefined;
  }
}

function popCoreVersion(): string {
  const require = createRequire(join(root, 'package.json'));
  const manifest = require.resolve('@alicloud/pop-core/package.json');
  return String((JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown }).version);
}

type SignerSamples = { load: number[]; perRequest: number[] };

/** pop-core, openapi-core when installed, and plain POSTs, against a server answering as SmartCall does. */
async function measureSigners(plan: CampaignPlan, bodyFile: string): Promise<Row[]> {
  const { requests } = plan.signers;
  const openApi = findOpenApiCore();
  const libraries = openApi === undefined ? (['pop-core'] as const) : (['pop-core', 'openapi-core'] as const);
  let answered = 0;
  const server = await serveStandIn(async (req, res) => {
    await readBody(req, 64 * 1024);
    answered++;
    sendJson(res, 200, {
      RequestId: 'B2A5C1E0-0000-4000-8000-000000000000',
      Code: 'OK',
      Message: 'OK',
      CallId: `116012354148^${100_000_000_000 + answered}`,
    });
  });
  const samples = new Map<string, SignerSamples>(
    [...libraries, 'plain'].map((name) => [name, { load: [], perRequest: [] }]),
  );
  reportProgress(
    `campaign: signers (${plural(plan.signers.rounds, 'round')} of ${[...libraries, 'plain POSTs'].join(', ')})`,
  );
  try {
    await roundsWithin('campaign: signers', plan.signers.rounds, plan.budgetMs, async (round) => {
      for (const variant of interleaved([...libraries, 'plain'] as const, round)) {
        const sample = samples.get(variant) as SignerSamples;
        if (variant === 'plain') {
          const posts = await runPlainPosts(server.origin, bodyFile, requests, { rate: 1e6, concurrency: 1 });
          expectCodes(posts.codes, 'OK', requests, 'the plain POSTs');
          sample.perRequest.push(posts.perRequestMs);
          continue;
        }
        const name = `signer ${variant}`;
        const run = await runChild(name, [SIGNER_CHILD, variant, server.origin, String(requests)]);
        const signed = reportOf(run, 'signer', name);
        sample.load.push(numberIn(signed, 'loadMs'));
        sample.perRequest.push(numberIn(signed, 'perRequestMs'));
      }
    });
  } finally {
    await server.stop();
  }
  const pop = samples.get('pop-core') as SignerSamples;
  const plain = samples.get('plain') as SignerSamples;
  const ratio = (a: readonly number[], b: readonly number[]) => spread(a.map((x, i) => x / (b[i] as number)));
  const rounds = plural(pop.load.length, 'round');
  const popName = `pop-core ${popCoreVersion()}`;
  const rows: Row[] = [
    {
      figure: `signers: ${popName}, load`,
      value: `${formatSpread(spread(pop.load), 1)} ms`,
      target: '',
      pass: undefined,
      detail: `CPU of require('@alicloud/pop-core') in a fresh node; ${rounds}`,
    },
    {
      figure: `signers: ${popName}, CPU per request vs a plain POST`,
      value: formatSpread(ratio(pop.perRequest, plain.perRequest), 2, '×'),
      target: '',
      pass: undefined,
      detail:
        `${formatSpread(spread(pop.perRequest), 3)} ms vs ${formatSpread(spread(plain.perRequest), 3)} ms; ` +
        `${requests} requests one after another, keep-alive; ${rounds}`,
    },
  ];
  if (openApi === undefined) {
    rows.push({
      figure: 'signers: openapi-core',
      value: 'not run',
      target: '',
      pass: undefined,
      detail: `not installed: npm i --no-save @alicloud/openapi-core@${OPENAPI_CORE_VERSION}, then run again`,
    });
    return rows;
  }
  const core = samples.get('openapi-core') as SignerSamples;
  const coreName = `openapi-core ${openApi.version}${openApi.version === OPENAPI_CORE_VERSION ? '' : ` (weighed at ${OPENAPI_CORE_VERSION})`}`;
  rows.push(
    {
      figure: `signers: ${coreName} vs pop-core, load`,
      value: formatSpread(ratio(core.load, pop.load), 2, '×'),
      target: '',
      pass: undefined,
      detail: `CPU ${formatSpread(spread(core.load), 1)} ms vs ${formatSpread(spread(pop.load), 1)} ms; ${rounds}`,
    },
    {
      figure: `signers: ${coreName} vs pop-core, CPU per request`,
      value: formatSpread(ratio(core.perRequest, pop.perRequest), 2, '×'),
      target: '',
      pass: undefined,
      detail:
        `${formatSpread(spread(core.perRequest), 3)} ms vs ${formatSpread(spread(pop.perRequest), 3)} ms ` +
        `(its default signature, ACS3-HMAC-SHA256, against pop-core's 1.0); ${rounds}`,
    },
  );
  return rows;
}

// ─── The part ───

export async function measureCampaign(plan: CampaignPlan): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vms-callflow-campaign-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    const bodyFile = join(dir, 'form-body.txt');
    writeFileSync(bodyFile, unsignedFormBody());
    const rows: Row[] = [];
    const sustainedList = join(dir, 'sustained.csv');
    writeFileSync(sustainedList, reminderList(plan.sustainedRows));
    for (const pace of SUSTAINED) {
      reportProgress(
        `campaign: ${plan.sustainedRows} rows at --rate ${pace.rate} --concurrency ${pace.concurrency}, limit ${DEFAULT_LIMIT}/s`,
      );
      rows.push(await measureSustained(dir, sustainedList, plan.sustainedRows, pace));
    }
    reportProgress(`campaign: CPU per call (${plural(plan.cpu.rounds, 'round')} of ${plan.cpu.rows} calls)`);
    rows.push(await measureCallCpu(plan, dir, bodyFile));
    rows.push(...(await measureResume(plan, dir)));
    rows.push(...(await measureSigners(plan, bodyFile)));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
