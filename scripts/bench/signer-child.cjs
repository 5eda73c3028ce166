'use strict';
/**
 * Child process of the campaign bench (scripts/bench/campaign.ts): one SmartCall client library loaded
 * from nothing and used COUNT times, one request after another, against a server on 127.0.0.1 that answers
 * every request as SmartCall does. Reports on fd 3 the CPU time of loading the library (its `require`
 * alone) and of the requests. Plain CommonJS run by plain `node`: nothing loaded but the library.
 *
 * - `pop-core`: `@alicloud/pop-core`'s RPCClient, as dev/smartcall-client.ts sends (signature 1.0,
 *   HMAC-SHA1, the parameters as a POST form);
 * - `openapi-core`: `@alicloud/openapi-core` (1.0.x, not a dependency of this project: installed with
 *   `npm i --no-save @alicloud/openapi-core@1.0.8`), as the generated `dyvmsapi` SDK calls it by default
 *   (`callApi`, RPC style, its default signature: ACS3-HMAC-SHA256).
 *
 *   node scripts/bench/signer-child.cjs <pop-core|openapi-core> <url> <count>
 */
const { writeSync } = require('node:fs');
const { createRequire } = require('node:module');

const [library, url, countText] = process.argv.slice(2);
const count = Number(countText);
if (!(library === 'pop-core' || library === 'openapi-core') || url === undefined || !(count > 0)) {
  process.stderr.write('usage: node scripts/bench/signer-child.cjs <pop-core|openapi-core> <url> <count>\n');
  process.exit(2);
}
const ACCESS = {
  accessKeyId: 'LTAIbenchSigner000000000',
  accessKeySecret: 'bench-signer-secret-not-a-secret',
};
const VERSION = '2017-05-25';
/** What the caller sends for one row of the appointment reminder (scripts/bench/campaign.ts's list). */
const paramsOf = (i) => ({
  CalledShowNumber: '05925550000',
  CalledNumber: `138${String(10_000_000 + i).slice(-8)}`,
  VoiceCode: 'TTS_201234567',
  VoiceCodeParam: '{"time":"明天上午10点半","doctor":"王医生"}',
  OutId: `bench${i}`,
  DynamicId: `o1.${'x'.repeat(130)}`,
  MuteTime: '5000',
  SessionTimeout: '300',
  RecordFlag: 'true',
});

const cpuUs = (since) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/** Loads the library (timed) and returns one SmartCall request that resolves with the answer's CallId. */
function load() {
  const started = process.cpuUsage();
  if (library === 'pop-core') {
    const { RPCClient } = require('@alicloud/pop-core');
    const loadUs = cpuUs(started);
    const client = new RPCClient({ endpoint: url, apiVersion: VERSION, ...ACCESS });
    const send = async (i) =>
      (await client.request('SmartCall', paramsOf(i), { method: 'POST', formatParams: false })).CallId;
    return { loadUs, send };
  }
  const core = require('@alicloud/openapi-core');
  const loadUs = cpuUs(started);
  // Its own copy of the Darabonba runtime, already loaded by openapi-core: no cost left to count.
  const dara = createRequire(require.resolve('@alicloud/openapi-core'))('@darabonba/typescript');
  const { $OpenApiUtil: util } = core;
  const { host } = new URL(url);
  const client = new core.default(new util.Config({ ...ACCESS, endpoint: host, protocol: 'http' }));
  const send = async (i) => {
    const params = new util.Params({
      action: 'SmartCall',
      version: VERSION,
      protocol: 'HTTP',
      pathname: '/',
      method: 'POST',
      authType: 'AK',
      style: 'RPC',
      reqBodyType: 'formData',
      bodyType: 'json',
    });
    const request = new util.OpenApiRequest({ query: paramsOf(i) });
    const answer = await client.callApi(params, request, new dara.RuntimeOptions({}));
    return answer.body.CallId;
  };
  return { loadUs, send };
}

async function run() {
  const { loadUs, send } = load();
  // One request before the clock starts: the first connection and the first calls' compilation.
  await send(0);
  const started = process.cpuUsage();
  for (let i = 1; i <= count; i++) {
    const callId = await send(i);
    if (typeof callId !== 'string' || callId === '') throw new Error(`request ${i}: no CallId in the answer`);
  }
  writeSync(
    3,
    `${JSON.stringify({ kind: 'signer', library, loadMs: loadUs / 1_000, perRequestMs: cpuUs(started) / 1_000 / count })}\n`,
  );
}

run().then(
  () => process.exit(0),
  (error) => {
    // Never the library's message: it may hold the URL and the request.
    process.stderr.write(`signer child (${library}) failed: ${error?.code ?? error?.name ?? 'error'}\n`);
    process.exit(1);
  },
);
