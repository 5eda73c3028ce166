import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { type CampaignClock, instantClock } from '../../../dev/campaign-clock';
import { VMS_STAND_IN_ACCESS_KEY_ID, VMS_STAND_IN_ACCESS_KEY_SECRET } from '../../../dev/vms-api-server';
import { main } from '../../../scripts/local/vms-api-stand-in';
import { captureIo } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';
import { occupyPort } from '../../support/serving-command';

const folder = mkdtempSync(join(tmpdir(), 'vms-api-stand-in-'));
after(() => rmSync(folder, { recursive: true, force: true }));

const NUMBER = '13800138000';
const RULES = join(ROOT, 'examples', 'appointment-reminder.yaml');
const CALLEES = join(ROOT, 'examples', 'appointment-reminder.callees.yaml');

/** Runs the command in-process on `clock`, with no variables of this shell; `stop` ends it like Ctrl-C. */
function serve(argv: readonly string[], clock?: CampaignClock) {
  const { io, out, err } = captureIo({});
  const controller = new AbortController();
  const exited = main(argv, { ...io, stop: controller.signal, ...(clock === undefined ? {} : { clock }) });
  return {
    out,
    err,
    async printed(pattern: RegExp): Promise<string> {
      for (let i = 0; i < 1000; i++) {
        const match = pattern.exec(out.join(''));
        if (match !== null) return match[1] ?? match[0];
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`nothing matched ${pattern}: ${out.join('')}${err.join('')}`);
    },
    stop(): Promise<number> {
      controller.abort();
      return exited;
    },
  };
}

/** A SmartCall signed by pop-core with the stand-in's default key. */
function smartCall(url: string, params: Record<string, string>) {
  const client = new RPCClient({
    endpoint: url,
    apiVersion: '2017-05-25',
    accessKeyId: VMS_STAND_IN_ACCESS_KEY_ID,
    accessKeySecret: VMS_STAND_IN_ACCESS_KEY_SECRET,
  });
  return client.request<{ Code: string; CallId: string }>(
    'SmartCall',
    { CalledShowNumber: '05925550000', CalledNumber: NUMBER, VoiceCode: 'TTS_201234567', ...params },
    { method: 'POST', timeout: 5000 },
  );
}

describe('npm run vms-api:stand-in', () => {
  it('serves SmartCall until stopped, printing its key, each placed call masked, and a summary', async (t) => {
    const serving = serve(['--limit', '5', '--refuse', '0']);
    t.after(() => serving.stop());
    const url = await serving.printed(/VMS API stand-in on (\S+) /);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const banner = serving.out.join('');
    assert.match(banner, new RegExp(`ALIBABA_CLOUD_ACCESS_KEY_ID=${VMS_STAND_IN_ACCESS_KEY_ID}\\n`));
    assert.match(banner, new RegExp(`ALIBABA_CLOUD_ACCESS_KEY_SECRET=${VMS_STAND_IN_ACCESS_KEY_SECRET}\\n`));
    assert.match(banner, /at most 5 requests a second/);
    const answer = await smartCall(url, { OutId: 'k3x9q2r42' });
    assert.equal(answer.Code, 'OK');
    await serving.printed(/placed \S+ OutId k3x9q2r42 to 138\*{4}8000\n/);
    assert.equal(await serving.stop(), 0);
    assert.match(
      serving.out.join(''),
      /1 request\(s\): 1 call\(s\) placed, 0 throttled, 0 refused, faults: none;/,
    );
    assert.ok(!serving.out.join('').includes(NUMBER), 'no number is printed whole');
    assert.deepEqual(serving.err, []);
  });

  it('plays the calls through the built functions and exports what SLS would hold', async (t) => {
    const exportDir = join(folder, 'export');
    const serving = serve(
      ['--rules', RULES, '--callees', CALLEES, '--export', exportDir, '--internal', '1'],
      instantClock(Date.parse('2026-03-10T10:00:00+08:00')),
    );
    t.after(() => serving.stop());
    const url = await serving.printed(/VMS API stand-in on (\S+) /);
    await assert.rejects(smartCall(url, { OutId: 'k3x9q2r1', DynamicId: 'remind' }), {
      code: 'InternalError',
    });
    await serving.printed(/placed \S+ OutId k3x9q2r1 to 138\*{4}8000 \(internal: the caller got no OK\)\n/);
    await serving.printed(/played \S+ OutId k3x9q2r1 to 138\*{4}8000: [a-z-]+, /);
    assert.equal(await serving.stop(), 0);
    assert.match(serving.out.join(''), /faults: internal 1;.*\n1 call\(s\) played/);
    const calls = readFileSync(join(exportDir, 'calls.jsonl'), 'utf8');
    assert.match(calls, /"outId":"k3x9q2r1"/);
    assert.match(readFileSync(join(exportDir, 'receipts.jsonl'), 'utf8'), /"out_id":"k3x9q2r1"/);
  });

  it('refuses a command line it cannot serve, in one line naming the mistake', async () => {
    const cases: [readonly string[], RegExp][] = [
      [['--rules', RULES], /--rules and --callees go together/],
      [['--export', folder], /--export needs --rules and --callees/],
      [['--hang', '2'], /--hang takes a probability from 0 to 1/],
      [['--hang', '0.6', '--reset', '0.5'], /add up to 1\.1, over 1/],
      [['--limit', '0'], /--limit takes a whole number from 1/],
      [['--now', '2026-03-10 10:00'], /--now takes a time with its offset/],
      [['--access-key-id', 'X'], /--access-key-id and --access-key-secret go together/],
      [['--port', 'x'], /--port: /],
    ];
    for (const [argv, message] of cases) {
      const { io, out, err } = captureIo({});
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.equal(err.length, 1);
      assert.match(err[0] ?? '', message);
      assert.deepEqual(out, []);
    }
  });

  it('names each mistake of a callees file, and the port it cannot listen on', async () => {
    const file = join(folder, 'callees.yaml');
    writeFileSync(file, 'behaviours:\n  - {name: a, weight: 1, events: [{shout: hi}]}\n');
    const { io, err } = captureIo({});
    assert.equal(await main(['--rules', RULES, '--callees', file], io), 1);
    assert.match(err.join(''), /callees\.yaml: behaviours\.0\.events\.0\.shout: /);
    const taken = await occupyPort();
    try {
      const { io: busy, err: busyErr } = captureIo({});
      assert.equal(await main(['--port', String(taken.port)], busy), 1);
      assert.match(busyErr.join(''), /port \d+ is already in use/);
    } finally {
      await taken.close();
    }
  });
});
