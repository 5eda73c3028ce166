/**
 * Builds, then measures in the same run what matters on FC 3.0 (one request per instance, so cold starts
 * are frequent): bundle sizes, bundle load time, decision time per callback and local server throughput.
 * The machine is shared and noisy, so times are compared with baselines measured alongside them.
 *
 *   npm run bench                  full run (about 40 s)
 *   npm run bench -- --quick       a much shorter run (fewer samples, shorter phases), for tests
 *   npm run bench -- --strict      exit 1 when any target is missed
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { arch, availableParallelism, cpus, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { type FcHandler, type FcResult, formCallback, loadBuiltHandler } from '../dev/fc-event';
import { measureRules } from './bench-rules';
import { findFunctionNames } from './build';

const root = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const strict = args.includes('--strict');

/** Sample counts and durations; `--quick` trades precision for a run of a few seconds. */
const PLAN = quick
  ? {
      loadRuns: 8,
      decisionWarmup: 300,
      decisionCalls: 3_000,
      serverRounds: 1,
      serverWarmupMs: 300,
      serverMeasureMs: 1_000,
    }
  : {
      loadRuns: 30,
      decisionWarmup: 2_000,
      decisionCalls: 20_000,
      serverRounds: 2,
      serverWarmupMs: 1_000,
      serverMeasureMs: 3_000,
    };
/** Keep-alive connections driving a server: enough to keep it busy on two cores without queueing for long. */
const CONCURRENCY = 16;
/** Upper bound on requests per server phase, whatever the machine's speed. */
const MAX_REQUESTS_PER_PHASE = 400_000;
/**
 * Distinct calls prepared for the in-process and server measurements. 640 calls × 4 events exceeds the
 * handlers' 2,048 remembered keys, so replaying the pool never takes the (logged) redelivery path.
 */
const CALLS_IN_POOL = 640;

const TARGETS = {
  bundleKb: 60,
  loadRatio: 1.15,
  decisionP99Us: 1_000,
  throughputRatio: 0.8,
};

/** What the handlers are configured with: the built-in hotline, open, logging every callback. */
const BENCH_ENV_OVERRIDES: Record<string, string | undefined> = {
  CALLBACK_SECRETS: undefined,
  STATE_SECRETS: undefined,
  RULES: undefined,
  RULES_FILE: undefined,
  LOG_LEVEL: 'info',
  NODE_OPTIONS: undefined,
};

const CALLIN_CONTENT = JSON.stringify({
  caller: '15201030105',
  callee: '05923391657',
  partnerId: '100000160776001',
});

type Row = { figure: string; value: string; detail: string; target: string; pass: boolean | undefined };

// ─── Child processes: tracked so that none outlives the bench, even on error or Ctrl-C ───

const children = new Set<ChildProcess>();

function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

// ─── Stdout sink: the handlers log one JSON line per callback; the line is built, its write discarded ───

const realStdoutWrite = process.stdout.write;

function sinkStdout(): void {
  process.stdout.write = (() => true) as typeof process.stdout.write;
}

function restoreStdout(): void {
  process.stdout.write = realStdoutWrite;
}

function reportProgress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

// ─── Statistics ───

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Nearest-rank percentile of an ascending array (`p` in 0..1). */
function percentile(sorted: Float64Array, p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

// ─── 0. Build ───

function buildBundles(): void {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'scripts', 'build.ts'), '--quiet'],
    {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 120_000,
    },
  );
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0) throw new Error(`build failed (exit ${result.status ?? result.signal})`);
}

function bundlePath(name: string): string {
  return join(root, 'dist', name, 'index.js');
}

// ─── 1. Bundle sizes ───

function measureSizes(names: readonly string[]): Row[] {
  return names.map((name) => {
    const kb = statSync(bundlePath(name)).size / 1024;
    return {
      figure: `bundle size: ${name}`,
      value: `${kb.toFixed(1)} KB`,
      detail: `dist/${name}/index.js, minified`,
      target: `≤ ${TARGETS.bundleKb} KB`,
      pass: kb <= TARGETS.bundleKb,
    };
  });
}

// ─── 2. Bundle load time, against `node -e 0` ───

function timeNode(script: string, env: NodeJS.ProcessEnv): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, ['-e', script], {
    cwd: root,
    env,
    stdio: 'ignore',
    timeout: 15_000,
  });
  const elapsed = performance.now() - started;
  if (result.error !== undefined) throw result.error;
  if (result.status !== 0)
    throw new Error(`node -e ${script} failed (exit ${result.status ?? result.signal})`);
  return elapsed;
}

function measureLoadTimes(names: readonly string[], env: NodeJS.ProcessEnv): Row[] {
  const loads = names.map((name) => `require(${JSON.stringify(bundlePath(name))})`);
  const samples = names.map(() => ({ load: [] as number[], baseline: [] as number[] }));
  // Untimed first round: brings node and the bundles into the page cache.
  for (const script of ['0', ...loads]) timeNode(script, env);
  for (let run = 0; run < PLAN.loadRuns; run++) {
    loads.forEach((script, index) => {
      const sample = samples[index];
      if (sample === undefined) return;
      // A/B pairs whose order alternates, so drift and position effects cancel out.
      if ((run + index) % 2 === 0) {
        sample.baseline.push(timeNode('0', env));
        sample.load.push(timeNode(script, env));
      } else {
        sample.load.push(timeNode(script, env));
        sample.baseline.push(timeNode('0', env));
      }
    });
  }
  return names.map((name, index) => {
    const sample = samples[index] ?? { load: [], baseline: [] };
    const load = median(sample.load);
    const baseline = median(sample.baseline);
    const ratio = load / baseline;
    return {
      figure: `load time: ${name}`,
      value: `${ratio.toFixed(3)}×`,
      detail: `median ${load.toFixed(1)} ms vs node -e 0 ${baseline.toFixed(1)} ms (${sample.load.length} runs each)`,
      target: `≤ ${TARGETS.loadRatio.toFixed(2)}×`,
      pass: ratio <= TARGETS.loadRatio,
    };
  });
}

// ─── 3. Decision time per callback, in process ───

type PreparedEvent = { type: string; event: Buffer };

function replyDataOf(result: FcResult): Record<string, unknown> {
  const reply = JSON.parse(result.body) as { result?: unknown; data?: Record<string, unknown> };
  if (result.statusCode !== 200 || reply.result !== 'success' || reply.data === undefined) {
    throw new Error(`unexpected reply while preparing events: HTTP ${result.statusCode} ${result.body}`);
  }
  return reply.data;
}

/**
 * Runs `CALLS_IN_POOL` whole calls through the inbound handler — callin, silence, key 1 (hours), then
 * "转人工" (transfer) — each event carrying the dynamic_id of the reply before it, and keeps the events.
 */
async function prepareInboundCalls(handler: FcHandler, firstTimestamp: number): Promise<PreparedEvent[]> {
  const events: PreparedEvent[] = [];
  let timestamp = firstTimestamp;
  for (let call = 0; call < CALLS_IN_POOL; call++) {
    const callId = `130301340124^${117079730123 + call}`;
    const send = async (type: string, content: string, expectedAction: string): Promise<string> => {
      timestamp += 1;
      const event = formCallback({
        call_id: callId,
        content_type: type,
        content,
        timestamp: String(timestamp),
      });
      const data = replyDataOf(await handler(event));
      if (data.action !== expectedAction || typeof data.dynamic_id !== 'string') {
        throw new Error(`${type} was answered with ${String(data.action)}, expected ${expectedAction}`);
      }
      events.push({ type, event });
      return data.dynamic_id;
    };
    const afterCallin = await send('callin', CALLIN_CONTENT, 'answer');
    const afterMute = await send('mute', JSON.stringify({ dynamic_id: afterCallin }), 'dtmf');
    const afterDtmf = await send('dtmf', JSON.stringify({ dtmf_digits: '1', dynamic_id: afterMute }), 'dtmf');
    await send('normal', JSON.stringify({ words: '转人工', dynamic_id: afterDtmf }), 'transfer');
  }
  return events;
}

function prepareOutboundFirstEvents(firstTimestamp: number): PreparedEvent[] {
  const content = JSON.stringify({ words: '喂', dynamic_id: 'hotline' });
  return Array.from({ length: CALLS_IN_POOL * 4 }, (_, call) => ({
    type: 'normal',
    event: formCallback({
      call_id: `130301340125^${117079730123 + call}`,
      content_type: 'normal',
      content,
      timestamp: String(firstTimestamp + call),
    }),
  }));
}

type Timings = { all: Float64Array; byType: Map<string, number[]>; failures: number };

/** Times each handler call on its own (µs), cycling through the prepared events. */
async function timeHandler(handler: FcHandler, events: readonly PreparedEvent[]): Promise<Timings> {
  const pick = (i: number): PreparedEvent => {
    const prepared = events[i % events.length];
    if (prepared === undefined) throw new Error('no prepared events');
    return prepared;
  };
  for (let i = 0; i < PLAN.decisionWarmup; i++) await handler(pick(i).event);
  const all = new Float64Array(PLAN.decisionCalls);
  const types: string[] = [];
  let failures = 0;
  for (let i = 0; i < PLAN.decisionCalls; i++) {
    const { type, event } = pick(i);
    const started = process.hrtime.bigint();
    const result = await handler(event);
    all[i] = Number(process.hrtime.bigint() - started) / 1_000;
    if (result.statusCode !== 200) failures++;
    types.push(type);
  }
  const byType = new Map<string, number[]>();
  types.forEach((type, i) => {
    const list = byType.get(type) ?? [];
    list.push(all[i] ?? Number.NaN);
    byType.set(type, list);
  });
  all.sort();
  return { all, byType, failures };
}

function decisionRow(figure: string, timings: Timings): Row {
  const { all, failures } = timings;
  const p99 = percentile(all, 0.99);
  const failed = failures > 0 ? `, ${failures} non-200 replies` : '';
  return {
    figure,
    value: `p99 ${p99.toFixed(0)} µs`,
    detail: `p50 ${percentile(all, 0.5).toFixed(0)} µs, max ${percentile(all, 1).toFixed(0)} µs (${all.length} calls)${failed}`,
    target: `p99 < ${TARGETS.decisionP99Us} µs`,
    pass: p99 < TARGETS.decisionP99Us && failures === 0,
  };
}

function describeByType(timings: Timings): string {
  return [...timings.byType]
    .map(([type, list]) => {
      const sorted = Float64Array.from(list).sort();
      return `${type} p50 ${percentile(sorted, 0.5).toFixed(0)} / p99 ${percentile(sorted, 0.99).toFixed(0)} µs`;
    })
    .join(', ');
}

async function measureDecisions(): Promise<{ rows: Row[]; notes: string[] }> {
  const inbound = loadBuiltHandler('inbound');
  const outbound = loadBuiltHandler('outbound');
  const firstTimestamp = Date.now();
  sinkStdout();
  try {
    const inboundEvents = await prepareInboundCalls(inbound, firstTimestamp);
    const outboundEvents = prepareOutboundFirstEvents(firstTimestamp);
    replyDataOf(await outbound(outboundEvents[0]?.event ?? Buffer.alloc(0)));
    const inboundTimings = await timeHandler(inbound, inboundEvents);
    const outboundTimings = await timeHandler(outbound, outboundEvents);
    return {
      rows: [
        decisionRow('decision: inbound call mix', inboundTimings),
        decisionRow('decision: outbound first event', outboundTimings),
      ],
      notes: [`inbound by event: ${describeByType(inboundTimings)}`],
    };
  } finally {
    restoreStdout();
  }
}

// ─── 4. Local server throughput, against a bare node:http server ───

type ServerMode = 'local' | 'bare';
type Phase = {
  mode: ServerMode;
  perSecond: number;
  failed: number;
  /** CPU time per counted request (µs) of the server child and of this process, the load generator. */
  serverCpuUs: number | undefined;
  driverCpuUs: number;
};

/** Clock ticks per second of /proc's CPU times: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const PROC_TICKS_PER_SECOND = 100;

/** A process's user + system CPU time in µs, from /proc (Linux); undefined elsewhere. */
function readProcessCpuUs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces: state is the first.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1_000_000) / PROC_TICKS_PER_SECOND : undefined;
  } catch {
    return undefined;
  }
}

function isListeningMessage(message: unknown): message is { type: 'listening'; port: number } {
  if (typeof message !== 'object' || message === null) return false;
  const { type, port } = message as { type?: unknown; port?: unknown };
  return type === 'listening' && typeof port === 'number' && port > 0;
}

async function startServer(
  mode: ServerMode,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; port: number }> {
  const script = join(root, 'scripts', 'bench-server.ts');
  // stdout is /dev/null: the handlers' log lines cost a write, as on FC, and nobody has to drain a pipe.
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-2_000);
  });
  return await new Promise((resolveStarted, reject) => {
    const fail = (reason: string): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${mode} server ${reason}${stderr === '' ? '' : `:\n${stderr}`}`));
    };
    const timer = setTimeout(() => fail('did not report listening within 20 s'), 20_000);
    child.on('message', (message) => {
      if (!isListeningMessage(message)) return;
      clearTimeout(timer);
      resolveStarted({ child, port: message.port });
    });
    child.once('exit', (code, signal) => fail(`exited early (${code ?? signal})`));
    child.once('error', (error) => fail(`could not start (${error.message})`));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

function post(agent: Agent, port: number, body: Buffer): Promise<number> {
  return new Promise((resolveStatus, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/inbound',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolveStatus(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.setTimeout(5_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Drives a server with `CONCURRENCY` keep-alive loops; counts 200s completed inside the measured window. */
async function driveServer(
  server: ChildProcess,
  port: number,
  bodies: readonly Buffer[],
): Promise<Omit<Phase, 'mode'>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const measureFrom = performance.now() + PLAN.serverWarmupMs;
  const measureTo = measureFrom + PLAN.serverMeasureMs;
  // CPU times are sampled at the edges of the measured window, like the request count.
  let serverCpuFrom: number | undefined;
  let serverCpuTo: number | undefined;
  let driverCpuFrom = process.cpuUsage();
  let driverCpu = process.cpuUsage();
  const startWindow = setTimeout(() => {
    serverCpuFrom = readProcessCpuUs(server.pid);
    driverCpuFrom = process.cpuUsage();
  }, PLAN.serverWarmupMs);
  const endWindow = setTimeout(() => {
    serverCpuTo = readProcessCpuUs(server.pid);
    driverCpu = process.cpuUsage(driverCpuFrom);
  }, PLAN.serverWarmupMs + PLAN.serverMeasureMs);
  let issued = 0;
  let completed = 0;
  let failed = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < measureTo && issued < MAX_REQUESTS_PER_PHASE) {
      const body = bodies[issued % bodies.length] ?? Buffer.alloc(0);
      issued++;
      let status = 0;
      try {
        status = await post(agent, port, body);
      } catch {
        status = 0;
      }
      const now = performance.now();
      if (now < measureFrom || now >= measureTo) continue;
      if (status === 200) completed++;
      else failed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, loop));
  } finally {
    clearTimeout(startWindow);
    clearTimeout(endWindow);
    agent.destroy();
  }
  const perRequest = (us: number): number => us / Math.max(1, completed + failed);
  return {
    perSecond: completed / (PLAN.serverMeasureMs / 1_000),
    failed,
    serverCpuUs:
      serverCpuFrom === undefined || serverCpuTo === undefined
        ? undefined
        : perRequest(serverCpuTo - serverCpuFrom),
    driverCpuUs: perRequest(driverCpu.user + driverCpu.system),
  };
}

function callinBodies(): Buffer[] {
  const timestamp = Date.now();
  return Array.from({ length: CALLS_IN_POOL * 4 }, (_, call) =>
    Buffer.from(
      new URLSearchParams({
        content_type: 'callin',
        content: CALLIN_CONTENT,
        call_id: `130301340126^${117079730123 + call}`,
        timestamp: String(timestamp + call),
      }).toString(),
    ),
  );
}

async function runPhase(mode: ServerMode, bodies: readonly Buffer[], env: NodeJS.ProcessEnv): Promise<Phase> {
  const { child, port } = await startServer(mode, env);
  try {
    return { mode, ...(await driveServer(child, port, bodies)) };
  } finally {
    await stopServer(child);
  }
}

async function measureThroughput(env: NodeJS.ProcessEnv): Promise<{ row: Row; notes: string[] }> {
  const bodies = callinBodies();
  const phases: Phase[] = [];
  for (let round = 0; round < PLAN.serverRounds; round++) {
    phases.push(await runPhase('bare', bodies, env));
    phases.push(await runPhase('local', bodies, env));
  }
  const of = (mode: ServerMode): Phase[] => phases.filter((phase) => phase.mode === mode);
  const best = (mode: ServerMode): number => Math.max(...of(mode).map((phase) => phase.perSecond));
  const failed = phases.reduce((sum, phase) => sum + phase.failed, 0);
  const ratio = best('local') / best('bare');
  const bestOf = PLAN.serverRounds > 1 ? `best of ${PLAN.serverRounds} each` : 'one round each';
  const cpu = (us: number | undefined): string => (us === undefined ? 'n/a' : `${us.toFixed(0)} µs`);
  const notes = [
    'server phases in run order (CPU per request, server child / load generator):',
    ...phases.map(
      (phase) =>
        `  ${phase.mode.padEnd(5)} ${phase.perSecond.toFixed(0).padStart(6)} req/s  ` +
        `${cpu(phase.serverCpuUs)} / ${cpu(phase.driverCpuUs)}` +
        (phase.failed > 0 ? `  ${phase.failed} failed` : ''),
    ),
  ];
  const serverCpu = (mode: ServerMode): number[] =>
    of(mode).flatMap((phase) => (phase.serverCpuUs === undefined ? [] : [phase.serverCpuUs]));
  if (serverCpu('local').length > 0 && serverCpu('bare').length > 0) {
    const cpuRatio = median(serverCpu('local')) / median(serverCpu('bare'));
    notes.push(`  server CPU per request, local / bare (medians): ${cpuRatio.toFixed(2)}×`);
  }
  return {
    row: {
      figure: 'throughput: local server, callin',
      value: `${ratio.toFixed(3)}×`,
      detail:
        `${best('local').toFixed(0)} vs bare node:http ${best('bare').toFixed(0)} req/s (${bestOf}; ` +
        `${CONCURRENCY} conns, ${PLAN.serverMeasureMs / 1_000} s after ${PLAN.serverWarmupMs / 1_000} s warm-up)` +
        (failed > 0 ? `, ${failed} failed requests` : ''),
      target: `≥ ${TARGETS.throughputRatio.toFixed(2)}×`,
      pass: ratio >= TARGETS.throughputRatio && failed === 0,
    },
    notes,
  };
}

// ─── Report ───

function printTable(rows: readonly Row[]): void {
  const header: Row = {
    figure: 'figure',
    value: 'value',
    detail: 'detail',
    target: 'target',
    pass: undefined,
  };
  const result = (row: Row): string => (row === header ? 'result' : row.pass === true ? 'PASS' : 'MISS');
  const all = [header, ...rows];
  const width = (pick: (row: Row) => string): number => Math.max(...all.map((row) => pick(row).length));
  const figureWidth = width((row) => row.figure);
  const valueWidth = width((row) => row.value);
  const targetWidth = width((row) => row.target);
  for (const row of all) {
    console.log(
      [
        row.figure.padEnd(figureWidth),
        row.value.padStart(valueWidth),
        row.target.padEnd(targetWidth),
        result(row).padEnd(6),
        row.detail,
      ].join('  '),
    );
  }
}

async function main(): Promise<number> {
  const started = performance.now();
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(BENCH_ENV_OVERRIDES)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  // The in-process handlers read their configuration from this process's environment.
  for (const name of Object.keys(BENCH_ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }

  reportProgress('building');
  buildBundles();
  const names = findFunctionNames();
  const rows: Row[] = [...measureSizes(names)];
  reportProgress(`timing bundle loads (${PLAN.loadRuns} runs each)`);
  rows.push(...measureLoadTimes(names, env));
  reportProgress(`timing decisions (${PLAN.decisionCalls} calls per handler)`);
  const decisions = await measureDecisions();
  rows.push(...decisions.rows);
  reportProgress('timing a 10,000-number, 2,000-node rules document');
  const rulesFigures = measureRules(quick ? 2 : 5, PLAN.decisionCalls);
  rows.push(...rulesFigures.rows);
  reportProgress(`driving servers (bare, then local; ${PLAN.serverRounds}×)`);
  const throughput = await measureThroughput(env);
  rows.push(throughput.row);

  const seconds = ((performance.now() - started) / 1_000).toFixed(1);
  console.log(
    `vms-callflow bench (${quick ? 'quick' : 'full'} run, ${seconds} s): Node ${process.version}, ` +
      `${platform()}-${arch()}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? 'unknown model'})`,
  );
  console.log(
    'The machine is shared and noisy, so load time and throughput are ratios against baselines measured ' +
      'in this same run, interleaved; decision times are absolute.',
  );
  console.log(
    'Handlers run with the built-in hotline rules and still log every callback (the JSON line is built; ' +
      'only its write goes to a sink).',
  );
  console.log('');
  printTable(rows);
  console.log('');
  for (const note of [...decisions.notes, ...rulesFigures.notes, ...throughput.notes]) console.log(note);
  const missed = rows.filter((row) => row.pass !== true);
  console.log(
    missed.length === 0
      ? `All ${rows.length} targets met.`
      : `${missed.length} of ${rows.length} targets missed: ${missed.map((row) => row.figure).join('; ')}.`,
  );
  return strict && missed.length > 0 ? 1 : 0;
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    restoreStdout();
    killChildren();
    process.stderr.write(`bench: interrupted by ${signal}\n`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    restoreStdout();
    killChildren();
    console.error('bench failed:', error);
    process.exitCode = 2;
  },
);
