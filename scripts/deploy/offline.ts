/**
 * `npm run deploy:offline`: the whole `s deploy` path of s.yaml (the deploy check, the build, one `fc3`
 * call per function) on a machine with no Alibaba Cloud account, access alias or network. `s` runs with
 * the stub `fc3` component (test/fixtures/fc3-stub), which uploads nothing and records what it was
 * given, with dummy credentials and a throwaway `s` home (so "Not found access: default" cannot happen and
 * nothing of `~/.s` is read or written), and with NODE_ENV=test, which stops `s` from starting its update
 * and telemetry helpers. With `--verify`, deploy:verify then checks the functions through the FC API
 * stand-in, as `VERIFY_AFTER_DEPLOY=1` does after a real deploy.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
import { type StandIn, startFcApiStandIn } from '../../dev/fc-api-server';
import { routeFunctionLogs } from '../../dev/function-logs';
import { findFunctionNames } from '../build/build';

const root = resolve(import.meta.dirname, '../..');
const S_BIN = join(root, 'node_modules', '.bin', 's');
const STUB_COMPONENT = join(root, 'test', 'fixtures', 'fc3-stub');
/** A deploy with its build takes seconds; a stuck `s` is stopped rather than waited on. */
const S_TIMEOUT_MS = 5 * 60_000;

/** What `s` is given instead of an access alias: dummies, which only the stub and the stand-in see. */
const DUMMY = {
  accountId: '1234567890123456',
  accessKeyId: 'offline-access-key-id',
  accessKeySecret: 'offline-access-key-secret',
} as const;

export const PROGRAM = {
  name: 'deploy:offline',
  summary:
    'Runs s deploy on s.yaml with no cloud account: the deploy check and the build run as in a real deploy, and a stub fc3 component records each function instead of uploading it.',
  single: true,
  options: {
    verify: {
      type: 'boolean',
      help: 'then check the functions with deploy:verify through an FC 3.0 API stand-in that runs the built bundles',
    },
  },
  commands: {
    'deploy:offline': {
      summary: 'try s deploy offline',
      args: '[function]',
      positionals: [0, 1],
      options: ['verify'],
      example: '--verify',
      details: `
[function] deploys one function (inbound, outbound or report) instead of all three; the build still runs
first. No access alias is needed: s gets dummy credentials and a throwaway home, never ~/.s. The
functions' variables come from this shell (CALLBACK_SECRETS, STATE_SECRETS, RULES...); the secrets, when
unset, are throwaway ones for this run (a real deploy refuses without them). What s prints goes to stderr;
what each function was given goes to stdout.`,
    },
  },
} as const satisfies ProgramSpec;

/** One line of the stub's record (test/fixtures/fc3-stub/index.js). */
const StubRecordSchema = v.object({
  resource: v.string(),
  props: v.object({
    functionName: v.string(),
    runtime: v.string(),
    handler: v.string(),
    code: v.string(),
    environmentVariables: v.record(v.string(), v.string()),
  }),
  entry: v.object({ exists: v.boolean() }),
});
type StubRecord = v.InferOutput<typeof StubRecordSchema>;

/** A deploying command's streams, plus the shell's variables (`process.env` by default). */
export interface DeployOfflineIo extends CommandIo {
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The environment `s` runs in: this shell's, without any real credential, with the offline switches. */
function offlineEnvironment(
  shell: Readonly<Record<string, string | undefined>>,
  home: string,
  recordFile: string,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(shell)) {
    // Real credentials never reach the try-out, whatever this shell holds.
    if (value !== undefined && !/^(ALIBABA_CLOUD_|AccessKey|AccountID|SecurityToken)/.test(name))
      env[name] = value;
  }
  return {
    ...env,
    NODE_ENV: 'test',
    serverless_devs_config_home: home,
    AccountID: DUMMY.accountId,
    AccessKeyID: DUMMY.accessKeyId,
    AccessKeySecret: DUMMY.accessKeySecret,
    ALIBABA_CLOUD_ACCOUNT_ID: DUMMY.accountId,
    ALIBABA_CLOUD_ACCESS_KEY_ID: DUMMY.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: DUMMY.accessKeySecret,
    FC_COMPONENT: STUB_COMPONENT,
    STUB_RECORD_FILE: recordFile,
    npm_config_update_notifier: 'false',
  };
}

/** Runs `s` with `args`, its output on `io.err` as it comes; resolves with its exit code. */
function runS(args: readonly string[], env: NodeJS.ProcessEnv, io: CommandIo): Promise<number | string> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [S_BIN, ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), S_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => io.err(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => io.err(chunk.toString('utf8')));
    child.on('error', (error) => {
      clearTimeout(timer);
      done(error.message);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done(code ?? signal ?? 'killed');
    });
  });
}

function readRecords(file: string): StubRecord[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => v.parse(StubRecordSchema, JSON.parse(line)));
}

function describeRecord(record: StubRecord): string {
  const { props } = record;
  const set = Object.entries(props.environmentVariables)
    .filter(([, value]) => value !== '')
    .map(([name]) => name);
  return (
    `  ${record.resource}: ${props.functionName}, ${props.runtime}, ${props.handler}, code ${props.code}` +
    ` (${record.entry.exists ? 'built' : 'NOT built'}); variables set: ${set.join(', ') || 'none'}\n`
  );
}

export async function main(argv: readonly string[], io: DeployOfflineIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const [only] = read.line.positionals;
  const names = findFunctionNames();
  if (only !== undefined && !names.includes(only)) {
    return refuseUsage(
      io,
      PROGRAM,
      'deploy:offline',
      `no function ${only}; choose one of ${names.join(', ')}`,
    );
  }
  const verify = read.line.values.verify === true;
  const shell = io.env ?? process.env;
  const scratch = mkdtempSync(join(tmpdir(), 'vms-callflow-deploy-offline-'));
  const recordFile = join(scratch, 'deployed.jsonl');
  const env = offlineEnvironment(shell, join(scratch, 's-home'), recordFile);
  for (const name of ['CALLBACK_SECRETS', 'STATE_SECRETS'] as const) {
    if ((env[name] ?? '') !== '') continue;
    env[name] = `offline-${randomBytes(12).toString('hex')}`;
    io.err(
      `deploy:offline: ${name} is not set: a throwaway one is used for this try-out (a real deploy refuses)\n`,
    );
  }
  let standIn: StandIn | undefined;
  let restoreLogs: (() => void) | undefined;
  try {
    if (verify) {
      const prefix = env.FUNCTION_PREFIX || 'vms-callflow';
      standIn = await startFcApiStandIn({
        accountId: DUMMY.accountId,
        accessKeys: { [DUMMY.accessKeyId]: DUMMY.accessKeySecret },
        functions: names.map((name) => ({ name: `${prefix}-${name}`, bundle: name })),
        region: env.REGION || 'cn-hangzhou',
        environment: { CALLBACK_SECRETS: env.CALLBACK_SECRETS ?? '', STATE_SECRETS: env.STATE_SECRETS ?? '' },
      });
      Object.assign(env, { VERIFY_AFTER_DEPLOY: '1', FC_CLIENT_CUSTOM_ENDPOINT: standIn.endpoint });
      // The stand-in runs the bundles in this process: their log lines are the stand-in's, not results.
      restoreLogs = routeFunctionLogs(() => undefined);
    }
    const args = [...(only === undefined ? [] : [only]), 'deploy', '-y', '-t', 's.yaml'];
    const exit = await runS(args, env, io);
    const records = readRecords(recordFile);
    if (exit !== 0) {
      io.err(`deploy:offline: s deploy failed (exit ${exit}): its output above says why\n`);
      return EXIT.failed;
    }
    io.out(
      `s deploy ran offline: ${records.length} function${records.length === 1 ? '' : 's'} handed to the stub fc3 component, nothing uploaded${verify ? ', then checked by deploy:verify through the FC API stand-in' : ''}:\n`,
    );
    for (const record of records) io.out(describeRecord(record));
    io.out(
      'To deploy for real: an access alias (npx s config add --access default) or the AccessKeyID, AccessKeySecret and AccountID variables, CALLBACK_SECRETS and STATE_SECRETS set, then npx s deploy -y.\n',
    );
    return EXIT.ok;
  } finally {
    restoreLogs?.();
    await standIn?.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

runWhenMain(import.meta.filename, main);
