import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import * as v from 'valibot';
import { compileRules, compileValidatedRules, tagText } from '../../shared/rules/compile-rules';
import { DEFAULT_RULES } from '../../shared/rules/default-rules';
import { RulesSchema } from '../../shared/rules/rules-schema';

const minimal = {
  version: 'v1',
  defaultLine: { flow: 'main' },
  flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: '再见' } } } },
};

describe('compileRules', () => {
  it('accepts the embedded default hotline', () => {
    const result = compileRules(DEFAULT_RULES);
    assert.ok(result.ok);
    assert.equal(result.compiled.rules.version, 'default-1');
  });

  it('finds the embedded default already in the schema’s output form, so instances compile it unvalidated', () => {
    // loadRules compiles DEFAULT_RULES with compileValidatedRules: validating it must change nothing.
    assert.deepEqual(v.parse(RulesSchema, DEFAULT_RULES), DEFAULT_RULES);
    const checked = compileRules(DEFAULT_RULES);
    const unchecked = compileValidatedRules(DEFAULT_RULES);
    assert.ok(checked.ok && unchecked.ok);
    assert.equal(unchecked.compiled.tag, checked.compiled.tag);
  });

  it('words an unknown key and a missing one plainly, not in the validator’s terms', () => {
    const result = compileRules({
      ...minimal,
      flows: {
        main: {
          start: 'bye',
          nodes: { bye: { type: 'hangup', say: '再见', goodbye: 'x' }, s: { type: 'say', say: 'x' } },
        },
      },
    });
    assert.ok(!result.ok);
    assert.deepEqual(result.issues, [
      {
        path: 'flows.main.nodes.bye.goodbye',
        message: 'unknown key goodbye: the keys here are type, say and tag',
      },
      { path: 'flows.main.nodes.s.next', message: 'next is required' },
    ]);
  });

  it('refuses an unknown key, saying where it is', () => {
    const result = compileRules({ ...minimal, flows: { main: { ...minimal.flows.main, colour: 'red' } } });
    assert.ok(!result.ok);
    assert.equal(result.issues[0]?.path, 'flows.main.colour');
  });

  it('names every reference to a flow or node that does not exist', () => {
    const result = compileRules({
      ...minimal,
      defaultLine: { flow: 'nope' },
      lines: [{ name: 'sales', numbers: ['4008001234'], flow: 'gone' }],
      flows: {
        main: {
          start: 'menu',
          noInput: { retries: 1, escalateTo: 'missing1' },
          nodes: {
            menu: {
              type: 'menu',
              say: '请选择',
              keys: { '1': 'missing2' },
              intents: [{ keywords: ['a'], goto: 'missing3' }],
              noMatch: { retries: 1, escalateTo: 'missing4' },
            },
            hello: { type: 'say', say: '你好', next: 'missing5' },
          },
        },
      },
    });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.issues.map((issue) => issue.path),
      [
        'defaultLine.flow',
        'lines.0.flow',
        'flows.main.noInput.escalateTo',
        'flows.main.nodes.menu.keys.1',
        'flows.main.nodes.menu.intents.0.goto',
        'flows.main.nodes.menu.noMatch.escalateTo',
        'flows.main.nodes.hello.next',
      ],
    );
  });

  it('names a missing calendar at the transfer target that uses it', () => {
    const result = compileRules({
      ...minimal,
      flows: {
        main: {
          start: 'agent',
          nodes: {
            agent: { type: 'transfer', targets: [{ to: '95555' }, { when: { open: 'nope' }, to: '95556' }] },
          },
        },
      },
    });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.issues.map((issue) => issue.path),
      ['flows.main.nodes.agent.targets.1.when.open'],
    );
  });

  it('refuses a number routed to two lines, however it is written', () => {
    const result = compileRules({
      ...minimal,
      lines: [
        { name: 'a', numbers: ['05923391657'], flow: 'main' },
        { name: 'b', numbers: ['+86 592 3391657'], flow: 'main' },
      ],
    });
    assert.ok(!result.ok);
    assert.match(result.issues[0]?.message ?? '', /already taken by line a/);
  });

  it('refuses values outside the platform ranges', () => {
    const result = compileRules({ ...minimal, settings: { muteTimeMs: 30000, pauseTimeMs: 100 } });
    assert.ok(!result.ok);
    assert.deepEqual(
      result.issues.map((issue) => issue.path),
      ['settings.muteTimeMs', 'settings.pauseTimeMs'],
    );
  });

  it('refuses names that could not travel in dynamic_id', () => {
    const result = compileRules({ ...minimal, flows: { 'main flow': minimal.flows.main } });
    assert.ok(!result.ok);
  });

  it('indexes lines by normalised number and tags the version compactly', () => {
    const result = compileRules({
      ...minimal,
      lines: [{ name: 'a', numbers: ['+86 138 0013 8000'], flow: 'main' }],
    });
    assert.ok(result.ok);
    assert.equal(result.compiled.lineByNumber.get('13800138000')?.name, 'a');
    assert.match(result.compiled.tag, /^[0-9a-z]{7}$/);
    assert.notEqual(tagText('v1'), tagText('v2'));
  });

  it('tags a document edited without a new version differently, and the same document alike', () => {
    const tag = (doc: unknown) => (compileRules(doc) as { compiled: { tag: string } }).compiled.tag;
    const edited = {
      ...minimal,
      flows: { main: { ...minimal.flows.main, nodes: { bye: { type: 'hangup', say: '再会' } } } },
    };
    assert.equal(tag(minimal), tag(structuredClone(minimal)));
    assert.notEqual(tag(edited), tag(minimal));
  });

  it('keeps the caller in call states only when the rules read it after routing', () => {
    const keeps = (doc: unknown) =>
      (compileRules(doc) as { compiled: { keepsCaller: boolean } }).compiled.keepsCaller;
    assert.equal(keeps(minimal), false);
    assert.equal(
      keeps({ ...minimal, lines: [{ name: 'vip', callerPrefixes: ['138'], flow: 'main' }] }),
      false,
    );
    const withPrompt = {
      ...minimal,
      flows: { main: { start: 'bye', nodes: { bye: { type: 'hangup', say: '尾号{{caller.last4}}' } } } },
    };
    assert.equal(keeps(withPrompt), true);
  });

  describe('lookups', () => {
    /** A document whose flow calls lookup `account` (described by `lookup`) and hangs up either way. */
    const withLookup = (lookup: Record<string, unknown>, use = 'account') => ({
      ...minimal,
      lookups: { account: lookup },
      flows: {
        main: {
          start: 'get',
          nodes: {
            get: { type: 'lookup', use, next: 'bye', onError: 'bye' },
            bye: { type: 'hangup', say: '再见' },
          },
        },
      },
    });
    const issuesOf = (doc: unknown) => {
      const result = compileRules(doc);
      return result.ok ? [] : result.issues.map((issue) => `${issue.path}: ${issue.message}`);
    };

    it('accepts a lookup with values in its path, query, body and headers', () => {
      const result = compileRules(
        withLookup({
          url: 'https://api.example.com/ivr/account/{{vars.card}}/{{ caller }}',
          method: 'POST',
          query: { phone: '{{caller}}' },
          body: { card: 'c-{{vars.card}}' },
          headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
        }),
      );
      assert.deepEqual(result.ok ? [] : result.issues, []);
      assert.ok(
        result.ok && result.compiled.keepsCaller,
        'a lookup sending {{caller}} keeps it in the state',
      );
      for (const url of [
        'http://127.0.0.1:8080/a',
        'http://localhost/a',
        'http://[::1]/a',
        'https://api.example.com',
      ]) {
        assert.deepEqual(issuesOf(withLookup({ url })), [], url);
      }
    });

    it('names a lookup node’s lookup that does not exist, with the ones that do', () => {
      assert.deepEqual(issuesOf(withLookup({ url: 'https://api.example.com/a' }, 'acount')), [
        'flows.main.nodes.get.use: no lookup is named acount: write one of account, or add acount under lookups',
      ]);
      const none = { ...withLookup({ url: 'https://x.example.com/' }, 'constructor'), lookups: undefined };
      assert.match(
        issuesOf(none)[0] ?? '',
        /^flows\.main\.nodes\.get\.use: no lookup is named constructor: describe it under lookups/,
      );
    });

    it('refuses plain http except to this machine, saying why', () => {
      assert.deepEqual(issuesOf(withLookup({ url: 'http://api.example.com/a' })), [
        "lookups.account.url: plain http:// can be read and changed by anyone on the way, and a lookup carries callers' data and secrets: use https:// (http:// is accepted only to 127.0.0.1, localhost or [::1], for tests)",
      ]);
      assert.match(
        issuesOf(withLookup({ url: 'ftp://api.example.com/a' }))[0] ?? '',
        /write https:\/\/… instead of ftp:/,
      );
    });

    it('refuses templates in the origin, the url’s query or fragment, and userinfo', () => {
      const cases: Record<string, RegExp> = {
        'https://{{vars.host}}.example.com/a': /origin \(scheme, host and port\) is fixed/,
        'https://api.example.com:{{vars.port}}/a': /origin \(scheme, host and port\) is fixed/,
        'https://api.example.com/a?phone={{caller}}': /write query parameters under query/,
        'https://api.example.com/a#top': /no fragment/,
        'https://user:pw@api.example.com/a': /user name or password/,
        'https://api.example.com\\@evil.com/a': /no spaces, line breaks or backslashes/,
        'https://api.example.com/a b': /no spaces/,
        'api.example.com/a/b/c': /as https:\/\/host\/path/,
        'https://exa mple.com/': /no spaces/,
        'https://[::1/a': /does not parse/,
      };
      for (const [url, message] of Object.entries(cases)) {
        const issues = issuesOf(withLookup({ url }));
        assert.equal(issues.length, 1, `${url}: ${issues.join('; ')}`);
        assert.match(issues[0] ?? '', message, url);
      }
    });

    it('allows only {{caller}} and {{vars.NAME}} in values, and {{env.LOOKUP_…}} in headers only', () => {
      const issues = issuesOf(
        withLookup({
          url: 'https://api.example.com/a/{{env.LOOKUP_TOKEN}}/{{vars.card|digits}}',
          method: 'POST',
          query: { a: '{{caller.last4}}', b: '{{ vars.a b }}', c: '{{vars.x' },
          body: { token: '{{env.LOOKUP_TOKEN}}' },
          headers: { 'X-Secret': '{{env.STATE_SECRETS}}', 'X-Name': '张三', 'X-Time': '{{timeOfDay}}' },
        }),
      );
      assert.deepEqual(issues, [
        'lookups.account.url: {{env.LOOKUP_TOKEN}} may appear in headers only: a secret in a url, query or body is logged by the servers it passes; send it as a header, such as Authorization: "Bearer {{env.LOOKUP_TOKEN}}"',
        'lookups.account.url: {{vars.card|digits}} is not a lookup template; write {{caller}} or {{vars.NAME}}',
        'lookups.account.query.a: {{caller.last4}} is not a lookup template; write {{caller}} or {{vars.NAME}}',
        'lookups.account.query.b: a {{ or }} here is not a template (a name in double braces, no space within the name); write {{caller}} or {{vars.NAME}}',
        'lookups.account.query.c: a {{ or }} here is not a template (a name in double braces, no space within the name); write {{caller}} or {{vars.NAME}}',
        'lookups.account.body.token: {{env.LOOKUP_TOKEN}} may appear in headers only: a secret in a url, query or body is logged by the servers it passes; send it as a header, such as Authorization: "Bearer {{env.LOOKUP_TOKEN}}"',
        "lookups.account.headers.X-Secret: a lookup reads only environment variables whose names start with LOOKUP_, so that a rules document cannot send the functions' own secrets; name it LOOKUP_STATE_SECRETS",
        'lookups.account.headers.X-Name: a header value is sent as bytes: write it in printable ASCII (no Chinese, tabs or line breaks)',
        'lookups.account.headers.X-Time: {{timeOfDay}} is not a lookup template; write {{caller}} or {{vars.NAME}}, or {{env.LOOKUP_NAME}} for a secret',
      ]);
    });
  });

  it('drops a `once` value where the linter does: never one a sealed DynamicId may also bring into a call', () => {
    const flow = (start: string) => ({
      start,
      nodes: {
        ask: { type: 'menu', say: '验证码{{vars.code}}。', keys: { '1': 're', '2': 'bye' } },
        re: { type: 'collect', say: '请输入。', saveAs: 'code', maxDigits: 6, scope: 'once', next: 'bye' },
        bye: { type: 'hangup', say: '验证码{{vars.code}}已记录。' },
      },
    });
    const result = compileRules({
      version: 'v1',
      defaultLine: { flow: 'inner' },
      outbound: { flows: ['remind'], vars: { code: { maxBytes: 6 } } },
      flows: { remind: flow('ask'), inner: flow('re') },
    });
    assert.ok(result.ok);
    // A DynamicId may carry `code` into the call, and from its flow into any other (a subflow): kept in all.
    assert.equal(result.compiled.dropsOnLeave.get('remind/ask'), undefined);
    assert.equal(result.compiled.dropsOnLeave.get('inner/ask'), undefined);
    assert.deepEqual([...result.compiled.onceValues], []);
    // Without it among outbound.vars, only the collect nodes save it, once: dropped by its readers in both.
    const plain = compileRules({
      version: 'v1',
      defaultLine: { flow: 'inner' },
      outbound: { flows: ['remind'] },
      flows: { remind: flow('ask'), inner: flow('re') },
    });
    assert.ok(plain.ok);
    assert.deepEqual(plain.compiled.dropsOnLeave.get('remind/ask'), ['code']);
    assert.deepEqual(plain.compiled.dropsOnLeave.get('inner/ask'), ['code']);
  });
});

describe('the rules schema at a cold start', () => {
  it('is built only when a document is validated: never for the embedded default or a checked document', () => {
    // A fresh process, as a cold instance is: this one has loaded the schema long since.
    const script = `
      const { loadRules, loadRulesText } = require('./shared/rules/load-rules');
      const { writeCheckedRules } = require('./shared/rules/checked-rules');
      const { DEFAULT_RULES } = require('./shared/rules/default-rules');
      const built = () => Object.keys(require.cache).some((file) => file.endsWith('rules-schema.ts'));
      const noYaml = () => { throw new Error('no YAML here'); };
      const embedded = loadRules({}, noYaml).ok;
      const checked = loadRulesText('file', writeCheckedRules(DEFAULT_RULES), 'json', noYaml).ok;
      const before = built();
      const validated = loadRulesText('file', JSON.stringify(DEFAULT_RULES), 'json', noYaml).ok;
      console.log(JSON.stringify({ embedded, checked, before, validated, after: built() }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: resolve(import.meta.dirname, '../..'),
      encoding: 'utf8',
    });
    assert.deepEqual(JSON.parse(out), {
      embedded: true,
      checked: true,
      before: false,
      validated: true,
      after: true,
    });
  });
});
