import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../../scripts/deploy/check';
import {
  FC_ENVIRONMENT_LIMIT_BYTES,
  measureEnvironment,
  readFunctionEnvironments,
} from '../../../scripts/deploy/environment-size';
import { captureText } from '../../support/command-io';

const dir = mkdtempSync(join(tmpdir(), 'deploy-check-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An s.yaml as the project writes it: shared variables merged into each function, one with an extra. */
const S_YAML = `edition: 3.0.0
vars:
  function: &function
    environmentVariables: &environment
      CALLBACK_SECRETS: \${env('CALLBACK_SECRETS', '')}
      RULES: \${env('RULES', '')}
      LOG_LEVEL: \${env('LOG_LEVEL', 'info')}
resources:
  inbound:
    props:
      <<: *function
      functionName: x-inbound
  outbound:
    props:
      <<: *function
      environmentVariables:
        <<: *environment
        EXTRA: \${env('EXTRA', 'more')}
  report:
    props:
      <<: *function
`;

function project(dotEnv?: string): string {
  const folder = mkdtempSync(join(dir, 'project-'));
  writeFileSync(join(folder, 's.yaml'), S_YAML);
  if (dotEnv !== undefined) writeFileSync(join(folder, '.env'), dotEnv);
  return join(folder, 's.yaml');
}

const SECRETS = { CALLBACK_SECRETS: 'callback-secret-0123456789', STATE_SECRETS: 'state-secret-0123456789' };

const RULES = JSON.stringify({
  version: 'v1',
  defaultLine: { flow: 'main' },
  flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: '再见' } } } },
});

function runCheck(env: Record<string, string | undefined>, sYaml = project()) {
  const { streams, captured } = captureText();
  const status = main([], { ...streams, env, sYaml });
  return { status, ...captured };
}

describe('npm run deploy:check', () => {
  it('refuses open functions and invalid RULES at once, on stderr', () => {
    const { status, stdout, stderr } = runCheck({ RULES: '{"version":1}' });
    assert.equal(status, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^deploy check: CALLBACK_SECRETS is empty/m);
    assert.match(stderr, /^deploy check: RULES is invalid:/m);
  });

  it('lets an open test stage deploy with ALLOW_OPEN_DEPLOY=1, warning, and reports the environment’s size', () => {
    const { status, stdout, stderr } = runCheck({ ALLOW_OPEN_DEPLOY: '1', RULES });
    assert.equal(status, 0, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /^deploy check: warning: CALLBACK_SECRETS is empty/m);
    // outbound has one variable more (EXTRA=more): the larger environment is the one that counts.
    const expected = Buffer.byteLength(`CALLBACK_SECRETSRULES${RULES}LOG_LEVELinfoEXTRAmore`);
    assert.match(
      stderr,
      new RegExp(
        `^deploy check: the environment of outbound is ${expected} bytes: RULES ${Buffer.byteLength(RULES)} bytes, and the 3 other variables s\\.yaml sets for inbound and outbound`,
        'm',
      ),
    );
    assert.match(stderr, /\ndeploy check: environment ok\n$/);
  });

  it('warns from 3 KB of environment, and refuses over 4 KB with RULES_URL as the way out', () => {
    const sized = (bytes: number) => RULES.replace('再见', 'x'.repeat(bytes - Buffer.byteLength(RULES)));
    const near = runCheck({ ...SECRETS, RULES: sized(3100) });
    assert.equal(near.status, 0, near.stderr);
    assert.match(
      near.stderr,
      /^deploy check: warning: the environment of outbound is \d+ bytes: .*: near FC's limit/m,
    );
    const over = runCheck({ ...SECRETS, RULES: sized(FC_ENVIRONMENT_LIMIT_BYTES) });
    assert.equal(over.status, 1);
    assert.match(
      over.stderr,
      /^deploy check: the environment of outbound is \d+ bytes: .*: over FC's limit of 4096 bytes for all of a function's environment variables together; publish the rules to OSS .* set RULES_URL instead of RULES, or ship them with the code \(npm run build -- --rules <file>, then RULES_FILE=\/code\/rules\.json\)$/m,
    );
  });

  it('counts RULES alone, and says so, when s.yaml cannot be read', () => {
    const { status, stderr } = runCheck({ ...SECRETS, RULES }, join(dir, 'missing', 's.yaml'));
    assert.equal(status, 0, stderr);
    assert.match(
      stderr,
      new RegExp(
        `^deploy check: RULES alone, name and value, is ${Buffer.byteLength(`RULES${RULES}`)} bytes \\(s\\.yaml could not be read: .*ENOENT; counted RULES alone\\)`,
        'm',
      ),
    );
  });
});

describe('readFunctionEnvironments', () => {
  it('renders s.yaml’s variables for inbound and outbound as s does: the shell, then .env, then the default', () => {
    const sYaml = project(
      '# the stage\nexport LOG_LEVEL=debug\nEXTRA="from .env"\nCALLBACK_SECRETS=dotenv\n',
    );
    const read = readFunctionEnvironments({ CALLBACK_SECRETS: 'shell' }, sYaml);
    assert.deepEqual(read, {
      ok: true,
      functions: {
        inbound: { CALLBACK_SECRETS: 'shell', RULES: '', LOG_LEVEL: 'debug' },
        outbound: { CALLBACK_SECRETS: 'shell', RULES: '', LOG_LEVEL: 'debug', EXTRA: 'from .env' },
      },
    });
    // With the rules compile would make, in place of RULES as rendered.
    const size = measureEnvironment('{}', read);
    assert.equal(size.level, 'ok');
    assert.equal(size.bytes, 'CALLBACK_SECRETSshellRULES{}LOG_LEVELdebugEXTRAfrom .env'.length);
  });
});

describe('deploy:check and the warm schedule', () => {
  /** s.yaml with inbound's schedule as npm run capacity writes it, its calendar period ending `days` from today. */
  function scheduled(days: number, baselineDays = 366): string {
    const day = (offset: number) =>
      new Date(Date.now() + 8 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
    const action = (name: string, from: string, to: string) =>
      `          - name: ${name}\n            startTime: "${from}T00:00:00"\n            endTime: "${to}T00:00:00"\n            target: 1\n            scheduleExpression: "cron(0 45 8 ? * MON,TUE,WED,THU,FRI)"\n            timeZone: Asia/Shanghai\n`;
    const text = S_YAML.replace(
      '      functionName: x-inbound\n',
      `      functionName: x-inbound\n      provisionConfig:\n        defaultTarget: 0\n        alwaysAllocateCPU: false\n        scheduledActions:\n${action('w1-up-0845', day(days - 30), day(days))}${action('base-up-0845', day(days), day(days + baselineDays))}`,
    );
    const sYaml = project();
    writeFileSync(sYaml, text);
    return sYaml;
  }

  it('warns when the period planned from the calendars ends within 45 days, or has ended', () => {
    assert.match(
      runCheck(SECRETS, scheduled(10)).stderr,
      /warning: inbound's warm schedule follows the calendars until \S+ \(in 10 days\)/,
    );
    assert.match(
      runCheck(SECRETS, scheduled(-3)).stderr,
      /follows the calendars only until \S+: since then plain weekly hours/,
    );
    assert.match(
      runCheck(SECRETS, scheduled(-400)).stderr,
      /warm schedule ended on \S+: no instance is kept warm/,
    );
    assert.doesNotMatch(runCheck(SECRETS, scheduled(60)).stderr, /warm schedule/);
    assert.equal(runCheck(SECRETS, scheduled(10)).status, 0);
  });
});

describe("deploy:check on the functions' size", () => {
  function sized(inbound: string, report: string): string {
    const text = S_YAML.replace(
      '      functionName: x-inbound\n',
      `      functionName: x-inbound\n${inbound}`,
    ).replace(
      '  report:\n    props:\n      <<: *function\n',
      `  report:\n    props:\n      <<: *function\n${report}`,
    );
    const sYaml = project();
    writeFileSync(sYaml, text);
    return sYaml;
  }

  it('refuses a cpu and memorySize FC would refuse, naming the function and what would do', () => {
    const run = runCheck(
      SECRETS,
      sized('      cpu: 0.5\n      memorySize: 256\n', '      cpu: 0.12\n      memorySize: 128\n'),
    );
    assert.equal(run.status, 1);
    assert.match(run.stderr, /inbound: cpu 0\.5 with memorySize 256 is outside FC's ratio .* cpu 0\.1–0\.25/);
    assert.match(run.stderr, /report: cpu 0\.12 is not a multiple of 0\.05/);
  });

  it('accepts a valid pair, and warns of a memorySize without cpu', () => {
    const run = runCheck(
      SECRETS,
      sized('      cpu: 0.25\n      memorySize: 256\n', '      memorySize: 128\n'),
    );
    assert.equal(run.status, 0);
    assert.doesNotMatch(run.stderr, /inbound: /);
    assert.match(run.stderr, /warning: report: no cpu: FC picks .* \(it allows 0\.05–0\.1\)/);
  });
});
