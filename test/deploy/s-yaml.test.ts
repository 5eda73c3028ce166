/**
 * s.yaml as `s` itself reads it: rendered offline with `s preview`, checked against functions/ and dist/,
 * and deployed with `s deploy` against a stub component (test/fixtures/fc3-stub) in a scratch copy of the
 * project, so that the real dist/, which other test files load meanwhile, is never rebuilt under them.
 *
 * What makes `s` 3.1.10 run offline, quietly and in a second or two (found by reading and tracing it):
 * - `serverless_devs_config_home=<temp>`: `s` keeps its state in `<that>/.s` (logs, the update check,
 *   secrets.yaml) instead of `~/.s`.
 * - `NODE_ENV=test`: the one switch that stops `s` from spawning its detached daemons (update-cli.js,
 *   update-component.js, report.js), which otherwise call its registry and telemetry after `s` exits and
 *   linger for up to 30 s.
 * - `AccountID`, `AccessKeyID`, `AccessKeySecret`: dummy credentials, returned by `inputs.getCredential()`
 *   instead of "Not found access: default".
 * - `-o json --silent`: stdout is exactly the JSON of the rendered file or of the deploy results; without
 *   `--silent` a warning about running as root (and the build's output) comes first.
 * - `npm_config_update_notifier=false`: the pre-deploy `npm run build` does not ask the registry about npm.
 * Every child process has a timeout, and nothing here opens a network connection.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as v from 'valibot';
import { startFcApiStandIn } from '../../dev/fc-api-server';
import { routeFunctionLogs } from '../../dev/function-logs';
import { findFunctionNames } from '../../scripts/build/build';
import { EnvSchema, readConfig } from '../../shared/config/config';
import { checkInstanceSize } from '../../shared/fc/instance-size';
import { ROOT } from '../support/fc-event';
import { createProjectCopy } from '../support/project-copy';

const S_BIN = join(ROOT, 'node_modules', '.bin', 's');
const STUB_COMPONENT = join(ROOT, 'test', 'fixtures', 'fc3-stub');
/**
 * Per `s` run; a deploy (with its build) takes about 2 s on an idle machine, a preview under 1 s, but
 * the runs below overlap, and on two busy cores one has been seen to take 30 s.
 */
const S_TIMEOUT_MS = 90_000;
const DUMMY_ACCOUNT_ID = '1234567890123456';

/** The variables s.yaml reads from the deploy shell: cleared so that the developer's own never leak in. */
const DEPLOY_VARIABLES = [
  ...Object.keys(EnvSchema.entries),
  'REGION',
  'FUNCTION_PREFIX',
  'FC_COMPONENT',
  'STUB_RECORD_FILE',
  'ALLOW_OPEN_DEPLOY',
  'VERIFY_AFTER_DEPLOY',
  'FC_CLIENT_CUSTOM_ENDPOINT',
];

const TriggerSchema = v.object({
  triggerName: v.string(),
  triggerType: v.string(),
  triggerConfig: v.object({ authType: v.string(), methods: v.array(v.string()) }),
});

const FunctionPropsSchema = v.object({
  region: v.string(),
  functionName: v.string(),
  runtime: v.string(),
  code: v.string(),
  handler: v.string(),
  memorySize: v.number(),
  cpu: v.optional(v.number()),
  timeout: v.number(),
  logConfig: v.unknown(),
  environmentVariables: v.record(v.string(), v.string()),
  triggers: v.array(TriggerSchema),
});

const ActionSchema = v.object({ run: v.string(), path: v.string(), allow_failure: v.optional(v.boolean()) });

/** `s preview -o json`: the whole file with every `${…}` resolved and every merge key applied. */
const RenderedSYamlSchema = v.object({
  edition: v.string(),
  name: v.string(),
  access: v.string(),
  actions: v.optional(v.record(v.string(), v.array(ActionSchema))),
  resources: v.record(v.string(), v.object({ component: v.string(), props: FunctionPropsSchema })),
});
type RenderedSYaml = v.InferOutput<typeof RenderedSYamlSchema>;

/** One line of the stub component's record (test/fixtures/fc3-stub/index.js). */
const DeployRecordSchema = v.object({
  command: v.string(),
  resource: v.string(),
  accountId: v.string(),
  props: FunctionPropsSchema,
  entry: v.object({ path: v.string(), exists: v.boolean(), mtimeMs: v.nullable(v.number()) }),
});
type DeployRecord = v.InferOutput<typeof DeployRecordSchema>;

/** The secrets every stub deploy is made with (unless a test overrides them). */
const DEPLOYED_SECRETS = {
  CALLBACK_SECRETS: 'deploy-test-callback-secret',
  STATE_SECRETS: 'deploy-test-state-secret-0',
} as const;

type SRun = { exitCode: number | string; stdout: string; stderr: string };

const scratch = mkdtempSync(join(tmpdir(), 'vms-callflow-s-yaml-'));

after(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** A whole-project deploy printing JSON only: the form whose action failures `s` would otherwise ignore. */
const DEPLOY_AS_JSON = ['deploy', '-y', '-t', 's.yaml', '-o', 'json', '--silent'];

/** Runs `s` with the offline environment described at the top of this file, never rejecting. */
function runS(args: readonly string[], cwd: string, variables: Record<string, string> = {}): Promise<SRun> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Not measured for coverage (it runs `s` and the build, not the functions' code) nor under the test runner.
  for (const name of [...DEPLOY_VARIABLES, 'NODE_TEST_CONTEXT', 'NODE_V8_COVERAGE']) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'test',
    serverless_devs_config_home: mkdtempSync(join(scratch, 'home-')),
    AccountID: DUMMY_ACCOUNT_ID,
    AccessKeyID: 'dummy-access-key-id',
    AccessKeySecret: 'dummy-access-key-secret',
    npm_config_update_notifier: 'false',
    ...variables,
  });
  return new Promise((resolveRun) => {
    execFile(
      process.execPath,
      [S_BIN, ...args],
      { cwd, env, timeout: S_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error === null ? 0 : (error.code ?? error.signal ?? 'failed');
        resolveRun({ exitCode, stdout, stderr });
      },
    );
  });
}

function describeRun(run: SRun): string {
  return `s exited with ${run.exitCode}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;
}

/**
 * Renders s.yaml from a folder holding only a copy of it, so that a developer's `.env` beside the real
 * one cannot change what is rendered.
 */
async function renderSYaml(variables: Record<string, string> = {}): Promise<RenderedSYaml> {
  const dir = mkdtempSync(join(scratch, 'render-'));
  cpSync(join(ROOT, 's.yaml'), join(dir, 's.yaml'));
  const run = await runS(['preview', '-t', 's.yaml', '-o', 'json', '--silent'], dir, variables);
  assert.equal(run.exitCode, 0, describeRun(run));
  return v.parse(RenderedSYamlSchema, JSON.parse(run.stdout));
}

/** The custom-runtime mode's file (s.custom.yaml), which extends s.yaml. */
const CUSTOM_FILE = 's.custom.yaml';

/** What s.custom.yaml adds to every function's props. */
const CustomRuntimePropsSchema = v.object({
  runtime: v.literal('custom.debian10'),
  handler: v.string(),
  instanceConcurrency: v.number(),
  customRuntimeConfig: v.strictObject({
    command: v.tuple([v.literal('/var/fc/lang/nodejs20/bin/node')]),
    args: v.tuple([v.literal('server.js')]),
    port: v.literal(9000),
  }),
});

/** s.custom.yaml rendered from a folder holding only it and s.yaml: each function's props, as rendered. */
async function renderCustomMode(variables: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(scratch, 'render-'));
  for (const file of ['s.yaml', CUSTOM_FILE]) cpSync(join(ROOT, file), join(dir, file));
  const run = await runS(['preview', '-t', CUSTOM_FILE, '-o', 'json', '--silent'], dir, variables);
  assert.equal(run.exitCode, 0, describeRun(run));
  const rendered = JSON.parse(run.stdout) as {
    resources: Record<string, { props: Record<string, unknown> }>;
  };
  return Object.fromEntries(Object.entries(rendered.resources).map(([name, { props }]) => [name, props]));
}

/** Deploys a project copy through the stub component; returns the run and what the stub recorded. */
async function deployWithStub(
  project: string,
  args: readonly string[],
  variables: Record<string, string> = {},
): Promise<{ run: SRun; records: DeployRecord[]; raw: Record<string, unknown>[] }> {
  const recordFile = join(project, 'deploy-record.jsonl');
  const run = await runS(args, project, {
    FC_COMPONENT: STUB_COMPONENT,
    STUB_RECORD_FILE: recordFile,
    ...DEPLOYED_SECRETS,
    ...variables,
  });
  const lines = existsSync(recordFile) ? readFileSync(recordFile, 'utf8').split('\n') : [];
  const raw = lines
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const records = raw.map((record) => v.parse(DeployRecordSchema, record));
  return { run, records, raw };
}

function loadModule(file: string): Record<string, unknown> {
  const require = createRequire(import.meta.filename);
  return require(file) as Record<string, unknown>;
}

function listBuiltFunctions(): string[] {
  const dist = join(ROOT, 'dist');
  assert.ok(existsSync(dist), 'dist/ is missing: run `npm run build` (npm test does) before this file');
  return readdirSync(dist)
    .filter((name) => existsSync(join(dist, name, 'index.js')))
    .sort();
}

function propsOf(rendered: RenderedSYaml, name: string) {
  const resource = rendered.resources[name];
  assert.ok(resource !== undefined, `s.yaml has no resource ${name}`);
  return resource.props;
}

/**
 * Every `s` run of this file, started together when the file loads, each made once: `s` and the build
 * it triggers cost seconds of CPU, and the runs are independent (each deploy has a project copy of its
 * own), so they overlap with each other and with the tests that only read their results.
 */
const RUNS = {
  preview: renderSYaml(),
  previewFromShell: renderSYaml({
    REGION: 'cn-shanghai',
    FUNCTION_PREFIX: 'vms-staging',
    CALLBACK_SECRETS: 'callback-secret-0123456789',
    LOG_LEVEL: 'debug',
  }),
  deployAll: (async () => {
    const project = createProjectCopy(scratch);
    return { project, ...(await deployWithStub(project, DEPLOY_AS_JSON)) };
  })(),
  // One function alone, and open functions allowed when told to: one build serves both.
  deployReportOpen: deployWithStub(createProjectCopy(scratch), ['report', 'deploy', '-y', '-t', 's.yaml'], {
    CALLBACK_SECRETS: '',
    STATE_SECRETS: '',
    ALLOW_OPEN_DEPLOY: '1',
  }),
  // Open functions and invalid inline rules at once: the check lists every problem in one attempt.
  refused: deployWithStub(createProjectCopy(scratch), ['deploy', '-y', '-t', 's.yaml'], {
    CALLBACK_SECRETS: '',
    STATE_SECRETS: '',
    RULES: '{"version":"x"}',
  }),
  // The success-deploy action on: deploy:verify checks the functions through an FC API stand-in that runs
  // the bundles this deploy built, with the secrets it deployed and the dummy credentials `s` was given.
  deployVerified: (async () => {
    const project = createProjectCopy(scratch);
    const standIn = await startFcApiStandIn({
      accountId: DUMMY_ACCOUNT_ID,
      accessKeys: { 'dummy-access-key-id': 'dummy-access-key-secret' },
      functions: findFunctionNames().map((name) => ({ name: `vms-callflow-${name}`, bundle: name })),
      distDir: join(project, 'dist'),
      environment: DEPLOYED_SECRETS,
    });
    // The bundles run in this process: their log lines are kept, not mixed into the test report.
    const logs: string[] = [];
    const restoreLogs = routeFunctionLogs((text) => logs.push(text));
    try {
      // Not `-o json --silent`, under which `s` swallows what its actions print.
      const deployed = await deployWithStub(project, ['deploy', '-y', '-t', 's.yaml'], {
        VERIFY_AFTER_DEPLOY: '1',
        FC_CLIENT_CUSTOM_ENDPOINT: standIn.endpoint,
      });
      return { ...deployed, requests: [...standIn.requests], logs: logs.join('') };
    } finally {
      restoreLogs();
      await standIn.close();
    }
  })(),
  previewCustom: renderCustomMode({ INSTANCE_CONCURRENCY: '10', REPORT_INSTANCE_CONCURRENCY: '3' }),
  previewCustomDefault: renderCustomMode(),
  deployCustom: (async () => {
    const project = createProjectCopy(scratch, [CUSTOM_FILE]);
    return {
      project,
      ...(await deployWithStub(project, ['deploy', '-y', '-t', CUSTOM_FILE, '-o', 'json', '--silent'])),
    };
  })(),
  brokenBuild: (async () => {
    const project = createProjectCopy(scratch);
    mkdirSync(join(project, 'functions', 'report'), { recursive: true });
    writeFileSync(join(project, 'functions', 'report', 'index.ts'), 'export const handler = ;\n');
    return deployWithStub(project, DEPLOY_AS_JSON);
  })(),
};
// A run that fails is reported by the test that reads it, not as an unhandled rejection here.
for (const run of Object.values(RUNS)) run.catch(() => undefined);

describe('s.yaml rendered by s preview', { timeout: 120_000 }, () => {
  let rendered: RenderedSYaml;

  before(async () => {
    rendered = await RUNS.preview;
  });

  it('renders offline with none of its variables set', () => {
    assert.equal(rendered.edition, '3.0.0');
    assert.equal(rendered.name, 'vms-callflow');
    assert.equal(rendered.access, 'default');
  });

  it('declares one fc3 resource per function, named after it', () => {
    assert.deepEqual(Object.keys(rendered.resources).sort(), findFunctionNames());
    for (const [name, resource] of Object.entries(rendered.resources)) {
      assert.equal(resource.component, 'fc3', name);
      assert.equal(resource.props.functionName, `vms-callflow-${name}`);
      assert.equal(resource.props.region, 'cn-hangzhou', name);
    }
  });

  it('runs each function on nodejs20 as index.handler from its own dist folder', () => {
    for (const name of findFunctionNames()) {
      const props = propsOf(rendered, name);
      assert.equal(props.runtime, 'nodejs20', name);
      assert.equal(props.handler, 'index.handler', name);
      assert.equal(props.code, `./dist/${name}`);
    }
  });

  it('points each code folder at a built bundle whose module exports handler', () => {
    for (const name of findFunctionNames()) {
      const entry = join(ROOT, propsOf(rendered, name).code, 'index.js');
      assert.ok(existsSync(entry), `${entry} is missing: run \`npm run build\``);
      assert.equal(typeof loadModule(entry).handler, 'function', entry);
    }
  });

  it('gives each function one anonymous HTTP trigger for POST and GET', () => {
    for (const name of findFunctionNames()) {
      const [trigger, ...others] = propsOf(rendered, name).triggers;
      assert.equal(others.length, 0, name);
      assert.equal(trigger?.triggerType, 'http', name);
      assert.equal(trigger.triggerConfig.authType, 'anonymous', name);
      assert.deepEqual([...trigger.triggerConfig.methods].sort(), ['GET', 'POST'], name);
    }
  });

  it('sizes memory in multiples of 64 MB and keeps timeouts to seconds', () => {
    for (const name of findFunctionNames()) {
      const props = propsOf(rendered, name);
      assert.ok(props.memorySize >= 128 && props.memorySize % 64 === 0, `${name}: ${props.memorySize} MB`);
      assert.ok(props.timeout >= 1 && props.timeout <= 30, `${name}: ${props.timeout} s`);
      assert.equal(props.logConfig, 'auto', name);
    }
  });

  it('sets cpu explicitly beside memorySize, a pair FC takes (steps, bounds, 1 to 4 GB a vCPU)', () => {
    for (const name of findFunctionNames()) {
      const props = propsOf(rendered, name);
      assert.equal(typeof props.cpu, 'number', `${name} has no cpu: FC would pick one`);
      assert.deepEqual(checkInstanceSize(name, props), [], name);
    }
  });

  it('passes exactly the variables the functions read, in a form they accept when none is set', () => {
    for (const name of findFunctionNames()) {
      const environment = propsOf(rendered, name).environmentVariables;
      assert.deepEqual(Object.keys(environment).sort(), Object.keys(EnvSchema.entries).sort(), name);
      assert.doesNotThrow(() => readConfig(environment), name);
      // FC rejects names starting with FC_ and caps the whole environment at 4 KB.
      assert.ok(
        Object.keys(environment).every((key) => !key.startsWith('FC_')),
        name,
      );
      assert.ok(Buffer.byteLength(JSON.stringify(environment)) <= 4096, name);
    }
  });

  it('takes the region, the name prefix and the secrets from the deploy shell', async () => {
    const secrets = 'callback-secret-0123456789';
    const custom = await RUNS.previewFromShell;
    for (const name of findFunctionNames()) {
      const props = propsOf(custom, name);
      assert.equal(props.region, 'cn-shanghai');
      assert.equal(props.functionName, `vms-staging-${name}`);
      assert.equal(props.environmentVariables.CALLBACK_SECRETS, secrets);
      assert.equal(props.environmentVariables.LOG_LEVEL, 'debug');
    }
  });

  it('offers deploy:verify after a successful deploy, off unless VERIFY_AFTER_DEPLOY=1, never failing silently', () => {
    const [verify, ...others] = rendered.actions?.['success-deploy'] ?? [];
    assert.equal(others.length, 0);
    assert.equal(verify?.run, 'npm run --silent deploy:verify -- --after-deploy');
    assert.equal(verify.path, './');
    assert.equal(verify.allow_failure, false);
  });

  it('checks the environment, then builds, before any deploy, and neither may fail silently', () => {
    const [check, build, ...others] = rendered.actions?.['pre-deploy'] ?? [];
    assert.equal(others.length, 0);
    assert.equal(check?.run, 'npm run --silent deploy:check');
    assert.equal(check.allow_failure, false);
    assert.equal(build?.run, 'npm run build');
    assert.equal(build.path, './');
    assert.equal(build.allow_failure, false);
  });
});

describe('functions/, dist/ and s.yaml', { timeout: 120_000 }, () => {
  it('name the same functions', async () => {
    const rendered = await RUNS.preview;
    const declared = Object.keys(rendered.resources).sort();
    assert.ok(findFunctionNames().length > 0);
    assert.deepEqual(listBuiltFunctions(), findFunctionNames(), 'dist/ against functions/');
    assert.deepEqual(declared, findFunctionNames(), 's.yaml against functions/');
    for (const name of declared) assert.equal(propsOf(rendered, name).code, `./dist/${name}`);
  });
});

describe('s deploy through a stub component', { timeout: 120_000 }, () => {
  it('builds, then hands each function to the component once with its code folder and handler', async () => {
    const { project, run, records } = await RUNS.deployAll;
    assert.equal(run.exitCode, 0, describeRun(run));

    assert.deepEqual(records.map((record) => record.resource).sort(), findFunctionNames());
    for (const record of records) {
      const name = record.resource;
      assert.equal(record.command, 'deploy');
      assert.equal(record.accountId, DUMMY_ACCOUNT_ID);
      assert.equal(record.props.code, `./dist/${name}`);
      assert.equal(record.props.handler, 'index.handler');
      assert.equal(record.props.functionName, `vms-callflow-${name}`);
      // The copy had no dist/: the bundle was there when the component ran, so the build came first.
      assert.equal(record.entry.path, join(project, 'dist', name, 'index.js'));
      assert.equal(record.entry.exists, true, `${name}: no bundle at deploy time`);
      assert.equal(typeof loadModule(record.entry.path).handler, 'function', name);
    }

    // `s` relays what the component returned, keyed by resource.
    const results = JSON.parse(run.stdout) as Record<string, { functionName?: string }>;
    for (const name of findFunctionNames()) assert.equal(results[name]?.functionName, `vms-callflow-${name}`);
  });

  it('builds first even when one function is deployed alone', async () => {
    const { run, records } = await RUNS.deployReportOpen;
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.deepEqual(
      records.map((record) => [record.resource, record.entry.exists]),
      [['report', true]],
    );
  });

  it('refuses to deploy open functions unless told to', async () => {
    const refused = await RUNS.refused;
    assert.notEqual(refused.run.exitCode, 0, describeRun(refused.run));
    assert.match(refused.run.stdout + refused.run.stderr, /CALLBACK_SECRETS is empty/);
    assert.deepEqual(refused.records, []);
    // Told to (ALLOW_OPEN_DEPLOY=1, with no secrets), the same project deploys: here its report function.
    const allowed = await RUNS.deployReportOpen;
    assert.equal(allowed.run.exitCode, 0, describeRun(allowed.run));
    assert.match(allowed.run.stdout + allowed.run.stderr, /warning: CALLBACK_SECRETS is empty/);
    assert.equal(allowed.records.length, 1);
  });

  it('refuses to deploy inline rules that fail validation, listing them with any other problem', async () => {
    const { run, records } = await RUNS.refused;
    assert.notEqual(run.exitCode, 0, describeRun(run));
    assert.match(run.stdout + run.stderr, /RULES is invalid/);
    assert.match(run.stdout + run.stderr, /CALLBACK_SECRETS is empty/, 'both problems in one attempt');
    assert.deepEqual(records, []);
  });

  it('leaves the deploy check off by default', async () => {
    const { run } = await RUNS.deployReportOpen;
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.match(run.stdout + run.stderr, /deploy verify: skipped \(set VERIFY_AFTER_DEPLOY=1/);
  });

  it('checks every deployed function through the FC API when VERIFY_AFTER_DEPLOY=1', async () => {
    const { run, records, requests, logs } = await RUNS.deployVerified;
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.equal(records.length, findFunctionNames().length);
    assert.match(run.stdout, /deploy verify: 3 functions, every check passed/);
    assert.match(run.stdout, /https:\/\/vms-callflow-inbound-[^ ]+\.fcapp\.run\/inbound\/<CALLBACK_SECRET>/);
    assert.ok(!run.stdout.includes(DEPLOYED_SECRETS.CALLBACK_SECRETS), 'the secret is never printed unasked');
    // Every call reached the stand-in signed with the credentials `s` had, and was served.
    assert.deepEqual(
      requests.filter((request) => request.status !== 200),
      [],
    );
    for (const name of findFunctionNames()) {
      const invocations = requests.filter(
        (request) => request.path === `/2023-03-30/functions/vms-callflow-${name}/invocations`,
      );
      assert.ok(invocations.length >= 2, `${name}: status and a synthetic call`);
    }
    // The bundles answered the synthetic calls, whose call ids say where they came from.
    assert.match(logs, /"callId":"deploy-verify-\d+"/);
  });

  it('deploys nothing when the build fails, even with -o json', async () => {
    const { run, records } = await RUNS.brokenBuild;
    assert.notEqual(run.exitCode, 0, describeRun(run));
    assert.match(run.stdout + run.stderr, /pre-action failed/);
    assert.deepEqual(records, []);
  });
});

describe('the custom-runtime mode (s.custom.yaml)', { timeout: 120_000 }, () => {
  it("renders s.yaml's functions on custom.debian10 with server.js, and changes nothing else", async () => {
    const custom = await RUNS.previewCustom;
    const builtIn = await RUNS.preview;
    assert.deepEqual(Object.keys(custom).sort(), findFunctionNames());
    for (const name of findFunctionNames()) {
      const props = v.parse(CustomRuntimePropsSchema, custom[name]);
      assert.equal(props.instanceConcurrency, name === 'report' ? 3 : 10, name);
      // Every other prop (memory, environment, triggers, and any capacity) is s.yaml's own.
      assert.deepEqual(
        { ...v.parse(FunctionPropsSchema, custom[name]), runtime: 'nodejs20' },
        propsOf(builtIn, name),
        name,
      );
    }
  });

  it('serves 20 callbacks (5 receipt batches: they are large) at once per instance unless told otherwise', async () => {
    const custom = await RUNS.previewCustomDefault;
    for (const name of findFunctionNames())
      assert.equal(
        v.parse(CustomRuntimePropsSchema, custom[name]).instanceConcurrency,
        name === 'report' ? 5 : 20,
        name,
      );
  });

  it('leaves the built-in mode without custom-runtime props', async () => {
    const dir = mkdtempSync(join(scratch, 'render-'));
    cpSync(join(ROOT, 's.yaml'), join(dir, 's.yaml'));
    const run = await runS(['preview', '-t', 's.yaml', '-o', 'json', '--silent'], dir);
    assert.equal(run.exitCode, 0, describeRun(run));
    const rendered = JSON.parse(run.stdout) as {
      resources: Record<string, { props: Record<string, unknown> }>;
    };
    for (const [name, { props }] of Object.entries(rendered.resources)) {
      assert.equal(props.runtime, 'nodejs20', name);
      assert.ok(!('instanceConcurrency' in props) && !('customRuntimeConfig' in props), name);
    }
  });

  it('builds, then deploys each function with server.js beside index.js and the custom-runtime props', async () => {
    const { project, run, records, raw } = await RUNS.deployCustom;
    assert.equal(run.exitCode, 0, describeRun(run));
    assert.deepEqual(records.map((record) => record.resource).sort(), findFunctionNames());
    for (const [index, record] of records.entries()) {
      const name = record.resource;
      assert.equal(record.entry.exists, true, `${name}: no bundle at deploy time`);
      assert.ok(existsSync(join(project, 'dist', name, 'server.js')), `${name}: no server.js`);
      const props = v.parse(CustomRuntimePropsSchema, (raw[index] as { props: unknown }).props);
      assert.equal(props.instanceConcurrency, name === 'report' ? 5 : 20, name);
      assert.equal(record.props.code, `./dist/${name}`);
    }
  });
});
