import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type OssServer, startOssServer } from '../../dev/oss-server';
import { spoken, startCall } from '../support/bundle-call';
import { captureLogs, fcEvent, loadWithEnv } from '../support/fc-event';

/**
 * RULES_URL through the built inbound bundle, against a local server that speaks the OSS object API and
 * checks every request's V4 signature and STS token: the role's credentials come from FC's context, as
 * on FC.
 */

const STATE_SECRETS = 'oss-test-state-key-0123456789';
const BUCKET = 'vms-rules';
const TOKEN = 'CAIS-sts-token-of-the-role';

const doc = (say: string, menu = false) =>
  JSON.stringify({
    version: say,
    defaultLine: { flow: 'main' },
    flows: {
      main: menu
        ? {
            start: 'menu',
            nodes: {
              menu: { type: 'menu', say, intents: [{ keywords: ['好'], goto: 'bye' }] },
              bye: { type: 'hangup', say: `${say}再见` },
            },
          }
        : { start: 'bye', nodes: { bye: { type: 'hangup', say } } },
    },
  });

/** Calls `probe` until it returns true, for up to 4 s: a background reload has no event to wait on. */
async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  for (let waited = 0; waited < 4000; waited += 25) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return probe();
}

let server: OssServer;
let objects = 0;

before(async () => {
  server = await startOssServer({ securityToken: TOKEN });
});
after(() => server.close());

/** FC's context for a function with a role: its temporary credentials and its region. */
function role(secret = server.accessKeySecret) {
  return {
    requestId: 'r',
    region: server.region,
    credentials: { accessKeyId: server.accessKeyId, accessKeySecret: secret, securityToken: TOKEN },
  };
}

/** A new object key with `text` in it, and the bundle reading it (a new instance), its role in the context. */
async function instance(text: string | undefined, env: Record<string, string> = {}) {
  objects += 1;
  const key = `rules/${objects}/hotline.json`;
  if (text !== undefined) server.putObject(BUCKET, key, text, 'application/json');
  const context = role();
  const handler = await loadWithEnv(
    'inbound',
    {
      STATE_SECRETS,
      RULES_URL: `oss://${BUCKET}/${key}`,
      RULES_OSS_ENDPOINT: server.endpoint,
      RULES_LOAD_BUDGET_MS: '5000',
      ...env,
    },
    context,
  );
  const withRole: typeof handler = (event) => handler(event, context);
  const say = async () =>
    spoken((await captureLogs(() => startCall(withRole).send('callin', { caller: '13800138000' }))).result);
  const status = async () =>
    JSON.parse((await withRole(fcEvent({ method: 'GET' }))).body) as {
      rulesVersion: string | null;
      rulesSource: string | null;
      warnings: { kind: string; message: string }[];
    };
  const gets = () => server.requests.filter((r) => r.key === key && r.method === 'GET');
  return { key, handler: withRole, say, status, gets };
}

describe('inbound bundle: RULES_URL (rules in OSS)', { timeout: 30_000 }, () => {
  it('loads the object with a V4-signed GET carrying the role’s token, and says so in the status', async () => {
    const { say, status, gets } = await instance(doc('一号'));
    assert.equal(await say(), '一号');
    const shown = await status();
    assert.equal(shown.rulesVersion, '一号');
    assert.equal(shown.rulesSource, 'oss');
    assert.deepEqual(
      gets().map((r) => [r.status, r.signed]),
      [[200, 'v4']],
      'one signed GET: the status call did not read again',
    );
  });

  it('revalidates with If-None-Match (304, nothing downloaded), then loads a changed object', async () => {
    const { key, say, gets } = await instance(doc('旧'), { RULES_CHECK_SECONDS: '0' });
    assert.equal(await say(), '旧');
    await say();
    assert.ok(await eventually(async () => gets().some((r) => r.status === 304)), 'an unchanged object: 304');
    server.putObject(BUCKET, key, doc('新'), 'application/json');
    assert.ok(await eventually(async () => (await say()) === '新'));
    assert.deepEqual(
      gets().map((r) => r.status),
      [200, 304, 200],
    );
  });

  it('keeps an invalid, truncated or garbled document out, answering with the last good rules', async () => {
    const { key, say, gets } = await instance(doc('好的'), { RULES_CHECK_SECONDS: '0' });
    assert.equal(await say(), '好的');
    const bad: [string, () => void][] = [
      ['invalid', () => server.putObject(BUCKET, key, '{"version":"坏的"}', 'application/json')],
      ['truncated', () => server.setFault(BUCKET, key, { kind: 'truncate' })],
      ['garbled', () => server.setFault(BUCKET, key, { kind: 'garbage' })],
    ];
    for (const [what, breakIt] of bad) {
      breakIt();
      const before = gets().length;
      const { logs } = await captureLogs(async () => {
        await eventually(async () => {
          await say();
          return gets().length > before && gets().every((r) => r.status !== 0);
        });
        await new Promise((resolve) => setTimeout(resolve, 50));
      });
      assert.equal(await say(), '好的', what);
      assert.ok(
        logs.some((line) => String(line.msg).includes('keeping the last good rules')),
        `${what}: logged`,
      );
    }
  });

  it('serves the emergency document while OSS is down at a cold start, and the real rules once it is back', async () => {
    const { key, say, status } = await instance(doc('正式'), {
      RULES_EMERGENCY: doc('应急'),
      RULES_CHECK_SECONDS: '0',
    });
    // The instance above already loaded; a second instance of the same key meets OSS down.
    server.setFault(BUCKET, key, { kind: 'error', status: 503, code: 'ServiceUnavailable' });
    const env = {
      STATE_SECRETS,
      RULES_URL: `oss://${BUCKET}/${key}`,
      RULES_OSS_ENDPOINT: server.endpoint,
      RULES_EMERGENCY: doc('应急'),
      RULES_CHECK_SECONDS: '0',
      RULES_LOAD_BUDGET_MS: '5000',
    };
    const cold = await loadWithEnv('inbound', env, role());
    const coldSay = async () =>
      spoken(
        (
          await captureLogs(() =>
            startCall((event) => cold(event, role())).send('callin', { caller: '13800138000' }),
          )
        ).result,
      );
    assert.equal(await coldSay(), '应急');
    const shown = JSON.parse((await cold(fcEvent({ method: 'GET' }), role())).body) as {
      warnings: { message: string }[];
    };
    assert.ok(
      shown.warnings.some((w) => /emergency document .*answers.*ServiceUnavailable/.test(w.message)),
      JSON.stringify(shown.warnings),
    );
    server.setFault(BUCKET, key, undefined);
    assert.ok(await eventually(async () => (await coldSay()) === '正式'));
    assert.equal(await say(), '正式');
    assert.equal((await status()).rulesVersion, '正式');
  });

  it('answers within the budget when OSS hangs at a cold start, then never waits for a hanging refresh', async () => {
    const hanging = await instance(undefined, { RULES_LOAD_BUDGET_MS: '150' });
    server.putObject(BUCKET, hanging.key, doc('挂起'));
    server.setFault(BUCKET, hanging.key, { kind: 'hang' });
    assert.match(await hanging.say(), /欢迎致电/, 'the emergency document: the embedded default here');
    // A warm instance whose refresh hangs goes on answering with the rules in force.
    const warm = await instance(doc('照常'), { RULES_CHECK_SECONDS: '0' });
    assert.equal(await warm.say(), '照常');
    server.setFault(BUCKET, warm.key, { kind: 'hang' });
    assert.equal(await warm.say(), '照常');
    assert.ok(await eventually(async () => warm.gets().some((r) => r.status === 0)), 'the refresh hangs');
    for (let i = 0; i < 5; i += 1) assert.equal(await warm.say(), '照常');
    assert.equal(warm.gets().length, 2, 'one refresh hangs; none piles up behind it');
    server.setFault(BUCKET, warm.key, undefined);
  });

  it('sends one request for two callbacks that both find the rules due for a check', async () => {
    const { say, gets } = await instance(doc('并发'), { RULES_CHECK_SECONDS: '0' });
    await say();
    await Promise.all([say(), say()]);
    assert.ok(await eventually(async () => gets().length === 2 && gets()[1]?.status === 304));
    assert.equal(gets().length, 2);
  });

  it('refuses an object over RULES_MAX_BYTES, and names the limit', async () => {
    const { say, status } = await instance(`${doc('大')}${' '.repeat(4096)}`, { RULES_MAX_BYTES: '2048' });
    assert.match(await say(), /欢迎致电/);
    const warning = (await status()).warnings.find((w) => w.kind === 'rules');
    assert.match(warning?.message ?? '', /larger than RULES_MAX_BYTES \(2048 bytes\)/);
  });

  it('says what OSS said when the object is missing or the credentials are wrong', async () => {
    const missing = await instance(undefined);
    await missing.say();
    assert.match(
      (await missing.status()).warnings.find((w) => w.kind === 'rules')?.message ?? '',
      /NoSuchKey: .*publish it with npm run rules -- publish/,
    );
    // The region from RULES_OSS_REGION rather than the context's.
    const { region: _, ...wrongSecret } = role('not-the-secret');
    const wrong = await loadWithEnv(
      'inbound',
      {
        STATE_SECRETS,
        RULES_URL: `oss://${BUCKET}/rules/1/hotline.json`,
        RULES_OSS_ENDPOINT: server.endpoint,
        RULES_OSS_REGION: `oss-${server.region}`,
        RULES_LOAD_BUDGET_MS: '5000',
      },
      wrongSecret,
    );
    const text = (await wrong(fcEvent({ method: 'GET' }), wrongSecret)).body;
    const body = JSON.parse(text) as { warnings: { kind: string; message: string }[] };
    assert.match(body.warnings.find((w) => w.kind === 'rules')?.message ?? '', /SignatureDoesNotMatch/);
    // The status words the problem as the log line does: neither names the secret or the token.
    assert.ok(!text.includes('not-the-secret') && !text.includes(TOKEN), text);
  });

  it('says in the status that a context without a role gives no credentials, and shows a refused update', async () => {
    // No role: the context has its region but no credentials; the environment's pair is not set either.
    const noRole = await loadWithEnv(
      'inbound',
      {
        STATE_SECRETS,
        RULES_URL: `oss://${BUCKET}/rules/1/hotline.json`,
        RULES_OSS_ENDPOINT: server.endpoint,
        RULES_LOAD_BUDGET_MS: '300',
      },
      { region: server.region, credentials: { accessKeyId: '', accessKeySecret: '' } },
    );
    const text = (await noRole(fcEvent({ method: 'GET' }), { region: server.region })).body;
    assert.match(text, /no credentials: give the function a role/);
    const { key, say, status } = await instance(doc('在用'), { RULES_CHECK_SECONDS: '0' });
    assert.equal(await say(), '在用');
    server.putObject(BUCKET, key, '{"version":"坏"}', 'application/json');
    assert.ok(
      await eventually(async () => {
        await say();
        return (await status()).warnings.some((w) => /version 在用 goes on answering/.test(w.message));
      }),
    );
  });

  it('keeps a call that started under the previous document on it after a reload', async () => {
    const { key, handler, say } = await instance(doc('第一版', true), { RULES_CHECK_SECONDS: '0' });
    const call = startCall(handler);
    const { result: answered } = await captureLogs(() => call.send('callin', { caller: '13800138000' }));
    assert.equal(spoken(answered), '第一版');
    server.putObject(BUCKET, key, doc('第二版', true), 'application/json');
    assert.ok(await eventually(async () => (await say()) === '第二版'));
    const { result } = await captureLogs(() => call.send('normal', { words: '好' }));
    assert.equal(spoken(result), '第一版再见', 'the call goes on under the document it started with');
  });
});
