/**
 * `npm run deploy:verify`, run in-process (its `main`) against the FC 3.0 API stand-in
 * (dev/fc-api-server.ts), which verifies every request's signature and runs the built bundles. The
 * functions come from a fixed rendering of s.yaml here; rendering it with `s preview` is covered end to
 * end by test/deploy/s-yaml.test.ts, where `s deploy` runs the check as its success-deploy action.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { invokeEvent } from '../../../dev/custom-runtime-client';
import {
  SIGNATURE_NOT_MATCH,
  type StandIn,
  type StandInFunction,
  startFcApiStandIn,
} from '../../../dev/fc-api-server';
import { loadBuiltHandler, setFunctionEnvironment } from '../../../dev/fc-event';
import { createCustomRuntimeServer } from '../../../functions/custom-runtime/server';
import { type DeployedFunction, main } from '../../../scripts/deploy/verify';
import { captureText } from '../../support/command-io';
import { captureLogs, ROOT } from '../../support/fc-event';

const ACCOUNT_ID = '1234567890123456';
const ACCESS_KEY_ID = 'LTAI-verify-test';
const ACCESS_KEY_SECRET = 'verify-test-access-key-secret';
const CALLBACK_SECRET = 'verify-callback-secret-0123';
const FUNCTION_ENV = { CALLBACK_SECRETS: CALLBACK_SECRET, STATE_SECRETS: 'verify-state-secret-0123456789' };
const RESOURCES = ['inbound', 'outbound', 'report'] as const;

const CREDENTIALS = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID,
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY_SECRET,
  ALIBABA_CLOUD_ACCOUNT_ID: ACCOUNT_ID,
};

/** s.yaml as `s preview` renders it with CALLBACK_SECRETS set (or `secret` instead). */
function deployment(secret: string | undefined = CALLBACK_SECRET): DeployedFunction[] {
  return RESOURCES.map((resource) => ({
    resource,
    functionName: `vms-callflow-${resource}`,
    region: 'cn-hangzhou',
    callbackSecret: secret,
  }));
}

function builtFunctions(
  overrides: Partial<Record<string, StandInFunction['handler']>> = {},
): StandInFunction[] {
  return RESOURCES.map((resource) => {
    const handler = overrides[resource];
    return {
      name: `vms-callflow-${resource}`,
      bundle: resource,
      ...(handler === undefined ? {} : { handler }),
    };
  });
}

function startStandIn(options: Partial<Parameters<typeof startFcApiStandIn>[0]> = {}): Promise<StandIn> {
  return startFcApiStandIn({
    accountId: ACCOUNT_ID,
    accessKeys: { [ACCESS_KEY_ID]: ACCESS_KEY_SECRET },
    functions: builtFunctions(),
    environment: FUNCTION_ENV,
    ...options,
  });
}

type Run = { status: number; stdout: string; stderr: string; logs: Record<string, unknown>[] };

/** Runs deploy:verify as `npm run deploy:verify -- <args>` would, with this environment and deployment. */
async function runVerify(
  args: readonly string[],
  env: Record<string, string> = CREDENTIALS,
  functions: DeployedFunction[] = deployment(),
): Promise<Run> {
  const { streams, captured } = captureText();
  const { result, logs } = await captureLogs(() =>
    main(args, {
      ...streams,
      env: { serverless_devs_config_home: join(ROOT, 'test', 'no-such-home'), ...env },
      renderDeployment: async () => functions,
    }),
  );
  return { status: result, ...captured, logs };
}

/** The lines of one function's section in the text report. */
function sectionOf(stdout: string, resource: string): string {
  const start = stdout.indexOf(`\n${resource}: `);
  assert.ok(start >= 0, `no section for ${resource} in:\n${stdout}`);
  const end = stdout.indexOf('\n\n', start + 1);
  return stdout.slice(start, end < 0 ? undefined : end);
}

describe('deploy:verify against the FC API stand-in', () => {
  let standIn: StandIn;
  let passing: Run;

  before(async () => {
    standIn = await startStandIn();
    passing = await runVerify(['--endpoint', standIn.endpoint]);
  });
  after(() => standIn.close());

  it('passes when every function answers its synthetic calls with valid replies', () => {
    assert.equal(passing.status, 0, passing.stdout + passing.stderr);
    assert.match(passing.stdout, /deploy verify: 3 functions, every check passed/);
    assert.doesNotMatch(passing.stdout, /FAIL/);
    assert.match(sectionOf(passing.stdout, 'inbound'), /PASS callin: → answer/);
    assert.match(sectionOf(passing.stdout, 'inbound'), /PASS normal: → \w+/);
    assert.match(sectionOf(passing.stdout, 'outbound'), /PASS first event \(normal\): → \w+/);
    assert.match(sectionOf(passing.stdout, 'report'), /PASS console test receipt: → code 0/);
    assert.match(sectionOf(passing.stdout, 'report'), /reply: \{"code":0,"msg":"接收成功"\}/);
  });

  it('walks an inbound call: the event after callin carries the dynamic_id the callin returned', () => {
    const callbacks = passing.logs.filter((line) => line.fn === 'inbound' && line.msg === 'callback');
    assert.deepEqual(
      callbacks.map((line) => line.type),
      ['callin', 'normal'],
    );
    // The second event resumed where the callin left the call: a state the function could not open
    // would have no node before it (the call starts over with the recovery prompt).
    assert.equal(typeof callbacks[0]?.node, 'string');
    assert.equal(callbacks[1]?.nodeBefore, callbacks[0]?.node);
    assert.match(String(callbacks[0]?.callId), /^deploy-verify-\d+$/);
  });

  it('prints each trigger URL and the VMS console URL with the secret as a placeholder', () => {
    for (const resource of RESOURCES) {
      const section = sectionOf(passing.stdout, resource);
      const host = `vms-callflow-${resource}-3456.cn-hangzhou.fcapp.run`;
      assert.match(section, new RegExp(`HTTP trigger +https://${host.replaceAll('.', '\\.')}\\n`));
      assert.ok(section.includes(`https://${host}/${resource}/<CALLBACK_SECRET>`), section);
    }
    assert.match(sectionOf(passing.stdout, 'inbound'), /inbound calls/);
    assert.match(sectionOf(passing.stdout, 'outbound'), /SmartCall/);
    assert.match(sectionOf(passing.stdout, 'report'), /receipts/);
    assert.ok(!passing.stdout.includes(CALLBACK_SECRET), 'the secret is never printed unasked');
  });

  it('prints the secret itself with --show-secret, and reports as JSON with --json', async () => {
    const run = await runVerify(['--endpoint', standIn.endpoint, '--show-secret', '--json']);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      functions: {
        resource: string;
        ok: boolean;
        consoleUrl: string;
        checks: { name: string; ok: boolean }[];
      }[];
    };
    assert.equal(report.ok, true);
    assert.deepEqual(
      report.functions.map((fn) => fn.consoleUrl),
      RESOURCES.map(
        (name) => `https://vms-callflow-${name}-3456.cn-hangzhou.fcapp.run/${name}/${CALLBACK_SECRET}`,
      ),
    );
    assert.deepEqual(
      report.functions[0]?.checks.map((check) => [check.name, check.ok]),
      [
        ['function', true],
        ['status', true],
        ['callin', true],
        ['normal', true],
      ],
    );
  });

  it('signs every request and calls FC 3.0 paths with the headers FC requires', () => {
    assert.ok(standIn.requests.length >= 13);
    for (const request of standIn.requests) {
      assert.equal(request.status, 200, `${request.method} ${request.path}: ${request.errorCode}`);
      assert.match(
        request.path,
        /^\/2023-03-30\/functions\/vms-callflow-(inbound|outbound|report)(\/triggers|\/invocations)?$/,
      );
      assert.match(request.headers.authorization ?? '', new RegExp(`^FC ${ACCESS_KEY_ID}:`));
      assert.equal(request.headers['x-fc-account-id'], ACCOUNT_ID);
      assert.ok(Number.isFinite(Date.parse(request.headers.date ?? '')));
      if (request.path.endsWith('/invocations')) {
        assert.equal(request.method, 'POST');
        assert.equal(request.headers['x-fc-invocation-type'], 'Sync');
        assert.equal(request.headers['content-type'], 'application/octet-stream');
      } else {
        assert.equal(request.method, 'GET');
      }
    }
  });

  it('fails, naming FC’s error, when the signature does not match (a wrong AccessKey secret)', async () => {
    const run = await runVerify(['--endpoint', standIn.endpoint], {
      ...CREDENTIALS,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'not-the-secret',
    });
    assert.equal(run.status, 1);
    for (const resource of RESOURCES) {
      assert.match(
        sectionOf(run.stdout, resource),
        /FAIL function: SignatureNotMatch \(HTTP 403\): GetFunction vms-callflow-\w+: The request signature we calculated does not match.*\[request id [\w-]+\]/,
      );
    }
    assert.match(run.stdout, /deploy verify: FAILED for inbound, outbound, report/);
  });

  it('fails when the deployed functions expect a secret the deploy shell does not have', async () => {
    const run = await runVerify(
      ['--endpoint', standIn.endpoint],
      CREDENTIALS,
      deployment('another-callback-secret-0'),
    );
    assert.equal(run.status, 1);
    assert.match(
      sectionOf(run.stdout, 'inbound'),
      /FAIL status: HTTP 403, expected 200: the deployed function wants a callback secret/,
    );
  });

  it('fails for a function that is not deployed', async () => {
    const functions = [
      ...deployment(),
      { ...deployment()[0], resource: 'inbound', functionName: 'vms-staging-inbound' },
    ] as DeployedFunction[];
    const run = await runVerify(['--endpoint', standIn.endpoint], CREDENTIALS, functions);
    assert.equal(run.status, 1);
    assert.match(
      run.stdout,
      /FAIL function: FunctionNotFound \(HTTP 404\): GetFunction vms-staging-inbound: function 'vms-staging-inbound' does not exist/,
    );
  });
});

describe('deploy:verify against broken functions and a broken API', () => {
  it('fails clearly when a function answers a callback with an invalid reply, and shows the reply', async () => {
    const broken = JSON.stringify({
      result: 'success',
      msg: '成功',
      code: 200,
      data: { call_id: 'x', action: 'dance' },
    });
    const standIn = await startStandIn({
      functions: builtFunctions({
        // Answers the status like the real function, then every callback with an action VMS does not know.
        outbound: async (event) => {
          const method = (JSON.parse(event.toString()) as { requestContext: { http: { method: string } } })
            .requestContext.http.method;
          return method === 'GET'
            ? { statusCode: 200, headers: {}, body: '{"function":"outbound","ok":true,"warnings":[]}' }
            : { statusCode: 200, headers: { 'content-type': 'application/json' }, body: broken };
        },
      }),
    });
    try {
      const run = await runVerify(['--endpoint', standIn.endpoint]);
      assert.equal(run.status, 1);
      const section = sectionOf(run.stdout, 'outbound');
      assert.match(
        section,
        /FAIL first event \(normal\): the reply is not a valid VMS reply \(data\.action: /,
      );
      assert.ok(section.includes(`reply: ${broken}`), section);
      assert.match(sectionOf(run.stdout, 'inbound'), /PASS normal/);
      assert.match(run.stdout, /deploy verify: FAILED for outbound\n/);
    } finally {
      await standIn.close();
    }
  });

  it('fails clearly when an invocation returns no HTTP result, or the function throws', async () => {
    const standIn = await startStandIn({
      functions: builtFunctions({
        inbound: async () => 'plain text, not an HTTP result',
        report: async () => {
          throw new TypeError('boom');
        },
      }),
    });
    try {
      const run = await runVerify(['--endpoint', standIn.endpoint]);
      assert.equal(run.status, 1);
      assert.match(
        sectionOf(run.stdout, 'inbound'),
        /FAIL status: InvalidReply: InvokeFunction vms-callflow-inbound: the reply is not JSON/,
      );
      assert.match(
        sectionOf(run.stdout, 'report'),
        /FAIL status: FunctionError: InvokeFunction vms-callflow-report: the function failed \(UnhandledInvocationError\) boom/,
      );
      assert.match(sectionOf(run.stdout, 'outbound'), /PASS first event/);
    } finally {
      await standIn.close();
    }
  });

  it('fails clearly when the API answers every request with a signature error', async () => {
    const standIn = await startStandIn({
      failEverything: SIGNATURE_NOT_MATCH,
    });
    try {
      const run = await runVerify(['--endpoint', standIn.endpoint, '--json']);
      assert.equal(run.status, 1);
      const report = JSON.parse(run.stdout) as {
        ok: boolean;
        functions: { checks: { ok: boolean; detail: string }[] }[];
      };
      assert.equal(report.ok, false);
      for (const fn of report.functions) {
        assert.equal(fn.checks[0]?.ok, false);
        assert.match(fn.checks[0]?.detail ?? '', /^SignatureNotMatch \(HTTP 403\)/);
      }
    } finally {
      await standIn.close();
    }
  });

  it('fails clearly when nothing answers at the endpoint', async () => {
    const standIn = await startStandIn();
    const endpoint = standIn.endpoint;
    await standIn.close();
    const run = await runVerify(['--endpoint', endpoint]);
    assert.equal(run.status, 1);
    assert.match(
      sectionOf(run.stdout, 'inbound'),
      /FAIL function: ECONNREFUSED: GetFunction vms-callflow-inbound: cannot reach the FC API/,
    );
  });
});

describe('deploy:verify credentials and options', () => {
  it('names the variables missing from a half-set group', async () => {
    const run = await runVerify([], { ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY_ID });
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_ACCOUNT_ID not set, while ALIBABA_CLOUD_ACCESS_KEY_ID is/,
    );
  });

  it('says where it looked and how to add credentials when there are none', async () => {
    const run = await runVerify([], {});
    assert.equal(run.status, 1);
    assert.match(
      run.stderr,
      /no credentials: set ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_ACCOUNT_ID/,
    );
    assert.match(run.stderr, /npx s config add/);
    assert.match(run.stderr, /no-such-home\/\.s\/access\.yaml/);
  });

  it('reads the alias `s config add` wrote, decrypting its values as `s` does', async () => {
    // The fixture's keys are not the stand-in's: the signature error proves which keys signed.
    const standIn = await startStandIn({ accessKeys: { LTAIexample: 'secret-xyz' } });
    try {
      const run = await runVerify(['--endpoint', standIn.endpoint], {
        serverless_devs_config_home: join(ROOT, 'test', 'fixtures', 's-config-home'),
      });
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(
        run.stdout,
        /account 1234567890123456, credentials from .*s-config-home\/\.s\/access\.yaml \(alias default\)/,
      );
      const other = await runVerify(['--endpoint', standIn.endpoint, '--access', 'staging'], {
        serverless_devs_config_home: join(ROOT, 'test', 'fixtures', 's-config-home'),
      });
      assert.equal(other.status, 1);
      assert.match(other.stderr, /add the access alias staging with `npx s config add`/);
    } finally {
      await standIn.close();
    }
  });

  it('does nothing after a deploy unless VERIFY_AFTER_DEPLOY=1', async () => {
    const run = await runVerify(['--after-deploy'], {});
    assert.equal(run.status, 0);
    assert.match(run.stderr, /skipped \(set VERIFY_AFTER_DEPLOY=1/);
  });

  it('refuses unknown options, malformed values and arguments in one line naming --help, exit 2', async () => {
    for (const [args, message] of [
      [['--nope'], 'unknown option --nope'],
      [['--endpoint', 'ftp://x'], '--endpoint is not http(s)://host[:port] without a path'],
      [['--region', 'Hangzhou'], '--region '],
      [['extra'], 'takes no argument; not extra'],
    ] as const) {
      const run = await runVerify(args);
      assert.equal(run.status, 2, args.join(' '));
      assert.equal(run.stdout, '');
      assert.match(
        run.stderr,
        new RegExp(
          `^deploy:verify: ${message.replace(/[()[\]]/g, '\\$&')}.*\\(see 'npm run deploy:verify -- --help'\\)\\n$`,
        ),
      );
    }
  });
});

describe('deploy:verify against functions in the custom runtime', () => {
  it("passes through each function's server.js, which FC calls at POST /invoke with the event", async () => {
    setFunctionEnvironment(FUNCTION_ENV);
    const servers = RESOURCES.map((resource) =>
      createCustomRuntimeServer(loadBuiltHandler(resource), { env: {}, writeLog: () => undefined }),
    );
    await Promise.all(
      servers.map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))),
    );
    const invoked: string[] = [];
    const viaServer = (index: number) => async (event: Buffer, context: unknown) => {
      invoked.push(RESOURCES[index] as string);
      const requestId = (context as { requestId?: string }).requestId ?? 'verify';
      const server = servers[index];
      assert.ok(server !== undefined);
      return invokeEvent((server.address() as AddressInfo).port, event, requestId);
    };
    const standIn = await startStandIn({
      functions: builtFunctions({
        inbound: viaServer(0),
        outbound: viaServer(1),
        report: viaServer(2),
      }),
    });
    try {
      const run = await runVerify(['--endpoint', standIn.endpoint]);
      assert.equal(run.status, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /deploy verify: 3 functions, every check passed/);
      assert.deepEqual([...new Set(invoked)].sort(), [...RESOURCES]);
    } finally {
      await standIn.close();
      await Promise.all(
        servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
      );
    }
  });
});
