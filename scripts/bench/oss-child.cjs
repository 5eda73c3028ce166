'use strict';
/**
 * Child process of the OSS refresh bench (scripts/bench/oss.ts): one instance of the inbound bundle with
 * `RULES_URL`, answering prepared events one at a time and timing each callback's latency (wall time,
 * handler call to reply: what a caller waits), with a turn of the event loop between callbacks, as an
 * instance idles between requests, so that a refresh it started really runs (or hangs) meanwhile. The
 * first event loads the rules; its time is left out. Reports the times (µs) on fd 3.
 *
 *   node scripts/bench/oss-child.cjs <module> <events file>
 */
const { readFileSync, writeSync } = require('node:fs');
const fs = require('node:fs');

const [file, eventsFile] = process.argv.slice(2);
if (file === undefined || eventsFile === undefined) {
  process.stderr.write('usage: node scripts/bench/oss-child.cjs <module> <events file>\n');
  process.exit(2);
}
const { handler } = require(file);
const context = { requestId: 'bench-oss', function: { name: 'bench', handler: 'index.handler' } };
const events = readFileSync(eventsFile, 'utf8')
  .split('\n')
  .filter((line) => line !== '')
  .map((line) => Buffer.from(line, 'base64'));

// The log lines are built as on FC; their write costs nothing here, but errors are counted.
const realWriteSync = fs.writeSync;
let errors = 0;
let reloads = 0;
fs.writeSync = (fd, data, ...rest) => {
  if (fd !== 1) return realWriteSync(fd, data, ...rest);
  const text = String(data);
  if (text.includes('"level":"error"')) errors++;
  if (text.includes('"msg":"rules reloaded"')) reloads++;
  return Buffer.byteLength(text);
};

async function main() {
  const times = [];
  const statuses = [];
  for (let i = 0; i < events.length; i++) {
    const started = process.hrtime.bigint();
    const result = await handler(events[i], context);
    const took = Number(process.hrtime.bigint() - started) / 1_000;
    if (i > 0) times.push(took);
    statuses.push(result.statusCode);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const failed = statuses.findIndex((status) => status !== 200);
  if (failed >= 0) throw new Error(`event ${failed}: HTTP ${statuses[failed]}`);
  writeSync(3, JSON.stringify({ times, errors, reloads }));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
