import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { type OssServer, startOssServer } from '../../../dev/oss-server';
import { main as capacity } from '../../../scripts/capacity/capacity';
import { main } from '../../../scripts/rules/rules';
import { MAX_LIVE_BYTES } from '../../../scripts/rules/rules-publish';
import { captureText } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';
import { LAST_PACKAGED_YEAR as LAST } from '../../support/holiday-years';

const dir = mkdtempSync(join(tmpdir(), 'rules-publish-'));
const LIVE = 'oss://vms-rules/hotline/rules.json';
const BANK = join(ROOT, 'examples', 'bank-card-service.yaml');

/** A small hotline: a menu, an agent transfer, a goodbye. `version`, the menu's words and the desk vary. */
function hotline(version: string, options: { menu?: string; desk?: string; goodbye?: string } = {}): string {
  return `version: '${version}'
lines:
  - name: service
    numbers: ['95000']
    flow: main
defaultLine:
  flow: main
flows:
  main:
    start: menu
    nodes:
      menu:
        type: menu
        say: ${options.menu ?? '人工服务请按0，结束请按9'}
        keys:
          0: agent
          9: bye
      agent:
        type: transfer
        say: 正在为您转接
        to: '${options.desk ?? '05925550101'}'
      bye:
        type: hangup
        say: ${options.goodbye ?? '再见'}
`;
}

function writeTemp(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

type Run = { status: number; stdout: string; stderr: string };

describe('npm run rules -- publish, pull, diff, history, rollback', () => {
  let server: OssServer;
  let env: Record<string, string | undefined>;

  /** Runs the rules CLI in-process, as `npm run rules -- …` would, with the stand-in's variables. */
  async function runRules(
    args: string[],
    environment = env,
    now = Date.parse('2026-06-01T12:00:00+08:00'),
  ): Promise<Run> {
    const { streams, captured } = captureText();
    const status = await main(args, { ...streams, now: () => now, env: environment });
    return { status, ...captured };
  }

  function puts(): number {
    return server.requests.filter((request) => request.method === 'PUT').length;
  }

  beforeEach(async () => {
    server = await startOssServer();
    env = {
      ALIBABA_CLOUD_ACCESS_KEY_ID: server.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: server.accessKeySecret,
      ALIBABA_CLOUD_REGION: server.region,
      OSS_ENDPOINT: server.endpoint,
    };
  });
  afterEach(() => server.close());
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('notes when the warm capacity in s.yaml was planned from other calendars than the published ones', async () => {
    const project = mkdtempSync(join(dir, 'capacity-'));
    const sYaml = join(project, 's.yaml');
    writeFileSync(sYaml, readFileSync(join(ROOT, 's.yaml'), 'utf8'));
    const planned = capacity([BANK, '--from', '2026-06-01', '--weeks', '4', '--to-file', sYaml], {
      out: () => undefined,
      err: () => undefined,
      now: () => Date.parse('2026-06-01T12:00:00+08:00'),
    });
    assert.equal(planned, 0);
    const now = Date.parse('2026-06-01T12:00:00+08:00');
    const publish = async (file: string) => {
      const { streams, captured } = captureText();
      const status = await main(['publish', file, LIVE], { ...streams, now: () => now, env, sYaml });
      assert.equal(status, 0, captured.stderr);
      return captured.stderr;
    };
    assert.doesNotMatch(await publish(BANK), /warm capacity/);
    const moved = writeTemp(
      'moved.yaml',
      readFileSync(BANK, 'utf8')
        .replace("workdays: ['09:00-18:00']", "workdays: ['08:30-18:00']")
        .replace(/^version: '([^']+)'/m, "version: '$1-moved'"),
    );
    assert.match(
      await publish(moved),
      /note: inbound's warm capacity in s\.yaml was planned from other calendars than these/,
    );
  });

  it('refuses a document with errors, and one with warnings unless --force, uploading nothing', async () => {
    const broken = writeTemp('broken.yaml', hotline('v1').replace('9: bye', '9: nowhere'));
    const refused = await runRules(['publish', broken, LIVE]);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /error {4}.*flows\.main\.nodes\.menu\.keys\.9: no node is named nowhere/);
    assert.match(refused.stderr, /not published, 1 error\n$/);
    const warned = writeTemp('warned.yaml', hotline('v1', { goodbye: '"再见: 0"' }));
    const unforced = await runRules(['publish', warned, LIVE]);
    assert.equal(unforced.status, 1);
    assert.match(unforced.stderr, /not published, 1 warning \(--force publishes anyway\)/);
    assert.equal(puts(), 0);
    assert.equal(server.requests.length, 0, 'nothing is asked of OSS before the document passes');
    const forced = await runRules(['publish', warned, LIVE, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
  });

  it('judges holiday data as rules check does: today in the calendar’s zone, or --at, refusing its warnings unless --force', async () => {
    // The bank example is quiet mid-year; late in the last packaged year, next year's data is missing.
    const late = Date.parse(`${LAST}-11-16T16:30:00Z`);
    const today = await runRules(['publish', BANK, LIVE], env, late);
    assert.equal(today.status, 1);
    assert.match(
      today.stderr,
      new RegExp(`warning .*calendars\\.office\\.holidays: .*no holiday data for ${LAST + 1}`),
    );
    assert.match(today.stderr, /not published, 1 warning \(--force publishes anyway\)\n$/);
    const at = await runRules(['publish', BANK, LIVE, '--at', `${LAST}-12-15`]);
    assert.equal(at.status, 1);
    assert.match(at.stderr, /in 17 days\)/);
    assert.equal(server.requests.length, 0, 'nothing is asked of OSS before the document passes');
    const quiet = await runRules(
      ['publish', BANK, LIVE, '--dry-run'],
      env,
      Date.parse(`${LAST}-06-01T12:00:00+08:00`),
    );
    assert.equal(quiet.status, 0, quiet.stderr);
    const forced = await runRules(['publish', BANK, LIVE, '--at', `${LAST}-12-15`, '--force']);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /^published version /);
    const badDate = await runRules(['publish', BANK, LIVE, '--at', `${LAST}-13-01`]);
    assert.equal(badDate.status, 2);
    assert.match(badDate.stderr, /--at takes a date, YYYY-MM-DD/);
  });

  it('says today’s warnings on a rollback and a diff, without ever refusing an emergency rollback for them', async () => {
    const late = ['--at', `${LAST}-12-15`];
    assert.equal((await runRules(['publish', BANK, LIVE, ...late, '--force'])).status, 0);
    const bankVersion = /version: '([^']+)'/.exec(readFileSync(BANK, 'utf8'))?.[1] ?? '';
    assert.equal((await runRules(['publish', writeTemp('v2.yaml', hotline('v2')), LIVE])).status, 0);
    const warned = new RegExp(`warning .*calendars\\.office\\.holidays: .*no holiday data for ${LAST + 1}`);
    const diffed = await runRules(['diff', BANK, LIVE, ...late]);
    assert.equal(diffed.status, 0, diffed.stderr);
    assert.match(diffed.stderr, warned);
    const rolled = await runRules(['rollback', bankVersion, LIVE, ...late]);
    assert.equal(rolled.status, 0, rolled.stderr);
    assert.match(rolled.stderr, warned);
    assert.match(rolled.stdout, new RegExp(`^rolled ${LIVE} back to version ${bankVersion}`));
  });

  it('publishes the compiled JSON and a kept copy, and history lists versions newest first with the live one marked', async () => {
    const first = await runRules(['publish', writeTemp('v1.yaml', hotline('v1')), LIVE]);
    assert.equal(first.status, 0, first.stderr);
    const live = server.getObject('vms-rules', 'hotline/rules.json');
    assert.ok(live !== undefined);
    assert.deepEqual(JSON.parse(live.body.toString()).flows.main.nodes.agent.to, '05925550101');
    assert.equal(live.contentType, 'application/json');
    assert.equal(
      first.stdout,
      `published version v1 (${live.body.length} bytes) to ${LIVE}, ETag ${live.etag}; nothing was live\n` +
        `kept a copy at ${LIVE}.versions/v1.json\n`,
    );
    assert.deepEqual(server.getObject('vms-rules', 'hotline/rules.json.versions/v1.json')?.body, live.body);

    const again = await runRules(['publish', join(dir, 'v1.yaml'), LIVE]);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /^version v1 is already live at .*; nothing to do\n$/);

    const second = await runRules([
      'publish',
      writeTemp('v2.yaml', hotline('v2 beta', { desk: '05925550102' })),
      LIVE,
    ]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /replacing version v1\n/);
    assert.ok(server.getObject('vms-rules', 'hotline/rules.json.versions/v2%20beta.json'));

    const history = await runRules(['history', LIVE]);
    assert.equal(history.status, 0, history.stderr);
    const rows = history.stdout.split('\n');
    assert.equal(rows[0], `versions of ${LIVE}, newest first (* live):`);
    assert.match(rows[2] ?? '', /^\* v2 beta +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +\d+ +"[0-9A-F]{32}"$/);
    assert.match(rows[3] ?? '', /^ {2}v1 /);
    const json = JSON.parse((await runRules(['history', LIVE, '--json'])).stdout);
    assert.deepEqual(
      json.versions.map((row: { version: string; live: boolean }) => [row.version, row.live]),
      [
        ['v2 beta', true],
        ['v1', false],
      ],
    );
  });

  it('refuses to publish a version that is live, or was kept, with other content', async () => {
    await runRules(['publish', writeTemp('v1.yaml', hotline('v1')), LIVE]);
    const live = server.getObject('vms-rules', 'hotline/rules.json')?.etag;
    const sameVersion = await runRules([
      'publish',
      writeTemp('v1-edited.yaml', hotline('v1', { menu: '请按0' })),
      LIVE,
    ]);
    assert.equal(sameVersion.status, 1);
    assert.match(
      sameVersion.stderr,
      /already has version v1 live, with other content: give .* a new version/,
    );
    assert.equal(server.getObject('vms-rules', 'hotline/rules.json')?.etag, live);

    await runRules(['publish', writeTemp('v2.yaml', hotline('v2')), LIVE]);
    const kept = await runRules(['publish', join(dir, 'v1-edited.yaml'), LIVE]);
    assert.equal(kept.status, 1);
    assert.match(kept.stderr, /version v1 was published before with other content/);
  });

  it('diffs a file against what is live: routes, nodes, prompts and transfer numbers', async () => {
    await runRules(['publish', writeTemp('v1.yaml', hotline('v1')), LIVE]);
    const next = writeTemp(
      'v2.yaml',
      hotline('v2', { menu: '人工服务请按0，结束请按9，谢谢', desk: '05925550199' }).replace(
        "['95000']",
        "['95001']",
      ),
    );
    const result = await runRules(['diff', next, LIVE]);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        `version: v1 (live, ${LIVE}) → v2 (${next})`,
        'routes (which flow a call gets):',
        '  - dialled 95000: line service: flow main',
        '  + dialled 95001: line service: flow main',
        'nodes:',
        '  ~ main/menu (menu): say',
        '  ~ main/agent (transfer): to',
        'prompts:',
        '  ~ main/menu.say',
        '      - 人工服务请按0，结束请按9',
        '      + 人工服务请按0，结束请按9，谢谢',
        'transfer numbers:',
        '  ~ main/agent: 05925550101 → 05925550199',
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await runRules(['diff', next, LIVE, '--json'])).stdout);
    assert.deepEqual(json.transfers, [
      { change: 'changed', key: 'main/agent', before: '05925550101', after: '05925550199' },
    ]);
    assert.equal((await runRules(['diff', next, LIVE, '--exit-code'])).status, 1);
    const same = await runRules(['diff', join(dir, 'v1.yaml'), LIVE, '--exit-code']);
    assert.equal(same.status, 0);
    assert.match(same.stdout, /no differences\n$/);
  });

  it('pulls what is live to stdout or a file', async () => {
    const file = writeTemp('v1.yaml', hotline('v1'));
    await runRules(['publish', file, LIVE]);
    const live = server.getObject('vms-rules', 'hotline/rules.json');
    const printed = await runRules(['pull', LIVE]);
    assert.equal(printed.status, 0);
    assert.equal(
      printed.stdout,
      `${live?.body.toString()}\n`,
      'the document alone, so that > live.json is JSON',
    );
    JSON.parse(printed.stdout);
    assert.match(printed.stderr, /version v1, \d+ bytes, ETag "[0-9A-F]{32}"\n$/);
    const out = join(dir, 'pulled.json');
    assert.equal((await runRules(['pull', LIVE, '-o', out])).status, 0);
    assert.equal(readFileSync(out, 'utf8'), live?.body.toString());
    const nothing = await runRules(['pull', 'oss://vms-rules/none.json']);
    assert.equal(nothing.status, 1);
    assert.match(nothing.stderr, /nothing is live there \(NoSuchKey\)/);
  });

  it('rolls back to a kept version after checking it, and not to one that is gone', async () => {
    await runRules(['publish', writeTemp('v1.yaml', hotline('v1')), LIVE]);
    const v1 = server.getObject('vms-rules', 'hotline/rules.json');
    await runRules(['publish', writeTemp('v2.yaml', hotline('v2', { desk: '05925550199' })), LIVE]);
    const dry = await runRules(['rollback', 'v1', LIVE, '--dry-run']);
    assert.equal(dry.stdout, `would roll ${LIVE} back to version v1; it was version v2\n`);
    const putsBefore = puts();
    const rolled = await runRules(['rollback', 'v1', LIVE]);
    assert.equal(rolled.status, 0, rolled.stderr);
    assert.equal(rolled.stdout, `rolled ${LIVE} back to version v1, ETag ${v1?.etag}; it was version v2\n`);
    assert.equal(puts(), putsBefore + 1);
    assert.deepEqual(server.getObject('vms-rules', 'hotline/rules.json')?.body, v1?.body);
    assert.match((await runRules(['history', LIVE])).stdout, /\n {2}v2 .*\n\* v1 /);
    assert.match((await runRules(['rollback', 'v1', LIVE])).stdout, /already live.*nothing to do/);

    server.putObject('vms-rules', 'hotline/rules.json.versions/v0.json', '{"version":"v0"}');
    const invalid = await runRules(['rollback', 'v0', LIVE]);
    assert.equal(invalid.status, 1);
    assert.match(invalid.stderr, /not rolled back/);
    const gone = await runRules(['rollback', 'v9', LIVE]);
    assert.equal(gone.status, 1);
    assert.match(
      gone.stderr,
      /no version v9 is kept at .*history oss:\/\/vms-rules\/hotline\/rules\.json` lists them/,
    );
  });

  it('names a missing variable, and prints OSS errors with their code and request id, without a stack', async () => {
    const missing = await runRules(['history', LIVE], { ...env, ALIBABA_CLOUD_ACCESS_KEY_ID: undefined });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^set ALIBABA_CLOUD_ACCESS_KEY_ID /);
    const noRegion = await runRules(['history', LIVE], { ...env, ALIBABA_CLOUD_REGION: undefined });
    assert.match(noRegion.stderr, /^set ALIBABA_CLOUD_REGION \(or REGION, or pass --region\)/);
    assert.equal(
      (await runRules(['history', LIVE], { ...env, ALIBABA_CLOUD_REGION: undefined, REGION: 'cn-hangzhou' }))
        .status,
      0,
    );
    const badSecret = await runRules(['pull', LIVE], { ...env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong' });
    assert.equal(badSecret.status, 1);
    assert.match(
      badSecret.stderr,
      /^oss:\/\/vms-rules\/hotline\/rules\.json: OSS answered 403 SignatureDoesNotMatch: .* \(request id [0-9A-F]{24}\)\n$/,
    );
    const noBucket = await runRules(['pull', 'oss://other-bucket/rules.json']);
    assert.match(noBucket.stderr, /OSS answered 404 NoSuchBucket/);
    const notOss = createServer((_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>'),
    );
    await new Promise<void>((resolve) => notOss.listen(0, '127.0.0.1', resolve));
    const port = (notOss.address() as AddressInfo).port;
    const proxy = await runRules(['pull', LIVE], { ...env, OSS_ENDPOINT: `http://127.0.0.1:${port}` });
    await new Promise((resolve) => notOss.close(resolve));
    assert.equal(proxy.status, 1);
    assert.match(proxy.stderr, /: the endpoint answered 502 without an OSS error: is it OSS\?/);
    const usage = await runRules(['pull', 'vms-rules/rules.json']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /an OSS location is oss:\/\/<bucket>\/<key>/);
  });

  it('refuses a live object over the size limit, asking for no more than the limit', async () => {
    server.putObject('vms-rules', 'huge.json', Buffer.alloc(MAX_LIVE_BYTES + 10, 0x20));
    const result = await runRules(['pull', 'oss://vms-rules/huge.json']);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /is larger than 16777216 bytes/);
    assert.deepEqual(
      server.requests.map((request) => [request.method, request.key, request.status]),
      [['GET', 'huge.json', 206]],
    );
  });

  it('takes the region and endpoint from --region and --endpoint, and refuses ones that are not', async () => {
    await runRules(['publish', writeTemp('v1.yaml', hotline('v1')), LIVE]);
    const bare = { ...env, ALIBABA_CLOUD_REGION: undefined, OSS_ENDPOINT: undefined };
    const flags = await runRules(
      ['history', LIVE, '--region', `oss-${server.region}`, '--endpoint', `${server.endpoint}/`],
      bare,
    );
    assert.equal(flags.status, 0, flags.stderr);
    assert.match(flags.stdout, /\* v1 /);
    const badEndpoint = await runRules(['history', LIVE, '--endpoint', 'ftp://x'], env);
    assert.equal(badEndpoint.status, 1);
    assert.match(badEndpoint.stderr, /^endpoint ftp:\/\/x: an endpoint is http\(s\):\/\/host\[:port\]/);
    const badRegion = await runRules(['history', LIVE, '--region', 'Hangzhou'], env);
    assert.match(badRegion.stderr, /^region Hangzhou: a region is an id such as cn-hangzhou/);
    const wrongOption = await runRules(['history', LIVE, '--force'], env);
    assert.equal(wrongOption.status, 2);
    assert.equal(
      wrongOption.stderr,
      "rules: --force does not go with this command (see 'npm run rules -- history --help')\n",
    );
  });
});
