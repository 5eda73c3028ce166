'use strict';
/**
 * Child process of the cold first-reply benches (`scripts/bench/cold.ts`): a fresh node loads one module
 * from a file, as FC's runtime loads `index.js`, answers one event with its `handler`, and reports its own
 * CPU time (and, read afterwards, the names of the files it loaded) on fd 3, then exits. Plain CommonJS run by plain `node`: no tsx, no `-e` (which preloads
 * node:crypto and would hide what the bundle's own use of it costs), nothing loaded but what the module
 * loads, so a constant handler run the same way is the baseline of exactly this process shape.
 *
 *   node scripts/bench/cold-child.cjs <module file> <event, base64>      (fd 3: one JSON report)
 */
const { writeSync } = require('node:fs');

const [file, eventBase64] = process.argv.slice(2);
if (file === undefined || eventBase64 === undefined) {
  process.stderr.write('usage: node scripts/bench/cold-child.cjs <module file> <event, base64>\n');
  process.exit(2);
}
// What FC hands an event handler: the event as a Buffer, and a context.
const event = Buffer.from(eventBase64, 'base64');
const context = {
  requestId: 'bench-cold-1',
  function: { name: 'bench', handler: 'index.handler', memory: 512, timeout: 10 },
  region: 'local',
  accountId: 'local',
};

const { handler } = require(file);
// process.cpuUsage() counts from the start of the process: node's own start-up is in every figure.
const loaded = process.cpuUsage();
handler(event, context).then(
  (result) => {
    const replied = process.cpuUsage();
    // After the reply's CPU time: which files it loaded (a side file such as lookup-client.js, say).
    const { basename } = require('node:path');
    writeSync(
      3,
      JSON.stringify({
        loadedUs: loaded.user + loaded.system,
        repliedUs: replied.user + replied.system,
        statusCode: result.statusCode,
        body: result.body,
        modules: Object.keys(require.cache).map((name) => basename(name)),
      }),
    );
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`handler failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
