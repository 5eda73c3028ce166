import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type OssServer, startOssServer } from '../../dev/oss-server';
import { type GetObjectRequest, getObject, OssError } from '../../shared/oss/get-object';

/** The functions' GetObject client against the OSS stand-in (signatures checked), and against junk servers. */

let oss: OssServer;
before(async () => {
  oss = await startOssServer({ securityToken: 'sts' });
  oss.putObject('vms-rules', 'rules.json', '{"version":"1"}', 'application/json');
});
after(() => oss.close());

function request(overrides: Partial<GetObjectRequest> = {}): GetObjectRequest {
  return {
    endpoint: oss.endpoint,
    address: { bucket: 'vms-rules', key: 'rules.json' },
    region: oss.region,
    credentials: { accessKeyId: oss.accessKeyId, accessKeySecret: oss.accessKeySecret, securityToken: 'sts' },
    maxBytes: 1024,
    timeoutMs: 2_000,
    now: () => Date.now(),
    ...overrides,
  };
}

/** Rejects with an OssError; returns it. */
async function failure(promise: Promise<unknown>): Promise<OssError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OssError, String(error));
    return error;
  }
  assert.fail('expected a rejection');
}

/** A server answering every request with `answer`. */
async function junk(
  answer: Parameters<typeof createServer>[1],
): Promise<{ server: Server; endpoint: string }> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('getObject', () => {
  it('reads the object and its ETag, then answers unchanged to If-None-Match', async () => {
    const first = await getObject(request());
    assert.equal(first.status, 'ok');
    assert.ok(first.status === 'ok');
    assert.equal(first.text, '{"version":"1"}');
    assert.match(first.etag ?? '', /^"[0-9A-F]{32}"$/);
    assert.deepEqual(await getObject(request({ ifNoneMatch: first.etag })), { status: 'unchanged' });
  });

  it('rejects with OSS’s code, message and request id', async () => {
    const missing = await failure(getObject(request({ address: { bucket: 'vms-rules', key: 'none.json' } })));
    assert.equal(missing.code, 'NoSuchKey');
    assert.equal(missing.httpStatus, 404);
    assert.ok((missing.requestId ?? '').length > 0);
    const denied = await failure(
      getObject(request({ credentials: { accessKeyId: oss.accessKeyId, accessKeySecret: 'wrong' } })),
    );
    assert.equal(denied.code, 'InvalidSecurityToken');
  });

  it('refuses an object over maxBytes by its Content-Length, and one that streams past it', async () => {
    oss.putObject('vms-rules', 'big.json', 'x'.repeat(2048));
    const declared = await failure(getObject(request({ address: { bucket: 'vms-rules', key: 'big.json' } })));
    assert.equal(declared.code, 'TooLarge');
    const { server, endpoint } = await junk((_, res) => {
      res.writeHead(200, { 'transfer-encoding': 'chunked' });
      res.write('x'.repeat(800));
      res.end('x'.repeat(800));
    });
    try {
      assert.equal((await failure(getObject(request({ endpoint })))).code, 'TooLarge');
    } finally {
      server.close();
    }
  });

  it('gives up at its deadline, on a cut-off answer, and on a non-OSS error', async () => {
    oss.setFault('vms-rules', 'rules.json', { kind: 'hang' });
    assert.equal((await failure(getObject(request({ timeoutMs: 100 })))).code, 'Timeout');
    oss.setFault('vms-rules', 'rules.json', { kind: 'truncate' });
    assert.equal((await failure(getObject(request()))).code, 'NetworkError');
    oss.setFault('vms-rules', 'rules.json', undefined);
    const { server, endpoint } = await junk((_, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end(`<html>${'bad gateway '.repeat(3000)}</html>`);
    });
    try {
      const bad = await failure(getObject(request({ endpoint })));
      assert.equal(bad.code, 'HTTP502');
      assert.match(bad.message, /without an OSS error body/);
    } finally {
      server.close();
    }
    assert.equal(
      (await failure(getObject(request({ endpoint: 'http://127.0.0.1:1' })))).code,
      'NetworkError',
    );
  });
});
