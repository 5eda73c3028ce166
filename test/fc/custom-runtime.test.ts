import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  contextOf,
  eventAnswer,
  failAnswer,
  invocationKind,
  lifecycleAnswer,
  readLimits,
  sourceIpOf,
  toHttpAnswer,
  tooLargeAnswer,
  toTriggerEvent,
  validIp,
} from '../../shared/fc/custom-runtime';
import { toHttpRequest } from '../../shared/fc/http-trigger';

const NOW = Date.UTC(2026, 1, 3, 1, 2, 3);

function forwarded(overrides: Partial<Parameters<typeof toTriggerEvent>[0]> = {}) {
  return {
    method: 'POST',
    url: '/inbound/secret?token=a&token=b&x=%E4%BD%A0',
    rawHeaders: [
      'Host',
      'fn.cn-hangzhou.fcapp.run',
      'Content-Type',
      'application/x-www-form-urlencoded',
      'X-Fc-Request-Id',
      'req-42',
      'x-fc-access-key-id',
      'STS.id',
      'x-fc-access-key-secret',
      'very-secret',
      'x-fc-security-token',
      'token-text',
      'x-fc-region',
      'cn-shanghai',
      'x-fc-account-id',
      '123',
      'x-fc-function-name',
      'vms-inbound',
      'Accept',
      'a',
      'accept',
      'b',
    ],
    body: Buffer.from('call_id=1%5E2&content_type=callin'),
    remoteAddress: '10.0.0.1',
    httpVersion: '1.1',
    ...overrides,
  };
}

describe('toTriggerEvent', () => {
  it('builds the event the built-in runtime sends, which the handlers read back as the same request', () => {
    const { event, context } = toTriggerEvent(forwarded(), NOW);
    const parsed = JSON.parse(event.toString()) as Record<string, unknown>;
    assert.equal(parsed.rawPath, '/inbound/secret');
    assert.equal(parsed.isBase64Encoded, true);
    assert.deepEqual(parsed.queryParameters, { token: 'a,b', x: '你' });
    const converted = toHttpRequest(event, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.method, 'POST');
    assert.equal(converted.request.path, '/inbound/secret');
    assert.equal(converted.request.body, 'call_id=1%5E2&content_type=callin');
    assert.equal(converted.request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(converted.request.headers.accept, 'a,b');
    assert.equal(converted.request.requestId, 'req-42');
    assert.equal(converted.request.sourceIp, '10.0.0.1');
    const context_ = parsed.requestContext as Record<string, unknown>;
    assert.equal(context_.timeEpoch, String(NOW));
    assert.equal(context_.domainPrefix, 'fn');
    assert.deepEqual(context, {
      requestId: 'req-42',
      region: 'cn-shanghai',
      accountId: '123',
      function: { name: 'vms-inbound' },
      credentials: { accessKeyId: 'STS.id', accessKeySecret: 'very-secret', securityToken: 'token-text' },
    });
  });

  it('keeps the role keys out of the event, whose headers may be logged', () => {
    const text = toTriggerEvent(forwarded(), NOW).event.toString();
    for (const secret of ['STS.id', 'very-secret', 'token-text']) assert.ok(!text.includes(secret), secret);
  });

  it('sends an empty body as plain text, a GET, with no request id or role when FC gives none', () => {
    const { event, context } = toTriggerEvent(
      forwarded({ method: 'GET', url: '/', rawHeaders: [], body: Buffer.alloc(0), remoteAddress: undefined }),
      NOW,
    );
    const parsed = JSON.parse(event.toString()) as { isBase64Encoded: boolean; body: string };
    assert.equal(parsed.isBase64Encoded, false);
    assert.equal(parsed.body, '');
    assert.deepEqual(context, { requestId: undefined });
    const converted = toHttpRequest(event, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.method, 'GET');
    assert.equal(converted.request.requestId, undefined);
  });

  it('takes the last forwarded-for address, the one FC appends, and survives a URL it cannot read', () => {
    const { event } = toTriggerEvent(
      forwarded({ url: '//[bad', rawHeaders: ['X-Forwarded-For', '198.51.100.9, 203.0.113.7'] }),
      NOW,
    );
    const converted = toHttpRequest(event, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.sourceIp, '203.0.113.7');
    assert.equal(converted.request.path, '/');
  });

  it('takes the peer when the last forwarded-for entry is not an address, long or spoofed', () => {
    const spoofed = `8.8.8.8-spoofed-${'z'.repeat(7000)}`;
    assert.equal(sourceIpOf(spoofed, '10.0.0.1'), '10.0.0.1');
    assert.equal(sourceIpOf(`1.1.1.1, ${spoofed}`, '10.0.0.1'), '10.0.0.1');
    assert.equal(sourceIpOf('2001:db8::1', '10.0.0.1'), '2001:db8::1');
    assert.equal(sourceIpOf(undefined, '::ffff:10.0.0.1'), '::ffff:10.0.0.1');
    assert.equal(sourceIpOf('', 'not-an-ip'), '');
    assert.equal(validIp(`${'1:'.repeat(40)}1`), undefined);
    assert.equal(validIp('999.1.1.1'), undefined);
    const { event } = toTriggerEvent(forwarded({ rawHeaders: ['x-forwarded-for', spoofed] }), NOW);
    assert.equal(JSON.parse(event.toString()).requestContext.http.sourceIp, '10.0.0.1');
  });

  it("keeps every x-fc- header out of the event's headers", () => {
    const { event } = toTriggerEvent(
      forwarded({
        rawHeaders: [
          ...forwarded().rawHeaders,
          'X-FC-Control-Path',
          '/http-invoke',
          'x-fc-qualifier',
          'LATEST',
        ],
      }),
      NOW,
    );
    const headers = JSON.parse(event.toString()).headers as Record<string, string>;
    assert.deepEqual(
      Object.keys(headers).filter((key) => key.toLowerCase().startsWith('x-fc-')),
      [],
    );
    assert.equal(headers.Accept, 'a,b');
    assert.equal(JSON.parse(event.toString()).requestContext.requestId, 'req-42');
  });
  it('leaves a path whose escapes do not decode as it is', () => {
    const { event } = toTriggerEvent(forwarded({ url: '/inbound/%E4%ZZ' }), NOW);
    assert.equal((JSON.parse(event.toString()) as { rawPath: string }).rawPath, '/inbound/%E4%ZZ');
  });
});

describe('contextOf', () => {
  const headersOf =
    (values: Record<string, string>) =>
    (name: string): string | undefined =>
      values[name];
  const fromFc = {
    'x-fc-request-id': 'r1',
    'x-fc-region': 'cn-hangzhou',
    'x-fc-access-key-id': 'STS.abc',
    'x-fc-access-key-secret': 'secret',
    'x-fc-security-token': 'CAIS+/=',
  };

  it("takes the keys from FC's headers, fresh on every request, and the region and account from the environment first", () => {
    const context = contextOf(headersOf(fromFc), {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'env-token',
      FC_REGION: 'cn-shanghai',
      FC_FUNCTION_NAME: 'vms-inbound',
      FC_ACCOUNT_ID: '42',
    });
    assert.deepEqual(context, {
      requestId: 'r1',
      function: { name: 'vms-inbound' },
      credentials: { accessKeyId: 'STS.abc', accessKeySecret: 'secret', securityToken: 'CAIS+/=' },
    });
    // Static keys in the environment (no token) are the operator's: no header replaces them.
    assert.equal(
      contextOf(headersOf(fromFc), {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-static',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
      }).credentials,
      undefined,
    );
    // Without FC's key headers, the context has none: the handlers read the environment's.
    const { 'x-fc-access-key-id': _id, ...withoutKeys } = fromFc;
    assert.equal(
      contextOf(headersOf(withoutKeys), { ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-id' }).credentials,
      undefined,
    );
  });

  it("takes FC's headers in the shape FC gives them only, the region where the environment lacks it", () => {
    assert.deepEqual(contextOf(headersOf(fromFc), {}), {
      requestId: 'r1',
      region: 'cn-hangzhou',
      credentials: { accessKeyId: 'STS.abc', accessKeySecret: 'secret', securityToken: 'CAIS+/=' },
    });
    const odd = contextOf(
      headersOf({
        'x-fc-region': 'Hangzhou, evil',
        'x-fc-account-id': '12a',
        'x-fc-function-name': 'bad name',
        'x-fc-access-key-id': 'id\u0000',
        'x-fc-access-key-secret': 'secret',
      }),
      {},
    );
    assert.deepEqual(odd, { requestId: undefined });
    const badToken = contextOf(headersOf({ ...fromFc, 'x-fc-security-token': 'a b' }), {});
    assert.equal(badToken.credentials, undefined);
    const longToken = contextOf(headersOf({ ...fromFc, 'x-fc-security-token': 'a'.repeat(9000) }), {});
    assert.equal(longToken.credentials, undefined);
  });
});

describe('event invocations', () => {
  it('tells an event invocation from a forwarded request by the control path, else by POST /invoke', () => {
    assert.equal(invocationKind('POST', '/invoke', '/invoke'), 'event');
    assert.equal(invocationKind('POST', '/invoke', '/http-invoke'), 'http');
    assert.equal(invocationKind('POST', '/inbound', '/invoke'), 'event');
    assert.equal(invocationKind('POST', '/invoke?x=1', undefined), 'event');
    assert.equal(invocationKind('GET', '/invoke', undefined), 'http');
    assert.equal(invocationKind('POST', '/inbound', undefined), 'http');
  });

  it("answers the handler's result as JSON, and bounds the body by the handler's own limit", () => {
    const answer = eventAnswer({ statusCode: 200, body: '{}' });
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body.toString()), { statusCode: 200, body: '{}' });
    assert.equal(eventAnswer(undefined).body.toString(), 'null');
    assert.deepEqual(readLimits(64 * 1024), { http: 64 * 1024, event: 152_918 });
    assert.ok(readLimits(1024 * 1024).event < 1.5 * 1024 * 1024);
  });
});

describe('toHttpAnswer', () => {
  it('drops a header value Node cannot send (past Latin-1) and keeps Latin-1', () => {
    const answer = toHttpAnswer({
      statusCode: 200,
      headers: { 'x-name': '张三', 'x-cafe': 'café' },
      body: '',
    });
    assert.deepEqual(answer.headers, { 'x-cafe': 'café' });
  });

  it("maps a handler's result, dropping the headers FC reserves and those HTTP cannot carry", () => {
    const answer = toHttpAnswer({
      statusCode: 200,
      headers: {
        'content-type': 'application/json',
        'Content-Length': '3',
        'x-fc-thing': '1',
        'bad name': 'x',
        'x-evil': 'a\r\nb',
        'x-count': 3,
        'x-object': {},
      },
      body: '{}',
      isBase64Encoded: false,
    });
    assert.deepEqual(answer, {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-count': '3' },
      body: Buffer.from('{}'),
    });
  });

  it('decodes a base64 body and defaults the optional fields', () => {
    assert.deepEqual(toHttpAnswer({ statusCode: 204 }), { status: 204, headers: {}, body: Buffer.alloc(0) });
    const answer = toHttpAnswer({
      statusCode: 200,
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    assert.equal(answer.body.toString(), 'hi');
  });

  it('answers 500 with no detail for a result FC would not take', () => {
    for (const result of [
      undefined,
      null,
      'text',
      [],
      { statusCode: 99 },
      { statusCode: 200.5 },
      { statusCode: 200, body: 3 },
      { statusCode: 200, headers: [] },
      { statusCode: 200, isBase64Encoded: 'yes' },
    ]) {
      const answer = toHttpAnswer(result);
      assert.equal(answer.status, 500);
      assert.deepEqual(JSON.parse(answer.body.toString()), {
        result: 'fail',
        msg: 'internal error',
        data: {},
      });
    }
  });
});

describe('lifecycle and refusals', () => {
  it('answers the initializer and PreStop with an empty 200, and nothing else', () => {
    assert.equal(lifecycleAnswer('POST', '/initialize')?.status, 200);
    assert.equal(lifecycleAnswer('GET', '/pre-stop?x=1')?.body.length, 0);
    assert.equal(lifecycleAnswer('GET', '/initialize'), undefined);
    assert.equal(lifecycleAnswer('POST', '/inbound'), undefined);
  });

  it('refuses an oversized body with the status the built-in path gives', () => {
    const built = toHttpRequest(Buffer.alloc(200_000, 0x20), 1024);
    assert.ok(!built.ok);
    const answer = tooLargeAnswer(1024);
    assert.equal(answer.status, built.response.status);
    assert.equal(answer.body.toString(), built.response.body);
    assert.equal(failAnswer(504, 'slow').status, 504);
  });
});
