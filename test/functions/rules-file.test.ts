import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { restoreClock, setClock, spoken, startCall } from '../support/bundle-call';
import { captureLogs, fcEvent, loadWithEnv } from '../support/fc-event';

/**
 * RULES_FILE through the built inbound bundle, as a hostile or broken mount presents it: a FIFO (which
 * a blocking read would wait on for ever), a file over the size cap. Each test would hang, not fail, if
 * a read were on the callback's path.
 */
const dir = mkdtempSync(join(tmpdir(), 'rules-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const STATE_SECRETS = 'rules-file-tests-state-key';
const doc = (say: string) =>
  JSON.stringify({
    version: say,
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say } } } },
  });

/** Calls `probe` until it returns true, for up to 3 s: a background reload has no event to wait on. */
async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  for (let waited = 0; waited < 3000; waited += 20) {
    if (await probe()) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return probe();
}

/** A cold start's budget far over what a loaded test machine needs: these tests are about the file. */
const BUDGET = { RULES_LOAD_BUDGET_MS: '5000' };

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

async function status(handler: Awaited<ReturnType<typeof loadWithEnv>>) {
  const body = (await handler(fcEvent({ method: 'GET' }))).body;
  return JSON.parse(body) as { ok: boolean; warnings: { kind: string; message: string }[] };
}

describe('inbound bundle: RULES_FILE', { timeout: 20_000 }, () => {
  afterEach(restoreClock);

  it('answers at once with the emergency document when RULES_FILE is a FIFO at a cold start, and says why in the status', async () => {
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, ...BUDGET, RULES_FILE: fifo('cold.json') });
    const { result } = await captureLogs(() =>
      startCall(handler).send('callin', { caller: '13800138000', callee: '05923391657' }),
    );
    assert.match(spoken(result), /欢迎致电/, 'the emergency document: here the embedded default');
    const warning = (await status(handler)).warnings.find((w) => w.kind === 'rules');
    assert.match(
      warning?.message ?? '',
      /emergency document \(embedded-default\) answers.*it is not a regular file/,
    );
  });

  it('keeps answering with the rules in force when the file turns into a FIFO at a re-check', async () => {
    const path = join(dir, 'rules.json');
    writeFileSync(path, doc('第一版'));
    setClock('2026-11-30T10:00:00+08:00');
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, ...BUDGET, RULES_FILE: path });
    const call = () => startCall(handler).send('callin', { caller: '13800138000', callee: '05923391657' });
    assert.equal(spoken((await captureLogs(call)).result), '第一版');
    rmSync(path);
    execFileSync('mkfifo', [path]);
    setClock('2026-11-30T10:01:00+08:00');
    const { result, logs } = await captureLogs(async (logged) => {
      const first = await call();
      await eventually(async () => logged().includes('keeping the last good rules'));
      await call();
      return first;
    });
    assert.equal(spoken(result), '第一版');
    assert.ok(logs.every((line) => line.msg !== 'callback' || line.rulesVersion === '第一版'));
    assert.ok(
      logs.some(
        (line) =>
          line.msg ===
          `the rules could not be read from ${path}; keeping the last good rules, next try once it changes: check that the file is there and readable`,
      ),
    );
  });

  it('warns in the status when a cold start would wait for the rules longer than a callback may take', async () => {
    const path = join(dir, 'budget.json');
    writeFileSync(path, doc('预算'));
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, ...BUDGET, RULES_FILE: path });
    const warning = (await status(handler)).warnings.find((w) =>
      w.message.startsWith('RULES_LOAD_BUDGET_MS'),
    );
    assert.match(
      warning?.message ?? '',
      /RULES_LOAD_BUDGET_MS \(5000\) is not below CALLBACK_BUDGET_MS \(400\)/,
    );
    const fine = await loadWithEnv('inbound', {
      STATE_SECRETS,
      RULES_FILE: path,
      RULES_LOAD_BUDGET_MS: '300',
    });
    assert.ok(!(await status(fine)).warnings.some((w) => w.message.startsWith('RULES_LOAD_BUDGET_MS')));
  });

  it('refuses a file over RULES_MAX_BYTES before reading it, and says so', async () => {
    const path = join(dir, 'big.json');
    writeFileSync(path, `${doc('大')}${' '.repeat(4096)}`);
    const handler = await loadWithEnv('inbound', {
      STATE_SECRETS,
      ...BUDGET,
      RULES_FILE: path,
      RULES_MAX_BYTES: '2048',
    });
    const warning = (await status(handler)).warnings.find((w) => w.kind === 'rules');
    assert.match(warning?.message ?? '', /larger than RULES_MAX_BYTES \(2048 bytes\)/);
  });

  it('loads a good file, and a changed one after the check interval', async () => {
    const path = join(dir, 'changing.json');
    writeFileSync(path, doc('旧'));
    setClock('2026-11-30T10:00:00+08:00');
    const handler = await loadWithEnv('inbound', { STATE_SECRETS, ...BUDGET, RULES_FILE: path });
    const call = async () =>
      spoken((await captureLogs(() => startCall(handler).send('callin', { caller: '13800138000' }))).result);
    assert.equal(await call(), '旧');
    const next = join(dir, 'changing.next');
    writeFileSync(next, doc('新'));
    renameSync(next, path);
    setClock('2026-11-30T10:00:31+08:00');
    assert.ok(await eventually(async () => (await call()) === '新'));
  });
});
