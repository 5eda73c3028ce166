import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { signOssRequest } from '../../shared/oss/sign-v4';

/** ali-oss's own V4 signer: an implementation independent of ours, run on the same inputs. */
const signUtils = createRequire(import.meta.filename)('ali-oss/lib/common/signUtils.js') as {
  authorizationV4(
    accessKeyId: string,
    accessKeySecret: string,
    region: string,
    method: string,
    request: { headers: Record<string, string>; queries?: Record<string, string | null> },
    bucketName?: string,
    objectName?: string,
  ): string;
};

const credentials = { accessKeyId: 'LTAI5tExampleKeyId', accessKeySecret: 'ExampleSecret/With+Symbols=' };

function theirs(input: Parameters<typeof signOssRequest>[0], ours: Record<string, string>): string {
  const headers = Object.fromEntries(Object.entries(ours).filter(([name]) => name !== 'authorization'));
  const queries = Object.fromEntries(
    Object.entries(input.query ?? {}).map(([name, value]) => [name, value ?? null]),
  );
  return signUtils.authorizationV4(
    input.credentials.accessKeyId,
    input.credentials.accessKeySecret,
    input.region,
    input.method,
    { headers, queries },
    input.bucket === '' ? undefined : input.bucket,
    input.key === '' ? undefined : input.key,
  );
}

describe('OSS V4 signing', () => {
  it('signs a GetObject as ali-oss does, with and without an STS token and If-None-Match', () => {
    for (const securityToken of [undefined, 'CAIS+token/with=chars']) {
      const input = {
        method: 'GET',
        bucket: 'vms-rules',
        key: 'rules/hotline.json',
        region: 'cn-hangzhou',
        credentials: { ...credentials, securityToken },
        headers: { 'If-None-Match': '"5B3C1A2E"' },
        date: new Date('2026-11-30T13:04:55.123Z'),
      };
      const ours = signOssRequest(input);
      assert.equal(ours['x-oss-date'], '20261130T130455Z');
      assert.match(
        ours.authorization ?? '',
        /^OSS4-HMAC-SHA256 Credential=LTAI5tExampleKeyId\/20261130\/cn-hangzhou\/oss\/aliyun_v4_request,Signature=[0-9a-f]{64}$/,
      );
      assert.equal(ours.authorization, theirs(input, ours));
    }
  });

  it('agrees with ali-oss on any key, region, method, content type and query', () => {
    const keyChars = fc.constantFrom(..."aZ09-_.~/ !*()'&=+%?#中文😀".split(/(?:)/u));
    fc.assert(
      fc.property(
        fc.array(keyChars, { minLength: 1, maxLength: 40 }).map((chars) => chars.join('')),
        fc.constantFrom('cn-hangzhou', 'cn-shanghai', 'ap-southeast-1', 'us-west-1'),
        fc.constantFrom('GET', 'PUT', 'HEAD', 'DELETE'),
        fc.option(fc.constantFrom('application/json', 'text/plain; charset=utf-8'), { nil: undefined }),
        fc.dictionary(
          fc.constantFrom('prefix', 'max-keys', 'list-type', 'uploads', 'acl'),
          fc.string({ maxLength: 8 }),
          {
            maxKeys: 3,
          },
        ),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }),
        (key, region, method, contentType, query, date) => {
          const input = {
            method,
            bucket: 'a-bucket-1',
            key,
            region,
            credentials,
            query,
            headers: contentType === undefined ? {} : { 'Content-Type': contentType },
            date,
          };
          const ours = signOssRequest(input);
          assert.equal(ours.authorization, theirs(input, ours));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('changes with the secret, the key and the day', () => {
    const base = {
      method: 'GET',
      bucket: 'vms-rules',
      key: 'a.json',
      region: 'cn-hangzhou',
      credentials,
      date: new Date('2026-11-30T00:00:00Z'),
    };
    const signature = (input: typeof base) => signOssRequest(input).authorization;
    const reference = signature(base);
    assert.notEqual(signature({ ...base, key: 'b.json' }), reference);
    assert.notEqual(
      signature({ ...base, credentials: { ...credentials, accessKeySecret: 'other' } }),
      reference,
    );
    assert.notEqual(signature({ ...base, date: new Date('2026-12-01T00:00:00Z') }), reference);
  });
});
