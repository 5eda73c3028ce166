import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesIssue } from '../../shared/rules/compile-rules';
import { lintRules } from '../../shared/rules-tooling/lint-rules';

/** A document whose one flow starts at a menu with these intents, each going to one of three nodes. */
function menuWith(intents: readonly Record<string, unknown>[]) {
  return {
    version: 'v1',
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'menu',
        nodes: {
          menu: { type: 'menu', say: '请讲', intents },
          agent: { type: 'transfer', to: '95555' },
          balance: { type: 'hangup', say: '余额' },
          bye: { type: 'hangup', say: '再见' },
        },
      },
    },
  };
}

/** The menu's warnings, as `intents.N.field.M: message`. */
function warningsOf(intents: readonly Record<string, unknown>[]): string[] {
  const result = lintRules(menuWith(intents));
  assert.deepEqual(result.errors, []);
  // Unreachable nodes (the ones no intent goes to) are another check's.
  return result.warnings
    .filter((issue: RulesIssue) => issue.path.startsWith('flows.main.nodes.menu.'))
    .map((issue) => `${issue.path.replace('flows.main.nodes.menu.', '')}: ${issue.message}`);
}

const agent = (more: Record<string, unknown> = {}) => ({
  name: 'agent',
  keywords: ['人工', '客服'],
  goto: 'agent',
  ...more,
});
const bye = (more: Record<string, unknown> = {}) => ({
  name: 'bye',
  keywords: ['不要人工', '再见'],
  goto: 'bye',
  ...more,
});

describe('lintMenu: keywords inside keywords of other intents', () => {
  it('says nothing when the longer keyword is tried first', () => {
    assert.deepEqual(warningsOf([bye(), agent()]), []);
  });

  it('warns of a later keyword containing an earlier one, naming the exclude that would fix it', () => {
    assert.deepEqual(warningsOf([agent(), bye()]), [
      'intents.1.keywords.0: "不要人工" contains "人工" of intent agent, which is tried first, so this keyword ' +
        'never leads to bye; add "不要人工" to the excludes of intent agent, or move this intent before intent agent',
    ]);
  });

  it('says nothing when the earlier intent excludes a phrase of the later keyword', () => {
    assert.deepEqual(warningsOf([agent({ excludes: ['不要人工'] }), bye()]), []);
    // Any exclude inside the keyword voids the earlier intent whenever the keyword is heard.
    assert.deepEqual(warningsOf([agent({ excludes: ['不要'] }), bye()]), []);
  });

  it('still warns when the earlier intent excludes something the later keyword does not contain', () => {
    const found = warningsOf([agent({ excludes: ['别转人工'] }), bye()]);
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^intents\.1\.keywords\.0: "不要人工" contains "人工" of intent agent/);
  });

  it('says nothing of intents going to the same node', () => {
    assert.deepEqual(warningsOf([agent(), { name: 'human', keywords: ['人工服务'], goto: 'agent' }]), []);
  });
});

describe('lintMenu: excludes', () => {
  it('says nothing of an exclude that contains a keyword, or one heard elsewhere in the words', () => {
    assert.deepEqual(warningsOf([agent({ excludes: ['不要人工', '别转'] })]), []);
    assert.deepEqual(warningsOf([agent({ excludes: ['不要'] })]), []);
    // An exclude on a later intent that an earlier one's keyword does not reach.
    assert.deepEqual(
      warningsOf([
        { name: 'balance', keywords: ['余额'], excludes: ['不查余额'], goto: 'balance' },
        agent({ excludes: ['不要'] }),
      ]),
      [],
    );
  });

  it('warns of an exclude that normalisation empties', () => {
    assert.deepEqual(warningsOf([agent({ excludes: ['？！'] })]), [
      'intents.0.excludes.0: "？！" is only punctuation or spaces, which speech normalisation removes, so it ' +
        'never voids intent agent; remove it',
    ]);
  });

  it('warns of an exclude equal to or inside a keyword of its own intent', () => {
    const found = warningsOf([
      agent({ excludes: ['人工'] }),
      { keywords: ['再见'], excludes: ['见'], goto: 'bye' },
    ]);
    assert.deepEqual(found, [
      'intents.0.excludes.0: "人工" is part of the keyword "人工" of intent agent, so every match of that keyword ' +
        'is voided and it never leads to agent; write the longer phrase to exclude (such as "不人工"), or remove the keyword',
      'intents.1.excludes.0: "见" is part of the keyword "再见" of this intent, so every match of that keyword is ' +
        'voided and it never leads to bye; write the longer phrase to exclude (such as "不再见"), or remove the keyword',
    ]);
  });

  it('compares excludes and keywords as normalised', () => {
    const found = warningsOf([agent({ excludes: ['人 工！'] })]);
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^intents\.0\.excludes\.0: "人 工！" is part of the keyword "人工"/);
  });

  it('warns of an exclude another exclude of the intent already covers, once for a repeat', () => {
    assert.deepEqual(warningsOf([agent({ excludes: ['不要', '我不要人工', '不要'] })]), [
      'intents.0.excludes.1: "我不要人工" contains the exclude "不要" of intent agent, which voids it already; remove it',
      'intents.0.excludes.2: "不要" contains the exclude "不要" of intent agent, which voids it already; remove it',
    ]);
  });

  it('warns of an exclude an earlier intent always hears first, and names the intent to put it on', () => {
    const lostCard = { name: 'lostCard', keywords: ['挂失'], goto: 'agent' };
    const balance = { name: 'balance', keywords: ['余额'], excludes: ['不是挂失'], goto: 'balance' };
    assert.deepEqual(warningsOf([lostCard, balance]), [
      'intents.1.excludes.0: "不是挂失" contains "挂失" of intent lostCard, which is tried first: words with ' +
        '"不是挂失" lead to agent before intent balance is tried, so this exclude never acts; to keep them from ' +
        'agent, add "不是挂失" to the excludes of intent lostCard instead',
    ]);
    // Once the earlier intent has excludes of its own, it may be voided, and the later exclude may act.
    assert.deepEqual(warningsOf([{ ...lostCard, excludes: ['挂失了吗'] }, balance]), []);
    // Tried after, the intent whose keyword it is cannot stop it.
    assert.deepEqual(warningsOf([balance, lostCard]), []);
  });
});

describe('lint of a menu that asks the language model', () => {
  const withClassifier = (intents: readonly Record<string, unknown>[], on = true) => ({
    ...menuWith(intents),
    classifier: { on, endpoint: 'https://llm.example.com/v1', model: 'qwen-flash', apiKeyEnv: 'LLM_API_KEY' },
  });
  const classifierWarnings = (document: unknown) =>
    lintRules(document)
      .warnings.filter((issue: RulesIssue) => issue.message.includes('language model'))
      .map((issue) => issue.path.replace('flows.main.nodes.menu.', ''));

  it('warns of an intent without a name, or without a description and examples', () => {
    const intents = [
      { keywords: ['人工'], description: '转人工', goto: 'agent' },
      { name: 'balance', keywords: ['余额'], goto: 'balance' },
      { name: 'bye', keywords: ['再见'], examples: ['没事了'], goto: 'bye' },
    ];
    assert.deepEqual(classifierWarnings(withClassifier(intents)), ['intents.0', 'intents.1']);
    const [first] = lintRules(withClassifier(intents)).warnings.filter((issue) =>
      issue.path.endsWith('intents.0'),
    );
    assert.match(first?.message ?? '', /give intent 0 a name,/);
  });

  it('warns of a latency limit the wait never lets a classification pass', () => {
    const intents = [{ name: 'agent', keywords: ['人工'], description: '转人工', goto: 'agent' }];
    const document = withClassifier(intents);
    const at = (guard: Record<string, number>) =>
      lintRules({ ...document, classifier: { ...document.classifier, waitMs: 700, guard } }).warnings.filter(
        (issue) => issue.path === 'classifier.guard.latencyP95Ms',
      );
    assert.match(at({ latencyP95Ms: 700 })[0]?.message ?? '', /never passes latencyP95Ms \(700 ms\)/);
    assert.deepEqual(at({ latencyP95Ms: 500 }), []);
    assert.deepEqual(at({}), [], 'the default is under the default wait');
  });

  it('says nothing where the model is not asked', () => {
    const intents = [{ keywords: ['人工'], goto: 'agent' }];
    assert.deepEqual(classifierWarnings(withClassifier(intents, false)), []);
    assert.deepEqual(classifierWarnings(menuWith(intents)), []);
  });
});
