'use strict';
/**
 * Child process of the warm benches (scripts/bench/warm.ts, scripts/bench/rules.ts): one instance of one
 * function, as on FC, with a small heap of its own rather than the bench's, answering prepared events one
 * at a time and timing each in CPU; the times are reported on fd 3. The first event reads the environment
 * and the rules; the first `warm-up` events let V8 optimise what the callbacks run, and the log is read
 * during them; then the log's write becomes a no-op. No collection is forced between the two: a full GC
 * there made the next thousand callbacks slower (V8 dropped some of its optimised code).
 *
 *   node scripts/bench/warm-child.cjs <module> <events file> <warm-up> [<words>]
 *
 * The module exports the `handler`; the events file has one FC event Buffer a line, base64. With `words`,
 * every reply must contain them (checked untimed), as proof that the callbacks did what is measured.
 *
 * How a callback's CPU is measured: `process.cpuUsage()` just before the handler is called and again when
 * its promise has settled, user + system of the difference. The handlers wait for no I/O but a lookup's
 * (its stand-in is another process): this process is idle meanwhile, and that wait is not counted. On Linux the sum is the scheduler's exact run time, at µs resolution, and it
 * counts every thread of the process: V8's GC helpers, and its compiler threads optimising the code
 * (which dominate a young instance's slowest callbacks), count against the callback they run during,
 * while time during which the machine's other tenants preempt this process does not (wall-clock timers
 * such as `hrtime` would count it). A reading costs about a microsecond; the child reports that floor.
 */
const { readFileSync, writeSync } = require('node:fs');

const [file, eventsFile, warmupText, words] = process.argv.slice(2);
const warmup = Number(warmupText);
if (file === undefined || eventsFile === undefined || !(warmup >= 1)) {
  process.stderr.write(
    'usage: node scripts/bench/warm-child.cjs <module> <events file> <warm-up> [<words>]\n',
  );
  process.exit(2);
}

const { handler } = require(file);
const context = { requestId: 'bench-warm', function: { name: 'bench', handler: 'index.handler' } };
const events = readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => Buffer.from(line, 'base64'));

// The bundles log with fs.writeSync(1, …), past process.stdout: route those lines to the sinks below.
const fs = require('node:fs');
const realWriteSync = fs.writeSync;
fs.writeSync = (fd, data, ...rest) => {
  if (fd !== 1) return realWriteSync(fd, data, ...rest);
  process.stdout.write(data);
  return Buffer.byteLength(String(data));
};

const realWrite = process.stdout.write;
let errorLine;
/** During the warm-up the log is read, and an error fails the run: no timing of a fallback. */
const checkingSink = (chunk) => {
  const text = String(chunk);
  if (errorLine === undefined && text.includes('"level":"error"')) errorLine = text;
  return true;
};
/** After the warm-up, log lines are built, as on FC, and their write costs nothing. */
const noOpSink = () => true;

const times = [];
const statuses = [];
/** The first event whose reply lacks `words`. */
let missingWords;

/** Answers events `from` to `to`, timing each. */
async function answer(from, to) {
  for (let i = from; i < to; i++) {
    const before = process.cpuUsage();
    const result = await handler(events[i], context);
    const used = process.cpuUsage(before);
    times.push(used.user + used.system);
    statuses.push(result.statusCode);
    if (words !== undefined && missingWords === undefined && !result.body.includes(words)) missingWords = i;
  }
}

async function main() {
  process.stdout.write = checkingSink;
  await answer(0, warmup);
  if (errorLine !== undefined) throw new Error(`a handler logged an error: ${errorLine.slice(0, 500)}`);
  process.stdout.write = noOpSink;
  await answer(warmup, events.length);
  const readings = [];
  for (let i = 0; i < 10_000; i++) {
    const used = process.cpuUsage(process.cpuUsage());
    readings.push(used.user + used.system);
  }
  process.stdout.write = realWrite;
  const failed = statuses.findIndex((status) => status !== 200);
  if (failed >= 0) throw new Error(`event ${failed}: HTTP ${statuses[failed]}`);
  if (missingWords !== undefined) throw new Error(`event ${missingWords}: the reply does not say ${words}`);
  readings.sort((a, b) => a - b);
  writeSync(3, JSON.stringify({ times, readingUs: readings[readings.length >> 1] }));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stdout.write = realWrite;
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
