/**
 * Checks a deployment through the FC 3.0 API, and prints what to enter in the VMS console.
 *
 *   npm run deploy:verify -- [--show-secret] [--region R] [--endpoint URL] [--access ALIAS] [--json]
 *
 * Which functions: s.yaml as `s preview` renders it (the same names, region and CALLBACK_SECRETS that
 * `s deploy` used, `.env` included). For each one, through the FC API (dev/fc-api.ts):
 *
 * 1. GetFunction and ListTriggers: the function exists, and its HTTP trigger's public URL;
 * 2. the VMS console entry built from that URL: `<url>/<resource>/<CALLBACK_SECRET>` (the secret as a
 *    placeholder unless `--show-secret`);
 * 3. InvokeFunction with synthetic requests, built as the HTTP trigger would deliver them: the status
 *    (GET, must say `ok`), then inbound: a `callin` and one `normal` event carrying the `dynamic_id` it
 *    returned; outbound: a first `normal` event, as a SmartCall call starts; report: the console's test
 *    object. Each reply must be a valid reply for its event. The synthetic calls' `call_id` starts with
 *    `deploy-verify-`, so that they can be told apart in the logs.
 *
 * Credentials: see dev/fc-credentials.ts. `--endpoint` (or `FC_CLIENT_CUSTOM_ENDPOINT`, which the fc3
 * component reads too) points at another FC API endpoint, such as the local stand-in (dev/fc-api-server.ts).
 * Exit 0 when every check passes, 1 when one fails (each failure says which and why), 2 on a usage error.
 * As s.yaml's post-deploy action it runs with `--after-deploy`, which does nothing unless
 * VERIFY_AFTER_DEPLOY=1.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import * as v from 'valibot';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import {
  createFcClient,
  type FcApiClient,
  FcApiError,
  type FcFunction,
  findHttpTriggerUrl,
  getFunction,
  invokeCallback,
  listTriggers,
  RegionSchema,
} from '../../dev/fc-api';
import { findFcCredentials } from '../../dev/fc-credentials';
import { buildFcEvent, formCallback, ROOT } from '../../dev/fc-event';
import type { FcHttpResult } from '../../shared/fc/http-trigger';
import { SuccessReplySchema } from '../../shared/protocol/reply-schema';
import { RECEIVED } from '../../shared/report/handle-report';

/** The placeholder printed instead of the secret. */
const SECRET_PLACEHOLDER = '<CALLBACK_SECRET>';

/** Where each function's URL goes in the VMS console, by s.yaml resource name. */
const CONSOLE_ENTRIES: Readonly<Record<string, string>> = {
  inbound: 'inbound calls: the smart speech interaction callback URL of the number (智能语音交互, 呼入)',
  outbound: 'SmartCall calls: the smart speech interaction callback URL for outbound calls (呼出)',
  report: 'receipts: the HTTP push URL for call records and status receipts (消息回执, HTTP批量推送)',
};

/** One function of the deployment, as s.yaml renders it. */
export type DeployedFunction = {
  readonly resource: string;
  readonly functionName: string;
  readonly region: string;
  /** The first of CALLBACK_SECRETS as deployed, if any: the functions refuse callbacks without it. */
  readonly callbackSecret: string | undefined;
};

export type VerifyIo = CommandIo & {
  /** The environment credentials and s.yaml's variables are read from: the process's by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads s.yaml's functions: `s preview` by default; a test passes them in. */
  readonly renderDeployment?: (
    env: Readonly<Record<string, string | undefined>>,
  ) => Promise<DeployedFunction[]>;
  readonly now?: () => Date;
};

export const PROGRAM = {
  name: 'deploy:verify',
  summary:
    'Checks a deployment through the FC API (each function, its HTTP trigger, synthetic callbacks) and prints ' +
    'what to enter in the VMS console.',
  single: true,
  options: {
    'show-secret': {
      type: 'boolean',
      help: 'print the callback secret in the console URLs (default: a <CALLBACK_SECRET> placeholder)',
    },
    json: { type: 'boolean', help: 'print the report as JSON' },
    'after-deploy': {
      type: 'boolean',
      help: "as s.yaml's post-deploy action: do nothing unless VERIFY_AFTER_DEPLOY=1",
    },
    region: {
      type: 'string',
      value: 'REGION',
      help: "the functions' region, such as cn-hangzhou (default: s.yaml's)",
    },
    endpoint: {
      type: 'string',
      value: 'URL',
      help: "another FC API endpoint, http(s)://host[:port] (default: FC_CLIENT_CUSTOM_ENDPOINT, else the region's)",
    },
    access: {
      type: 'string',
      short: 'a',
      value: 'ALIAS',
      help: "the credential alias of `s config add` (default: the environment's keys, else default)",
    },
  },
  commands: {
    'deploy:verify': {
      summary: 'verify the deployed functions',
      positionals: [0, 0],
      options: ['show-secret', 'json', 'after-deploy', 'region', 'endpoint', 'access'],
      example: '--access default --show-secret',
      details:
        'Which functions: s.yaml as `s preview` renders it (names, region, CALLBACK_SECRETS, .env included).\n' +
        "The synthetic calls' call_id starts with deploy-verify-, to tell them apart in the logs.",
    },
  },
} as const satisfies ProgramSpec;

const OptionsSchema = v.object({
  'show-secret': v.optional(v.boolean(), false),
  json: v.optional(v.boolean(), false),
  'after-deploy': v.optional(v.boolean(), false),
  region: v.optional(RegionSchema),
  endpoint: v.optional(
    v.pipe(v.string(), v.regex(/^https?:\/\/[^/?#\s]+$/, 'is not http(s)://host[:port] without a path')),
  ),
  access: v.optional(v.pipe(v.string(), v.regex(/^[\w.-]{1,64}$/, 'is not an access alias'))),
});

// ---------------------------------------------------------------------------------------------------
// s.yaml, rendered by `s preview`

const RenderedSchema = v.object({
  resources: v.record(
    v.string(),
    v.object({
      props: v.looseObject({
        functionName: v.string(),
        region: v.string(),
        environmentVariables: v.optional(v.record(v.string(), v.string()), {}),
      }),
    }),
  ),
});

/** `s preview` takes about a second; anything near this is stuck (on the network, say). */
const S_PREVIEW_TIMEOUT_MS = 60_000;

/** Renders s.yaml with `s preview` (offline, quiet: see test/deploy/s-yaml.test.ts) into its functions. */
export function renderDeployment(
  env: Readonly<Record<string, string | undefined>>,
): Promise<DeployedFunction[]> {
  const sBin = join(ROOT, 'node_modules', '.bin', 's');
  return new Promise((resolveRender, reject) => {
    execFile(
      process.execPath,
      [sBin, 'preview', '-t', join(ROOT, 's.yaml'), '-o', 'json', '--silent'],
      {
        cwd: ROOT,
        // NODE_ENV=test keeps `s` from starting its update and telemetry helpers, which call the network.
        env: { ...env, NODE_ENV: 'test' },
        timeout: S_PREVIEW_TIMEOUT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`s preview failed: ${(stderr || error.message).trim().slice(-500)}`));
          return;
        }
        try {
          resolveRender(toDeployment(JSON.parse(stdout)));
        } catch (failure) {
          reject(new Error(`s preview printed no usable rendering of s.yaml: ${(failure as Error).message}`));
        }
      },
    );
  });
}

/** The functions of a rendered s.yaml. */
function toDeployment(rendered: unknown): DeployedFunction[] {
  const parsed = v.parse(RenderedSchema, rendered);
  return Object.entries(parsed.resources).map(([resource, { props }]) => ({
    resource,
    functionName: props.functionName,
    region: props.region,
    callbackSecret:
      (props.environmentVariables.CALLBACK_SECRETS ?? '')
        .split(',')
        .map((secret) => secret.trim())
        .find((secret) => secret !== '') ?? undefined,
  }));
}

// ---------------------------------------------------------------------------------------------------
// The checks

type CheckResult = {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
  /** The function's reply (its body, cut at 300 characters), when there was one. */
  readonly reply?: string;
};

type FunctionReport = {
  readonly resource: string;
  readonly functionName: string;
  readonly region: string;
  readonly ok: boolean;
  readonly runtime?: string;
  readonly state?: string;
  readonly triggerUrl?: string;
  readonly consoleUrl?: string;
  readonly consoleEntry?: string;
  readonly checks: readonly CheckResult[];
};

const StatusSchema = v.looseObject({
  function: v.string(),
  build: v.optional(v.string()),
  ok: v.boolean(),
  rulesVersion: v.optional(v.nullable(v.string())),
  rulesSource: v.optional(v.nullable(v.string())),
  warnings: v.optional(v.array(v.looseObject({ kind: v.string(), message: v.string() })), []),
});

const ReceivedSchema = v.object({ code: v.literal(RECEIVED.code), msg: v.string() });

/** A check that failed: stops the function's remaining checks. */
class CheckFailure extends Error {
  constructor(
    message: string,
    readonly reply?: string,
  ) {
    super(message);
  }
}

function cut(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function parseJsonBody(result: FcHttpResult): unknown {
  try {
    return JSON.parse(result.body);
  } catch {
    throw new CheckFailure(`HTTP ${result.statusCode}, and the body is not JSON`, cut(result.body));
  }
}

function describeIssue(issues: readonly v.BaseIssue<unknown>[]): string {
  const issue = issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join('.') ?? '';
  return `${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`;
}

function expectStatus(result: FcHttpResult, status: number): void {
  if (result.statusCode === status) return;
  const hint =
    result.statusCode === 403
      ? ': the deployed function wants a callback secret this shell does not have (CALLBACK_SECRETS, as s.yaml renders it from the shell or .env)'
      : '';
  throw new CheckFailure(`HTTP ${result.statusCode}, expected ${status}${hint}`, cut(result.body));
}

/** Checks a callback's reply: HTTP 200, a valid reply for this call, and one of the expected actions. */
function checkCallbackReply(
  result: FcHttpResult,
  callId: string,
  allowed: (action: string) => boolean,
): { action: string; dynamicId: string | undefined } {
  expectStatus(result, 200);
  const parsed = v.safeParse(SuccessReplySchema, parseJsonBody(result));
  if (!parsed.success) {
    throw new CheckFailure(
      `the reply is not a valid VMS reply (${describeIssue(parsed.issues)})`,
      cut(result.body),
    );
  }
  const { data } = parsed.output;
  if (data.call_id !== callId)
    throw new CheckFailure(`the reply is for call ${data.call_id}, not ${callId}`, cut(result.body));
  if (!allowed(data.action))
    throw new CheckFailure(`${data.action} is not a legal reply here`, cut(result.body));
  return { action: data.action, dynamicId: data.dynamic_id };
}

type Probe = {
  readonly client: FcApiClient;
  readonly fn: DeployedFunction;
  readonly host: string;
  readonly now: Date;
  readonly callId: string;
  /** The call's state, as the last reply gave it. */
  readonly dynamicId: { value: string | undefined };
};

/** The path a synthetic request takes: `/<resource>/<secret>`, as VMS calls the console URL. */
function requestPath(fn: DeployedFunction): string {
  return fn.callbackSecret === undefined ? `/${fn.resource}` : `/${fn.resource}/${fn.callbackSecret}`;
}

function eventOptions(probe: Probe, suffix: string) {
  return {
    path: requestPath(probe.fn),
    domainName: probe.host,
    requestId: `${probe.callId}-${suffix}`,
    userAgent: 'vms-callflow deploy:verify',
    time: probe.now,
  };
}

/** What a step found: a line for the report, and the reply it is about. */
type StepResult = { readonly detail: string; readonly reply?: string };

/** One check against a function; a step that throws fails, and the function's later steps are skipped. */
type Step = { readonly name: string; readonly run: (probe: Probe) => Promise<StepResult> };

const statusStep: Step = {
  name: 'status',
  run: async (probe) => {
    const result = await invokeCallback(
      probe.client,
      probe.fn.functionName,
      buildFcEvent({ ...eventOptions(probe, 'status'), method: 'GET' }),
    );
    expectStatus(result, 200);
    const parsed = v.safeParse(StatusSchema, parseJsonBody(result));
    if (!parsed.success) {
      throw new CheckFailure(`not the functions' status (${describeIssue(parsed.issues)})`, cut(result.body));
    }
    const status = parsed.output;
    const rules =
      status.rulesVersion === undefined
        ? ''
        : `, rules ${status.rulesVersion ?? 'none'} (${status.rulesSource ?? '?'})`;
    const warnings = status.warnings.map((warning) => `warning: ${warning.message}`);
    const detail = [`build ${status.build ?? '?'}${rules}`, ...warnings].join('; ');
    if (!status.ok) throw new CheckFailure(`the function says it is not ok: ${detail}`, cut(result.body));
    return { detail, reply: cut(result.body) };
  },
};

function sendCallback(probe: Probe, contentType: string, content: Record<string, string>, suffix: string) {
  return invokeCallback(
    probe.client,
    probe.fn.functionName,
    formCallback(
      {
        call_id: probe.callId,
        content_type: contentType,
        content: JSON.stringify(content),
        timestamp: String(probe.now.getTime()),
      },
      // FC delivers form bodies base64-encoded.
      { ...eventOptions(probe, suffix), base64: true },
    ),
  );
}

const notAnswer = (action: string) => action !== 'answer';

/** A callback step: sends one event, checks the reply, and keeps the call's state for the next step. */
function callbackStep(
  name: string,
  contentType: string,
  content: Record<string, string>,
  allowed: (action: string) => boolean,
): Step {
  return {
    name,
    run: async (probe) => {
      const state = probe.dynamicId.value;
      const sent = state === undefined ? content : { ...content, dynamic_id: state };
      const result = await sendCallback(probe, contentType, sent, contentType);
      const reply = checkCallbackReply(result, probe.callId, allowed);
      probe.dynamicId.value = reply.dynamicId;
      return { detail: `→ ${reply.action}`, reply: cut(result.body) };
    },
  };
}

/** The synthetic calls each kind of function gets, by s.yaml resource name. */
const CALLS: Readonly<Record<string, readonly Step[]>> = {
  // A call comes in, then the caller says something: the second event carries the first reply's state.
  inbound: [
    callbackStep(
      'callin',
      'callin',
      { caller: '13800138000', callee: '4000000000' },
      (action) => action === 'answer' || action === 'hangup',
    ),
    callbackStep('normal', 'normal', { words: '你好', role: 'B' }, notAnswer),
  ],
  // A SmartCall call has no callin: its first callback is already an event (here without a DynamicId).
  outbound: [callbackStep('first event (normal)', 'normal', { words: '好的', role: 'B' }, notAnswer)],
  report: [
    {
      name: 'console test receipt',
      run: async (probe) => {
        const result = await invokeCallback(
          probe.client,
          probe.fn.functionName,
          buildFcEvent({
            ...eventOptions(probe, 'receipt'),
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ json: 'test-content' }),
          }),
        );
        expectStatus(result, 200);
        const parsed = v.safeParse(ReceivedSchema, parseJsonBody(result));
        if (!parsed.success) {
          throw new CheckFailure(
            `not the receipt acknowledgement (${describeIssue(parsed.issues)})`,
            cut(result.body),
          );
        }
        return { detail: `→ code ${parsed.output.code}`, reply: cut(result.body) };
      },
    },
  ],
};

function describeFailure(error: unknown): StepResult {
  if (error instanceof CheckFailure) {
    return { detail: error.message, ...(error.reply === undefined ? {} : { reply: error.reply }) };
  }
  if (error instanceof FcApiError) return { detail: error.describe() };
  return { detail: error instanceof Error ? error.message : String(error) };
}

/** Runs `run` as the check `name`, recording a failure as a check that did not pass. Returns whether it passed. */
async function runStep(
  checks: CheckResult[],
  name: string,
  run: () => Promise<StepResult>,
): Promise<boolean> {
  try {
    checks.push({ name, ok: true, ...(await run()) });
    return true;
  } catch (error) {
    checks.push({ name, ok: false, ...describeFailure(error) });
    return false;
  }
}

async function verifyFunction(
  client: FcApiClient,
  fn: DeployedFunction,
  showSecret: boolean,
  now: Date,
): Promise<FunctionReport> {
  const checks: CheckResult[] = [];
  let info: FcFunction | undefined;
  let triggerUrl: string | undefined;
  const found = await runStep(checks, 'function', async () => {
    info = await getFunction(client, fn.functionName);
    const triggers = await listTriggers(client, fn.functionName);
    triggerUrl = findHttpTriggerUrl(triggers);
    if (triggerUrl === undefined) {
      throw new CheckFailure(
        `no HTTP trigger with a public URL (triggers: ${triggers.map((t) => `${t.triggerName} (${t.triggerType})`).join(', ') || 'none'})`,
      );
    }
    return { detail: `${info.runtime ?? '?'}, ${info.state ?? 'state unknown'}` };
  });
  const secret =
    fn.callbackSecret === undefined ? undefined : showSecret ? fn.callbackSecret : SECRET_PLACEHOLDER;
  const consoleUrl =
    triggerUrl === undefined
      ? undefined
      : `${triggerUrl.replace(/\/+$/, '')}/${fn.resource}${secret === undefined ? '' : `/${secret}`}`;
  if (found && triggerUrl !== undefined) {
    const probe: Probe = {
      client,
      fn,
      host: new URL(triggerUrl).host,
      now,
      callId: `deploy-verify-${now.getTime()}`,
      dynamicId: { value: undefined },
    };
    for (const step of [statusStep, ...(CALLS[fn.resource] ?? [])]) {
      if (!(await runStep(checks, step.name, () => step.run(probe)))) break;
    }
  }
  return {
    resource: fn.resource,
    functionName: fn.functionName,
    region: fn.region,
    ok: checks.every((check) => check.ok),
    ...(info?.runtime === undefined ? {} : { runtime: info.runtime }),
    ...(info?.state === undefined ? {} : { state: info.state }),
    ...(triggerUrl === undefined ? {} : { triggerUrl }),
    ...(consoleUrl === undefined ? {} : { consoleUrl }),
    ...(CONSOLE_ENTRIES[fn.resource] === undefined ? {} : { consoleEntry: CONSOLE_ENTRIES[fn.resource] }),
    checks,
  };
}

function printReport(io: VerifyIo, report: FunctionReport): void {
  io.out(`\n${report.resource}: ${report.functionName} (${report.region})${report.ok ? '' : ' — FAILED'}\n`);
  if (report.triggerUrl !== undefined) io.out(`  HTTP trigger   ${report.triggerUrl}\n`);
  if (report.consoleUrl !== undefined && report.consoleEntry !== undefined) {
    io.out(`  VMS console    ${report.consoleEntry}:\n                 ${report.consoleUrl}\n`);
  }
  for (const check of report.checks) {
    io.out(`  ${check.ok ? 'PASS' : 'FAIL'} ${check.name}: ${check.detail}\n`);
    if (check.reply !== undefined) io.out(`       reply: ${check.reply}\n`);
  }
}

export async function main(argv: readonly string[], io: VerifyIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const parsed = v.safeParse(OptionsSchema, read.line.values);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const option = `--${String(issue.path?.[0]?.key ?? '')}`;
    return refuseUsage(io, PROGRAM, undefined, `${option} ${issue.message}`);
  }
  const options = parsed.output;
  const env = io.env ?? process.env;
  if (options['after-deploy'] && env.VERIFY_AFTER_DEPLOY !== '1') {
    io.err(
      'deploy verify: skipped (set VERIFY_AFTER_DEPLOY=1 to check every deploy, or run npm run deploy:verify)\n',
    );
    return EXIT.ok;
  }
  const found = findFcCredentials(env, options.access);
  if (!found.ok) {
    io.err(`deploy verify: ${found.message}\n`);
    return EXIT.failed;
  }
  let deployment: DeployedFunction[];
  try {
    deployment = await (io.renderDeployment ?? renderDeployment)(env);
  } catch (error) {
    io.err(`deploy verify: cannot read s.yaml's functions: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
  if (deployment.length === 0) {
    io.err('deploy verify: s.yaml declares no functions\n');
    return EXIT.failed;
  }
  const endpoint = options.endpoint ?? (env.FC_CLIENT_CUSTOM_ENDPOINT || undefined);
  const now = io.now?.() ?? new Date();
  const clients = new Map<string, FcApiClient>();
  const reports: FunctionReport[] = [];
  if (!options.json) {
    io.out(`deploy verify: account ${found.credentials.accountId}, credentials from ${found.source}\n`);
  }
  for (const deployed of deployment) {
    const fn = options.region === undefined ? deployed : { ...deployed, region: options.region };
    let client = clients.get(fn.region);
    if (client === undefined) {
      try {
        client = createFcClient({ credentials: found.credentials, region: fn.region, endpoint });
      } catch (error) {
        io.err(`deploy verify: ${(error as Error).message}\n`);
        return EXIT.failed;
      }
      clients.set(fn.region, client);
      if (!options.json) io.out(`FC API ${client.endpoint} (${fn.region})\n`);
    }
    const report = await verifyFunction(client, fn, options['show-secret'], now);
    reports.push(report);
    if (!options.json) printReport(io, report);
  }
  const failed = reports.filter((report) => !report.ok);
  const open = deployment.filter((fn) => fn.callbackSecret === undefined).map((fn) => fn.resource);
  if (options.json) {
    io.out(
      `${JSON.stringify({ ok: failed.length === 0, accountId: found.credentials.accountId, functions: reports }, null, 2)}\n`,
    );
  } else {
    if (open.length > 0) {
      io.out(
        `\nwarning: no CALLBACK_SECRETS in s.yaml's rendering for ${open.join(', ')}: the URLs above carry no secret\n`,
      );
    }
    io.out(
      failed.length === 0
        ? `\ndeploy verify: ${reports.length} functions, every check passed\n`
        : `\ndeploy verify: FAILED for ${failed.map((report) => report.resource).join(', ')}\n`,
    );
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failed;
}

runWhenMain(import.meta.filename, main);
