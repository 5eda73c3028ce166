/**
 * Rules from OSS in the bench: a local OSS stand-in in a process of its own (the network left out), the
 * functions' own GetObject client against `ali-oss` loaded lazily in its place (cold first reply, in
 * bench.ts's cold variants), and a warm instance's callback latency while its refresh hangs against while
 * OSS answers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { formCallback } from '../../dev/fc-event';
import {
  builtFile,
  fcLikeEnv,
  forEachRound,
  formatSpread,
  interleaved,
  percentile,
  plural,
  type Row,
  runMeasuredChild,
  spread,
} from './common';
import { writeEventsFile } from './warm';

const root = resolve(import.meta.dirname, '../..');

/** What the stand-in prints when it is ready. */
type StandIn = {
  readonly endpoint: string;
  readonly region: string;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
};

export type BenchOss = StandIn & {
  /** The function's variables that read `key` from the stand-in, with credentials as a host without a role has them. */
  readonly env: (key: string, extra?: Readonly<Record<string, string>>) => Record<string, string>;
  /** The objects a refresh has hung on so far. */
  readonly hung: () => readonly string[];
  readonly stop: () => void;
};

/** Starts scripts/bench/oss-server.ts with these rules (and `hangObjects` objects that hang once read). */
export async function startBenchOss(rulesJson: string, hangObjects: number): Promise<BenchOss> {
  const dir = mkdtempSync(join(tmpdir(), 'vms-callflow-oss-'));
  const rulesFile = join(dir, 'rules.json');
  writeFileSync(rulesFile, rulesJson);
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'scripts', 'bench', 'oss-server.ts'), rulesFile, String(hangObjects)],
    { cwd: root, env: fcLikeEnv(), stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const stop = () => {
    child.stdin?.end();
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  // A stand-in that fails to start says why on stderr (inherited); do not wait out the timeout for it.
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`the OSS stand-in exited with ${code}`))),
  );
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const first = await Promise.race([
    new Promise<string>((resolveLine) => lines.once('line', resolveLine)),
    exited,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error('the OSS stand-in did not start')), 20_000),
    ),
  ]);
  const standIn = JSON.parse(first) as StandIn;
  const hung: string[] = [];
  lines.on('line', (line) => hung.push((JSON.parse(line) as { hung: string }).hung));
  return {
    hung: () => hung,
    ...standIn,
    env: (key, extra = {}) => ({
      RULES_URL: `oss://${standIn.bucket}/${key}`,
      RULES_OSS_ENDPOINT: standIn.endpoint,
      RULES_OSS_REGION: standIn.region,
      ALIBABA_CLOUD_ACCESS_KEY_ID: standIn.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: standIn.accessKeySecret,
      ...extra,
    }),
    stop,
  };
}

/**
 * A copy of the built inbound function whose side file `sideFile` is built from `entry` instead: an SDK
 * behind the same exports, as the function would be if it loaded the SDK lazily in the side file's place.
 * Returns its `index.js` and the side file's size.
 */
export async function buildSideFileVariant(
  dist: string,
  sideFile: string,
  entry: string,
  external: readonly string[] = [],
): Promise<{ module: string; sideKb: number }> {
  const folder = join(mkdtempSync(join(tmpdir(), 'vms-callflow-sdk-')), 'inbound');
  process.once('exit', () => rmSync(resolve(folder, '..'), { recursive: true, force: true }));
  cpSync(join(dist, 'inbound'), folder, { recursive: true });
  const outfile = join(folder, sideFile);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    logLevel: 'error',
    external: [...external],
  });
  return { module: join(folder, 'index.js'), sideKb: statSync(outfile).size / 1024 };
}

/** The inbound function with `ali-oss` (scripts/bench/ali-oss-client.ts) in the place of `oss-client.js`. */
export function buildSdkVariant(dist: string): Promise<{ module: string; sideKb: number }> {
  // proxy-agent: an optional require inside urllib, never taken here.
  return buildSideFileVariant(dist, 'oss-client.js', join(root, 'scripts', 'bench', 'ali-oss-client.ts'), [
    'proxy-agent',
  ]);
}

export type RefreshPlan = { readonly rounds: number; readonly callbacks: number; readonly budgetMs: number };

/** What a refresh child reports on fd 3. */
type RefreshReport = { readonly times: readonly number[]; readonly errors: number; readonly reloads: number };

/**
 * Callback latency of a warm instance checking its rules on every callback (`RULES_CHECK_SECONDS=0`, the
 * most refreshes an instance can start) while OSS answers 304 at once, against the same while the
 * instance's refresh hangs (the stand-in stops answering after the first read). Interleaved rounds, one
 * fresh instance each; p50 and p99 of wall time per callback.
 */
export async function measureOssRefresh(plan: RefreshPlan, dist: string, oss: BenchOss): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vms-callflow-refresh-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const eventsFile = join(dir, 'events');
  const events = Array.from({ length: plan.callbacks + 1 }, (_, i) =>
    formCallback({
      call_id: `${130301340000 + i}^${117079730000 + i}`,
      content_type: 'callin',
      content: JSON.stringify({ caller: '15201030105', callee: '95000' }),
      timestamp: String(Date.now() + i),
    }),
  );
  writeEventsFile(eventsFile, events);
  const variants = [
    { name: 'healthy', key: () => 'bank.json' },
    { name: 'hanging', key: (run: number) => `hang-${run}.json` },
  ];
  const samples = new Map(variants.map((variant) => [variant.name, [] as RefreshReport[]]));
  let run = 0;
  forEachRound('OSS refresh', plan.rounds, plan.budgetMs, (round) => {
    for (const variant of interleaved(variants, round)) {
      const { reported } = runMeasuredChild(
        `oss ${variant.name}`,
        [join(root, 'scripts', 'bench', 'oss-child.cjs'), builtFile(dist, 'inbound'), eventsFile],
        {
          env: oss.env(variant.key(run), { RULES_CHECK_SECONDS: '0' }),
          timeoutMs: 60_000,
          stdout: 'ignore',
          maxBuffer: 1024 * 1024,
        },
      );
      const report = JSON.parse(reported) as RefreshReport;
      if (report.errors > 0)
        throw new Error(`oss ${variant.name}: the instance logged ${report.errors} errors`);
      samples.get(variant.name)?.push(report);
    }
    run += 1;
  });
  const used = Array.from({ length: run }, (_, i) => `hang-${i}.json`);
  // The stand-in's lines are read while this process waits here (not in spawnSync).
  const deadline = Date.now() + 2_000;
  while (used.some((key) => !oss.hung().includes(key)) && Date.now() < deadline) {
    await new Promise((resolveLater) => setTimeout(resolveLater, 20));
  }
  const missing = used.filter((key) => !oss.hung().includes(key));
  if (missing.length > 0)
    throw new Error(`no refresh hung on ${missing.join(', ')}: the hanging rounds prove nothing`);
  const p = (name: string, q: number) =>
    spread((samples.get(name) ?? []).map((r) => percentile(r.times, q / 100)));
  const healthy99 = p('healthy', 99);
  const hanging99 = p('hanging', 99);
  const ratios = (samples.get('hanging') ?? []).map(
    (r, i) => percentile(r.times, 0.99) / percentile(samples.get('healthy')?.[i]?.times ?? [], 0.99),
  );
  return [
    {
      figure: 'callback p99 while OSS hangs',
      value: formatSpread(spread(ratios), 2, '×'),
      target: '',
      pass: undefined,
      detail:
        `wall p99 ${formatSpread(hanging99, 0)} µs hanging vs ${formatSpread(healthy99, 0)} µs healthy ` +
        `(p50 ${formatSpread(p('hanging', 50), 0)} vs ${formatSpread(p('healthy', 50), 0)} µs); a look at OSS ` +
        `on every callback; ${plural(plan.callbacks, 'callback')} × ${plural(ratios.length, 'round')}`,
    },
  ];
}
