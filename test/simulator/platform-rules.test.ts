/**
 * The platform's rules the simulator models (dev/simulator/platform-rules.ts) against their list in
 * docs/simulator-rules.md: the same ids, in the same order, each linking the section of docs/reference/protocol.md
 * the code names, every message naming its rule; and what each reply does to what is delivered next.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CallerAction, TurnOutcome } from '../../dev/simulator/call';
import {
  CALL_START,
  callOverMessage,
  nextPlatformState,
  PLATFORM_RULES,
  type PlatformRuleId,
  type PlatformState,
  refuseAction,
  ruleTag,
  takeEntry,
} from '../../dev/simulator/platform-rules';
import { ROOT } from '../support/fc-event';

const doc = readFileSync(join(ROOT, 'docs', 'simulator-rules.md'), 'utf8');
const protocol = readFileSync(join(ROOT, 'docs', 'reference', 'protocol.md'), 'utf8');

/** The anchors of a Markdown file's headings, as GitHub makes them (a repeated one gets -1, -2, …). */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, heading = ''] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The table's rows: the id and the protocol.md anchor its source links. */
const rows = [...doc.matchAll(/^\| `([\w-]+)` \|.*\]\(reference\/protocol\.md#([^)]+)\) \|$/gm)].map(
  (match) => ({
    id: match[1] ?? '',
    source: match[2] ?? '',
  }),
);

/** A reply as the simulator reads it. */
function reply(fields: Partial<TurnOutcome> & Pick<TurnOutcome, 'action'>): TurnOutcome {
  return { event: 'normal', status: 200, texts: [], audio: [], stateChars: 0, ...fields };
}

const MENU = reply({ action: 'dtmf', texts: ['按1'], keys: { max: 1, timeoutS: 5 }, bargeIn: true });
/** A lookup's short silence: a play with nothing to play, and the mute after a second. */
const HOLD = reply({ action: 'play', muteTimeMs: 1000 });
const GREETING = reply({ action: 'answer', texts: ['您好', '按1'], bargeIn: true });
const after = (...steps: [string, TurnOutcome][]): PlatformState =>
  steps.reduce((state, [event, outcome]) => nextPlatformState(state, event, outcome), CALL_START);

describe('the platform rules the simulator models', () => {
  it('are listed in docs/simulator-rules.md, one row each, in the order of the code', () => {
    assert.deepEqual(
      rows.map((row) => row.id),
      Object.keys(PLATFORM_RULES),
    );
  });

  it('each link the section of docs/reference/protocol.md the code names, and that section exists', () => {
    const anchors = anchorsOf(protocol);
    for (const row of rows) {
      assert.equal(row.source, PLATFORM_RULES[row.id as PlatformRuleId].source, row.id);
      assert.ok(
        anchors.has(row.source),
        `docs/reference/protocol.md has no section #${row.source} (rule ${row.id})`,
      );
    }
  });

  it('name their rule in every message that applies one; the others hold by how calls are sent', () => {
    const actions: CallerAction[] = [
      { kind: 'keys', keys: '12' },
      { kind: 'keys', keys: '1' },
      { kind: 'keyTimeout' },
      { kind: 'bargeIn' },
      { kind: 'transferResult', status: 'fail' },
    ];
    const states = [
      CALL_START,
      after(['callin', GREETING]),
      after(['normal', MENU]),
      after(['normal', MENU], ['dtmf', HOLD]),
    ];
    const named = new Set<string>();
    for (const state of states)
      for (const action of actions) {
        const refusal = refuseAction(state, action, 'scenario');
        if (refusal === undefined) continue;
        assert.ok(refusal.message.endsWith(ruleTag(refusal.rule)), refusal.message);
        named.add(refusal.rule);
      }
    assert.ok(callOverMessage('hangup').endsWith(ruleTag('call-over')));
    named.add('call-over');
    const byConstruction = Object.entries(PLATFORM_RULES)
      .filter(([, rule]) => 'byConstruction' in rule)
      .map(([id]) => id);
    assert.deepEqual([...named, ...byConstruction].sort(), Object.keys(PLATFORM_RULES).sort());
  });
});

describe('what the platform delivers after each reply', () => {
  it('collects no keys during the callin greeting, and keys once a dtmf reply asks for them', () => {
    const greeted = after(['callin', GREETING]);
    assert.equal(refuseAction(greeted, { kind: 'keys', keys: '1' }, 'scenario')?.rule, 'keys-armed');
    assert.equal(refuseAction(greeted, { kind: 'say', words: '人工' }, 'scenario'), undefined);
    const armed = after(['callin', GREETING], ['mute', MENU]);
    assert.equal(refuseAction(armed, { kind: 'keys', keys: '1' }, 'scenario'), undefined);
    assert.equal(refuseAction(armed, { kind: 'keyTimeout' }, 'scenario'), undefined);
  });

  it('ends a collection with its entry, or with a reply that sets another action; break and donothing keep it', () => {
    const armed = after(['normal', MENU]);
    const entered = nextPlatformState(armed, 'dtmf', reply({ action: 'donothing' }));
    assert.equal(entered.collecting, undefined);
    assert.notEqual(nextPlatformState(armed, 'timebreak', reply({ action: 'break' })).collecting, undefined);
    assert.notEqual(nextPlatformState(armed, 'normal', reply({ action: 'donothing' })).collecting, undefined);
    const played = nextPlatformState(armed, 'normal', reply({ action: 'play', texts: ['请说'] }));
    assert.equal(played.collecting, undefined);
  });

  it('takes one entry: up to its end key, at most its most keys', () => {
    assert.equal(takeEntry('583920#1', { max: 7, endKey: '#' }), '583920#');
    assert.equal(takeEntry('12', { max: 1 }), '1');
    assert.equal(takeEntry('6218', { max: 4 }), '6218');
  });

  it('lets the caller talk over a prompt that allows it, not one played to the end nor a stopped one', () => {
    assert.equal(refuseAction(after(['callin', GREETING]), { kind: 'bargeIn' }, 'scenario'), undefined);
    const goodbye = after(['normal', reply({ action: 'play', texts: ['再见'], bargeIn: false })]);
    assert.match(
      refuseAction(goodbye, { kind: 'bargeIn' }, 'scenario')?.message ?? '',
      /may not be interrupted/,
    );
    const stopped = after(['normal', MENU], ['timebreak', reply({ action: 'break' })]);
    assert.match(
      refuseAction(stopped, { kind: 'bargeIn' }, 'scenario')?.message ?? '',
      /no prompt is playing/,
    );
  });

  it('plays nothing after a play with nothing to play: nothing to talk over, and the mute after mute_time', () => {
    const held = after(['normal', MENU], ['dtmf', HOLD]);
    assert.equal(held.playing, undefined);
    assert.deepEqual(held.silentPlay, { muteTimeMs: 1000 });
    const refusal = refuseAction(held, { kind: 'bargeIn' }, 'scenario');
    assert.equal(refusal?.rule, 'silent-play');
    assert.match(refusal?.message ?? '', /nothing plays .*the platform sends mute after 1000 ms of silence/);
    // The caller may still be silent (the mute) or speak; keys are not collected by a play.
    assert.equal(refuseAction(held, { kind: 'silence' }, 'scenario'), undefined);
    assert.equal(refuseAction(held, { kind: 'say', words: '喂' }, 'scenario'), undefined);
    assert.equal(refuseAction(held, { kind: 'keys', keys: '1' }, 'scenario')?.rule, 'keys-armed');
    // A filler plays, uninterrupted: not a silent play.
    const filler = after(['dtmf', reply({ action: 'play', texts: ['请稍候'], bargeIn: false })]);
    assert.equal(filler.silentPlay, undefined);
    assert.equal(refuseAction(filler, { kind: 'bargeIn' }, 'scenario')?.rule, 'barge-in');
  });

  it('reports a transfer result once, after a parallel_transfer reply', () => {
    const started = after(['mute', reply({ action: 'parallel_transfer', transferTo: 'desk' })]);
    const fail: CallerAction = { kind: 'transferResult', status: 'fail' };
    assert.equal(refuseAction(started, fail, 'scenario'), undefined);
    // Speech while it rings changes nothing: the result is still to come.
    const rang = nextPlatformState(started, 'normal', reply({ action: 'donothing' }));
    assert.equal(refuseAction(rang, fail, 'scenario'), undefined);
    const reported = nextPlatformState(rang, 'parallel_transfer', reply({ action: 'donothing' }));
    assert.equal(refuseAction(reported, fail, 'scenario')?.rule, 'transfer-result');
  });
});
