import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { type BuiltLookupRequest, buildLookupRequest } from '../../shared/lookup/lookup-request';
import { LOOKUP_ENV_PREFIX } from '../../shared/lookup/lookup-types';
import { type Lookup, LookupSchema } from '../../shared/rules/rules-schema';

/** A lookup as the compiled rules hold it (defaults filled in). */
const lookupOf = (input: v.InferInput<typeof LookupSchema>): Lookup => v.parse(LookupSchema, input);

const ACCOUNT = lookupOf({
  url: 'https://api.example.com:8443/ivr/account/{{vars.card}}',
  query: { phone: '{{caller}}' },
  headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}', 'X-Card': 'c-{{vars.card}}' },
  timeoutMs: 1500,
});

/** The same lookup without headers, which refuse values that are not printable ASCII. */
const { headers: _, ...PLAIN } = ACCOUNT;

const HOSTILE = [
  'a/../../@evil.com?x#y',
  '..',
  '.',
  '%2e%2e',
  '//evil.com',
  '@evil.com',
  'evil.com:443',
  '?q=1',
  '#top',
  '\\evil.com',
  'https://evil.com/',
  ' \t\n',
  '\u0000',
  '\ud800',
  '中文/路径',
];

function requestOf(built: BuiltLookupRequest) {
  assert.ok(built.ok, built.ok ? '' : built.detail);
  return built.request;
}

describe('buildLookupRequest', () => {
  it('fills the path, the query and the headers, leaving secrets for the edge', () => {
    const request = requestOf(
      buildLookupRequest('account', ACCOUNT, { caller: '+8613800138000', vars: { card: '6222' } }),
    );
    assert.deepEqual(request, {
      name: 'account',
      method: 'GET',
      url: 'https://api.example.com:8443/ivr/account/6222?phone=%2B8613800138000',
      headers: [
        ['Authorization', ['Bearer ', { env: 'LOOKUP_TOKEN' }]],
        ['X-Card', ['c-6222']],
      ],
      timeoutMs: 1500,
      maxBytes: 16_384,
    });
  });

  it('never moves the origin, whatever the caller and the values hold', () => {
    for (const hostile of HOSTILE) {
      const built = buildLookupRequest('account', PLAIN, { caller: hostile, vars: { card: hostile } });
      // Only a whole segment of dots is refused (see below); every other value is sent, encoded.
      assert.equal(built.ok, hostile !== '.' && hostile !== '..', hostile);
      if (!built.ok) continue;
      const url = new URL(built.request.url);
      assert.equal(url.origin, 'https://api.example.com:8443', hostile);
      assert.equal(url.username + url.password + url.hash, '', hostile);
      // The value stays inside its one segment, and the query keeps it as one parameter.
      assert.match(url.pathname, /^\/ivr\/account\/[^/]+$/, hostile);
      assert.deepEqual([...url.searchParams.keys()], ['phone'], hostile);
    }
  });

  it('keeps a hostile caller inside one path segment and one query parameter', () => {
    const lookup = lookupOf({
      url: 'https://api.example.com/by-caller/{{caller}}',
      query: { c: '{{caller}}' },
    });
    const caller = 'a/../../@evil.com?x#y';
    const url = new URL(requestOf(buildLookupRequest('x', lookup, { caller, vars: {} })).url);
    assert.equal(url.origin, 'https://api.example.com');
    assert.equal(url.pathname, '/by-caller/a%2F..%2F..%2F%40evil.com%3Fx%23y');
    assert.equal(decodeURIComponent(url.pathname.split('/')[2] ?? ''), caller);
    assert.equal(url.searchParams.get('c'), caller);
    assert.equal(url.hash, '');
  });

  it('refuses values that would make a path segment ".", ".." or empty, which URL parsers resolve', () => {
    for (const card of ['..', '.', '']) {
      const built = buildLookupRequest('account', ACCOUNT, { caller: '', vars: { card } });
      assert.ok(!built.ok && built.why === 'unsendable', card);
    }
    // Encoded, a value's % cannot spell a dot with the text beside it: %2e becomes %252e.
    const spelt = buildLookupRequest('account', ACCOUNT, { caller: '', vars: { card: '%2e%2E' } });
    assert.match(requestOf(spelt).url, /\/ivr\/account\/%252e%252E\?/);
    const dotted = lookupOf({ url: 'https://api.example.com/a/%2e{{vars.card}}/b' });
    assert.equal(buildLookupRequest('x', dotted, { caller: '', vars: { card: '.' } }).ok, false);
    // Beside written text in its segment, the same value is harmless.
    const lookup = lookupOf({ url: 'https://api.example.com/a/v-{{vars.card}}/b' });
    const url = requestOf(buildLookupRequest('x', lookup, { caller: '', vars: { card: '..' } })).url;
    assert.equal(url, 'https://api.example.com/a/v-../b');
  });

  it('reads an unset variable as empty text', () => {
    const lookup = lookupOf({
      url: 'https://api.example.com/a/acct-{{vars.card}}',
      method: 'POST',
      query: { pin: '{{vars.pin}}' },
      body: { card: '{{vars.card}}', note: 'x{{vars.constructor}}y' },
    });
    const request = requestOf(buildLookupRequest('x', lookup, { caller: '', vars: {} }));
    assert.equal(request.url, 'https://api.example.com/a/acct-?pin=');
    assert.equal(request.body, '{"card":"","note":"xy"}');
  });

  it('sends the body as JSON of the flat object, values escaped', () => {
    const lookup = lookupOf({
      url: 'https://api.example.com/verify',
      method: 'POST',
      body: { pin: '{{vars.pin}}', who: '{{caller}}' },
    });
    const pin = '"},"admin":true,"x":"\u2028\ud800';
    const request = requestOf(buildLookupRequest('verify', lookup, { caller: '139', vars: { pin } }));
    assert.equal(request.method, 'POST');
    assert.deepEqual(JSON.parse(request.body ?? ''), { pin, who: '139' });
    assert.equal(request.url, 'https://api.example.com/verify');
  });

  it('encodes query values with URLSearchParams, after a fixed query of the url', () => {
    const lookup = lookupOf({
      url: 'https://api.example.com/q?v=2',
      query: { q: '{{vars.q}}', 'a.b': 'c d' },
    });
    const request = requestOf(buildLookupRequest('q', lookup, { caller: '', vars: { q: '1&admin=1' } }));
    assert.equal(request.url, 'https://api.example.com/q?v=2&q=1%26admin%3D1&a.b=c+d');
  });

  it('turns a lone surrogate in a path value into U+FFFD instead of failing', () => {
    const request = requestOf(
      buildLookupRequest('account', PLAIN, { caller: '', vars: { card: 'a\ud800' } }),
    );
    assert.equal(request.url, 'https://api.example.com:8443/ivr/account/a%EF%BF%BD?phone=');
  });

  it('refuses a header value that is not printable ASCII, which would start another header', () => {
    for (const card of ['1\r\nX-Admin: 1', '卡', '\u0000']) {
      const built = buildLookupRequest('account', ACCOUNT, { caller: '', vars: { card: `${card}` } });
      assert.ok(!built.ok && /header X-Card/.test(built.detail), JSON.stringify(card));
    }
  });

  it('leaves what compileRules refuses as written, and refuses a url that does not parse', () => {
    const other = lookupOf({ url: 'https://api.example.com/a', query: { t: '{{timeOfDay}}' } });
    const request = requestOf(buildLookupRequest('x', other, { caller: '', vars: {} }));
    assert.equal(request.url, 'https://api.example.com/a?t=%7B%7BtimeOfDay%7D%7D');
    for (const url of ['https://[::1/a', 'api.example.com/a']) {
      const built = buildLookupRequest('x', lookupOf({ url }), { caller: '', vars: {} });
      assert.ok(!built.ok && built.why === 'unsendable', url);
    }
  });

  it('names environment variables with the LOOKUP_ prefix only', () => {
    assert.equal(LOOKUP_ENV_PREFIX, 'LOOKUP_');
  });
});
