import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startVmsApiServer } from '../../../dev/vms-api-server';
import { main as bench } from '../../../scripts/bench/bench';
import { CAMPAIGN_NOW, reminderList, unsignedFormBody } from '../../../scripts/bench/campaign';
import { main as call } from '../../../scripts/campaign/call';
import { captureIo } from '../../support/command-io';
import { ROOT } from '../../support/fc-event';
import { scratchFiles } from '../../support/scratch-files';

/**
 * What `npm run bench -- --only campaign` (scripts/bench/campaign.ts) feeds the caller and the stand-in,
 * checked here without measuring anything: the list is one the caller sends every row of, inside the
 * calling hours it starts at, and the plain POSTs of its baseline are refused at once, never counted in
 * the stand-in's rate. The bench itself is a minute of CPU and runs apart.
 */
const RULES = join(ROOT, 'examples', 'appointment-reminder.yaml');
const { file } = scratchFiles('bench-campaign-');

describe('the campaign bench', () => {
  it('writes a list of the reminder whose every row the caller would send at the bench\'s "now"', async () => {
    const list = file('reminder.csv', reminderList(12));
    const { io, out, err } = captureIo({ OUTBOUND_SECRETS: 'bench-campaign-outbound-key-0001' });
    const code = await call([list, '--rules', RULES, '--now', CAMPAIGN_NOW, '--dry-run'], io);
    assert.equal(code, 0, err.join(''));
    const rows = out
      .join('')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { status: string; number: string; vars: Record<string, string> });
    assert.equal(rows.length, 12);
    assert.deepEqual(new Set(rows.map((row) => row.status)), new Set(['send']));
    assert.equal(new Set(rows.map((row) => row.number)).size, 12, 'a number of its own each');
    assert.match(err.join(''), /calendar calling is open now/);
  });

  it("POSTs a body the stand-in refuses for its missing signature, outside its rate's count", async () => {
    const server = await startVmsApiServer({ limit: 1 });
    try {
      const body = unsignedFormBody();
      for (let i = 0; i < 3; i++) {
        const answer = await new Promise<{ status: number; code: string }>((resolve, reject) => {
          const req = request(
            server.url,
            { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
            (res) => {
              let text = '';
              res.on('data', (chunk: Buffer) => {
                text += chunk.toString('utf8');
              });
              res.on('end', () => resolve({ status: res.statusCode ?? 0, code: JSON.parse(text).Code }));
            },
          );
          req.on('error', reject);
          req.end(body);
        });
        assert.deepEqual(answer, { status: 400, code: 'MissingParameter' });
      }
      assert.equal(server.stats.throttled, 0);
      assert.equal(server.stats.placed, 0);
      const params = new URLSearchParams(body);
      assert.equal(params.get('Signature'), null);
      assert.equal(params.get('Action'), 'SmartCall');
      assert.equal(params.get('DynamicId')?.length, 134, "the length of the reminder's sealed DynamicIds");
    } finally {
      await server.close();
    }
  });

  it('measures one part alone with --only, and refuses a part it does not have', async () => {
    const { io, err } = captureIo();
    assert.equal(await bench(['--only', 'functions'], io), 2);
    assert.match(err.join(''), /--only takes campaign or analytics or cold or size or custom, not functions/);
  });
});
