import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesIssue } from '../../shared/rules/compile-rules';
import type { RulesInput } from '../../shared/rules/rules-schema';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { HOTLINE } from '../support/second-edition-rules';

const messages = (issues: readonly RulesIssue[]) => issues.map((issue) => `${issue.path}: ${issue.message}`);
const [agent, repeat, mainMenu] = HOTLINE.handlers;

/** The hotline's warnings with these document handlers, or its identity flow's nodes changed. */
function warningsWith(handlers: unknown[], identity: Record<string, unknown> = {}): string[] {
  const flows = {
    ...HOTLINE.flows,
    identity: { ...HOTLINE.flows.identity, ...identity },
  };
  const result = lintRules({ ...HOTLINE, handlers, flows } as RulesInput);
  assert.deepEqual(messages(result.errors), []);
  return messages(result.warnings);
}

describe('lint of handlers', () => {
  it('warns when a sensitive entry hears handlers', () => {
    const { askPin } = HOTLINE.flows.identity.nodes;
    const { handlers: _false, ...hearing } = askPin;
    assert.deepEqual(
      warningsWith([agent, repeat, mainMenu], {
        nodes: { ...HOTLINE.flows.identity.nodes, askPin: hearing },
      }),
      [
        'flows.identity.nodes.askPin: this node collects sensitive digits (a PIN) and hears handlers (agent, repeat, mainMenu), so words a caller says while entering them can be taken for a handler and lead away from the entry; write handlers: false',
      ],
    );
  });

  it('warns about a keyword a menu intent tried first always takes, only where that is sure', () => {
    const balance = { name: 'balance', keywords: ['查余额'], flow: 'main', goto: 'agent' };
    assert.deepEqual(warningsWith([balance]), [
      'handlers.0.keywords.0: "查余额" contains "余额" of intent balance at main/menu, and a menu tries its intents before handlers, so there saying it is always taken by an intent, never by this handler; change the keyword, or the intent',
    ]);
    // The intent lost has excludes, which may void it; an intent to the handler's own node changes nothing.
    assert.deepEqual(warningsWith([{ ...balance, keywords: ['要挂失'] }]), []);
    assert.deepEqual(warningsWith([{ ...balance, goto: 'balanceCheck' }]), []);
  });

  it('warns about keys every menu hearing the handler has, and keys no menu hearing it takes', () => {
    assert.deepEqual(warningsWith([{ ...agent, keys: ['1', '0'] }]), [
      "handlers.0.keys.0: every menu that hears this handler has a key 1 of its own (main/menu), which comes first, so pressing it never selects the handler; choose a key they don't use",
    ]);
    const onlyCollects = { handlers: [{ name: 'back', keywords: ['返回'], keys: ['*'], do: 'restart' }] };
    assert.deepEqual(warningsWith([], onlyCollects), [
      'flows.identity.handlers.0.keys: no menu that hears this handler takes keys (at a collect node keys are the digits collected), so pressing them never selects it; remove keys, or give keys to a menu that hears it',
    ]);
  });

  it('lints what handlers match on as intents are linted', () => {
    const odd = {
      name: 'odd',
      keywords: ['。', '人工'],
      excludes: ['！'],
      patterns: ['AGENT'],
      do: 'repeat',
    };
    assert.deepEqual(warningsWith([odd]), [
      'handlers.0.keywords.0: "。" is only punctuation or spaces, which speech normalisation removes, so it never matches; remove it',
      'handlers.0.excludes.0: "！" is only punctuation or spaces, which speech normalisation removes, so it never voids a match; remove it',
      'handlers.0.patterns.0: this pattern is tried on normalised words (lower case, half width, no punctuation or spaces, 一→1), which never contain "A", "G", "E", "N", "T"; write "a" for "A", "g" for "G", "e" for "E", "n" for "N", "t" for "T" instead',
    ]);
  });
});
