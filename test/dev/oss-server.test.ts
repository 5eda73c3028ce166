import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import OSS from 'ali-oss';
import { computeEtag, type OssServer, startOssServer } from '../../dev/oss-server';

const BUCKET = 'vms-rules';

/** The ali-oss client as the CLI and the functions create it: V4, region `oss-<region>`, the stand-in's endpoint. */
function clientFor(server: OssServer, overrides: Partial<OSS.Options> = {}): OSS {
  return new OSS({
    endpoint: server.endpoint,
    region: `oss-${server.region}`,
    accessKeyId: server.accessKeyId,
    accessKeySecret: server.accessKeySecret,
    ...(server.securityToken === undefined ? {} : { stsToken: server.securityToken }),
    bucket: BUCKET,
    authorizationV4: true,
    timeout: 2000,
    ...overrides,
  } as OSS.Options);
}

type OssFailure = { status?: number; code?: string; requestId?: string };

async function failureOf(promise: Promise<unknown>): Promise<OssFailure> {
  try {
    await promise;
  } catch (error) {
    return error as OssFailure;
  }
  assert.fail('the request succeeded');
}

/** A raw request to the stand-in, for what ali-oss cannot send (no signature, a presigned URL, a given Host). */
function rawRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('the OSS stand-in', () => {
  let server: OssServer;
  let client: OSS;
  before(async () => {
    server = await startOssServer({ buckets: [BUCKET, 'other'], maxBodyBytes: 1024 * 1024 });
    client = clientFor(server);
  });
  after(() => server.close());

  it('stores what ali-oss puts and gives it back with an upper-case MD5 ETag', async () => {
    const body = '{"version":"1"}';
    const put = await client.put('rules/live.json', Buffer.from(body), { mime: 'application/json' });
    assert.equal(put.res.status, 200);
    const etag = computeEtag(Buffer.from(body));
    assert.match(etag, /^"[0-9A-F]{32}"$/);
    assert.equal((put.res.headers as Record<string, string>).etag, etag);
    const got = await client.get('rules/live.json');
    assert.equal(got.content.toString(), body);
    const headers = got.res.headers as Record<string, string>;
    assert.equal(headers.etag, etag);
    assert.equal(headers['content-type'], 'application/json');
    assert.equal(headers['content-length'], String(body.length));
    assert.ok(!Number.isNaN(Date.parse(headers['last-modified'] ?? '')));
    assert.match(headers['x-oss-request-id'] ?? '', /^[0-9A-F]{24}$/);
    assert.equal(server.getObject(BUCKET, 'rules/live.json')?.etag, etag);
    const last = server.requests.at(-1);
    assert.deepEqual(
      { ...last, query: {} },
      {
        method: 'GET',
        bucket: BUCKET,
        key: 'rules/live.json',
        query: {},
        status: 200,
        signed: 'v4',
      },
    );
  });

  it('answers 304 with no body when If-None-Match is the ETag, 200 otherwise', async () => {
    const etag = server.putObject(BUCKET, 'cond.json', 'same');
    const unchanged = await client.get('cond.json', { headers: { 'If-None-Match': etag } });
    assert.equal(unchanged.res.status, 304);
    assert.equal(unchanged.content.length, 0);
    const changed = await client.get('cond.json', { headers: { 'If-None-Match': '"0"' } });
    assert.equal(changed.res.status, 200);
    assert.equal(changed.content.toString(), 'same');
  });

  it('serves one byte range with 206 and Content-Range, and the whole object for a range it cannot serve', async () => {
    server.putObject(BUCKET, 'range.json', '0123456789');
    const part = await client.get('range.json', { headers: { Range: 'bytes=2-4' } });
    assert.equal(part.res.status, 206);
    assert.equal(part.content.toString(), '234');
    assert.equal((part.res.headers as Record<string, string>)['content-range'], 'bytes 2-4/10');
    const capped = await client.get('range.json', { headers: { Range: 'bytes=0-99' } });
    assert.equal(capped.res.status, 206);
    assert.equal((capped.res.headers as Record<string, string>)['content-range'], 'bytes 0-9/10');
    const beyond = await client.get('range.json', { headers: { Range: 'bytes=20-30' } });
    assert.equal(beyond.res.status, 200);
    assert.equal(beyond.content.toString(), '0123456789');
  });

  it('answers NoSuchKey and NoSuchBucket as OSS XML errors, with the request id', async () => {
    const missing = await failureOf(client.get('absent.json'));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'NoSuchKey');
    assert.match(missing.requestId ?? '', /^[0-9A-F]{24}$/);
    const noBucket = await failureOf(clientFor(server, { bucket: 'nope' }).get('a.json'));
    assert.equal(noBucket.status, 404);
    assert.equal(noBucket.code, 'NoSuchBucket');
    const head = await failureOf(client.head('absent.json'));
    assert.equal(head.status, 404);
  });

  it('addresses path-style when the Host is an IP, and sends the error XML OSS sends', async () => {
    const reply = await rawRequest(`${server.endpoint}/${BUCKET}/cond.json`);
    assert.equal(reply.status, 403);
    assert.match(
      reply.body,
      /<Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{24}<\/RequestId><HostId>/,
    );
    assert.equal(reply.headers['x-oss-request-id'], /<RequestId>([0-9A-F]+)</.exec(reply.body)?.[1]);
    assert.match(String(reply.headers['x-oss-ec']), /^\d{4}-\d{8}$/);
    assert.deepEqual(
      { ...server.requests.at(-1), query: {} },
      { method: 'GET', bucket: BUCKET, key: 'cond.json', query: {}, status: 403, signed: 'none' },
    );
  });

  it('refuses a wrong secret, an unknown key id, a V1 signature and a skewed clock', async () => {
    server.putObject(BUCKET, 'auth.json', 'x');
    const wrongSecret = await failureOf(clientFor(server, { accessKeySecret: 'wrong' }).get('auth.json'));
    assert.deepEqual([wrongSecret.status, wrongSecret.code], [403, 'SignatureDoesNotMatch']);
    assert.equal(server.requests.at(-1)?.signed, 'bad');
    // HEAD has no body: the error XML travels base64-encoded in x-oss-err, which ali-oss reads.
    const wrongHead = await failureOf(clientFor(server, { accessKeySecret: 'wrong' }).head('auth.json'));
    assert.deepEqual([wrongHead.status, wrongHead.code], [403, 'SignatureDoesNotMatch']);
    const wrongId = await failureOf(clientFor(server, { accessKeyId: 'LTAI-nobody' }).get('auth.json'));
    assert.deepEqual([wrongId.status, wrongId.code], [403, 'InvalidAccessKeyId']);
    const v1 = await failureOf(clientFor(server, { authorizationV4: false }).get('auth.json'));
    assert.deepEqual([v1.status, v1.code], [403, 'AccessDenied']);
    const skewed = clientFor(server, { amendTimeSkewed: 20 * 60 * 1000 } as Partial<OSS.Options>);
    const skew = await failureOf(skewed.get('auth.json'));
    assert.deepEqual([skew.status, skew.code], [403, 'RequestTimeTooSkewed']);
    const otherRegion = await failureOf(clientFor(server, { region: 'oss-cn-beijing' }).get('auth.json'));
    assert.deepEqual([otherRegion.status, otherRegion.code], [403, 'SignatureDoesNotMatch']);
  });

  it('refuses a request whose query was changed after signing', async () => {
    server.putObject(BUCKET, 'signed-url.json', 'presigned');
    const url = await client.signatureUrlV4('GET', 60, {}, 'signed-url.json');
    const host = `${BUCKET}.oss-${server.region}.aliyuncs.com`;
    const good = await rawRequest(url, { headers: { host } });
    assert.equal(good.status, 200);
    assert.equal(good.body, 'presigned');
    const tampered = await rawRequest(url.replace('x-oss-expires=60', 'x-oss-expires=600'), {
      headers: { host },
    });
    assert.equal(tampered.status, 403);
    assert.match(tampered.body, /SignatureDoesNotMatch/);
  });

  it('lists keys with ListObjects and ListObjectsV2, by prefix and page', async () => {
    for (const name of ['a', 'b', 'c']) server.putObject('other', `list/${name}.json`, name);
    server.putObject('other', 'list/sub/d.json', 'd');
    server.putObject('other', 'elsewhere.json', 'e');
    const other = clientFor(server, { bucket: 'other' });
    const v1 = await other.list({ prefix: 'list/', 'max-keys': 2 }, {});
    assert.deepEqual(
      v1.objects.map((o) => o.name),
      ['list/a.json', 'list/b.json'],
    );
    assert.equal(v1.isTruncated, true);
    const v1next = await other.list({ prefix: 'list/', marker: v1.nextMarker ?? '', 'max-keys': 10 }, {});
    assert.deepEqual(
      v1next.objects.map((o) => o.name),
      ['list/c.json', 'list/sub/d.json'],
    );
    const page1 = await other.listV2({ prefix: 'list/', 'max-keys': '3' });
    assert.deepEqual(
      page1.objects.map((o) => o.name),
      ['list/a.json', 'list/b.json', 'list/c.json'],
    );
    assert.equal(page1.isTruncated, true);
    const page2 = await other.listV2({
      prefix: 'list/',
      'continuation-token': page1.nextContinuationToken ?? '',
      'max-keys': '3',
    });
    assert.deepEqual(
      page2.objects.map((o) => o.name),
      ['list/sub/d.json'],
    );
    assert.equal(page2.isTruncated, false);
    const folders = await other.listV2({ prefix: 'list/', delimiter: '/' });
    assert.deepEqual(folders.prefixes, ['list/sub/']);
    assert.equal(folders.objects.length, 3);
    assert.equal(folders.objects[0]?.size, 1);
    assert.equal(folders.objects[0]?.etag, computeEtag(Buffer.from('a')));
  });

  it('heads, copies, deletes, and honours x-oss-forbid-overwrite', async () => {
    await client.put('copy/src.json', Buffer.from('source'), {
      headers: { 'x-oss-meta-rules-version': '7' },
    });
    const head = await client.head('copy/src.json');
    assert.equal((head.res.headers as Record<string, string>)['x-oss-meta-rules-version'], '7');
    assert.equal((head.meta as Record<string, string>)['rules-version'], '7');
    await client.copy('copy/dst.json', 'copy/src.json');
    assert.equal(server.getObject(BUCKET, 'copy/dst.json')?.body.toString(), 'source');
    assert.equal(server.getObject(BUCKET, 'copy/dst.json')?.meta['x-oss-meta-rules-version'], '7');
    const refused = await failureOf(
      client.put('copy/dst.json', Buffer.from('other'), { headers: { 'x-oss-forbid-overwrite': 'true' } }),
    );
    assert.deepEqual([refused.status, refused.code], [409, 'FileAlreadyExists']);
    assert.equal(server.getObject(BUCKET, 'copy/dst.json')?.body.toString(), 'source');
    await client.delete('copy/dst.json');
    assert.equal(server.getObject(BUCKET, 'copy/dst.json'), undefined);
  });

  it('refuses a body over its limit with EntityTooLarge', async () => {
    const tooLarge = await failureOf(client.put('big.bin', Buffer.alloc(1024 * 1024 + 1)));
    assert.deepEqual([tooLarge.status, tooLarge.code], [413, 'EntityTooLarge']);
    assert.equal(server.getObject(BUCKET, 'big.bin'), undefined);
  });

  it('shows each fault on GET of its object only, and clears it', async () => {
    server.putObject(BUCKET, 'fault.json', '{"version":"fault"}');
    server.setFault(BUCKET, 'fault.json', { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    const error = await failureOf(client.get('fault.json'));
    assert.deepEqual([error.status, error.code], [503, 'ServiceUnavailable']);
    assert.equal((await client.get('cond.json')).res.status, 200);

    server.setFault(BUCKET, 'fault.json', { kind: 'garbage' });
    const garbage = await client.get('fault.json');
    assert.equal(garbage.res.status, 200);
    assert.match(garbage.content.toString(), /^<html>/);

    server.setFault(BUCKET, 'fault.json', { kind: 'truncate' });
    // ali-oss rejects a body cut short: the headers promised more than arrived.
    await failureOf(client.get('fault.json'));
    assert.equal(server.requests.at(-1)?.status, 200);
    const url = await client.signatureUrlV4('GET', 60, {}, 'fault.json');
    const cut = await failureOf(
      rawRequest(url, { headers: { host: `${BUCKET}.oss-${server.region}.aliyuncs.com` } }),
    );
    assert.match(String((cut as Error).message), /aborted|ECONNRESET|socket hang up/);

    server.setFault(BUCKET, 'fault.json', { kind: 'slow', ms: 30 });
    assert.equal((await client.get('fault.json')).content.toString(), '{"version":"fault"}');

    server.setFault(BUCKET, 'fault.json', { kind: 'hang' });
    const hung = await failureOf(clientFor(server, { timeout: 100 }).get('fault.json'));
    assert.match((hung as Error).name, /Timeout/);
    assert.equal(server.requests.at(-1)?.status, 0);

    server.setFault(BUCKET, 'fault.json', undefined);
    assert.equal((await client.get('fault.json')).content.toString(), '{"version":"fault"}');
  });
});

describe('the OSS stand-in with a security token', () => {
  it('accepts only requests carrying its token, and closes with a request still hanging', async () => {
    const server = await startOssServer({ securityToken: 'sts-token-1' });
    try {
      server.putObject('vms-rules', 'k.json', 'v');
      assert.equal((await clientFor(server).get('k.json')).content.toString(), 'v');
      const wrong = await failureOf(clientFor(server, { stsToken: 'sts-token-2' }).get('k.json'));
      assert.deepEqual([wrong.status, wrong.code], [403, 'InvalidSecurityToken']);
      const none = new OSS({
        endpoint: server.endpoint,
        region: `oss-${server.region}`,
        accessKeyId: server.accessKeyId,
        accessKeySecret: server.accessKeySecret,
        bucket: 'vms-rules',
        authorizationV4: true,
      });
      const missing = await failureOf(none.get('k.json'));
      assert.deepEqual([missing.status, missing.code], [403, 'InvalidSecurityToken']);
      server.setFault('vms-rules', 'k.json', { kind: 'hang' });
      const hanging = failureOf(clientFor(server, { timeout: 5000 }).get('k.json'));
      while (server.requests.length < 4) await new Promise((resolve) => setImmediate(resolve));
      await server.close();
      assert.equal((await hanging).status, -1);
    } finally {
      await server.close().catch(() => undefined);
    }
  });
});
