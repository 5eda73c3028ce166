import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { type OssServer, startOssServer } from '../../dev/oss-server';
import { ROOT } from '../support/fc-event';

/**
 * FC freezes an instance between requests. A look at OSS started by one request must not fail because
 * the instance spent longer frozen than the request's deadline: here the instance is a process of its
 * own, stopped (SIGSTOP) while its look is in flight for longer than that deadline (5 s), then woken.
 */

const BUCKET = 'vms-rules';
const KEY = 'freeze/rules.json';
const doc = (version: string) =>
  JSON.stringify({
    version,
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: version } } } },
  });

let server: OssServer | undefined;
let child: ChildProcessWithoutNullStreams | undefined;
after(async () => {
  child?.kill('SIGKILL');
  await server?.close();
});

describe('inbound bundle: RULES_URL across a freeze', { timeout: 30_000 }, () => {
  it('finishes a look that FC froze mid-request, rather than timing it out on the wall clock', async () => {
    server = await startOssServer();
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
    const next = async () => {
      for (;;) {
        const { value, done } = await iterator.next();
        assert.ok(!done, 'the instance ended');
        if (typeof value === 'string' && value.startsWith('{')) {
          return JSON.parse(value) as { version: string | null; warnings: { message: string }[] };
        }
        if (value !== 'ready') assert.fail(`unexpected output: ${value}`);
      }
    };
    const ask = () => {
      instance.stdin.write('status\n');
      return next();
    };
    assert.equal((await ask()).version, 'v1', 'a cold start reads v1');
    // v2 is published; OSS will take 1 s to answer the next look.
    server.putObject(BUCKET, KEY, doc('v2'), 'application/json');
    server.setFault(BUCKET, KEY, { kind: 'slow', ms: 1_000 });
    const gets = () => server?.requests.filter((r) => r.key === KEY && r.method === 'GET') ?? [];
    const before = gets().length;
    assert.equal((await ask()).version, 'v1', 'the look starts; this request is answered at once');
    while (gets().length === before) await new Promise((resolve) => setTimeout(resolve, 5));
    // The look is in flight: FC freezes the instance for longer than the look's 5 s deadline.
    instance.kill('SIGSTOP');
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    server.setFault(BUCKET, KEY, undefined);
    instance.kill('SIGCONT');
    // The next requests find v2: the answer that arrived while frozen was read, not timed out.
    let shown = await ask();
    for (let i = 0; i < 20 && shown.version !== 'v2'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      shown = await ask();
    }
    assert.equal(shown.version, 'v2', JSON.stringify(shown.warnings));
    assert.ok(!shown.warnings.some((w) => /Timeout/.test(w.message)));
    assert.equal(gets().filter((r) => r.status === 200).length, 2, 'no second look was needed');
  });
});
