import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toFcResult, toHttpRequest } from '../../shared/fc/http-trigger';
import { fcEvent } from '../support/fc-event';

describe('toHttpRequest', () => {
  it('decodes a base64 body and lower-cases header names', () => {
    const converted = toHttpRequest(
      fcEvent({
        body: 'call_id=1%5E2',
        base64: true,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
      1024,
    );
    assert.ok(converted.ok);
    assert.equal(converted.request.body, 'call_id=1%5E2');
    assert.equal(converted.request.bodyBytes, 13);
    assert.equal(converted.request.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(converted.request.method, 'POST');
    assert.equal(converted.request.sourceIp, '203.0.113.7');
  });

  it('accepts the event as an object or a string too, and a GET without body', () => {
    const event = { rawPath: '/inbound', requestContext: { http: { method: 'GET' } } };
    for (const form of [event, JSON.stringify(event)]) {
      const converted = toHttpRequest(form, 1024);
      assert.ok(converted.ok);
      assert.equal(converted.request.method, 'GET');
      assert.equal(converted.request.body, '');
    }
  });

  it('joins repeated query values given as arrays, as FC joins them with commas', () => {
    const converted = toHttpRequest({ rawPath: '/', queryParameters: { token: ['a', 'b'] } }, 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.query.token, 'a,b');
  });

  it('measures an oversized body without decoding it', () => {
    const converted = toHttpRequest(fcEvent({ body: 'x'.repeat(2048) }), 1024);
    assert.ok(converted.ok);
    assert.equal(converted.request.bodyBytes, 2048);
    assert.equal(converted.request.body, '');
  });

  it('refuses events that are not HTTP trigger events', () => {
    for (const junk of [Buffer.from('not json'), 42, null, { rawPath: 7 }]) {
      const converted = toHttpRequest(junk, 1024);
      assert.ok(!converted.ok);
      assert.equal(converted.response.status, 400);
    }
  });
});

describe('toFcResult', () => {
  it('always says the body is not base64', () => {
    assert.deepEqual(toFcResult({ status: 200, headers: { a: 'b' }, body: '{}' }), {
      statusCode: 200,
      headers: { a: 'b' },
      body: '{}',
      isBase64Encoded: false,
    });
  });
});
