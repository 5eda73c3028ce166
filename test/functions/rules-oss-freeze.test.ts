import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { startOssServer } from '../../dev/oss-server';
import { ROOT } from '../support/fc-event';

/**
 * FC freezes an instance between requests. A look at OSS started by one request must not fail because
 * the instance spent longer frozen than the request's deadline: here the instance is a process of its
 * own, stopped (SIGSTOP) while its look is in flight for longer than that deadline (5 s), then woken.
 * Those seconds are mostly waiting: the scenario starts when this file is loaded, so that the rest of the
 * suite runs meanwhile, and the test reads what it saw.
 */

const BUCKET = 'vms-rules';
const KEY = 'freeze/rules.json';
const doc = (version: string) =>
  JSON.stringify({
    version,
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: version } } } },
  });

type Status = { version: string | null; warnings: { message: string }[] };

/** Runs the freeze on an instance of the built inbound bundle; what each request answered, and the looks. */
async function runFrozenLook() {
  const server = await startOssServer();
  let child: ChildProcessWithoutNullStreams | undefined;
  try {
    server.putObject(BUCKET, KEY, doc('v1'), 'application/json');
    child = spawn(
      process.execPath,
      [join(ROOT, 'test', 'fixtures', 'freeze', 'instance.cjs'), join(ROOT, 'dist', 'inbound', 'index.js')],
      {
        env: {
          PATH: process.env.PATH ?? '',
          STATE_SECRETS: 'freeze-test-state-key-0123',
          RULES_URL: `oss://${BUCKET}/${KEY}`,
          RULES_OSS_ENDPOINT: server.endpoint,
          RULES_OSS_REGION: server.region,
          RULES_CHECK_SECONDS: '0',
          RULES_LOAD_BUDGET_MS: '5000',
          LOG_LEVEL: 'error',
          ALIBABA_CLOUD_ACCESS_KEY_ID: server.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: server.accessKeySecret,
        },
      },
    );
    const instance = child;
    const lines = createInterface({ input: instance.stdout });
    const iterator = lines[Symbol.asyncIterator]();
    const next = async (): Promise<Status> => {
      for (;;) {
        const { value, done } = await iterator.next();
        if (done === true) throw new Error('the instance ended');
        if (typeof value === 'string' && value.startsWith('{')) return JSON.parse(value) as Status;
        if (value !== 'ready') throw new Error(`unexpected output: ${value}`);
      }
    };
    const ask = () => {
      instance.stdin.write('status\n');
      return next();
    };
    const coldStart = await ask();
    // v2 is published; OSS will take 1 s to answer the next look.
    server.putObject(BUCKET, KEY, doc('v2'), 'application/json');
    server.setFault(BUCKET, KEY, { kind: 'slow', ms: 1_000 });
    const gets = () => server.requests.filter((r) => r.key === KEY && r.method === 'GET');
    const before = gets().length;
    const lookStarted = await ask();
    while (gets().length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    // The look is in flight: FC freezes the instance for longer than the look's 5 s deadline.
    instance.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    server.setFault(BUCKET, KEY, undefined);
    instance.kill('SIGCONT');
    // The next requests find v2: the answer that arrived while frozen was read, not timed out.
    let woken = await ask();
    // Up to 5 s of asking: a busy machine may take a while to give the woken process the answer.
    for (let i = 0; i < 100 && woken.version !== 'v2'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      woken = await ask();
    }
    return { coldStart, lookStarted, woken, answeredLooks: gets().filter((r) => r.status === 200).length };
  } finally {
    child?.kill('SIGKILL');
    await server.close();
  }
}

const FROZEN = runFrozenLook();
// A failure is reported by the test that reads it, not as an unhandled rejection meanwhile.
FROZEN.catch(() => undefined);

describe('inbound bundle: RULES_URL across a freeze', { timeout: 30_000 }, () => {
  it('finishes a look that FC froze mid-request, rather than timing it out on the wall clock', async () => {
    const { coldStart, lookStarted, woken, answeredLooks } = await FROZEN;
    assert.equal(coldStart.version, 'v1', 'a cold start reads v1');
    assert.equal(lookStarted.version, 'v1', 'the look starts; this request is answered at once');
    assert.equal(woken.version, 'v2', JSON.stringify(woken.warnings));
    assert.ok(!woken.warnings.some((w) => /Timeout/.test(w.message)));
    assert.equal(answeredLooks, 2, 'no second look was needed');
  });
});
