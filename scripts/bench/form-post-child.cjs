'use strict';
/**
 * Child process of the campaign bench (scripts/bench/campaign.ts), the baseline of a call's CPU cost:
 * POSTs one form body COUNT times to URL with node's own `http.request` over a keep-alive agent, at RATE
 * requests a second (one every 1/RATE s, as the caller paces its calls), CONCURRENCY at most in flight,
 * reading and parsing each JSON answer. No signing, no results file, no campaign: what any client of the
 * same API, at the same pace, cannot do without. One request goes first, unmeasured (the connection
 * opened, the code compiled), as in signer-child.cjs. Reports on fd 3 the CPU and wall time of the COUNT
 * requests, and their answers' codes. Plain CommonJS run by plain `node`.
 *
 *   node scripts/bench/form-post-child.cjs <url> <body file> <count> <rate> <concurrency>
 */
const { readFileSync, writeSync } = require('node:fs');
const { Agent, request } = require('node:http');

const [url, bodyFile, countText, rateText, concurrencyText] = process.argv.slice(2);
const count = Number(countText);
const rate = Number(rateText);
const concurrency = Number(concurrencyText);
if (bodyFile === undefined || !(count > 0 && rate > 0 && concurrency > 0)) {
  process.stderr.write(
    'usage: node scripts/bench/form-post-child.cjs <url> <body file> <count> <rate> <concurrency>\n',
  );
  process.exit(2);
}
const body = readFileSync(bodyFile);
const agent = new Agent({ keepAlive: true });
const headers = {
  'content-type': 'application/x-www-form-urlencoded',
  'content-length': String(body.length),
};

/** One POST; resolves with the answer's Code (or the failure's name). */
function post() {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers, timeout: 10_000 }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve(String(JSON.parse(Buffer.concat(chunks).toString('utf8')).Code));
        } catch {
          resolve('not JSON');
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve(error.code ?? 'error'));
    req.end(body);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run() {
  await post();
  const codes = {};
  let next = Number.NEGATIVE_INFINITY;
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      sent++;
      // The next slot, 1/rate after the last one, never before now: the caller's pacing, no burst.
      const now = performance.now();
      const at = Math.max(now, next);
      next = at + 1_000 / rate;
      if (at > now) await sleep(at - now);
      const code = await post();
      codes[code] = (codes[code] ?? 0) + 1;
    }
  };
  const started = process.cpuUsage();
  const startedAt = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const used = process.cpuUsage(started);
  writeSync(
    3,
    `${JSON.stringify({ kind: 'posts', cpuMs: (used.user + used.system) / 1_000, wallMs: performance.now() - startedAt, codes })}\n`,
  );
  agent.destroy();
}

run().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`form-post child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
