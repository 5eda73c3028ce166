/**
 * vCPU shares for the sizing bench: one cgroup (v1 `cpu` controller) a share, whose CFS quota lets the
 * processes in it run `share` of one CPU (a quota of 25 ms every 100 ms is 0.25 vCPU), as FC gives an
 * instance `cpu` vCPU. Only measured children ever enter a group: each is started as
 * `sh -c 'echo $$ > <group>/cgroup.procs && exec node …'`, so neither this process nor a shell is
 * throttled. The groups are removed when the bench is done or exits, any process left in one moved back
 * to the root group first. Where no such controller is writable (cgroup v2, a container, CI), the bench
 * says so and measures nothing at a share.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isRunning } from '../../dev/running-process';
import { fcLikeEnv } from './common';

const root = resolve(import.meta.dirname, '../..');

/** Where a cgroup v1 `cpu` controller is mounted on Linux. */
const CPU_CONTROLLER = '/sys/fs/cgroup/cpu';
const PERIOD_US = 100_000;

export type CpuGroup = {
  /** vCPU, as s.yaml's `cpu`. */
  readonly share: number;
  readonly path: string;
};

/**
 * The groups, one a share, or why there are none. Removed at exit at the latest. `controller` is where
 * the cgroup v1 `cpu` controller is mounted (a test names one that is not there).
 */
export function openCpuGroups(shares: readonly number[], controller = CPU_CONTROLLER): CpuGroup[] | string {
  if (!existsSync(join(controller, 'cpu.cfs_quota_us')))
    return `no cgroup v1 cpu controller at ${controller}`;
  removeOrphanGroups(controller);
  const groups: CpuGroup[] = [];
  try {
    for (const share of shares) {
      const path = join(controller, `vms-callflow-bench-${process.pid}-${Math.round(share * 100)}`);
      mkdirSync(path);
      groups.push({ share, path });
      writeFileSync(join(path, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(path, 'cpu.cfs_quota_us'), String(Math.round(share * PERIOD_US)));
    }
  } catch (error) {
    closeCpuGroups(groups);
    return `the cpu controller is not writable here (${(error as NodeJS.ErrnoException).code ?? String(error)})`;
  }
  process.once('exit', () => closeCpuGroups(groups));
  return groups;
}

/**
 * Removes the groups of benches that ended without removing theirs (killed with SIGKILL, say): those
 * named after a process that no longer runs. Pids are this machine's: a bench in another pid namespace
 * sharing the cgroup mount (another container) would look ended, so do not run two that way.
 */
function removeOrphanGroups(controller: string): void {
  let names: string[];
  try {
    names = readdirSync(controller);
  } catch {
    return;
  }
  const orphans = names.flatMap((name) => {
    const owner = /^vms-callflow-bench-(\d+)-(\d+)$/.exec(name);
    return owner !== null && !isRunning(Number(owner[1]))
      ? [{ share: Number(owner[2]) / 100, path: join(controller, name) }]
      : [];
  });
  closeCpuGroups(orphans);
}

/** Moves any process left in the groups back to the root group, then removes the groups. */
export function closeCpuGroups(groups: readonly CpuGroup[]): void {
  for (const group of groups) {
    if (!existsSync(group.path)) continue;
    try {
      for (const pid of readFileSync(join(group.path, 'cgroup.procs'), 'utf8').split('\n')) {
        if (pid !== '') writeFileSync(join(dirname(group.path), 'cgroup.procs'), pid);
      }
      rmdirSync(group.path);
    } catch (error) {
      process.stderr.write(`bench: could not remove ${group.path}: ${String(error)}\n`);
    }
  }
}

/** How often a group's processes were held back by its quota, and for how long in all (ms). */
export function throttling(group: CpuGroup): { periods: number; throttled: number; ms: number } {
  const stat = readFileSync(join(group.path, 'cpu.stat'), 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
  return {
    periods: field('nr_periods'),
    throttled: field('nr_throttled'),
    ms: field('throttled_time') / 1e6,
  };
}

/** What a child in a group reported on fd 3, its stdout, and the wall ms from its spawn to its report. */
export type GroupChildResult = {
  readonly reported: string;
  readonly stdout: string;
  readonly wallMs: number;
};

/**
 * Runs `node <args>` inside `group`, with `PATH` and `env` only (as every child of the bench), and
 * resolves when it exits: its report (fd 3), stdout, and the wall time from the spawn to the report's
 * first bytes, which a child writes right after its reply. Rejects when it fails, reports nothing, or
 * outlives `timeoutMs` (then it is killed).
 */
export function runInGroup(
  group: CpuGroup,
  name: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> | undefined,
  timeoutMs: number,
): Promise<GroupChildResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let reportedAt: number | undefined;
    const child: ChildProcess = spawn(
      '/bin/sh',
      [
        '-c',
        'echo $$ > "$0" || exit 97; exec "$@"',
        join(group.path, 'cgroup.procs'),
        process.execPath,
        ...args,
      ],
      { cwd: root, env: fcLikeEnv(env), stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    const chunks: Record<'out' | 'err' | 'report', Buffer[]> = { out: [], err: [], report: [] };
    child.stdout?.on('data', (chunk: Buffer) => chunks.out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => chunks.err.push(chunk));
    const report = child.stdio[3] as NodeJS.ReadableStream | null;
    report?.on('data', (chunk: Buffer) => {
      reportedAt ??= performance.now();
      chunks.report.push(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${name}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const reported = Buffer.concat(chunks.report).toString('utf8');
      if (code !== 0 || reported === '' || reportedAt === undefined) {
        const stderr = Buffer.concat(chunks.err).toString('utf8').slice(-2_000);
        reject(new Error(`${name}: child exited with ${code ?? signal}, no report\n${stderr}`));
        return;
      }
      resolvePromise({
        reported,
        stdout: Buffer.concat(chunks.out).toString('utf8'),
        wallMs: reportedAt - started,
      });
    });
  });
}
