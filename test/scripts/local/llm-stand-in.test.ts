import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { describeRequest, describeStandIn, main } from '../../../scripts/local/llm-stand-in';
import { buildChatBody } from '../../../shared/classify/classify-prompt';
import { captureIo } from '../../support/command-io';
import { occupyPort, startServing } from '../../support/serving-command';

const folder = mkdtempSync(join(tmpdir(), 'llm-stand-in-'));
after(() => rmSync(folder, { recursive: true, force: true }));

/** A file of the folder with `text`; its path. */
function write(name: string, text: string): string {
  const file = join(folder, name);
  writeFileSync(file, text);
  return file;
}

/** Asks the stand-in at `base` to classify `utterance` between lostCard and balance, with `key`. */
async function classify(base: string, utterance: string, key = 'test-key'): Promise<Response> {
  const body = buildChatBody({
    utterance,
    choices: [
      { id: 'balance', kind: 'intent', keywords: ['余额'] },
      { id: 'lostCard', kind: 'intent', keywords: ['挂失'], examples: ['卡被人盗刷了'] },
    ],
    endpoint: base,
    model: 'qwen-flash',
    apiKeyEnv: 'LLM_API_KEY',
    maxTokens: 50,
    maxBytes: 8192,
  });
  return fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body,
  });
}

/** The JSON answer of a completion. */
async function answerOf(response: Response): Promise<unknown> {
  const completion = (await response.json()) as { choices: { message: { content: string } }[] };
  return JSON.parse(completion.choices[0]?.message.content ?? '');
}

describe('npm run llm:stand-in', () => {
  it('serves the classifier on a free port until stopped, printing one line per request and never a key sent', async (t) => {
    const serving = startServing(main, []);
    t.after(() => serving.stop());
    const url = await serving.printed(/LLM stand-in on (\S+) /);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.match(serving.out.join(''), new RegExp(`\\n {4}endpoint: ${url}\\n`));
    assert.deepEqual(await answerOf(await classify(url, '我想挂失')), { choice: 'lostCard', confidence: 1 });
    await serving.printed(
      /POST \/v1\/chat\/completions \(ok\) qwen-flash: "我想挂失" \[balance, lostCard\] -> lostCard 1\n/,
    );
    assert.equal((await classify(url, '我想挂失', 's3cret')).status, 401);
    await serving.printed(/: refused 401, no key or another\n/);
    assert.ok(!serving.out.join('').includes('s3cret'), 'no key sent is printed');
    assert.equal(await serving.stop(), 0);
    await assert.rejects(fetch(`${url}/chat/completions`), 'it stops listening once stopped');
    assert.deepEqual(serving.err, []);
  });

  it('serves the answers of a YAML file before the classifier, with its key and its default mode', async (t) => {
    const file = write('answers.yaml', '我想挂失: {choice: balance, confidence: 0.42}\n');
    const serving = startServing(main, [
      '--answers',
      file,
      '--key',
      'k-2',
      '--mode',
      'slow:1',
      '--port',
      '0',
    ]);
    t.after(() => serving.stop());
    const url = await serving.printed(/LLM stand-in on (\S+) /);
    assert.match(
      serving.out.join(''),
      /\(mode slow:1, key k-2\), answering with 1 scripted answer\(s\), then the classifier/,
    );
    assert.deepEqual(await answerOf(await classify(url, '我想挂失。', 'k-2')), {
      choice: 'balance',
      confidence: 0.42,
    });
    assert.deepEqual(await answerOf(await classify(url, '余额', 'k-2')), {
      choice: 'balance',
      confidence: 1,
    });
    await serving.printed(/\(slow:1\) qwen-flash: "余额" \[balance, lostCard\] -> balance 1\n/);
  });

  it('refuses an answers file it cannot read or that says something else, one line per mistake, exit 1', async () => {
    const json = write(
      'bad.json',
      JSON.stringify({ 卡丢了: { choice: 'lostCard' }, 余额: { choice: 'x', confidence: 2 } }),
    );
    const { io, out, err } = captureIo();
    assert.equal(await main(['--answers', json], io), 1);
    assert.deepEqual(out, []);
    const lines = err.join('').trimEnd().split('\n');
    assert.equal(lines.length, 2, err.join(''));
    assert.match(lines[0] ?? '', /^llm:stand-in: .*bad\.json: 卡丢了\.confidence: /);
    assert.match(lines[1] ?? '', /^llm:stand-in: .*bad\.json: 余额\.confidence: /);
    const missing = captureIo();
    assert.equal(await main(['--answers', join(folder, 'none.yaml')], missing.io), 1);
    assert.match(missing.err.join(''), /^llm:stand-in: .*none\.yaml: cannot read it \(ENOENT\)\n$/);
  });

  it('refuses an unknown mode, a key with a space and a port that is none (exit 2), and says the port is taken (exit 1)', async () => {
    for (const [argv, message] of [
      [['--mode', 'sideways'], /^llm:stand-in: --mode: one of ok, slow:<ms>, .*; not sideways \(see/],
      [['--key', 'a b'], /^llm:stand-in: --key: a key is one word/],
      [['--port', 'x'], /^llm:stand-in: --port: a port is a whole number/],
    ] as const) {
      const { io, err } = captureIo();
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.match(err.join(''), message);
    }
    const taken = await occupyPort();
    try {
      const { io, err } = captureIo();
      assert.equal(await main(['--port', String(taken.port)], io), 1);
      assert.match(err.join(''), new RegExp(`^llm:stand-in: port ${taken.port} is already in use`));
    } finally {
      await taken.close();
    }
  });

  it('shows in its banner the endpoint, a mode’s endpoint and a curl that is valid JSON', () => {
    const server = { url: 'http://127.0.0.1:1/v1', urlIn: (mode: string) => `http://127.0.0.1:1/${mode}/v1` };
    const banner = describeStandIn(server, { key: 'test-key', mode: 'ok', answers: {} });
    assert.ok(banner.includes('    endpoint: http://127.0.0.1:1/v1'));
    assert.ok(banner.some((line) => line.includes('http://127.0.0.1:1/slow:900/v1')));
    const curl = banner.find((line) => line.trimStart().startsWith('curl '));
    const body = /-d '(.*)'$/.exec(curl ?? '')?.[1];
    const sent = JSON.parse(body ?? '') as { messages: { content: string }[] };
    assert.equal(JSON.parse(sent.messages[0]?.content ?? '').utterance, '我的卡丢了');
  });

  it('describes a request that is no classification, and one answered without a JSON answer', () => {
    const base = {
      method: 'POST',
      path: '/junk/v1/chat/completions',
      mode: 'junk',
      authorized: true,
      model: 'stand-in',
      utterance: undefined,
      choices: [],
      refused: undefined,
      answer: undefined,
    };
    assert.equal(
      describeRequest(base),
      'POST /junk/v1/chat/completions (junk) stand-in: no classification in the user message',
    );
    assert.equal(
      describeRequest({ ...base, refused: 404, model: undefined }),
      'POST /junk/v1/chat/completions (junk): refused 404',
    );
  });
});
