import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConfigError,
  getEnvironmentCredentials,
  getPlatformRegion,
  readConfig,
  readOutboundSecrets,
} from '../../shared/config/config';

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

  it('reads the outbound keys, none by default (no development key opens a DynamicId)', () => {
    assert.deepEqual(readConfig({}).outboundSecrets, []);
    const config = readConfig({ OUTBOUND_SECRETS: 'out-new-0123456789, out-old-0123456789' });
    assert.deepEqual(config.outboundSecrets, ['out-new-0123456789', 'out-old-0123456789']);
  });

  it('fails naming OUTBOUND_SECRETS, never a value, when a key is too short, unusual or a state key', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { OUTBOUND_SECRETS: 'short-secret' },
        /^environment variable OUTBOUND_SECRETS is invalid: .*at least 16/,
      ],
      [
        { OUTBOUND_SECRETS: 'a key with spaces 0123' },
        /^environment variable OUTBOUND_SECRETS is invalid: .*may only use/,
      ],
      [
        {
          STATE_SECRETS: 'shared-key-0123456789',
          OUTBOUND_SECRETS: 'own-key-0123456789,shared-key-0123456789',
        },
        /^environment variable OUTBOUND_SECRETS is invalid: it repeats a key of STATE_SECRETS/,
      ],
    ];
    for (const [env, message] of cases) {
      assert.throws(
        () => readConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, message);
          for (const value of Object.values(env))
            for (const key of value.split(',')) assert.ok(!error.message.includes(key));
          return true;
        },
      );
    }
  });

  it('reads OUTBOUND_SECRETS alone for the command that seals, whatever else the environment holds', () => {
    assert.deepEqual(readOutboundSecrets({ OUTBOUND_SECRETS: 'out-0123456789abcdef', LOG_LEVEL: 'loud' }), [
      'out-0123456789abcdef',
    ]);
    assert.deepEqual(readOutboundSecrets({}), []);
    assert.throws(
      () => readOutboundSecrets({ OUTBOUND_SECRETS: 'short' }),
      /OUTBOUND_SECRETS is invalid: .*at least 16/,
    );
  });

  it('fails on an unknown log level', () => {
    assert.throws(() => readConfig({ LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
  });
});

describe('rules in OSS', () => {
  it('reads RULES_URL, its region and endpoint, and the check interval', () => {
    const config = readConfig({
      RULES_URL: 'oss://vms-rules/rules/hotline.json',
      RULES_OSS_REGION: 'oss-cn-shanghai',
      RULES_OSS_ENDPOINT: 'https://oss-cn-shanghai.aliyuncs.com/',
      RULES_CHECK_SECONDS: '0',
    });
    assert.deepEqual(config.rulesUrl, { bucket: 'vms-rules', key: 'rules/hotline.json' });
    assert.equal(config.rulesOssRegion, 'cn-shanghai');
    assert.equal(config.rulesOssEndpoint, 'https://oss-cn-shanghai.aliyuncs.com');
    assert.equal(config.rulesCheckMs, 0);
    assert.equal(readConfig({}).rulesCheckMs, 30_000);
  });

  it('names the variable and what is wrong with it', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [
        { RULES_URL: 'https://bucket/key' },
        /RULES_URL is invalid: an OSS location is oss:\/\/<bucket>\/<key>/,
      ],
      [{ RULES_URL: 'oss://B/key' }, /RULES_URL is invalid: "B" is not a bucket name/],
      [
        { RULES_OSS_REGION: 'hangzhou' },
        /RULES_OSS_REGION is invalid: a region is an id such as cn-hangzhou/,
      ],
      [{ RULES_OSS_ENDPOINT: 'oss-cn-hangzhou.aliyuncs.com' }, /RULES_OSS_ENDPOINT is invalid/],
      [{ RULES_CHECK_SECONDS: '7200' }, /RULES_CHECK_SECONDS is invalid: at most 3600/],
    ];
    for (const [env, message] of cases) assert.throws(() => readConfig(env), message);
  });
});

describe('credentials and region from the platform', () => {
  const names = [
    'ALIBABA_CLOUD_ACCESS_KEY_ID',
    'ALIBABA_CLOUD_ACCESS_KEY_SECRET',
    'ALIBABA_CLOUD_SECURITY_TOKEN',
    'FC_REGION',
  ];
  function withEnv(env: Record<string, string>, run: () => void): void {
    const saved = names.map((name) => [name, process.env[name]] as const);
    for (const name of names) delete process.env[name];
    Object.assign(process.env, env);
    try {
      run();
    } finally {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  }

  it('reads an AccessKey pair, with a token when there is one, and nothing from half a pair', () => {
    withEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'id' }, () =>
      assert.equal(getEnvironmentCredentials(), undefined),
    );
    withEnv({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' }, () =>
      assert.deepEqual(getEnvironmentCredentials(), {
        accessKeyId: 'id',
        accessKeySecret: 's',
        securityToken: undefined,
      }),
    );
    withEnv(
      {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's',
        ALIBABA_CLOUD_SECURITY_TOKEN: 't',
      },
      () => assert.equal(getEnvironmentCredentials()?.securityToken, 't'),
    );
  });

  it('reads the region FC runs the function in', () => {
    withEnv({ FC_REGION: 'cn-beijing' }, () => assert.equal(getPlatformRegion(), 'cn-beijing'));
    withEnv({}, () => assert.equal(getPlatformRegion(), undefined));
  });
});
