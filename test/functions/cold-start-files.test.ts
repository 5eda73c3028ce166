/**
 * What a cold start reads: each function loads its bundle, and a side file only when the document needs
 * it (`yaml-parser.js` for YAML rules, `lookup-client.js` for a lookup the call performs). A fresh node
 * process per case, as FC starts one, loading the built files.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type LlmServer, startLlmServer } from '../../dev/llm-server';
import { type LookupServer, startLookupServer } from '../../dev/lookup-server';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { formCallback, ROOT } from '../support/fc-event';

const CHILD = join(ROOT, 'test/fixtures/children/cold-start-files.cjs');

/** A hotline whose callin says a greeting; `lookupAt` adds a lookup (used at the start when `used`). */
function hotline(lookupAt?: string, used = false): RulesInput {
  const greet = { type: 'hangup', say: '您好，再见。' } as const;
  return {
    version: 'cold-files',
    defaultLine: { flow: 'main' },
    ...(lookupAt === undefined ? {} : { lookups: { hours: { url: `${lookupAt}/hours`, waitMs: 1500 } } }),
    flows: {
      main: {
        start: used ? 'ask' : 'greet',
        nodes: {
          greet,
          ...(lookupAt === undefined
            ? {}
            : { ask: { type: 'lookup', use: 'hours', next: 'greet', onError: 'greet' } as const }),
        },
      },
    },
  };
}

/** A hotline whose flow starts at a menu that asks the language model at `endpoint`. */
function classifying(endpoint: string): RulesInput {
  return {
    version: 'cold-files-classifier',
    defaultLine: { flow: 'main' },
    classifier: { endpoint, model: 'qwen-flash', apiKeyEnv: 'LLM_API_KEY' },
    flows: {
      main: {
        start: 'menu',
        nodes: {
          menu: {
            type: 'menu',
            say: '请说挂失。',
            intents: [{ name: 'lost', keywords: ['挂失'], description: '挂失银行卡', goto: 'bye' }],
          },
          bye: { type: 'hangup', say: '再见。' },
        },
      },
    },
  };
}

describe('the files a cold start reads', () => {
  let server: LookupServer;
  let llm: LlmServer;
  let dir: string;
  before(async () => {
    llm = await startLlmServer({ apiKey: 'cold-files-llm-key' });
    server = await startLookupServer({ routes: { '/hours': { answer: { open: true } } } });
    dir = mkdtempSync(join(tmpdir(), 'cold-files-'));
    const callin = formCallback({
      call_id: '1^2',
      content_type: 'callin',
      content: JSON.stringify({ caller: '13800138000', callee: '95000' }),
    });
    writeFileSync(join(dir, 'callin.json'), callin);
    // An outbound call opened at its flow's menu (the DynamicId names the flow) hears these words at once.
    const words = formCallback({
      call_id: '1^3',
      content_type: 'normal',
      content: JSON.stringify({ words: '我那个卡好像被人刷了', dynamic_id: 'main' }),
    });
    writeFileSync(join(dir, 'normal.json'), words);
  });
  after(async () => {
    await llm.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Starts the inbound function cold under `env` (and nothing else of this process's environment) with
   * one callin; what it loaded and answered. Asynchronous: the stand-in answers from this process.
   */
  async function coldStart(
    env: Record<string, string>,
    fn: 'inbound' | 'outbound' = 'inbound',
    event = 'callin.json',
  ): Promise<{ loaded: string[]; body: string }> {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CHILD, join(ROOT, 'dist'), fn, join(dir, event)],
      {
        env: {
          PATH: process.env.PATH ?? '',
          STATE_SECRETS: 'cold-files-state-key-0001',
          LOG_LEVEL: 'error',
          ...env,
        },
      },
    );
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { loaded: string[]; body: string };
  }

  it('loads the bundle alone for a document without lookups', async () => {
    assert.deepEqual((await coldStart({ RULES: JSON.stringify(hotline()) })).loaded, ['inbound/index.js']);
  });

  it('loads no lookup code for a document whose lookups the call does not reach', async () => {
    assert.deepEqual((await coldStart({ RULES: JSON.stringify(hotline(server.url)) })).loaded, [
      'inbound/index.js',
    ]);
  });

  it('loads the lookup client when the call performs a lookup', async () => {
    const started = server.requests.length;
    const { loaded, body } = await coldStart({ RULES: JSON.stringify(hotline(server.url, true)) });
    assert.deepEqual(loaded, ['inbound/index.js', 'inbound/lookup-client.js']);
    assert.match(body, /您好/);
    assert.equal(server.requests.length, started + 1);
  });

  it('loads no classifier code for a document with a classifier whose call asks it nothing', async () => {
    const rules = JSON.stringify(classifying(llm.url));
    const { loaded } = await coldStart({ RULES: rules, LLM_API_KEY: 'cold-files-llm-key' });
    assert.deepEqual(loaded, ['inbound/index.js']);
  });

  it('loads the classifier client when a call’s words are classified', async () => {
    const started = llm.requests.length;
    const { loaded, body } = await coldStart(
      { RULES: JSON.stringify(classifying(llm.url)), LLM_API_KEY: 'cold-files-llm-key' },
      'outbound',
      'normal.json',
    );
    assert.deepEqual(loaded, ['outbound/classifier-client.js', 'outbound/index.js']);
    assert.equal(llm.requests.length, started + 1);
    assert.match(body, /"action"/);
  });

  it('loads the YAML parser for YAML rules, and nothing else', async () => {
    const { loaded } = await coldStart({ RULES_FILE: join(ROOT, 'examples/appointment-reminder.yaml') });
    assert.deepEqual(loaded, ['inbound/index.js', 'inbound/yaml-parser.js']);
  });
});
