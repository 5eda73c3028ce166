import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HttpRequest } from '../../shared/protocol/http';
import { isAcceptedSecret, readPresentedSecret } from '../../shared/security/callback-secret';

const request = (path: string, query: Record<string, string> = {}): HttpRequest => ({
  method: 'POST',
  path,
  query,
  headers: {},
  body: '',
  bodyBytes: 0,
});

describe('readPresentedSecret', () => {
  it('reads the last path segment, on a custom domain route or the bare trigger URL', () => {
    assert.equal(readPresentedSecret(request('/inbound/s3cret'), 'inbound'), 's3cret');
    assert.equal(readPresentedSecret(request('/s3cret'), 'inbound'), 's3cret');
  });

  it('does not take the function name for a secret, and falls back to the token parameter', () => {
    assert.equal(readPresentedSecret(request('/inbound'), 'inbound'), undefined);
    assert.equal(readPresentedSecret(request('/inbound/', { token: 'abc' }), 'inbound'), 'abc');
    assert.equal(readPresentedSecret(request('/'), 'inbound'), undefined);
  });
});

describe('isAcceptedSecret', () => {
  it('accepts any of the configured secrets and nothing else', () => {
    const accepted = ['first-secret-000000', 'second-secret-00000'];
    assert.equal(isAcceptedSecret('first-secret-000000', accepted), true);
    assert.equal(isAcceptedSecret('second-secret-00000', accepted), true);
    assert.equal(isAcceptedSecret('first-secret-00000', accepted), false);
    assert.equal(isAcceptedSecret('', accepted), false);
    assert.equal(isAcceptedSecret(undefined, accepted), false);
    assert.equal(isAcceptedSecret('anything', []), false);
  });
});
