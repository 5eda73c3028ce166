/**
 * The custom-runtime part of `npm run bench` (`--only custom`): one instance of the inbound function as
 * `server.js` (FC's custom runtime) under load from a local client at 1, 10 and 50 requests in flight,
 * against the same bundle answering the same events one at a time, as FC's built-in runtime calls it.
 *
 * The events are the warm bench's hotline mix (callin, silence, a key, words; each carrying the state
 * sealed by the reply before it), walked once in this process. Replayed in any order or all at once they
 * get the same answers: a callback's state travels in its event.
 *
 * What is measured, each contender in a fresh child with PATH and the function's variables only, the
 * contenders interleaved, every figure over rounds:
 * - callbacks per CPU-second: timed requests over the CPU time (user + system, every thread) the one
 *   process spent meanwhile. The server's is read from /proc (10 ms ticks; a round costs hundreds of
 *   ms) and includes HTTP parsing and writing; the built-in's is the handler alone
 *   (scripts/bench/warm-child.cjs), since FC's own runtime around it cannot be measured here;
 * - callbacks per wall-second of the server under load, and the client's latency p50/p99 (wall time, on
 *   127.0.0.1, the client in this process sharing the machine's two cores with the server): the
 *   built-in row has no wall figures, its latency is the handler's CPU per callback.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { type Forwarded, send, toForwardedRequest } from '../../dev/custom-runtime-client';
import {
  builtFile,
  fcLikeEnv,
  formatSpread,
  interleaved,
  percentile,
  plural,
  type Row,
  reportProgress,
  roundsWithin,
  runMeasuredChild,
  spread,
} from './common';
import { refusingLoggedErrors, startInstance } from './instances';
import { hotlineTurns, walkCalls, writeEventsFile } from './warm';

const root = resolve(import.meta.dirname, '../..');
const WARM_CHILD = join(root, 'scripts', 'bench', 'warm-child.cjs');

export type CustomPlan = {
  readonly rounds: number;
  /** Callbacks each child answers before the timed ones, at the contender's concurrency. */
  readonly warmup: number;
  /** Timed callbacks per child. */
  readonly requests: number;
  /** No round starts after this long (the first always runs). */
  readonly budgetMs: number;
};

/** Requests in flight at once on the one server. */
export const CONCURRENCIES = [1, 10, 50] as const;

/** What one child did in a round. */
type Run = {
  readonly perCpuSecond: number;
  readonly perWallSecond: number | undefined;
  /** ms: the client's wall latency (server), or the handler's CPU per callback (built-in). */
  readonly p50: number;
  readonly p99: number;
  /** The server's peak resident memory, MB (`VmHWM`). */
  readonly peakMb: number | undefined;
  /** The server's CPU ms for the timed callbacks, read in clock ticks; none for the built-in (µs). */
  readonly cpuMs?: number;
};

type Contender = { readonly name: string; readonly run: () => Promise<Run> };

/** Linux's clock ticks per second, in which /proc/<pid>/stat counts CPU time (`getconf CLK_TCK`). */
const TICKS_PER_SECOND = 100;

/** The CPU ms (user + system, all threads) process `pid` has used, from /proc. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The name in parentheses may hold spaces: the fields are counted from after its closing one.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`cannot read the CPU time of process ${pid}`);
  return (ticks * 1_000) / TICKS_PER_SECOND;
}

/**
 * `m (a–b)` over the rounds, as formatSpread gives, but with the range even when the rounds agree: a
 * figure read in clock ticks can come out the same twice, and that is worth seeing as such. One round
 * has no range (the row says how many rounds ran).
 */
export function formatRounds(perRound: readonly number[], digits: number, unit = ''): string {
  const s = spread(perRound);
  const f = (n: number) => `${n.toFixed(digits)}${unit}`;
  return perRound.length > 1 && s.min === s.max
    ? `${f(s.mid)} (${f(s.min)}–${f(s.max)})`
    : formatSpread(s, digits, unit);
}

/** How finely the server's rows read CPU time: one clock tick, as a share of the median round's CPU ms. */
export function tickShare(cpuMsPerRound: readonly number[]): string {
  const tickMs = 1_000 / TICKS_PER_SECOND;
  const mid = spread(cpuMsPerRound).mid;
  return `CPU read to the ${tickMs} ms tick, ±${((100 * tickMs) / Math.max(mid, tickMs)).toFixed(1)}% of a round's ${mid.toFixed(0)} ms`;
}

/** The peak resident memory of process `pid`, MB, from /proc. */
function peakMemoryMb(pid: number): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Starts `server.js` of a copy of dist/ and resolves once it listens, with its port. */
function startServer(serverFile: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [serverFile], {
    cwd: dirname(serverFile),
    env: fcLikeEnv({ FC_SERVER_PORT: '0', FC_SERVER_HOST: '127.0.0.1', FC_FUNCTION_NAME: 'bench-inbound' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePort, reject) => {
    let text = '';
    let errors = '';
    const timer = setTimeout(
      () => reject(new Error(`server.js did not listen within 10 s: ${errors}`)),
      10_000,
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      errors = `${errors}${chunk.toString()}`.slice(-2_000);
    });
    child.on('exit', (code) => reject(new Error(`server.js exited with ${code}: ${errors}`)));
    child.stdout?.on('data', (chunk: Buffer) => {
      // Its log lines are read as FC's log agent reads them, and dropped; an error fails the run.
      if (text.length < 100_000) text += chunk.toString();
      if (text.includes('"level":"error"'))
        reject(new Error(`server.js logged an error: ${text.slice(-500)}`));
      const listening = /"msg":"custom runtime listening"[^\n]*"port":(\d+)/.exec(text);
      if (listening !== null) {
        clearTimeout(timer);
        text = '';
        resolvePort({ child, port: Number(listening[1]) });
      }
    });
  });
}

/** Sends `requests` with `concurrency` in flight; resolves with each one's wall latency, ms. */
async function load(
  port: number,
  requests: readonly Forwarded[],
  concurrency: number,
  agent: Agent,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const forwarded = requests[next++] as Forwarded;
      const started = performance.now();
      const result = await send(port, forwarded, agent);
      latencies.push(performance.now() - started);
      if (result.statusCode !== 200 || !result.body.includes('"result":"success"'))
        throw new Error(`server.js answered HTTP ${result.statusCode} ${result.body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

/** One server child: warmed up, then timed, at `concurrency` requests in flight on kept-alive sockets. */
async function runServer(
  serverFile: string,
  requests: readonly Forwarded[],
  warmup: number,
  concurrency: number,
) {
  const { child, port } = await startServer(serverFile);
  // FC's front end keeps its connections to an instance: so does the client.
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await load(port, requests.slice(0, warmup), concurrency, agent);
    const cpuBefore = processCpuMs(child.pid as number);
    const started = performance.now();
    const latencies = await load(port, requests.slice(warmup), concurrency, agent);
    const wallMs = performance.now() - started;
    const cpuMs = processCpuMs(child.pid as number) - cpuBefore;
    return {
      perCpuSecond: (latencies.length * 1_000) / Math.max(cpuMs, 1_000 / TICKS_PER_SECOND),
      perWallSecond: (latencies.length * 1_000) / wallMs,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      peakMb: peakMemoryMb(child.pid as number),
      cpuMs,
    };
  } finally {
    agent.destroy();
    child.kill('SIGKILL');
  }
}

/** The same bundle answering the same events one at a time, in-process, as the built-in runtime calls it. */
function runBuiltIn(indexFile: string, eventsFile: string, warmup: number): Run {
  const { reported } = runMeasuredChild(
    'custom: built-in one at a time',
    [WARM_CHILD, indexFile, eventsFile, String(warmup)],
    {
      env: undefined,
      timeoutMs: 60_000,
      stdout: 'ignore',
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const steady = (JSON.parse(reported) as { times: number[] }).times.slice(warmup);
  const cpuMs = steady.reduce((sum, us) => sum + us, 0) / 1_000;
  return {
    perCpuSecond: (steady.length * 1_000) / cpuMs,
    perWallSecond: undefined,
    p50: percentile(steady, 0.5) / 1_000,
    p99: percentile(steady, 0.99) / 1_000,
    peakMb: undefined,
  };
}

/** The custom-runtime rows: the built-in one at a time, then the server at each concurrency. */
export async function measureCustom(plan: CustomPlan, dist: string): Promise<Row[]> {
  const count = plan.warmup + plan.requests;
  reportProgress(`custom: walking ${plural(Math.ceil(count / 4), 'call')} of the hotline`);
  const events = await refusingLoggedErrors(async () => {
    const hotline = await startInstance(dist, 'inbound');
    return (await walkCalls(hotline, Math.ceil(count / 4), 117079790123, hotlineTurns))
      .flat()
      .slice(0, count);
  });
  const scratch = mkdtempSync(join(tmpdir(), 'vms-callflow-custom-'));
  try {
    const eventsFile = join(scratch, 'events.txt');
    writeEventsFile(
      eventsFile,
      events.map((prepared) => prepared.event),
    );
    const requests = events.map((prepared) => toForwardedRequest(prepared.event, undefined) as Forwarded);
    const serverFile = builtFile(dist, 'inbound', 'server.js');
    const contenders: Contender[] = [
      { name: 'built-in', run: async () => runBuiltIn(builtFile(dist, 'inbound'), eventsFile, plan.warmup) },
      ...CONCURRENCIES.map((concurrency) => ({
        name: `c${concurrency}`,
        run: () => runServer(serverFile, requests, plan.warmup, concurrency),
      })),
    ];
    const runs = new Map(contenders.map((contender) => [contender.name, [] as Run[]]));
    await roundsWithin('custom', plan.rounds, plan.budgetMs, async (round) => {
      reportProgress(`custom: round ${round + 1} of ${plan.rounds}`);
      for (const contender of interleaved(contenders, round))
        runs.get(contender.name)?.push(await contender.run());
    });
    return rowsOf(runs, plan);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function rowsOf(runs: ReadonlyMap<string, readonly Run[]>, plan: CustomPlan): Row[] {
  const builtIn = runs.get('built-in') ?? [];
  const baseline = spread(builtIn.map((run) => run.perCpuSecond)).mid;
  const rounds = plural(builtIn.length, 'round');
  const rows: Row[] = [
    {
      figure: 'custom runtime: built-in, one at a time, callbacks per CPU-s',
      value: formatSpread(spread(builtIn.map((run) => run.perCpuSecond)), 0),
      target: '',
      pass: undefined,
      detail:
        `the handler alone, in-process; its CPU per callback p50 ${formatSpread(spread(builtIn.map((run) => run.p50)), 3, ' ms')}, ` +
        `p99 ${formatSpread(spread(builtIn.map((run) => run.p99)), 3, ' ms')}; ${plan.requests} timed callbacks a round, ${rounds}`,
    },
  ];
  for (const concurrency of CONCURRENCIES) {
    const server = runs.get(`c${concurrency}`) ?? [];
    const perCpu = server.map((run) => run.perCpuSecond);
    rows.push({
      figure: `custom runtime: server.js, ${concurrency} in flight, callbacks per CPU-s`,
      value: formatRounds(perCpu, 0),
      target: '',
      pass: undefined,
      detail:
        `${(spread(perCpu).mid / baseline).toFixed(2)}× the built-in's; per wall-s ${formatSpread(spread(server.map((run) => run.perWallSecond ?? 0)), 0)}; ` +
        `latency p50 ${formatSpread(spread(server.map((run) => run.p50)), 2, ' ms')}, p99 ${formatSpread(spread(server.map((run) => run.p99)), 2, ' ms')}; ` +
        `peak memory ${formatSpread(spread(server.map((run) => run.peakMb ?? 0)), 0, ' MB')}; ` +
        `${tickShare(server.map((run) => run.cpuMs ?? 0))}; ${rounds}`,
    });
  }
  return rows;
}
