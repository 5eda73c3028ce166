import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OSS from 'ali-oss';
import { startOssServer } from '../../../dev/oss-server';
import { describeOssLocal, main, OSS_LOCAL_PORT, ossLocalPublish } from '../../../scripts/local/oss-local';
import { captureIo } from '../../support/command-io';
import { occupyPort, startServing } from '../../support/serving-command';

describe('npm run oss:local', () => {
  it('serves the bucket it is given until stopped, printing the variables that reach it', async (t) => {
    assert.equal(OSS_LOCAL_PORT, 9300);
    const serving = startServing(main, ['--port', '0', '--bucket', 'my-rules']);
    t.after(() => serving.stop());
    const endpoint = await serving.printed(/export OSS_ENDPOINT=(\S+)/);
    const response = await fetch(`${endpoint}/`);
    assert.ok(response.status < 500, `the stand-in answers (${response.status})`);
    assert.match(serving.out.join(''), /bucket my-rules/);
    assert.equal(await serving.stop(), 0);
    await assert.rejects(fetch(`${endpoint}/`), 'it stops listening once stopped');
    assert.deepEqual(serving.err, []);
  });

  it('refuses a port or a bucket name OSS would not take in one line, exit 2', async () => {
    for (const [argv, wanted] of [
      [['--port', '70000'], /^oss:local: --port: .*; not 70000 \(see 'npm run oss:local -- --help'\)\n$/],
      [['--port', 'x'], /^oss:local: --port: a port is a whole number/],
      [['--bucket', 'Bad_Name'], /^oss:local: --bucket: .*not Bad_Name/],
    ] as const) {
      const { io, out, err } = captureIo();
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.match(err.join(''), wanted);
      assert.deepEqual(out, []);
    }
  });

  it('says in one line that the port is taken and how to pick another, exit 1', async () => {
    const taken = await occupyPort();
    try {
      const { io, err } = captureIo();
      assert.equal(await main(['--port', String(taken.port)], io), 1);
      assert.deepEqual(err, [
        `oss:local: port ${taken.port} is already in use (another server, perhaps this one started earlier): stop it, or pick another port with --port N (npm run oss:local -- --port 9400)\n`,
      ]);
    } finally {
      await taken.close();
    }
  });

  it('prints variables that let ali-oss reach the stand-in as printed', async () => {
    const server = await startOssServer({ buckets: ['try-out'] });
    try {
      const banner = describeOssLocal(server, 'try-out');
      const env = Object.fromEntries(
        banner.flatMap((line) => {
          const match = /^ {2}export ([A-Z_]+)=(.*)$/.exec(line);
          return match === null ? [] : [[match[1], match[2]]];
        }),
      ) as Record<string, string>;
      assert.deepEqual(Object.keys(env).sort(), [
        'ALIBABA_CLOUD_ACCESS_KEY_ID',
        'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
        'ALIBABA_CLOUD_REGION',
        'OSS_ENDPOINT',
      ]);
      assert.ok(
        banner.includes(`  ${ossLocalPublish('try-out')}`),
        'the publish that works as printed: --force',
      );
      assert.ok(
        banner.includes(
          `  RULES_URL=oss://try-out/rules.json RULES_OSS_ENDPOINT=${server.endpoint} RULES_OSS_REGION=${server.region} npm start`,
        ),
      );
      const client = new OSS({
        endpoint: env.OSS_ENDPOINT,
        region: `oss-${env.ALIBABA_CLOUD_REGION}`,
        accessKeyId: env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? '',
        accessKeySecret: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? '',
        bucket: 'try-out',
        authorizationV4: true,
      } as OSS.Options);
      await client.put('hello.txt', Buffer.from('hi'));
      assert.equal(server.getObject('try-out', 'hello.txt')?.body.toString(), 'hi');
    } finally {
      await server.close();
    }
  });
});
