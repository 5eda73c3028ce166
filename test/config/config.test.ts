import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, readConfig } from '../../shared/config/config';

describe('readConfig', () => {
  it('works with nothing set: no secrets, a development state key, default rules', () => {
    const config = readConfig({});
    assert.deepEqual(config.callbackSecrets, []);
    assert.equal(config.hasStateSecret, false);
    assert.equal(config.stateSecrets.length, 1);
    assert.equal(config.rulesJson, undefined);
    assert.equal(config.logLevel, 'info');
  });

  it('reads comma-separated secrets, trimming spaces and empty entries', () => {
    const config = readConfig({
      CALLBACK_SECRETS: ' new-secret-0123456789 , old-secret-0123456789,',
      STATE_SECRETS: 'k1-0123456789abcdef',
    });
    assert.deepEqual(config.callbackSecrets, ['new-secret-0123456789', 'old-secret-0123456789']);
    assert.deepEqual(config.stateSecrets, ['k1-0123456789abcdef']);
    assert.equal(config.hasStateSecret, true);
  });

  it('treats empty variables as unset, as s.yaml renders unset ones', () => {
    const config = readConfig({ RULES: '', RULES_FILE: '  ', CALLBACK_SECRETS: '', LOG_LEVEL: '' });
    assert.equal(config.logLevel, 'info');
    assert.equal(config.rulesJson, undefined);
    assert.equal(config.rulesFile, undefined);
    assert.deepEqual(config.callbackSecrets, []);
  });

  it('fails naming the variable when a secret is too short', () => {
    assert.throws(
      () => readConfig({ CALLBACK_SECRETS: 'short' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /^environment variable CALLBACK_SECRETS is invalid: .*at least 16/);
        return true;
      },
    );
  });

  it('fails on an unknown log level', () => {
    assert.throws(() => readConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  });
});
