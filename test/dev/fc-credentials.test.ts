/**
 * dev/fc-credentials.ts: where the FC API credentials come from — an alias named with `--access` wins
 * over the environment variables, and the access file is read only when it is a small regular file.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findAccessKeys, findFcCredentials } from '../../dev/fc-credentials';
import { ROOT } from '../support/fc-event';

const FIXTURE_HOME = join(ROOT, 'test', 'fixtures', 's-config-home');
const VARIABLES = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-from-variables',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret-from-variables',
  ALIBABA_CLOUD_ACCOUNT_ID: '999',
};

describe('FC API credentials', () => {
  const home = mkdtempSync(join(tmpdir(), 'fc-credentials-'));
  mkdirSync(join(home, '.s'));
  after(() => rmSync(home, { recursive: true, force: true }));

  it('reads the environment variables when no alias is named', () => {
    const found = findFcCredentials({ ...VARIABLES, serverless_devs_config_home: FIXTURE_HOME });
    assert.ok(found.ok);
    assert.equal(found.credentials.accessKeyId, 'LTAI-from-variables');
    assert.equal(found.source, 'environment variables');
  });

  it('reads a named alias, not the environment variables, and says so', () => {
    const found = findFcCredentials({ ...VARIABLES, serverless_devs_config_home: FIXTURE_HOME }, 'default');
    assert.ok(found.ok, found.ok ? '' : found.message);
    assert.equal(found.credentials.accessKeyId, 'LTAIexample');
    assert.match(found.source, /s-config-home\/\.s\/access\.yaml \(alias default\)$/);
    const ci = findFcCredentials(
      {
        ...VARIABLES,
        prod_serverless_devs_access: JSON.stringify({
          AccountID: '42',
          AccessKeyID: 'LTAI-prod',
          AccessKeySecret: 'prod-secret',
        }),
      },
      'prod',
    );
    assert.ok(ci.ok);
    assert.equal(ci.credentials.accessKeyId, 'LTAI-prod');
    assert.equal(ci.source, 'prod_serverless_devs_access');
  });

  it('refuses a named alias it cannot find, rather than falling back to the variables', () => {
    const found = findFcCredentials({ ...VARIABLES, serverless_devs_config_home: FIXTURE_HOME }, 'prod');
    assert.equal(found.ok, false);
    assert.match(found.ok ? '' : found.message, /no access alias prod: add the access alias prod/);
  });

  it('refuses an access file that is a FIFO without waiting for a writer', (t) => {
    const fifo = join(home, '.s', 'access.yaml');
    try {
      execFileSync('mkfifo', [fifo]);
    } catch {
      t.skip('no mkfifo here');
      return;
    }
    try {
      const found = findFcCredentials({ serverless_devs_config_home: home });
      assert.equal(found.ok, false);
      assert.match(found.ok ? '' : found.message, /access\.yaml: not a regular file/);
    } finally {
      rmSync(fifo);
    }
  });

  it('refuses an access file over its size limit', () => {
    const file = join(home, '.s', 'access.yaml');
    writeFileSync(file, `default: {}\n${'#'.repeat(300 * 1024)}\n`);
    try {
      const found = findFcCredentials({ serverless_devs_config_home: home });
      assert.equal(found.ok, false);
      assert.match(found.ok ? '' : found.message, /larger than 262144 bytes/);
    } finally {
      rmSync(file);
    }
  });
});

describe('access keys for an API without an account id (SmartCall)', () => {
  it('are read from the variables without ALIBABA_CLOUD_ACCOUNT_ID, which FC needs', () => {
    const env = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-vms',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'vms-secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'sts-token',
    };
    const found = findAccessKeys(env);
    assert.ok(found.ok);
    assert.deepEqual(found.credentials, {
      accessKeyId: 'LTAI-vms',
      accessKeySecret: 'vms-secret',
      securityToken: 'sts-token',
    });
    assert.equal(found.source, 'environment variables');
    const fc = findFcCredentials(env);
    assert.match(fc.ok ? '' : fc.message, /ALIBABA_CLOUD_ACCOUNT_ID not set/);
  });

  it('are read from an alias without AccountID, and still ask for the secret', () => {
    const found = findAccessKeys(
      {
        vms_serverless_devs_access: JSON.stringify({ AccessKeyID: 'LTAI-ci', AccessKeySecret: 'ci-secret' }),
      },
      'vms',
    );
    assert.ok(found.ok);
    assert.equal(found.credentials.accessKeyId, 'LTAI-ci');
    const half = findAccessKeys({ ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-half' });
    assert.match(
      half.ok ? '' : half.message,
      /^ALIBABA_CLOUD_ACCESS_KEY_SECRET not set, while ALIBABA_CLOUD_ACCESS_KEY_ID is$/,
    );
    const none = findAccessKeys({ serverless_devs_config_home: '/nonexistent-home' });
    assert.match(
      none.ok ? '' : none.message,
      /^no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or add the access alias default/,
    );
  });
});
