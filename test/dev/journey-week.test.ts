import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  describeWeekFolder,
  generateWeek,
  ScriptMismatchError,
  type WeekModel,
} from '../../dev/journey-week';
import { PERSONAS } from '../../dev/journey-week-callers';
import { readLogLine } from '../../shared/log/log-export';
import { maskPhoneNumbersInText } from '../../shared/log/logger';

const root = mkdtempSync(join(tmpdir(), 'journey-week-'));
after(() => rmSync(root, { recursive: true, force: true }));

const CALLS = 120;
const SEED = 4;

function readLines(dir: string, file: string): string[] {
  return readFileSync(join(dir, file), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

function parsed(dir: string, file: string): Record<string, unknown>[] {
  return readLines(dir, file).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the week generator', () => {
  const first = join(root, 'first');
  let model: WeekModel;

  before(async () => {
    model = await generateWeek({ out: first, calls: CALLS, seed: SEED });
  });

  it('writes the same files for the same seed, and others for another', async () => {
    const second = join(root, 'second');
    await generateWeek({ out: second, calls: CALLS, seed: SEED });
    // Each line's eventId digests the event's sealed state, whose nonce is new every time: the rest is the same.
    const stable = (dir: string, file: string) =>
      readFileSync(join(dir, file), 'utf8').replace(/"eventId":"[^"]*"/g, '"eventId":"…"');
    for (const file of ['callbacks.jsonl', 'receipts.jsonl', 'model.json'])
      assert.equal(stable(second, file), stable(first, file), file);
    const other = join(root, 'other');
    await generateWeek({ out: other, calls: 20, seed: SEED + 1 });
    assert.notEqual(
      readFileSync(join(other, 'model.json'), 'utf8'),
      readFileSync(join(first, 'model.json'), 'utf8'),
    );
  });

  it('plays every persona, and counts every call once', () => {
    assert.deepEqual(Object.keys(model.personas).sort(), [...PERSONAS].sort());
    const calls = Object.values(model.personas).reduce((sum, count) => sum + count, 0);
    assert.equal(calls, CALLS);
    assert.equal(
      Object.values(model.endings).reduce((sum, count) => sum + count, 0),
      CALLS,
    );
    const lineCalls = Object.values(model.lineHours).flatMap((hours) => hours.calls);
    assert.equal(
      lineCalls.reduce((sum, count) => sum + count, 0),
      CALLS,
    );
    assert.ok((model.lineHours.service?.afterHours.reduce((sum, count) => sum + count, 0) ?? 0) > 0);
    assert.ok((model.nodes['main/menu']?.keyArming ?? 0) > 0);
    assert.ok((model.nodes['main/menu']?.escalated.noMatch ?? 0) > 0);
    assert.ok(Object.keys(model.noMatchUtterances['main/menu'] ?? {}).length > 0);
    // A call starts at one node of the greeting split: they share the calls of the main flow.
    const greeted =
      (model.nodes['main/welcome']?.calls ?? 0) + (model.nodes['main/welcomeBrief']?.calls ?? 0);
    assert.equal(greeted, model.nodes['main/greeting']?.calls);
  });

  it("logs each event delivered again with duplicate: true, and counts it in the model's duplicates only", () => {
    const lines = parsed(first, 'callbacks.jsonl');
    assert.ok(lines.every((line) => line.msg === 'callback' && line.fn === 'inbound'));
    const duplicates = lines.filter((line) => line.duplicate === true);
    assert.ok(model.lines.duplicates > 0, 'this seed delivers some events twice');
    assert.equal(duplicates.length, model.lines.duplicates);
    assert.equal(lines.length - duplicates.length, model.lines.callbacks);
  });

  it("writes the report function's lines: one VoiceReport line per record pushed", () => {
    const lines = parsed(first, 'receipts.jsonl');
    assert.ok(lines.every((line) => line.fn === 'report'));
    const receipts = lines.filter((line) => line.msg === 'receipt');
    assert.ok(receipts.every((line) => line.receiptType === 'VoiceReport'));
    assert.equal(receipts.length, model.receipts.pushed + model.receipts.pushedAgain);
    assert.equal(receipts.filter((line) => line.duplicate === true).length, model.receipts.pushedAgain);
    assert.equal(model.receipts.pushed + model.receipts.missing, CALLS);
    const sample = receipts[0] ?? {};
    assert.match(String(sample.start_time), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.ok(['用户', '机器'].includes(String(sample.hangup_direction)));
  });

  it('writes no phone number unmasked', () => {
    for (const file of ['callbacks.jsonl', 'receipts.jsonl'])
      for (const line of readLines(first, file))
        assert.equal(maskPhoneNumbersInText(line), line, `${file}: ${line}`);
  });

  it('wraps each line in an SLS record with --envelope sls', async () => {
    const dir = join(root, 'sls');
    const sls = await generateWeek({ out: dir, calls: 10, seed: SEED, envelope: 'sls' });
    const lines = readLines(dir, 'callbacks.jsonl');
    assert.equal(lines.length, sls.lines.callbacks + sls.lines.duplicates);
    for (const line of [...lines, ...readLines(dir, 'receipts.jsonl')]) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(record), ['__time__', '__source__', '__topic__', 'content']);
      assert.equal(typeof record.__time__, 'number');
      const inner = readLogLine(line, (value) =>
        typeof (value as { fn?: unknown } | null)?.fn === 'string'
          ? (value as Record<string, unknown>)
          : undefined,
      );
      assert.ok(inner !== undefined && typeof inner.fn === 'string');
    }
  });

  it('stops, naming the call and the step, when a script expects another node', async () => {
    await assert.rejects(
      generateWeek({
        out: join(root, 'wrong'),
        calls: 5,
        seed: SEED,
        adjustScript: (script, index) =>
          index !== 2
            ? script
            : {
                ...script,
                steps: script.steps.map((step, at) =>
                  at === 0 ? { ...step, path: [...step.path, 'main/more'] } : step,
                ),
              },
      }),
      (error: unknown) =>
        error instanceof ScriptMismatchError &&
        /^call \S+\^\S*00000002 \(\w+\), step 1 \(callin\): /.test(error.message),
    );
  });

  it('refuses a folder holding other files', () => {
    const dir = join(root, 'busy');
    mkdirSync(dir);
    assert.equal(describeWeekFolder(dir), undefined);
    writeFileSync(join(dir, 'model.json'), '{}');
    assert.equal(describeWeekFolder(dir), undefined);
    writeFileSync(join(dir, 'notes.txt'), '');
    assert.match(describeWeekFolder(dir) ?? '', /holds other files .* \(notes\.txt\)/);
  });
});
