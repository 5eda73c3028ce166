import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesIssue } from '../../shared/rules/compile-rules';
import { DEFAULT_RULES } from '../../shared/rules/default-rules';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { LAST_PACKAGED_YEAR } from '../support/holiday-years';

type Nodes = Record<string, unknown>;

/** A document with one flow `main` (starting at its first node) that the default line routes to. */
function oneFlow(nodes: Nodes, flow: Record<string, unknown> = {}, document: Record<string, unknown> = {}) {
  return {
    version: 'v1',
    defaultLine: { flow: 'main' },
    flows: { main: { start: Object.keys(nodes)[0], nodes, ...flow } },
    ...document,
  };
}

const bye = { type: 'hangup', say: '再见' };

const pathsOf = (issues: readonly RulesIssue[]) => issues.map((issue) => issue.path);

describe('lintRules', () => {
  it('finds nothing wrong with the embedded default hotline', () => {
    const result = lintRules(DEFAULT_RULES);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
    assert.ok(result.compiled);
  });

  it('reports a flow whose collected values would not fit in dynamic_id, and passes one that fits', () => {
    const collect = (saveAs: string, maxDigits: number, next: string) => ({
      type: 'collect',
      say: '请输入',
      saveAs,
      maxDigits,
      next,
    });
    const big = lintRules(
      oneFlow({
        card: collect('cardNumber', 19, 'phone'),
        phone: collect('mobilePhone', 11, 'code'),
        code: collect('smsCode', 6, 'bye'),
        bye,
      }),
    );
    // At the goodbye, where all three values may be held at once.
    assert.deepEqual(pathsOf(big.errors), ['flows.main.nodes.bye']);
    assert.match(
      big.errors[0]?.message ?? '',
      /characters of state, over the 200 .* it may hold cardNumber \(19 bytes, saved by card\), mobilePhone \(11 bytes, saved by phone\), smsCode \(6 bytes, saved by code\); keep values only until they are read \(scope: once\)/,
    );
    const small = lintRules(
      oneFlow({ card: collect('card4', 4, 'pin'), pin: collect('pin', 6, 'bye'), bye }),
    );
    assert.deepEqual(small.errors, []);
  });

  it('reports what compileRules refuses as errors, without a compiled result', () => {
    const result = lintRules(oneFlow({ menu: { type: 'menu', say: '请选择', keys: { '1': 'billing' } } }));
    assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.menu.keys.1']);
    assert.match(result.errors[0]?.message ?? '', /no node is named billing/);
    assert.equal(result.compiled, undefined);
  });

  it('returns the compiled rules even when the graph has errors, so that they can be drawn', () => {
    const result = lintRules(oneFlow({ menu: { type: 'menu', say: '请选择' } }));
    assert.ok(result.errors.length > 0);
    assert.ok(result.compiled);
  });

  describe('unreachable nodes and unused flows', () => {
    it('warns about a node no path from the start leads to', () => {
      const result = lintRules(
        oneFlow({ hello: { type: 'say', say: '你好', next: 'bye' }, bye, orphan: bye }),
      );
      assert.deepEqual(result.errors, []);
      assert.deepEqual(pathsOf(result.warnings), ['flows.main.nodes.orphan']);
      assert.match(result.warnings[0]?.message ?? '', /no path from the flow's start \(hello\)/);
    });

    it('counts a flow-level escalation as a way in, for nodes that use the flow policy', () => {
      const menu = { type: 'menu', say: '请按1', keys: { '1': 'bye' } };
      const reached = lintRules(
        oneFlow({ menu, bye, agent: bye }, { noMatch: { retries: 1, escalateTo: 'agent' } }),
      );
      assert.deepEqual(reached.warnings, []);
      const ownPolicy = { ...menu, noMatch: { retries: 1 } };
      const unused = lintRules(
        oneFlow({ menu: ownPolicy, bye, agent: bye }, { noMatch: { retries: 1, escalateTo: 'agent' } }),
      );
      assert.deepEqual(pathsOf(unused.warnings), ['flows.main.nodes.agent']);
    });

    it('warns about a flow no line starts, which only a SmartCall DynamicId can reach', () => {
      const document = oneFlow({ bye });
      const result = lintRules({
        ...document,
        flows: { ...document.flows, spare: { start: 'bye', nodes: { bye } } },
      });
      assert.deepEqual(result.errors, []);
      assert.deepEqual(pathsOf(result.warnings), ['flows.spare']);
      assert.match(result.warnings[0]?.message ?? '', /only reachable as a SmartCall DynamicId/);
    });

    it('says no call can reach an unstarted flow when outbound.flows does not list it', () => {
      const document = oneFlow({ bye });
      const result = lintRules({
        ...document,
        outbound: { flows: ['remind'] },
        flows: {
          ...document.flows,
          remind: { start: 'bye', nodes: { bye } },
          spare: { start: 'bye', nodes: { bye } },
        },
      });
      assert.deepEqual(pathsOf(result.warnings), ['flows.spare']);
      assert.match(
        result.warnings[0]?.message ?? '',
        /outbound\.flows does not list it, so no call can reach it/,
      );
    });

    it('counts outbound.defaultFlow, outbound.flows and afterHoursFlow as starting a flow', () => {
      const document = oneFlow({ bye });
      const result = lintRules({
        ...document,
        calendars: { office: { weekly: { workdays: ['09:00-18:00'] } } },
        defaultLine: { flow: 'main', calendar: 'office', afterHoursFlow: 'night' },
        outbound: { defaultFlow: 'remind', flows: ['survey'] },
        flows: {
          ...document.flows,
          night: { start: 'bye', nodes: { bye } },
          remind: { start: 'bye', nodes: { bye } },
          survey: { start: 'bye', nodes: { bye } },
        },
      });
      assert.deepEqual(result.warnings, []);
    });
  });

  describe('dead ends', () => {
    it('refuses a menu with neither keys nor intents', () => {
      const result = lintRules(oneFlow({ menu: { type: 'menu', say: '请讲', keys: {}, intents: [] } }));
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.menu']);
      assert.match(result.errors[0]?.message ?? '', /no keys and no intents/);
    });

    it('warns about a transfer whose targets all have conditions and that has no to', () => {
      const targets = [{ when: { callerPrefix: ['0592'] }, to: '95555' }];
      const result = lintRules(oneFlow({ agent: { type: 'transfer', targets } }));
      assert.deepEqual(result.errors, []);
      assert.deepEqual(pathsOf(result.warnings), ['flows.main.nodes.agent.targets']);
      assert.match(result.warnings[0]?.message ?? '', /add to/);
    });

    it('accepts a transfer with an unconditional target or a to', () => {
      const withTo = {
        type: 'transfer',
        targets: [{ when: { time: '09:00-18:00' }, to: '95555' }],
        to: '95556',
      };
      const withEmptyCondition = { type: 'transfer', targets: [{ when: {}, to: '95555' }] };
      assert.deepEqual(lintRules(oneFlow({ agent: withTo })).warnings, []);
      assert.deepEqual(lintRules(oneFlow({ agent: withEmptyCondition })).warnings, []);
    });
  });

  describe('loops with no exit', () => {
    it('refuses a loop of say and branch nodes, which the engine would follow forever in one reply', () => {
      const result = lintRules(
        oneFlow({
          hello: { type: 'say', say: '你好', next: 'check' },
          check: {
            type: 'branch',
            branches: [{ when: { time: '09:00-18:00' }, goto: 'bye' }],
            else: 'again',
          },
          again: { type: 'say', say: '请稍候', next: 'check' },
          bye,
        }),
      );
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.check']);
      assert.match(result.errors[0]?.message ?? '', /check, again lead into each other/);
    });

    it('refuses nodes from which no hangup, transfer or goodbye can be reached', () => {
      const stay = { retries: 1, escalateTo: 'a' };
      const result = lintRules(
        oneFlow({
          a: { type: 'menu', say: '按1', keys: { '1': 'b' }, noInput: stay, noMatch: stay },
          b: {
            type: 'collect',
            say: '请输入',
            saveAs: 'code',
            maxDigits: 4,
            next: 'a',
            noInput: stay,
            noMatch: stay,
          },
        }),
      );
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.a']);
      assert.match(result.errors[0]?.message ?? '', /no way out: from a, b/);
    });

    it('refuses a chain of say nodes longer than the engine follows in one reply', () => {
      const chain = (length: number): Nodes =>
        Object.fromEntries([
          ...Array.from({ length }, (_, i) => [
            `s${i}`,
            { type: 'say', say: '请听', next: i + 1 < length ? `s${i + 1}` : 'bye' },
          ]),
          ['bye', bye],
        ]);
      const result = lintRules(oneFlow(chain(32)));
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.s0']);
      assert.match(result.errors[0]?.message ?? '', /pass 32 say, branch and split nodes in a row/);
      assert.deepEqual(lintRules(oneFlow(chain(31))).errors, []);
    });

    it('counts used-up retries without escalateTo as a way out, through the goodbye', () => {
      const result = lintRules(
        oneFlow({
          a: { type: 'menu', say: '按1', keys: { '1': 'b' } },
          b: { type: 'say', say: '好', next: 'a' },
        }),
      );
      assert.deepEqual(result.errors, []);
    });
  });

  describe('the name of a collect node’s key timeout', () => {
    const collect = { type: 'collect', say: '请输入', saveAs: 'code', maxDigits: 4, next: 'bye' };

    it('warns on timeoutS, naming keyTimeoutS as the new name', () => {
      const result = lintRules(oneFlow({ card: { ...collect, timeoutS: 10 }, bye }));
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.warnings, [
        {
          path: 'flows.main.nodes.card.timeoutS',
          message:
            'timeoutS is now keyTimeoutS, as on menus: write keyTimeoutS: 10 instead (timeoutS is still read)',
        },
      ]);
    });

    it('takes keyTimeoutS without a word, and refuses both names at once', () => {
      assert.deepEqual(lintRules(oneFlow({ card: { ...collect, keyTimeoutS: 10 }, bye })).warnings, []);
      const both = lintRules(oneFlow({ card: { ...collect, keyTimeoutS: 10, timeoutS: 10 }, bye }));
      assert.deepEqual(both.errors, [
        {
          path: 'flows.main.nodes.card',
          message:
            'keyTimeoutS and timeoutS are one setting (timeoutS is its former name): keep keyTimeoutS alone',
        },
      ]);
    });
  });

  describe('input a node can never hear', () => {
    it('warns about keyTimeoutS on a menu without keys', () => {
      const menu = {
        type: 'menu',
        say: '请讲',
        intents: [{ keywords: ['人工'], goto: 'bye' }],
        keyTimeoutS: 8,
      };
      const result = lintRules(oneFlow({ menu, bye }));
      assert.deepEqual(pathsOf(result.warnings), ['flows.main.nodes.menu.keyTimeoutS']);
    });

    it('warns about a keyword that normalisation empties, and one an earlier intent shadows', () => {
      const menu = {
        type: 'menu',
        say: '请讲',
        intents: [
          { name: 'agent', keywords: ['人工', '？！'], goto: 'agent' },
          { name: 'robot', keywords: ['人工智能', '机器人'], goto: 'bye' },
          { name: 'human', keywords: ['人工服务'], goto: 'agent' },
        ],
      };
      const result = lintRules(oneFlow({ menu, agent: { type: 'transfer', to: '95555' }, bye }));
      assert.deepEqual(pathsOf(result.warnings), [
        'flows.main.nodes.menu.intents.0.keywords.1',
        'flows.main.nodes.menu.intents.1.keywords.0',
      ]);
      assert.match(result.warnings[1]?.message ?? '', /contains "人工" of intent agent/);
    });

    it('warns about a pattern with characters normalisation removes or changes', () => {
      const intents = [
        { patterns: ['^VIP'], goto: 'bye' },
        { patterns: ['第一'], goto: 'bye' },
        { patterns: ['好的，谢谢'], goto: 'bye' },
        { patterns: ['^(?:查|查询)\\d{2,4}[a-z]?$', '(?<n>\\p{Script=Han}+)\\s*\\*', '\\?'], goto: 'bye' },
      ];
      const result = lintRules(oneFlow({ menu: { type: 'menu', say: '请讲', intents }, bye }));
      assert.deepEqual(pathsOf(result.warnings), [
        'flows.main.nodes.menu.intents.0.patterns.0',
        'flows.main.nodes.menu.intents.1.patterns.0',
        'flows.main.nodes.menu.intents.2.patterns.0',
        'flows.main.nodes.menu.intents.3.patterns.2',
      ]);
      assert.match(result.warnings[0]?.message ?? '', /"v" for "V"/);
      assert.match(result.warnings[1]?.message ?? '', /"1" for "一"/);
      assert.match(result.warnings[2]?.message ?? '', /nothing for "，"/);
    });

    it('refuses a condition on a variable no collect node in the flow saves', () => {
      const result = lintRules(
        oneFlow({
          pin: { type: 'collect', say: '请输入密码', saveAs: 'pin', maxDigits: 6, next: 'check' },
          check: {
            type: 'branch',
            branches: [{ when: { var: 'card', equals: '1' }, goto: 'agent' }],
            else: 'bye',
          },
          agent: {
            type: 'transfer',
            targets: [{ when: { var: 'pn', in: ['1'] }, to: '95555' }],
            to: '95556',
          },
          bye,
        }),
      );
      assert.deepEqual(pathsOf(result.errors), [
        'flows.main.nodes.check.branches.0.when.var',
        'flows.main.nodes.agent.targets.0.when.var',
      ]);
      assert.match(
        result.errors[0]?.message ?? '',
        /^no collect or lookup node in flow main saves card \(collect saveAs, a lookup node's save, or outbound.vars for values a DynamicId carries\), so this condition never holds; save it first or fix the name$/,
      );
    });

    it('refuses a placeholder for a variable no collect node saves, and unknown placeholders', () => {
      const result = lintRules(
        oneFlow({
          card: { type: 'collect', say: '请输入卡号', saveAs: 'card', maxDigits: 19, next: 'read' },
          read: { type: 'say', say: '卡号{{vars.card|digits}}，账户{{vars.account}}', next: 'bye' },
          bye: {
            type: 'hangup',
            say: ['{{caller.number}}', { tts: '{{ vars.a b }}再见' }, '{{vars.card|upper}}'],
          },
        }),
      );
      assert.deepEqual(pathsOf(result.errors), [
        'flows.main.nodes.read.say',
        'flows.main.nodes.bye.say.0',
        'flows.main.nodes.bye.say.1.tts',
        'flows.main.nodes.bye.say.2',
      ]);
      assert.match(result.errors[0]?.message ?? '', /saves account/);
      assert.match(result.errors[1]?.message ?? '', /\{\{caller\.number\}\} is not a placeholder/);
    });

    it('warns about {{caller.last4}} in a flow only outbound calls start', () => {
      const document = oneFlow({ bye });
      const result = lintRules({
        ...document,
        outbound: { defaultFlow: 'remind' },
        flows: {
          ...document.flows,
          remind: { start: 'hi', nodes: { hi: { ...bye, say: '尾号{{caller.last4}}' } } },
        },
      });
      assert.deepEqual(pathsOf(result.warnings), ['flows.remind.nodes.hi.say']);
      assert.match(result.warnings[0]?.message ?? '', /only by outbound calls/);
    });

    it('refuses placeholders in the fallback, which is spoken as written, and variables in recovery', () => {
      const result = lintRules(
        oneFlow({ bye }, {}, { recovery: '{{vars.card}}', fallback: { say: ['抱歉', '{{timeOfDay}}好'] } }),
      );
      assert.deepEqual(pathsOf(result.errors), ['recovery', 'fallback.say.1']);
    });
  });

  describe('settings the platform overrides', () => {
    it('warns about bargeInAfterMs where bargeIn is false in the same settings', () => {
      const result = lintRules(
        oneFlow(
          { bye },
          { settings: { bargeIn: false, bargeInAfterMs: 500 } },
          { settings: { bargeIn: false, bargeInAfterMs: 800 } },
        ),
      );
      assert.deepEqual(pathsOf(result.warnings), [
        'settings.bargeInAfterMs',
        'flows.main.settings.bargeInAfterMs',
      ]);
    });

    it('warns about a maxCallS the session timeout never lets a call reach, with flow settings over the document', () => {
      const document = { settings: { sessionTimeoutS: 900 } };
      const over = lintRules(
        oneFlow({ bye }, { maxCallS: 600, settings: { sessionTimeoutS: 600 } }, document),
      );
      assert.deepEqual(pathsOf(over.warnings), ['flows.main.maxCallS']);
      assert.match(over.warnings[0]?.message ?? '', /600 s/);
      assert.deepEqual(lintRules(oneFlow({ bye }, { maxCallS: 600 }, document)).warnings, []);
    });
  });

  it('warns about characters TTS forbids in every kind of prompt, but not in placeholders', () => {
    const result = lintRules(
      oneFlow(
        {
          card: {
            type: 'collect',
            say: '请输入卡号，以#结束',
            saveAs: 'card',
            maxDigits: 19,
            next: 'bye',
            noInput: { retries: 1, say: ['请按*号键'] },
          },
          bye: { type: 'hangup', say: '卡号{{vars.card}}，再见' },
        },
        { goodbye: '费用: 0 元' },
        { recovery: '回到"主菜单"', fallback: { say: ['抱歉', { tts: '请发邮件至 a@b.cn' }] } },
      ),
    );
    assert.deepEqual(result.errors, []);
    assert.deepEqual(pathsOf(result.warnings), [
      'recovery',
      'fallback.say.1.tts',
      'flows.main.goodbye',
      'flows.main.nodes.card.noInput.say.0',
    ]);
    assert.match(result.warnings[0]?.message ?? '', /forbids `"` in TTS text; they will be replaced/);
  });

  describe('calendars', () => {
    it('refuses a calendar that is never open', () => {
      const result = lintRules(oneFlow({ bye }, {}, { calendars: { shut: { weekly: { sat: [] } } } }));
      assert.deepEqual(pathsOf(result.errors), ['calendars.shut.weekly']);
    });

    it('warns when holiday data runs out within 45 days of the date given, and errs once it has', () => {
      const year = LAST_PACKAGED_YEAR + 1;
      const calendars = {
        office: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn' },
        branch: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn', noHolidayData: 'closed' },
        plain: { weekly: { workdays: ['09:00-18:00'] } },
      };
      const document = oneFlow({ bye }, {}, { calendars });
      assert.deepEqual(lintRules(document).warnings, [], 'no date given: no date-dependent finding');
      const ahead = lintRules(document, { todayIn: () => `${year - 1}-12-15` });
      assert.deepEqual(ahead.errors, []);
      assert.deepEqual(pathsOf(ahead.warnings), ['calendars.office.holidays', 'calendars.branch.holidays']);
      assert.match(
        ahead.warnings[1]?.message ?? '',
        new RegExp(
          `no holiday data for ${year} \\(from ${year}-01-01, in 17 days\\): calls are judged by noHolidayData closed`,
        ),
      );
      assert.deepEqual(
        lintRules(document, { todayIn: () => `${year - 1}-11-15` }).warnings,
        [],
        '47 days ahead',
      );
      const late = lintRules(document, { todayIn: () => `${year}-01-01` });
      assert.deepEqual(pathsOf(late.errors), ['calendars.office.holidays', 'calendars.branch.holidays']);
      assert.match(late.errors[0]?.message ?? '', new RegExp(`since ${year}-01-01`));
      const covered = { ...document, holidaySchedules: { cn: [{ year, daysOff: [`${year}-01-01`] }] } };
      assert.deepEqual(lintRules(covered, { todayIn: () => `${year}-01-01` }).errors, []);
    });

    it('counts a noHolidayData flow as a way into that flow, where a calendar with holidays uses it', () => {
      const flows = { main: { start: 'bye', nodes: { bye } }, unsure: { start: 'bye', nodes: { bye } } };
      const calendars = { office: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn' } };
      const defaultLine = { flow: 'main', calendar: 'office', afterHoursFlow: 'main' };
      const used = { version: 'v1', noHolidayData: { flow: 'unsure' }, calendars, defaultLine, flows };
      assert.deepEqual(lintRules(used).warnings, []);
      // Without a calendar that has holidays, the policy can never send a call there.
      const unused = { ...used, calendars: { office: { ...calendars.office, holidays: 'none' } } };
      assert.deepEqual(pathsOf(lintRules(unused).warnings), ['flows.unsure']);
    });

    it('warns about a schedule no calendar reads, and a policy a calendar without holidays ignores', () => {
      const calendars = {
        office: { weekly: { workdays: ['09:00-18:00'] }, holidays: 'cn' },
        plain: { weekly: { workdays: ['09:00-18:00'] }, noHolidayData: 'closed' },
      };
      const document = oneFlow({ bye }, {}, { calendars, holidaySchedules: { CN: [{ year: 2027 }] } });
      const { warnings } = lintRules(document);
      assert.deepEqual(pathsOf(warnings), ['calendars.plain.noHolidayData', 'holidaySchedules.CN']);
      assert.match(
        warnings[1]?.message ?? '',
        /no calendar reads this schedule: holidays: CN would .*holidaySchedules\.cn/,
      );
    });
  });

  it('warns about a sensitive value read back in a prompt', () => {
    const result = lintRules(
      oneFlow({
        pin: {
          type: 'collect',
          say: '请输入密码',
          saveAs: 'pin',
          maxDigits: 6,
          sensitive: true,
          next: 'bye',
        },
        bye: { type: 'hangup', say: '您输入的是{{vars.pin|digits}}' },
      }),
    );
    assert.deepEqual(pathsOf(result.warnings), ['flows.main.nodes.bye.say']);
    assert.match(result.warnings[0]?.message ?? '', /pin is collected as sensitive/);
  });

  describe('variables along the paths', () => {
    it('refuses a value read where no path from the start has saved it', () => {
      const result = lintRules(
        oneFlow({
          menu: { type: 'menu', say: '查询请按1，挂失请按2', keys: { '1': 'card', '2': 'lost' } },
          card: { type: 'collect', say: '请输入卡号', saveAs: 'card', maxDigits: 4, next: 'bye' },
          lost: { type: 'say', say: '卡号{{vars.card}}已挂失', next: 'bye' },
          bye,
        }),
      );
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.lost.say']);
      assert.equal(
        result.errors[0]?.message,
        "no path from the flow's start to here passes a node that saves card (card), so {{vars.card}} always " +
          'reads as nothing; save it on the way here or fix the name',
      );
    });

    it('refuses a value kept once, read again after the node that read it first', () => {
      const testPin = (goto: string) => ({
        type: 'branch',
        branches: [{ when: { var: 'pin', equals: '0000' }, goto }],
        else: 'bye',
      });
      const pin = { type: 'collect', say: '请输入密码', saveAs: 'pin', maxDigits: 6, scope: 'once' };
      const result = lintRules(
        oneFlow({ pin: { ...pin, next: 'check' }, check: testPin('again'), again: testPin('bye'), bye }),
      );
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.again.branches.0.when.var']);
      assert.match(
        result.errors[0]?.message ?? '',
        /^pin is kept once \(scope: once\), and every path here passes a node that reads it first and drops it, so this condition never holds; read it before, or keep it for the flow \(scope: flow\)$/,
      );
    });
  });

  describe('lookups', () => {
    const account = {
      url: 'https://api.example.com/ivr/account/{{vars.card}}',
      query: { phone: '{{caller}}' },
      headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
      timeoutMs: 1500,
    };
    const getAccount = {
      type: 'lookup',
      use: 'account',
      save: { balance: { from: 'data.balance', type: 'number', maxBytes: 12, sensitive: true } },
      filler: '正在为您查询，请稍候。',
      next: 'tell',
      onError: 'bye',
    };
    const askCard = { type: 'collect', say: '请输入卡号后4位', saveAs: 'card', maxDigits: 4, next: 'get' };
    const tell = { type: 'hangup', say: '您的余额是{{vars.balance}}元。' };

    it('finds nothing wrong with a card collected, looked up and its balance said', () => {
      const result = lintRules(
        oneFlow({ card: askCard, get: getAccount, tell, bye }, {}, { lookups: { account } }),
      );
      assert.deepEqual(result.errors, []);
      // The balance is sensitive, and saying it is the point: no warning.
      assert.deepEqual(result.warnings, []);
    });

    it('refuses a value a lookup sends that no path has saved, naming the lookup', () => {
      const result = lintRules(oneFlow({ get: getAccount, tell, bye }, {}, { lookups: { account } }));
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.get.use']);
      assert.equal(
        result.errors[0]?.message,
        "no collect or lookup node in flow main saves card (collect saveAs, a lookup node's save, or outbound.vars for values a DynamicId carries), so lookup " +
          'account sends {{vars.card}} (in its url) empty; save it first or fix the name',
      );
    });

    it('refuses a value read before its lookup, or on the lookup’s error path, which saves nothing', () => {
      const early = { type: 'say', say: '余额{{vars.balance}}', next: 'get' };
      const before = lintRules(
        oneFlow(
          { card: { ...askCard, next: 'early' }, early, get: getAccount, tell, bye },
          {},
          { lookups: { account } },
        ),
      );
      assert.deepEqual(pathsOf(before.errors), ['flows.main.nodes.early.say']);
      assert.match(before.errors[0]?.message ?? '', /passes a node that saves balance \(get\)/);
      const onError = lintRules(
        oneFlow(
          { card: askCard, get: { ...getAccount, onError: 'sorry' }, tell, sorry: tell },
          {},
          { lookups: { account } },
        ),
      );
      assert.deepEqual(pathsOf(onError.errors), ['flows.main.nodes.sorry.say']);
    });

    it('warns about a sensitive value in a lookup’s url or query, and not in a POST body', () => {
      const pin = { ...askCard, saveAs: 'pin', maxDigits: 6, sensitive: true };
      const inUrl = {
        url: 'https://api.example.com/verify/{{vars.pin}}',
        query: { pin: '{{vars.pin}}', again: '{{vars.pin}}' },
      };
      const result = lintRules(
        oneFlow(
          { card: pin, get: { ...getAccount, use: 'verify' }, tell, bye },
          {},
          { lookups: { verify: inUrl } },
        ),
      );
      assert.deepEqual(result.errors, []);
      assert.deepEqual(pathsOf(result.warnings), [
        'lookups.verify.url',
        'lookups.verify.query.pin',
        'lookups.verify.query.again',
      ]);
      assert.equal(
        result.warnings[0]?.message,
        'pin is saved as sensitive, and this lookup puts it in its url, which servers and proxies log; send it in ' +
          'a POST body instead (method: POST, body: { pin: "{{vars.pin}}" })',
      );
      const inBody = { url: 'https://api.example.com/verify', method: 'POST', body: { pin: '{{vars.pin}}' } };
      const quiet = lintRules(
        oneFlow(
          { card: pin, get: { ...getAccount, use: 'verify' }, tell, bye },
          {},
          { lookups: { verify: inBody } },
        ),
      );
      assert.deepEqual(quiet.warnings, []);
    });

    it('warns about a lookup no node uses', () => {
      const result = lintRules(oneFlow({ bye }, {}, { lookups: { account } }));
      assert.deepEqual(result.errors, []);
      assert.deepEqual(result.warnings, [
        {
          path: 'lookups.account',
          message: 'no node uses this lookup; call it from a node (type: lookup, use: account), or remove it',
        },
      ]);
    });

    it('warns about a filler no caller can hear: every attempt ends within the wait', () => {
      const quick = { ...account, timeoutMs: 400, attempts: 2, waitMs: 800 };
      const result = lintRules(
        oneFlow({ card: askCard, get: getAccount, tell, bye }, {}, { lookups: { account: quick } }),
      );
      assert.deepEqual(pathsOf(result.warnings), ['flows.main.nodes.get.filler']);
      assert.match(result.warnings[0]?.message ?? '', /attempts 2 × timeoutMs 400 ≤ waitMs 800/);
      const { filler: _, ...silent } = getAccount;
      const none = lintRules(
        oneFlow({ card: askCard, get: silent, tell, bye }, {}, { lookups: { account: quick } }),
      );
      assert.deepEqual(none.warnings, []);
    });

    it('warns about {{caller}} sent from a flow only outbound calls start', () => {
      const document = oneFlow({ card: askCard, get: getAccount, tell, bye }, {}, { lookups: { account } });
      const result = lintRules({
        ...document,
        defaultLine: { flow: 'other' },
        flows: { ...document.flows, other: { start: 'bye', nodes: { bye } } },
        outbound: { defaultFlow: 'main' },
      });
      assert.deepEqual(pathsOf(result.warnings), ['flows.main.nodes.get.use']);
      assert.match(result.warnings[0]?.message ?? '', /sends \{\{caller\}\} \(in its query\.phone\) empty/);
    });
  });

  describe('the state a call carries, path by path', () => {
    /** A card and a PIN collected, verified by a lookup that saves a balance and a name, then said. */
    const verified = (pinScope: 'flow' | 'once') =>
      oneFlow(
        {
          card: { type: 'collect', say: '请输入卡号', saveAs: 'card', maxDigits: 19, next: 'pin' },
          pin: {
            type: 'collect',
            say: '请输入密码',
            saveAs: 'pin',
            maxDigits: 6,
            sensitive: true,
            scope: pinScope,
            next: 'verify',
          },
          verify: {
            type: 'lookup',
            use: 'verify',
            save: {
              balance: { from: 'data.balance', type: 'number', maxBytes: 12 },
              holder: { from: 'data.name', maxBytes: 9 },
            },
            next: 'tell',
            onError: 'bye',
          },
          tell: {
            type: 'menu',
            say: '{{vars.holder}}，您的余额是{{vars.balance}}元。重听请按1。',
            keys: { '1': 'tell' },
          },
          bye,
        },
        {},
        {
          lookups: {
            verify: {
              url: 'https://bank.example.com/ivr/verify',
              method: 'POST',
              body: { card: '{{vars.card}}', pin: '{{vars.pin}}' },
            },
          },
        },
      );

    it('drops a PIN kept once after the lookup that sends it, so the flow fits', () => {
      assert.deepEqual(lintRules(verified('once')).errors, []);
    });

    it('refuses the same flow when the PIN is kept for the flow, naming where and what is held', () => {
      const { errors } = lintRules(verified('flow'));
      assert.deepEqual(pathsOf(errors), ['flows.main.nodes.tell']);
      assert.match(errors[0]?.message ?? '', /pin \(6 bytes, saved by pin\)/);
    });

    it('refuses a lookup that saves more than fits, at the node the call waits at next', () => {
      const result = lintRules(
        oneFlow(
          {
            get: {
              type: 'lookup',
              use: 'profile',
              save: {
                name: { from: 'name', maxBytes: 64 },
                address: { from: 'address', maxBytes: 64 },
              },
              next: 'tell',
              onError: 'bye',
            },
            tell: { type: 'hangup', say: '{{vars.name}}，{{vars.address}}' },
            bye,
          },
          {},
          { lookups: { profile: { url: 'https://api.example.com/profile' } } },
        ),
      );
      assert.deepEqual(pathsOf(result.errors), ['flows.main.nodes.tell']);
      assert.match(
        result.errors[0]?.message ?? '',
        /it may hold address \(64 bytes, saved by get\), name \(64 bytes, saved by get\)/,
      );
    });
  });

  it('lints a document of 10,000 numbers and 2,000 nodes without findings', () => {
    const document = generateLargeDocument();
    assert.equal(
      document.lines.reduce((sum, line) => sum + line.numbers.length, 0),
      10_000,
    );
    assert.equal(
      Object.values(document.flows).reduce((sum, flow) => sum + Object.keys(flow.nodes).length, 0),
      2_000,
    );
    const result = lintRules(document);
    assert.deepEqual(result.errors, []);
    assert.deepEqual(result.warnings, []);
  });
});

/**
 * 200 flows of 10 nodes using every node type (a greeting, a branch, a menu with keys and intents, a
 * collect read back, transfers and a parallel transfer), and 1,000 lines of 10 numbers.
 */
function generateLargeDocument() {
  const flows: Record<string, { start: string; nodes: Record<string, unknown> }> = {};
  for (let f = 0; f < 200; f++) {
    flows[`flow${f}`] = {
      start: 'hello',
      nodes: {
        hello: { type: 'say', say: `您好，这里是第${f}号热线。`, next: 'hours' },
        hours: { type: 'branch', branches: [{ when: { time: '09:00-18:00' }, goto: 'menu' }], else: 'bye' },
        menu: {
          type: 'menu',
          say: '查询请按1，人工请按0，结束请按9。',
          keys: { '1': 'card', '0': 'agent', '9': 'bye' },
          intents: [
            { name: 'card', keywords: ['查询', '余额'], goto: 'card' },
            { name: 'agent', keywords: ['人工', '客服'], patterns: ['^转.*人$'], goto: 'agent' },
          ],
          noMatch: { retries: 2, say: ['抱歉，我没有听懂。'], escalateTo: 'agent' },
        },
        card: {
          type: 'collect',
          say: '请输入卡号，以井号结束。',
          saveAs: 'card',
          maxDigits: 19,
          endKey: '#',
          next: 'read',
        },
        read: { type: 'say', say: '您的卡号是{{vars.card|digits}}。', next: 'route' },
        route: {
          type: 'branch',
          branches: [{ when: { var: 'card', matches: '^6' }, goto: 'vip' }],
          else: 'more',
        },
        more: {
          type: 'menu',
          say: '返回请按1。',
          keys: { '1': 'menu' },
          noInput: { retries: 1, escalateTo: 'bye' },
        },
        vip: { type: 'parallelTransfer', ccName: 'vip-desk', onFail: 'agent' },
        agent: { type: 'transfer', say: '正在转接。', to: '95555' },
        bye: { type: 'hangup', say: '感谢您的来电，再见。' },
      },
    };
  }
  const lines = Array.from({ length: 1000 }, (_, line) => ({
    name: `line${line}`,
    numbers: Array.from({ length: 10 }, (_, i) => `0592${String(line * 10 + i).padStart(7, '0')}`),
    flow: `flow${line % 200}`,
  }));
  return { version: 'large-1', lines, defaultLine: { flow: 'flow0' }, flows };
}
