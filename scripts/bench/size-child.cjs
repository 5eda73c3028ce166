'use strict';
/**
 * Child process of the sizing bench (scripts/bench/size.ts): one warm instance of one function at a
 * vCPU share (the bench starts it inside a CPU cgroup with a quota). It answers a burst of events back to
 * back, as a busy instance would, then the rest one at a time, `gap` ms apart, as calls reach an instance
 * that is otherwise idle, timing each of those in wall time (what a caller waits, throttling included)
 * and in CPU. It reports on fd 3, then exits:
 *
 *   node scripts/bench/size-child.cjs <module> <events file> <burst> <gap ms>
 *
 * The report: the paced callbacks' wall and CPU µs, the process's peak resident memory (KB) after the
 * first callback and at the end, and the resident memory at the end. Log lines go to stdout, which the
 * bench reads and checks for errors.
 */
const { readFileSync, writeSync } = require('node:fs');

const [file, eventsFile, burstText, gapText] = process.argv.slice(2);
const burst = Number(burstText);
const gapMs = Number(gapText);
if (file === undefined || eventsFile === undefined || !(burst >= 1) || !(gapMs >= 0)) {
  process.stderr.write('usage: node scripts/bench/size-child.cjs <module> <events file> <burst> <gap ms>\n');
  process.exit(2);
}

const { handler } = require(file);
const context = { requestId: 'bench-size', function: { name: 'bench', handler: 'index.handler' } };
const events = readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => Buffer.from(line, 'base64'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const walls = [];
  const cpus = [];
  let firstMaxRssKb = 0;
  for (let i = 0; i < events.length; i++) {
    if (i >= burst) await sleep(gapMs);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = await handler(events[i], context);
    const wallUs = (performance.now() - started) * 1_000;
    const cpu = process.cpuUsage(cpuBefore);
    if (result.statusCode !== 200) throw new Error(`event ${i}: HTTP ${result.statusCode}`);
    if (i === 0) firstMaxRssKb = process.resourceUsage().maxRSS;
    if (i >= burst) {
      walls.push(wallUs);
      cpus.push(cpu.user + cpu.system);
    }
  }
  writeSync(
    3,
    JSON.stringify({
      walls,
      cpus,
      firstMaxRssKb,
      maxRssKb: process.resourceUsage().maxRSS,
      rssKb: Math.round(process.memoryUsage.rss() / 1024),
    }),
  );
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
