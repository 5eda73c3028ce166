/**
 * An experiment beside `npm run bench`, not adopted by the build: would V8's code cache make the inbound
 * bundle's cold first reply cheaper on FC, and what does a cache V8 refuses cost?
 *
 * The bundle is compiled by `vm.Script` (scripts/bench/code-cache-loader.cjs), with a cache made by an
 * earlier run (`createCachedData`, right after compiling or after the first reply), and measured like the
 * bench's cold first reply (bench-cold.ts: fresh processes, CPU time, interleaved rounds) against plain
 * `require` and against the constant handler. V8 accepts a cache only from the same V8 version and the
 * same V8 flags: one made by another Node build, or under other flags (a heap limit, say), is rejected,
 * and the bundle is compiled from source as if there were none; both rejections are measured. The other
 * build is simulated by changing the version hash in the cache's header, which is what V8 checks first.
 *
 *   npx tsx scripts/bench/code-cache.ts            about 15 s
 *   npx tsx scripts/bench/code-cache.ts --quick    a few seconds
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formCallback } from '../../dev/fc-event';
import {
  CONSTANT_HANDLER,
  type ColdVariant,
  compareCold,
  expectAnswer,
  expectBundleAnswer,
  measureColdFirstReplies,
  runColdChild,
  signed,
} from './cold';
import {
  buildPrivateDist,
  builtFile,
  droppedStartUpVariables,
  formatSpread,
  median,
  plural,
  printTable,
  type Row,
  reportProgress,
  spread,
} from './common';

const root = resolve(import.meta.dirname, '../..');
const quick = process.argv.includes('--quick');
const PLAN = quick
  ? { rounds: 2, perRound: 2, budgetMs: 10_000 }
  : { rounds: 5, perRound: 4, budgetMs: 40_000 };

const LOADER = join(root, 'scripts', 'bench', 'code-cache-loader.cjs');
/** A flag FC's runtime or an operator may well set: any V8 flag changes the hash a cache is checked by. */
const OTHER_FLAGS = ['--max-old-space-size=384'];
/** Offset of the V8 version hash in a code cache's header, after the 4-byte magic number. */
const VERSION_HASH_OFFSET = 4;

const verify = expectBundleAnswer('default line');

/** Runs the loader once to write a code cache of `bundle` to `out`, made after `after`, under `nodeFlags`. */
function produceCache(
  bundle: string,
  out: string,
  after: 'load' | 'reply',
  event: Buffer,
  nodeFlags: string[] = [],
): void {
  runColdChild(
    {
      name: `cache after ${after}`,
      module: LOADER,
      env: { BENCH_BUNDLE: bundle, BENCH_CACHE_OUT: out, BENCH_CACHE_AFTER: after },
      nodeFlags,
      verify,
    },
    event,
  );
}

async function main(): Promise<void> {
  const started = performance.now();
  reportProgress('building');
  const bundle = builtFile(await buildPrivateDist(), 'inbound');
  const content = JSON.stringify({ caller: '15201030105', callee: '95000' });
  const event = formCallback(
    { call_id: '130301340124^117079730123', content_type: 'callin', content, timestamp: String(Date.now()) },
    { base64: true },
  );
  const dir = mkdtempSync(join(tmpdir(), 'vms-callflow-code-cache-'));
  try {
    reportProgress('making code caches');
    const caches = {
      afterLoad: join(dir, 'after-load.cache'),
      afterReply: join(dir, 'after-reply.cache'),
      otherFlags: join(dir, 'other-flags.cache'),
      otherBuild: join(dir, 'other-build.cache'),
    };
    produceCache(bundle, caches.afterLoad, 'load', event);
    produceCache(bundle, caches.afterReply, 'reply', event);
    produceCache(bundle, caches.otherFlags, 'reply', event, OTHER_FLAGS);
    const otherBuild = readFileSync(caches.afterReply);
    otherBuild.writeUInt32LE(otherBuild.readUInt32LE(VERSION_HASH_OFFSET) ^ 1, VERSION_HASH_OFFSET);
    writeFileSync(caches.otherBuild, otherBuild);

    const cached = (name: string, cache: string, expect: 'accepted' | 'rejected'): ColdVariant => ({
      name,
      module: LOADER,
      env: { BENCH_BUNDLE: bundle, BENCH_CODE_CACHE: cache, BENCH_CACHE_EXPECT: expect },
      verify,
    });
    const variants: ColdVariant[] = [
      { name: 'constant handler', module: CONSTANT_HANDLER, verify: expectAnswer },
      { name: 'require (as deployed)', module: bundle, verify },
      { name: 'vm.Script, no cache', module: LOADER, env: { BENCH_BUNDLE: bundle }, verify },
      cached('cache made after load', caches.afterLoad, 'accepted'),
      cached('cache made after 1st reply', caches.afterReply, 'accepted'),
      cached('rejected: other Node build', caches.otherBuild, 'rejected'),
      cached(`rejected: ${OTHER_FLAGS.join(' ')}`, caches.otherFlags, 'rejected'),
    ];
    const cacheFiles: Record<string, string> = {
      'cache made after load': caches.afterLoad,
      'cache made after 1st reply': caches.afterReply,
      'rejected: other Node build': caches.otherBuild,
      [`rejected: ${OTHER_FLAGS.join(' ')}`]: caches.otherFlags,
    };
    reportProgress(
      `cold first replies (${plural(PLAN.rounds, 'round')} × ${plural(PLAN.perRound, 'run')} of ${variants.length} variants)`,
    );
    const samples = measureColdFirstReplies(variants, event, PLAN);

    const roundMedians = (name: string) =>
      (samples.get(name) ?? []).map((round) => median(round.map((report) => report.repliedUs)) / 1_000);
    const requireMs = roundMedians('require (as deployed)');
    const rows = variants.slice(1).map((variant): Row => {
      const c = compareCold(samples, variant.name, 'constant handler');
      const saved = spread(
        roundMedians(variant.name).map((ms, round) => (requireMs[round] ?? Number.NaN) - ms),
      );
      const versusRequire =
        variant.module === bundle ? '' : `, saves ${formatSpread(saved, 1)} ms of require's`;
      const file = cacheFiles[variant.name];
      const size = file === undefined ? '' : `, cache ${(statSync(file).size / 1024).toFixed(0)} KB`;
      return {
        figure: variant.name,
        value: `${formatSpread(c.ratio, 2, '×')}`,
        target: '',
        pass: undefined,
        detail:
          `CPU ${formatSpread(c.cpuMs, 1)} ms${versusRequire}; ` +
          `load ${signed(c.loadMs)} ms, reply ${c.replyMs.toFixed(1)} ms${size}`,
      };
    });
    const seconds = ((performance.now() - started) / 1_000).toFixed(1);
    const dropped = droppedStartUpVariables();
    console.log(
      `V8 code cache for the inbound bundle (${quick ? 'quick' : 'full'} run, ${seconds} s): Node ${process.version}, ` +
        `V8 ${process.versions.v8}; cold first reply of a callin with the embedded default rules.`,
    );
    console.log(
      'CPU time of the whole process at its reply, interleaved; "m (a–b)" is the median round and the range ' +
        `of rounds; the value is × the constant handler (${formatSpread(compareCold(samples, 'require (as deployed)', 'constant handler').baselineCpuMs, 1)} ms).` +
        (dropped.length === 0 ? '' : ` Children do not inherit ${dropped.join(', ')}.`),
    );
    console.log('');
    printTable(rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error('bench-code-cache failed:', error);
  process.exitCode = 2;
});
