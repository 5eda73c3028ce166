/**
 * The local server part of `npm run bench`, information only: the `callin` throughput of the local FC
 * server over the built bundles (scripts/local/serve.ts, what `npm start` runs) next to a bare `node:http`
 * server answering a constant JSON, both children started by scripts/bench/server.ts on 127.0.0.1. FC
 * runs one request per instance and no such server, so this is no target: it shows what the local
 * server's event wrapping and the handler cost under load, in requests and in CPU per request.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { fcLikeEnv, formatSpread, median, plural, type Row, spread } from './common';

const root = resolve(import.meta.dirname, '../..');

export type ThroughputPlan = {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly measureMs: number;
};

/** Keep-alive connections driving a server: enough to keep it busy on two cores without queueing for long. */
const CONCURRENCY = 16;
/** Upper bound on requests per phase, whatever the machine's speed. */
const MAX_REQUESTS_PER_PHASE = 400_000;
/** Distinct callins: more than the handler's 2,048 remembered keys, so none is taken for a redelivery. */
const DISTINCT_CALLINS = 2_560;

type ServerMode = 'local' | 'bare';
type Phase = {
  mode: ServerMode;
  perSecond: number;
  failed: number;
  /** CPU time per counted request (µs) of the server child, from /proc; undefined off Linux. */
  serverCpuUs: number | undefined;
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

/** Server children alive, so that none outlives the bench (see {@link killServers}). */
const servers = new Set<ChildProcess>();

/** Kills every server child still running: on exit, on a signal and on error. */
export function killServers(): void {
  for (const child of servers) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

export async function startServer(
  mode: ServerMode,
  dist: string,
  lifetimeS?: number,
): Promise<{ child: ChildProcess; port: number }> {
  const script = join(root, 'scripts', 'bench', 'server.ts');
  // stdout is /dev/null: the handlers' log lines cost a write, and nobody has to drain a pipe.
  const args = lifetimeS === undefined ? [script, mode, dist] : [script, mode, dist, String(lifetimeS)];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    env: fcLikeEnv(),
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  servers.add(child);
  child.once('exit', () => servers.delete(child));
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

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
  await exited;
  clearTimeout(timer);
}

/**
 * POSTs a form-encoded callback to `/inbound` on 127.0.0.1 and resolves to the status and the body, in
 * 5 s at most (shared with the load run).
 */
export function postCallback(
  agent: Agent,
  port: number,
  body: Buffer,
): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
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
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolvePost({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
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
  plan: ThroughputPlan,
): Promise<Omit<Phase, 'mode'>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const measureFrom = performance.now() + plan.warmupMs;
  const measureTo = measureFrom + plan.measureMs;
  // The server's CPU time is sampled at the edges of the measured window, like the request count.
  let serverCpuFrom: number | undefined;
  let serverCpuTo: number | undefined;
  const startWindow = setTimeout(() => {
    serverCpuFrom = readProcessCpuUs(server.pid);
  }, plan.warmupMs);
  const endWindow = setTimeout(() => {
    serverCpuTo = readProcessCpuUs(server.pid);
  }, plan.warmupMs + plan.measureMs);
  let issued = 0;
  let completed = 0;
  let failed = 0;
  const loop = async (): Promise<void> => {
    while (performance.now() < measureTo && issued < MAX_REQUESTS_PER_PHASE) {
      const body = bodies[issued % bodies.length] ?? Buffer.alloc(0);
      issued++;
      let status = 0;
      try {
        status = (await postCallback(agent, port, body)).status;
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
  // The loops can end before the timer at the window's end fires; the server is idle from then on.
  serverCpuTo ??= readProcessCpuUs(server.pid);
  return {
    perSecond: completed / (plan.measureMs / 1_000),
    failed,
    serverCpuUs:
      serverCpuFrom === undefined || serverCpuTo === undefined
        ? undefined
        : (serverCpuTo - serverCpuFrom) / Math.max(1, completed + failed),
  };
}

function callinBodies(): Buffer[] {
  const timestamp = Date.now();
  const content = JSON.stringify({ caller: '15201030105', callee: '05923391657' });
  return Array.from({ length: DISTINCT_CALLINS }, (_, call) =>
    Buffer.from(
      new URLSearchParams({
        content_type: 'callin',
        content,
        call_id: `130301340126^${117079730123 + call}`,
        timestamp: String(timestamp + call),
      }).toString(),
    ),
  );
}

async function runPhase(
  mode: ServerMode,
  bodies: readonly Buffer[],
  plan: ThroughputPlan,
  dist: string,
): Promise<Phase> {
  const { child, port } = await startServer(mode, dist);
  try {
    return { mode, ...(await driveServer(child, port, bodies, plan)) };
  } finally {
    await stopServer(child);
  }
}

/** The local server's figures over the bundles in `dist` (a copy, see bench-common.ts). */
export async function measureThroughput(
  plan: ThroughputPlan,
  dist: string,
): Promise<{ rows: Row[]; notes: string[] }> {
  const bodies = callinBodies();
  const phases: Phase[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    // A/B order alternating from one round to the next.
    for (const mode of round % 2 === 0 ? (['bare', 'local'] as const) : (['local', 'bare'] as const)) {
      phases.push(await runPhase(mode, bodies, plan, dist));
    }
  }
  const of = (mode: ServerMode): Phase[] => phases.filter((phase) => phase.mode === mode);
  const rates = (mode: ServerMode) => of(mode).map((phase) => phase.perSecond);
  const failed = phases.reduce((sum, phase) => sum + phase.failed, 0);
  const serverCpu = (mode: ServerMode): number[] =>
    of(mode).flatMap((phase) => (phase.serverCpuUs === undefined ? [] : [phase.serverCpuUs]));
  const cpu =
    serverCpu('local').length > 0 && serverCpu('bare').length > 0
      ? `; server CPU per request ${median(serverCpu('local')).toFixed(0)} vs ${median(serverCpu('bare')).toFixed(0)} µs`
      : '';
  return {
    rows: [
      {
        figure: 'local server: callin throughput',
        value: `${(median(rates('local')) / median(rates('bare'))).toFixed(2)}× bare`,
        target: '',
        pass: undefined,
        detail:
          `${formatSpread(spread(rates('local')), 0)} vs bare node:http ${formatSpread(spread(rates('bare')), 0)} req/s, ` +
          `${plural(plan.rounds, 'round')}` +
          `${cpu}${failed > 0 ? `; ${failed} failed requests` : ''}`,
      },
    ],
    notes: [
      `local server: ${CONCURRENCY} keep-alive connections, ${plan.measureMs / 1_000} s after ${plan.warmupMs / 1_000} s ` +
        `of warm-up per phase; the load generator shares this machine's ${plural(availableParallelism(), 'core')} with the server`,
    ],
  };
}
