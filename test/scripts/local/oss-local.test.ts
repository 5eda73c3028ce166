import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OSS from 'ali-oss';
import { startOssServer } from '../../../dev/oss-server';
import { describeOssLocal, OSS_LOCAL_PORT, parseOssLocalArgs } from '../../../scripts/local/oss-local';

describe('npm run oss:local', () => {
  it('listens on port 9300 with the bucket vms-rules unless told otherwise', () => {
    assert.equal(OSS_LOCAL_PORT, 9300);
    assert.deepEqual(parseOssLocalArgs([]), { port: 9300, bucket: 'vms-rules' });
    assert.deepEqual(parseOssLocalArgs(['--port', '9400', '--bucket', 'my-rules']), {
      port: 9400,
      bucket: 'my-rules',
    });
  });

  it('refuses a port or a bucket name OSS would not take, saying which', () => {
    assert.throws(() => parseOssLocalArgs(['--port', '70000']), /--port: .*not 70000/);
    assert.throws(() => parseOssLocalArgs(['--port', 'x']), /--port/);
    assert.throws(() => parseOssLocalArgs(['--bucket', 'Bad_Name']), /--bucket: .*not Bad_Name/);
    assert.throws(() => parseOssLocalArgs(['--nope']), /nope/);
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
      assert.ok(banner.some((line) => line.includes('oss://try-out/rules.json')));
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
