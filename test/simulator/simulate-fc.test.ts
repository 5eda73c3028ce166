import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type StandIn, startFcApiStandIn } from '../../dev/fc-api-server';
import { ROOT } from '../support/fc-event';
import { runSimulator } from '../support/simulate-cli';

/**
 * `npm run simulate -- run --fc`: the scenario's callbacks go to deployed functions through the FC 3.0
 * API, here a stand-in on 127.0.0.1 that checks every request's FC signature and runs the built bundles
 * as the deployed functions.
 */

const ACCOUNT_ID = '1234567890123456';
const CREDENTIALS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-simulator-fc',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'simulator-fc-secret',
  ALIBABA_CLOUD_ACCOUNT_ID: ACCOUNT_ID,
};
const SECRET = 'simulator-fc-callback-secret';
const scenarios = join(ROOT, 'examples', 'default-hotline.replies.scenarios.yaml');

let standIn: StandIn;
before(async () => {
  standIn = await startFcApiStandIn({
    accountId: ACCOUNT_ID,
    accessKeys: { [CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID]: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET },
    functions: ['inbound', 'outbound'].map((fn) => ({ name: `hotline-${fn}`, bundle: fn })),
    environment: { CALLBACK_SECRETS: SECRET, STATE_SECRETS: 'simulator-fc-state-key-01', LOG_LEVEL: 'error' },
  });
});
after(() => standIn.close());

/** `run` of the scenario file with `--fc hotline-{fn}` at the stand-in, and `extra` arguments. */
const runFc = (env: Record<string, string>, ...extra: string[]) =>
  runSimulator(['run', scenarios, '--fc', 'hotline-{fn}', '--endpoint', standIn.endpoint, ...extra], env);

describe('npm run simulate -- run --fc', () => {
  it('places the calls through the FC API, signed, with the secret in the event’s path', async () => {
    const result = await runFc(CREDENTIALS, '--secret', SECRET);
    assert.match(result.stdout, /^over --url and --fc the simulator sees replies only/);
    assert.match(result.stdout, /1 scenario: 1 passed, 0 failed\n$/, result.stdout + result.stderr);
    assert.equal(result.status, 0);
    const invocations = standIn.requests.filter((r) =>
      r.path.endsWith('/functions/hotline-inbound/invocations'),
    );
    assert.equal(invocations.length, 4, 'the answer and three turns');
    assert.ok(invocations.every((r) => r.status === 200));
  });

  it('places them on the functions s.yaml deploys with --fc s.yaml: names, region and secret from s preview', async () => {
    const before = standIn.requests.length;
    const result = await runSimulator(['run', scenarios, '--fc', 's.yaml', '--endpoint', standIn.endpoint], {
      ...CREDENTIALS,
      // What s.yaml renders from the shell: hotline-inbound, hotline-outbound, the secret they were given.
      FUNCTION_PREFIX: 'hotline',
      REGION: 'cn-shanghai',
      CALLBACK_SECRETS: ` ${SECRET},an-older-secret`,
    });
    assert.match(result.stdout, /1 scenario: 1 passed, 0 failed\n$/, result.stdout + result.stderr);
    assert.equal(result.status, 0);
    const invocations = standIn.requests.slice(before);
    assert.ok(invocations.some((r) => r.path.endsWith('/functions/hotline-inbound/invocations')));
    assert.ok(invocations.every((r) => r.status === 200));
  });

  it('says why a call could not be placed: the secret, the signature, the credentials', async () => {
    const forbidden = await runFc(CREDENTIALS);
    assert.match(forbidden.stdout, /\+ reply {2}HTTP 403/);
    assert.equal(forbidden.status, 1);
    const badKey = await runFc(
      { ...CREDENTIALS, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret' },
      '--secret',
      SECRET,
    );
    assert.match(
      badKey.stdout,
      /\+ reply {2}no answer from hotline-inbound through the FC API \(SignatureNotMatch \(HTTP 403\)/,
    );
    const none = await runFc({});
    assert.match(none.stderr, /--fc: no credentials/);
    assert.equal(none.status, 1);
    assert.equal((await runSimulator(['run', scenarios, '--region', 'cn-hangzhou'], CREDENTIALS)).status, 2);
  });
});
