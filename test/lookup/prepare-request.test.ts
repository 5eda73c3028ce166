import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LookupRequest } from '../../shared/lookup/lookup-types';
import { fingerprintOf, prepareRequest } from '../../shared/lookup/prepare-request';

const ENV: Readonly<Record<string, string>> = { LOOKUP_KEY: 'k-123', LOOKUP_EMPTY: '' };
const env = (name: string) => ENV[name];

function request(changes: Partial<LookupRequest> = {}): LookupRequest {
  return {
    name: 'account',
    method: 'GET',
    url: 'https://api.example.com/v1/account?card=6222',
    headers: [],
    timeoutMs: 1_500,
    maxBytes: 16_384,
    ...changes,
  };
}

describe('prepareRequest', () => {
  it('asks for JSON as vms-callflow, uncompressed, with no body on a GET', () => {
    const prepared = prepareRequest(request(), env);
    assert.equal(prepared?.url.href, 'https://api.example.com/v1/account?card=6222');
    assert.equal(prepared.method, 'GET');
    assert.equal(prepared.body, undefined);
    assert.deepEqual(prepared.headers, {
      accept: 'application/json',
      'user-agent': 'vms-callflow',
      'accept-encoding': 'identity',
    });
  });

  it("sends a POST's body as UTF-8 JSON with its length in bytes", () => {
    const prepared = prepareRequest(request({ method: 'POST', body: '{"name":"张三"}' }), env);
    assert.equal(prepared?.body?.toString('utf8'), '{"name":"张三"}');
    assert.equal(prepared.headers['content-type'], 'application/json');
    assert.equal(prepared.headers['content-length'], String(Buffer.byteLength('{"name":"张三"}')));
    assert.equal(prepareRequest(request({ method: 'POST' }), env)?.headers['content-length'], '0');
  });

  it('joins a header from text and LOOKUP_ variables, and lets a lookup name its own accept and user-agent', () => {
    const prepared = prepareRequest(
      request({
        headers: [
          ['Authorization', ['Bearer ', { env: 'LOOKUP_KEY' }]],
          ['Accept', ['application/vnd.bank+json']],
          ['User-Agent', ['bank-ivr']],
        ],
      }),
      env,
    );
    assert.equal(prepared?.headers.authorization, 'Bearer k-123');
    assert.equal(prepared.headers.accept, 'application/vnd.bank+json');
    assert.equal(prepared.headers['user-agent'], 'bank-ivr');
  });

  it('reaches plain http: on this machine only', () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://localhost/x', 'http://[::1]:9000/x']) {
      assert.ok(prepareRequest(request({ url }), env), url);
    }
    for (const url of [
      'http://example.com/x',
      'http://127.0.0.2/x',
      'http://localhost.example.com/x',
      'ws://127.0.0.1/x',
      'file:///etc/passwd',
      'https://user@example.com/x',
      '/relative',
    ]) {
      assert.equal(prepareRequest(request({ url }), env), undefined, url);
    }
  });

  it('refuses a variable without the LOOKUP_ prefix, unset or empty, without reading any other', () => {
    const asked: string[] = [];
    const reading = (name: string) => {
      asked.push(name);
      return ENV[name];
    };
    for (const name of ['HOME', 'LOOKUP_', 'LOOKUP_UNSET', 'LOOKUP_EMPTY']) {
      assert.equal(
        prepareRequest(request({ headers: [['x-key', [{ env: name }]]] }), reading),
        undefined,
        name,
      );
    }
    assert.deepEqual(asked, ['LOOKUP_UNSET', 'LOOKUP_EMPTY']);
  });

  it('refuses header values that would split the request or that node cannot send, and headers it sets itself', () => {
    for (const [name, value] of [
      ['x-note', 'a\r\nb'],
      ['x-note', 'a\0b'],
      ['x-note', '张三'],
      ['bad name', 'a'],
      ['Content-Type', 'text/plain'],
      ['transfer-encoding', 'chunked'],
      ['Host', 'elsewhere.example'],
    ] as const) {
      assert.equal(
        prepareRequest(request({ headers: [[name, [value]]] }), env),
        undefined,
        `${name}: ${value}`,
      );
    }
    const twice = request({
      headers: [
        ['X-A', ['1']],
        ['x-a', ['2']],
      ],
    });
    assert.equal(prepareRequest(twice, env), undefined, 'one header named twice');
  });

  it('refuses limits that are not positive numbers', () => {
    for (const changes of [
      { timeoutMs: 0 },
      { timeoutMs: Number.NaN },
      { maxBytes: -1 },
      { maxBytes: 1.5 },
    ]) {
      assert.equal(prepareRequest(request(changes), env), undefined, JSON.stringify(changes));
    }
  });
});

describe('fingerprintOf', () => {
  it('tells requests apart by method, URL and, for a POST, body', () => {
    const get = request();
    assert.equal(fingerprintOf(get), fingerprintOf({ ...get, headers: [['x-a', ['1']]], timeoutMs: 9 }));
    assert.equal(fingerprintOf(get), fingerprintOf({ ...get, body: 'ignored on GET' }));
    assert.notEqual(fingerprintOf(get), fingerprintOf({ ...get, url: `${get.url}&x=1` }));
    const post = request({ method: 'POST', body: '{"a":1}' });
    assert.notEqual(fingerprintOf(post), fingerprintOf(get));
    assert.notEqual(fingerprintOf(post), fingerprintOf({ ...post, body: '{"a":2}' }));
  });
});
