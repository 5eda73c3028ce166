import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../support/fc-event';

/**
 * `npm run simulate` driven as a user drives it: in a terminal (tmux, on a server socket of this test's
 * own), keys typed into the pane, the screen read back. tmux is how a terminal is had in CI; without it
 * the test is skipped, saying so.
 */
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `simulate-test-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });

/** The whole pane, history included. */
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', 'sim');

/** Waits until the screen shows `count` prompts (a turn answered), at most 20 s on a loaded machine. */
async function waitForPrompts(count: number): Promise<string> {
  for (let waited = 0; waited < 20_000; waited += 50) {
    const text = screen();
    if ((text.match(/(caller|call over \(\/new, \/quit\))> /g) ?? []).length >= count) return text;
    await sleep(50);
  }
  assert.fail(`no prompt ${count} within 20 s; the screen:\n${screen()}`);
}

describe('npm run simulate, interactive, in a terminal', {
  skip: hasTmux ? false : 'tmux is not installed',
}, () => {
  after(() => {
    // Our own server (its own socket): the session and nothing else.
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  });

  it('answers, then shows each turn: what is heard, the node, why, the state size', async () => {
    const command = [
      process.execPath,
      '--import tsx test/support/simulate-cli.ts',
      '--rules examples/bank-card-service.yaml',
      "--at '2026-03-10 17:58'",
      '--caller 13812345678',
      // Call ids that the greeting's split sends to the classic greeting.
      '--call-ids 7',
    ].join(' ');
    tmux('new-session', '-d', '-x', '120', '-y', '40', '-s', 'sim', '-c', ROOT, command);
    let prompts = 1;
    const type = async (...keys: string[]) => {
      tmux('send-keys', '-t', 'sim', '-l', keys.join(' '));
      tmux('send-keys', '-t', 'sim', 'Enter');
      prompts += 1;
      return waitForPrompts(prompts);
    };
    const opening = await waitForPrompts(prompts);
    assert.match(
      opening,
      /rules: examples\/bank-card-service\.yaml \(version 2026-12-07\.1, time zone Asia\/Shanghai\)/,
    );
    assert.match(opening, /\[2026-03-10 17:58 Tue\] callin: 13812345678 dials 95000/);
    assert.match(opening, /<- answer 「下午好，欢迎致电信用卡服务热线。挂失银行卡请按1/);
    assert.match(opening, /line service · flow main · node menu · state \d+ chars/);

    await type('我的卡丢了');
    await type('/keys', '6218');
    await type('/barge');
    await type('/keys', '1');
    await type('/at', '2026-03-10', '18:00:30');
    // The PIN check's answer, set ahead, so the flow does not stop to ask for it.
    await type('/lookup', 'verify', '{"data":{"verified":true,"ticket":"T-1"}}');
    const end = await type('/keys', '583920#');
    assert.match(end, /says "我的卡丢了"\n {2}<- dtmf 「为保障您的资金安全/);
    assert.match(end, /why: intent lostCard \(keyword 丢了\) → lostIntro/);
    assert.match(end, /waits for up to 4 keys, 10 s/);
    assert.match(end, /<- dtmf 「您输入的卡号后4位是 6 2 1 8/);
    assert.match(end, /talks over the prompt\n {2}<- break/);
    assert.match(end, /waits for up to 7 keys, 15 s, ends with #/);
    assert.match(end, /the next turns happen at 2026-03-10 18:00 Tue/);
    // Past closing time, the lost-card desk's condition fails: the 24-hour line.
    assert.match(end, /<- transfer to 05925550110 「身份验证通过。正在为您转接挂失专席，请稍候。」/);
    assert.match(end, /flow main · node lostDesk · state \d+ chars/);
    assert.match(end, /call over \(\/new, \/quit\)> $/m);
    // The PIN is a sensitive value: the trace names its length only.
    assert.match(end, /why: collected pin \(6 digits\) → verifyPin/);

    const again = await type('/new');
    assert.match(again, /callin: 13812345678 dials 95000\n {2}<- answer/);
    tmux('send-keys', '-t', 'sim', '-l', '/quit');
    tmux('send-keys', '-t', 'sim', 'Enter');
  });
});
