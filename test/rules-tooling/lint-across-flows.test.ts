import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RulesIssue } from '../../shared/rules/compile-rules';
import { describeSavers } from '../../shared/rules-tooling/flow-variables';
import { lintRules } from '../../shared/rules-tooling/lint-rules';
import { HOTLINE } from '../support/second-edition-rules';

const messages = (issues: readonly RulesIssue[]) => issues.map((issue) => `${issue.path}: ${issue.message}`);
const collect = (saveAs: string, maxDigits: number, next: string, more: Record<string, unknown> = {}) => ({
  type: 'collect',
  say: '请输入',
  saveAs,
  maxDigits,
  next,
  ...more,
});
const back = { type: 'return' };
const bye = { type: 'hangup', say: '再见' };

/** Flow `main` collects `card` (scope flow), calls flow `check`, then goes to `done`. */
function callCheck(done: Record<string, unknown>, check: Record<string, unknown>) {
  return {
    version: 'v1',
    defaultLine: { flow: 'main' },
    flows: {
      main: {
        start: 'card',
        nodes: {
          card: collect('card', 4, 'check'),
          check: { type: 'subflow', flow: 'check', next: 'done' },
          done,
        },
      },
      check,
    },
  };
}

/** `check` collects `pin` (with `more`); `main` says `{{vars.NAME}}` after it returns. */
function readAfterCall(name: string, more: Record<string, unknown>) {
  return callCheck(
    { type: 'hangup', say: `好的{{vars.${name}}}` },
    { start: 'pin', nodes: { pin: collect('pin', 6, 'ok', more), ok: back } },
  );
}

describe('lint of values across flows', () => {
  it('finds nothing wrong with the hotline, whose identity check hands the card back (scope: call)', () => {
    const result = lintRules(HOTLINE);
    assert.deepEqual(messages(result.errors), []);
    assert.deepEqual(messages(result.warnings), []);
  });

  it('knows a value a subflow reads is set by its caller, and says so when no caller sets it', () => {
    const sets = callCheck(bye, {
      start: 'confirm',
      nodes: { confirm: { type: 'say', say: '尾号{{vars.card}}', next: 'ok' }, ok: back },
    });
    assert.deepEqual(messages(lintRules(sets).errors), []);
    const unset = { ...sets, flows: { ...sets.flows, main: { ...sets.flows.main, start: 'check' } } };
    assert.deepEqual(messages(lintRules(unset).errors.filter((e) => e.path.startsWith('flows.check'))), [
      'flows.check.nodes.confirm.say: no collect or lookup node in flow check saves card, and no path to a subflow node that calls it (main/check) saves it first, so {{vars.card}} always reads as nothing; save it first or fix the name',
    ]);
  });

  it('reports a value a subflow saves for itself read after it returns, and passes one it hands back', () => {
    assert.deepEqual(messages(lintRules(readAfterCall('pin', {})).errors), [
      'flows.main.nodes.done.say: pin is saved only in flow check, which drops its own values when it returns here, so {{vars.pin}} always reads as nothing; save it there with scope: call to hand it back',
    ]);
    assert.deepEqual(messages(lintRules(readAfterCall('pin', { scope: 'call' })).errors), []);
    // The caller's own card is dropped too when the subflow saves a card of its own.
    const shadowed = readAfterCall('card', { saveAs: 'card' });
    assert.deepEqual(messages(lintRules(shadowed).errors), [
      'flows.main.nodes.done.say: flow check saves card for itself, and drops it when it returns, on every path here, so {{vars.card}} always reads as nothing; save it there with scope: call, or under another name',
    ]);
  });

  it('carries values along a handler to another flow', () => {
    const rules = {
      version: 'v1',
      defaultLine: { flow: 'main' },
      handlers: [{ name: 'agent', keywords: ['人工'], flow: 'desk', goto: 'tell' }],
      flows: {
        main: {
          start: 'card',
          nodes: {
            card: collect('card', 4, 'menu'),
            menu: { type: 'menu', say: '请按1', keys: { '1': 'bye' } },
            bye,
          },
        },
        desk: {
          start: 'hello',
          nodes: {
            hello: { type: 'hangup', say: '您好' },
            tell: { type: 'transfer', say: '卡号{{vars.card}}', to: '10086' },
          },
        },
      },
    };
    const result = lintRules(rules);
    assert.deepEqual(messages(result.errors), []);
    assert.deepEqual(messages(result.warnings), [], 'desk/tell is reached through the handler');
  });

  it('bounds the state of a flow at the deepest it runs, with the values its callers bring', () => {
    const call = (flow: string) => ({
      start: 's',
      nodes: { s: { type: 'subflow', flow, next: 'end' }, end: back },
    });
    const deep = {
      start: 'a',
      nodes: { a: collect('second', 14, 'b'), b: collect('third', 1, 'end'), end: back },
    };
    const main = {
      start: 'first',
      nodes: { first: collect('first', 32, 's'), s: { type: 'subflow', flow: 'f1', next: 'bye' }, bye },
    };
    const shallow = lintRules({
      version: 'v',
      defaultLine: { flow: 'main' },
      flows: {
        main: { ...main, nodes: { ...main.nodes, s: { type: 'subflow', flow: 'deep', next: 'bye' } } },
        deep,
      },
    });
    assert.deepEqual(messages(shallow.errors), []);
    const chained = lintRules({
      version: 'v',
      defaultLine: { flow: 'main' },
      flows: { main, f1: call('f2'), f2: call('deep'), deep },
    });
    assert.deepEqual(messages(chained.errors), [
      'flows.deep.nodes.b: a call here (3 subflows deep) can carry about 208 characters of state, over the 200 that fit in dynamic_id, and would get the fallback: it may hold first (32 bytes, saved by first (flow main)), second (14 bytes, saved by a); keep values only until they are read (scope: once), save fewer or smaller ones (maxBytes, maxDigits), or use shorter names',
    ]);
  });
  it('bounds a value a subflow hands back by the largest of the flows it calls that save it too', () => {
    const result = lintRules({
      version: 'v1',
      defaultLine: { flow: 'main' },
      flows: {
        main: {
          start: 'first',
          nodes: {
            first: collect('first', 32, 'second'),
            second: collect('second', 4, 'b'),
            b: { type: 'subflow', flow: 'b', next: 'bye' },
            bye,
          },
        },
        b: {
          start: 'c',
          nodes: {
            c: { type: 'subflow', flow: 'c', next: 'x' },
            x: collect('x', 4, 'end', { scope: 'call' }),
            end: back,
          },
        },
        c: { start: 'x', nodes: { x: collect('x', 20, 'end', { scope: 'call' }), end: back } },
      },
    });
    const [atBye] = result.errors;
    assert.equal(atBye?.path, 'flows.main.nodes.bye');
    assert.match(atBye?.message ?? '', /x \(20 bytes, saved by x \(flow b\) or x \(flow c\)\)/);
  });
  it('brings the top flow its own values back at its start when a handler restarts the call deep inside', () => {
    const rules = (handlers: unknown[]) => ({
      version: 'v1',
      defaultLine: { flow: 'main' },
      handlers,
      flows: {
        main: {
          start: 'hello',
          nodes: {
            hello: { type: 'say', say: '您好{{vars.first}}', next: 'first' },
            first: collect('first', 4, 'b'),
            b: { type: 'subflow', flow: 'b', next: 'bye' },
            bye,
          },
        },
        b: { start: 'c', nodes: { c: { type: 'subflow', flow: 'c', next: 'end' }, end: back } },
        c: { start: 'ask', nodes: { ask: { type: 'menu', say: '请按1', keys: { '1': 'end' } }, end: back } },
      },
    });
    assert.deepEqual(
      messages(lintRules(rules([{ name: 'again', keywords: ['重来'], do: 'restart' }])).errors),
      [],
    );
    assert.deepEqual(
      lintRules(rules([])).errors.map((e) => e.path),
      ['flows.main.nodes.hello.say'],
    );
  });
});

/** A menu whose key 1 and used-up retries all lead to `to`. */
const onlyTo = (to: string, more: Record<string, unknown> = {}) => ({
  type: 'menu',
  say: '请按1',
  keys: { '1': to },
  noInput: { retries: 0, escalateTo: to },
  noMatch: { retries: 0, escalateTo: to },
  ...more,
});

/** A menu that only goes round: everything leads to `again`, which leads back. */
const loop = (more: Record<string, unknown> = {}) => ({
  loop: onlyTo('again', more),
  again: { type: 'say', say: '再来', next: 'loop' },
});

describe('lint of graphs across flows', () => {
  const desk = { start: 'hello', nodes: { hello: { type: 'transfer', to: '10086' } } };
  const agent = { name: 'agent', keywords: ['人工'], flow: 'desk' };

  it('takes a handler to another flow heard in a loop as its way out, unless the loop opts out', () => {
    const rules = (more: Record<string, unknown>) => ({
      version: 'v1',
      defaultLine: { flow: 'main' },
      handlers: [agent],
      flows: { main: { start: 'loop', nodes: loop(more) }, desk },
    });
    assert.deepEqual(messages(lintRules(rules({})).errors), []);
    assert.deepEqual(
      lintRules(rules({ handlers: false })).errors.map((e) => e.path),
      ['flows.main.nodes.loop'],
    );
    assert.match(
      lintRules(rules({ handlers: false })).errors[0]?.message ?? '',
      /^no way out: from loop, again/,
    );
  });

  it('reaches a node only a handler leads to, where a node hears it', () => {
    const rules = (more: Record<string, unknown>) => ({
      version: 'v1',
      defaultLine: { flow: 'main' },
      flows: {
        main: {
          start: 'menu',
          handlers: [{ name: 'help', keywords: ['帮助'], goto: 'help' }],
          nodes: {
            menu: { type: 'menu', say: '请按1', keys: { '1': 'bye' }, ...more },
            help: { type: 'hangup', say: '帮助' },
            bye,
          },
        },
      },
    });
    assert.deepEqual(messages(lintRules(rules({})).warnings), []);
    assert.deepEqual(messages(lintRules(rules({ handlers: false })).warnings), [
      "flows.main.nodes.help: no path from the flow's start (menu), nor any handler, leads to this node; link it from another node or remove it",
    ]);
  });

  it('takes a return as a way out, and a subflow node as one when its flow can end the call', () => {
    const check = (ending: Record<string, unknown>) => ({
      start: 'ask',
      nodes: { ask: { type: 'menu', say: '请按1', keys: { '1': 'end' } }, end: ending },
    });
    const rules = (ending: Record<string, unknown>) => ({
      version: 'v1',
      defaultLine: { flow: 'main' },
      flows: {
        main: {
          start: 'loop',
          nodes: { ...loop(), again: { type: 'subflow', flow: 'check', next: 'loop' } },
        },
        check: check(ending),
      },
    });
    // check ends the call itself (a hangup, or its retries' goodbye): main's loop is left there.
    assert.deepEqual(messages(lintRules(rules(back)).errors), []);
    const returnsOnly = {
      ...rules(back),
      flows: {
        ...rules(back).flows,
        check: {
          ...check(back),
          nodes: {
            ...check(back).nodes,
            ask: onlyTo('end'),
          },
        },
      },
    };
    assert.deepEqual(
      lintRules(returnsOnly).errors.map((e) => e.path),
      ['flows.main.nodes.loop'],
    );
  });
});

describe('describeSavers', () => {
  it('names the linted flow own savers once, by name, and others with their flow', () => {
    const saved = {
      sensitive: false,
      collectedSensitive: false,
      maxBytes: 4,
      once: false,
      savedBy: ['askCard', 'askCard (flow identify)', 'getCard (flow lookupCard)'],
    };
    assert.deepEqual(describeSavers(saved, 'identify'), ['askCard', 'getCard (flow lookupCard)']);
    assert.deepEqual(describeSavers(saved, 'main'), saved.savedBy);
  });
});
