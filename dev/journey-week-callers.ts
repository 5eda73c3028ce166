/**
 * The callers of the week generator (dev/journey-week.ts): who calls examples/bank-card-service.yaml and
 * what they do, step by step, with where each step leaves the call (flow and node), the nodes it passes
 * through on the way (in the order the trace enters them), and what the step is (a key-arming silence, a
 * no-input, a no-match, the one that uses the retries up, a transfer). Written for that document: the
 * generator checks every step against the function's log line, so a script that disagrees with the rules
 * stops the run. Pure, on a seeded random.
 */
import type { CallerAction } from './simulator/call';
import type { ScriptedAnswer } from './simulator/lookup-script';

/** A node as `flow/node`. */
export type NodeKey = string;

/** What a step is, as the log's outcomes say it. */
export type StepKind = 'keyArming' | 'noInput' | 'noMatch';

/** One thing the caller (or the platform, for a transfer's result) does, and what it must come to. */
export type ScriptStep = {
  /** The event: `callin` opens the call. */
  readonly action: CallerAction | { readonly kind: 'callin' };
  /** The nodes the call enters on this step, in order (a retry re-enters the node it is at). */
  readonly path: readonly NodeKey[];
  /** The reply hangs up (the goodbye played): the call is over, at the node it was at. */
  readonly hangsUp?: true;
  readonly kind?: StepKind;
  /** The retries of `kind` are used up on this step. */
  readonly escalated?: true;
  /** The reply transfers the call (`transfer` or `parallel_transfer`). */
  readonly transfer?: 'transfer' | 'parallel';
  /** A parallel transfer's result came back failed. */
  readonly transferFailed?: true;
  /** Words nothing matched (a no-match of words). */
  readonly utterance?: string;
};

/** How a call's part in our flows ends, as its script knows it. */
export type ScriptEnd = 'transferred' | 'flow' | 'caller';

/** A caller's whole call. */
export type CallScript = {
  readonly persona: Persona;
  readonly steps: readonly ScriptStep[];
  readonly end: ScriptEnd;
  /** How the lookups answer in this call. */
  readonly lookups: ReadonlyMap<string, ScriptedAnswer>;
};

/** Who calls, and how the call opens: the line and flow it reaches. */
export type CallOpening = {
  readonly line: 'service' | 'vip' | 'blocked';
  /** Routed to the after-hours flow by the closed office calendar. */
  readonly afterHours: boolean;
  /** The first node after the greeting split (`main/welcome` or `main/welcomeBrief`), main flow only. */
  readonly greeting: NodeKey;
};

/** Every persona, by the flow it reaches. */
export const OFFICE_PERSONAS = [
  'lostByKeys',
  'lostSpoken',
  'lostWrongPin',
  'lostCheckDown',
  'balanceByKeys',
  'balanceSpoken',
  'balanceFailed',
  'balanceWrongPin',
  'balanceThenAgent',
  'balanceThenMenu',
  'agentConnected',
  'agentBusyWaits',
  'agentBusyGivesUp',
  'noMatchToAgent',
  'noMatchThenChoice',
  'silentToGoodbye',
  'hangUpAtMenu',
  'hangUpInIdentify',
  'cardKeyTimeouts',
  'pinTooShort',
  'cardReentered',
  'repeatThenChoice',
] as const;
export const AFTER_HOURS_PERSONAS = [
  'afterLostKey',
  'afterLostSpoken',
  'afterBye',
  'afterAgentAsked',
  'afterSilent',
  'afterNoMatch',
  'afterHangUp',
] as const;
export const LINE_PERSONAS = ['vip', 'blocked'] as const;
export type Persona =
  | (typeof OFFICE_PERSONAS)[number]
  | (typeof AFTER_HOURS_PERSONAS)[number]
  | (typeof LINE_PERSONAS)[number];
export const PERSONAS: readonly Persona[] = [...OFFICE_PERSONAS, ...AFTER_HOURS_PERSONAS, ...LINE_PERSONAS];

/** How often each persona calls, relative to the others of its group. */
export const PERSONA_WEIGHTS: Readonly<Record<Persona, number>> = {
  lostByKeys: 8,
  lostSpoken: 7,
  lostWrongPin: 2,
  lostCheckDown: 1,
  balanceByKeys: 9,
  balanceSpoken: 9,
  balanceFailed: 2,
  balanceWrongPin: 3,
  balanceThenAgent: 3,
  balanceThenMenu: 3,
  agentConnected: 12,
  agentBusyWaits: 4,
  agentBusyGivesUp: 4,
  noMatchToAgent: 5,
  noMatchThenChoice: 7,
  silentToGoodbye: 4,
  hangUpAtMenu: 8,
  hangUpInIdentify: 4,
  cardKeyTimeouts: 2,
  pinTooShort: 2,
  cardReentered: 2,
  repeatThenChoice: 2,
  afterLostKey: 6,
  afterLostSpoken: 5,
  afterBye: 5,
  afterAgentAsked: 4,
  afterSilent: 3,
  afterNoMatch: 5,
  afterHangUp: 10,
  vip: 2,
  blocked: 1,
};

/** Words the menus understand, as callers put them (no digits: those are masked in the log). */
export const LOST_WORDS = [
  '我的卡丢了',
  '我要挂失',
  '银行卡丢失了',
  '卡被偷了',
  '挂失',
  '我的信用卡找不到了',
];
export const BALANCE_WORDS = ['查余额', '我想查一下余额', '查一下账单', '这个月还款多少', '额度还有多少'];
export const AGENT_WORDS = ['人工', '转人工', '我要人工服务', '找客服', '帮我转接人工'];

/**
 * Words that match nothing at a menu, with how often callers say them: a few very often, so that a top
 * list means something, then a long tail.
 */
export const NO_MATCH_WORDS: readonly (readonly [string, number])[] = [
  ['喂你好', 30],
  ['我想办信用卡', 24],
  ['积分怎么兑换', 18],
  ['怎么开通网银', 14],
  ['喂', 12],
  ['我不要人工', 9],
  ['信用卡怎么注销', 8],
  ['分期怎么办理', 7],
  ['年费怎么收', 6],
  ['我要投诉', 5],
  ['利息怎么算', 4],
  ['密码忘了怎么办', 4],
  ['你是机器人吗', 3],
  ['嗯', 3],
  ['那个', 2],
  ['外汇怎么买', 1],
  ['办卡要带什么', 1],
  ['我的快递到哪了', 1],
];

/** What the card system answers, by what the persona meets. */
const VERIFIED: ScriptedAnswer = {
  kind: 'data',
  data: { data: { verified: true, ticket: 'T-7c1e' } },
  slow: false,
};
const NOT_VERIFIED: ScriptedAnswer = {
  kind: 'data',
  data: { data: { verified: false, ticket: '' } },
  slow: false,
};
const DOWN: ScriptedAnswer = { kind: 'status', status: 503, slow: false };
function balanceAnswer(random: () => number): ScriptedAnswer {
  const available = Math.round(random() * 5_000_000) / 100;
  return { kind: 'data', data: { data: { available, dueDate: '3月25日' } }, slow: false };
}

/** A pick of `items`, evenly. */
export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A pick of weighted items. */
export function pickWeighted<T>(random: () => number, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, weight]) => sum + weight, 0);
  let point = random() * total;
  for (const [item, weight] of items) {
    point -= weight;
    if (point < 0) return item;
  }
  return (items.at(-1) as readonly [T, number])[0];
}

/** Four digits of a card (never a PIN: that is masked whatever it is). */
function card4(random: () => number): string {
  return String(1000 + Math.floor(random() * 9000));
}
function pin(random: () => number): string {
  return `${String(Math.floor(random() * 1_000_000)).padStart(6, '0')}#`;
}

const say = (words: string): CallerAction => ({ kind: 'say', words });
const keys = (pressed: string): CallerAction => ({ kind: 'keys', keys: pressed });
const SILENCE: CallerAction = { kind: 'silence' };
const KEY_TIMEOUT: CallerAction = { kind: 'keyTimeout' };

/** Writes one script, step by step. */
class ScriptWriter {
  readonly steps: ScriptStep[] = [];
  readonly lookups = new Map<string, ScriptedAnswer>();
  end: ScriptEnd = 'caller';

  constructor(readonly random: () => number) {}

  step(
    action: ScriptStep['action'],
    path: readonly NodeKey[],
    more: Omit<ScriptStep, 'action' | 'path'> = {},
  ) {
    this.steps.push({ action, path, ...more });
    if (more.hangsUp === true) this.end = 'flow';
    if (more.transfer === 'transfer') this.end = 'transferred';
  }

  /** The caller hangs up (no event): the call ends where it is. */
  hangUp(): void {
    this.end = 'caller';
  }

  /** The caller hangs up while the goodbye of a reply that ends the call plays: the flow ended it. */
  leaveWhileEnding(): void {
    this.end = 'flow';
  }
}

const MAIN_MENU = 'main/menu';
const AGENT_PATH = ['main/agentIntro', 'main/agentQueue'];
const GOODBYE = 'main/goodbye';

/** The menu's first silence: keys armed. */
function armKeys(w: ScriptWriter, at: NodeKey): void {
  w.step(SILENCE, [at], { kind: 'keyArming' });
}

/** The goodbye heard to its end: the next silence gets the hang-up. */
function goodbyeHeard(w: ScriptWriter): void {
  w.step(SILENCE, [], { hangsUp: true });
}

/** Chooses the lost card (1) or the balance (2) at the main menu, by key or by voice. */
function chooseAtMenu(w: ScriptWriter, what: 'lost' | 'balance', spoken: boolean, armed: boolean): void {
  const path =
    what === 'lost'
      ? ['main/lostIntro', 'main/lostCheck', 'identify/askCard']
      : ['main/balanceInfo', 'main/balanceCheck', 'identify/askCard'];
  if (spoken) {
    w.step(say(pick(w.random, what === 'lost' ? LOST_WORDS : BALANCE_WORDS)), path);
    return;
  }
  if (!armed) armKeys(w, MAIN_MENU);
  w.step(keys(what === 'lost' ? '1' : '2'), path);
}

/** How the PIN check goes, and what the card system says of the balance. */
type CheckOutcome = 'ok' | 'wrongPin' | 'down';

/**
 * From askCard to the end of the identity check: the card's digits, the read-back confirmed, the PIN. A
 * lost card then goes to the desk (transferred); a balance ends at the `more` menu.
 */
function identify(w: ScriptWriter, what: 'lost' | 'balance', check: CheckOutcome, balanceOk = true): void {
  w.lookups.set('verify', check === 'ok' ? VERIFIED : check === 'wrongPin' ? NOT_VERIFIED : DOWN);
  w.lookups.set('balance', balanceOk ? balanceAnswer(w.random) : DOWN);
  w.step(keys(card4(w.random)), ['identify/confirmCard']);
  w.step(w.random() < 0.6 ? keys('1') : say(pick(w.random, ['对的', '是的', '确认', '没错'])), [
    'identify/askPin',
  ]);
  const verified =
    check === 'ok'
      ? ['identify/verifyPin', 'identify/checkPin', 'identify/verified']
      : check === 'wrongPin'
        ? ['identify/verifyPin', 'identify/checkPin', 'identify/wrongPin', 'identify/notVerified']
        : ['identify/verifyPin', 'identify/notVerified'];
  if (what === 'lost') {
    w.step(keys(pin(w.random)), [...verified, 'main/lostDesk'], { transfer: 'transfer' });
    return;
  }
  const after =
    check !== 'ok'
      ? ['main/selfService', 'main/more']
      : balanceOk
        ? ['main/getBalance', 'main/sayBalance', 'main/more']
        : ['main/getBalance', 'main/selfService', 'main/more'];
  w.step(keys(pin(w.random)), [...verified, ...after]);
}

/** At the `more` menu after a balance: done by key or voice, silent to the goodbye, or a hang-up. */
function leaveMore(w: ScriptWriter): void {
  const choice = w.random();
  if (choice < 0.35) {
    w.step(keys('9'), [GOODBYE]);
    goodbyeHeard(w);
  } else if (choice < 0.55) {
    w.step(say(pick(w.random, ['再见', '没有了', '不用了，谢谢'])), [GOODBYE]);
    goodbyeHeard(w);
  } else if (choice < 0.65) {
    w.step(SILENCE, ['main/more'], { kind: 'noInput' });
    w.step(SILENCE, [GOODBYE], { kind: 'noInput', escalated: true });
    goodbyeHeard(w);
  } else {
    w.hangUp();
  }
}

/** The agent's prompt has played: the parallel transfer, then its result. */
function queueForAgent(w: ScriptWriter, connects: boolean): void {
  w.step(SILENCE, [], { transfer: 'parallel' });
  transferResult(w, connects);
}

function transferResult(w: ScriptWriter, connects: boolean): void {
  if (connects) {
    w.step({ kind: 'transferResult', status: 'success' }, []);
    w.end = 'transferred';
  } else {
    w.step({ kind: 'transferResult', status: 'fail' }, ['main/agentBusy'], { transferFailed: true });
  }
}

/** At the busy menu: wait again (and maybe connect), give up by voice or key, go silent, or hang up. */
function atAgentBusy(w: ScriptWriter, givesUp: boolean): void {
  if (!givesUp) {
    w.step(w.random() < 0.7 ? keys('1') : say('我继续等'), ['main/agentQueue'], { transfer: 'parallel' });
    const connects = w.random() < 0.75;
    transferResult(w, connects);
    if (connects) return;
  }
  const choice = w.random();
  if (choice < 0.35) {
    w.step(say(pick(w.random, ['不等了，再见', '不用了', '挂了'])), [GOODBYE]);
    goodbyeHeard(w);
  } else if (choice < 0.6) {
    w.step(keys('9'), [GOODBYE]);
    goodbyeHeard(w);
  } else if (choice < 0.7) {
    w.step(SILENCE, ['main/agentBusy'], { kind: 'noInput' });
    w.step(SILENCE, [GOODBYE], { kind: 'noInput', escalated: true });
    goodbyeHeard(w);
  } else {
    w.hangUp();
  }
}

/** An utterance nothing matches, most often the common ones. */
function noMatchWords(random: () => number): string {
  return pickWeighted(random, NO_MATCH_WORDS);
}

/** Writes the script of one office-hours call to the main menu (the callin included). */
function officeScript(w: ScriptWriter, persona: Persona, opening: CallOpening): void {
  const r = w.random;
  w.step({ kind: 'callin' }, ['main/greeting', opening.greeting, MAIN_MENU]);
  switch (persona) {
    case 'lostByKeys':
    case 'lostSpoken':
      chooseAtMenu(w, 'lost', persona === 'lostSpoken', false);
      identify(w, 'lost', 'ok');
      return;
    case 'lostWrongPin':
    case 'lostCheckDown':
      chooseAtMenu(w, 'lost', r() < 0.5, false);
      identify(w, 'lost', persona === 'lostWrongPin' ? 'wrongPin' : 'down');
      return;
    case 'balanceByKeys':
    case 'balanceSpoken':
      chooseAtMenu(w, 'balance', persona === 'balanceSpoken', false);
      identify(w, 'balance', 'ok');
      leaveMore(w);
      return;
    case 'balanceFailed':
      chooseAtMenu(w, 'balance', r() < 0.5, false);
      identify(w, 'balance', 'ok', false);
      leaveMore(w);
      return;
    case 'balanceWrongPin':
      chooseAtMenu(w, 'balance', r() < 0.5, false);
      identify(w, 'balance', 'wrongPin');
      leaveMore(w);
      return;
    case 'balanceThenAgent':
      chooseAtMenu(w, 'balance', r() < 0.5, false);
      identify(w, 'balance', 'ok');
      w.step(r() < 0.5 ? keys('0') : say(pick(r, AGENT_WORDS)), AGENT_PATH);
      queueForAgent(w, r() < 0.7);
      if (w.end !== 'transferred') atAgentBusy(w, r() < 0.5);
      return;
    case 'balanceThenMenu':
      chooseAtMenu(w, 'balance', r() < 0.5, false);
      identify(w, 'balance', 'ok');
      w.step(r() < 0.6 ? keys('1') : say('返回主菜单'), [MAIN_MENU]);
      if (r() < 0.5) {
        w.step(keys('1'), ['main/lostIntro', 'main/lostCheck', 'identify/askCard']);
        identify(w, 'lost', 'ok');
      } else w.hangUp();
      return;
    case 'agentConnected':
    case 'agentBusyWaits':
    case 'agentBusyGivesUp': {
      if (r() < 0.5) w.step(say(pick(r, AGENT_WORDS)), AGENT_PATH);
      else {
        armKeys(w, MAIN_MENU);
        w.step(keys('0'), AGENT_PATH);
      }
      queueForAgent(w, persona === 'agentConnected');
      if (persona !== 'agentConnected') atAgentBusy(w, persona === 'agentBusyGivesUp');
      return;
    }
    case 'noMatchToAgent': {
      // Two retries, then the third no-match goes to an agent (escalateTo: agentIntro).
      for (let i = 0; i < 2; i++) {
        const words = noMatchWords(r);
        w.step(say(words), [MAIN_MENU], { kind: 'noMatch', utterance: words });
      }
      const words = noMatchWords(r);
      w.step(say(words), AGENT_PATH, { kind: 'noMatch', escalated: true, utterance: words });
      queueForAgent(w, r() < 0.7);
      if (w.end !== 'transferred') atAgentBusy(w, r() < 0.5);
      return;
    }
    case 'noMatchThenChoice': {
      const words = noMatchWords(r);
      w.step(say(words), [MAIN_MENU], { kind: 'noMatch', utterance: words });
      const twice = r() < 0.3;
      if (twice) {
        const again = noMatchWords(r);
        w.step(say(again), [MAIN_MENU], { kind: 'noMatch', utterance: again });
      }
      const next = r();
      if (next < 0.2 && !twice) {
        // A key that is no choice: the keys are armed by the retry's prompt.
        w.step(keys(pick(r, ['5', '7', '8'])), [MAIN_MENU], { kind: 'noMatch' });
        w.step(keys('2'), ['main/balanceInfo', 'main/balanceCheck', 'identify/askCard']);
        identify(w, 'balance', 'ok');
        leaveMore(w);
      } else if (next < 0.55) {
        chooseAtMenu(w, 'lost', r() < 0.5, true);
        identify(w, 'lost', 'ok');
      } else if (next < 0.8) {
        w.step(say(pick(r, AGENT_WORDS)), AGENT_PATH);
        queueForAgent(w, r() < 0.75);
        if (w.end !== 'transferred') atAgentBusy(w, r() < 0.5);
      } else w.hangUp();
      return;
    }
    case 'silentToGoodbye':
      armKeys(w, MAIN_MENU);
      w.step(SILENCE, [MAIN_MENU], { kind: 'noInput' });
      w.step(SILENCE, [MAIN_MENU], { kind: 'noInput' });
      if (r() < 0.3) {
        w.hangUp();
        return;
      }
      w.step(SILENCE, [GOODBYE], { kind: 'noInput', escalated: true });
      goodbyeHeard(w);
      return;
    case 'hangUpAtMenu':
      if (r() < 0.5) armKeys(w, MAIN_MENU);
      w.hangUp();
      return;
    case 'hangUpInIdentify': {
      chooseAtMenu(w, r() < 0.5 ? 'lost' : 'balance', r() < 0.5, false);
      const where = r();
      if (where < 0.4) {
        w.hangUp();
        return;
      }
      w.step(keys(card4(r)), ['identify/confirmCard']);
      if (where > 0.7) w.step(keys('1'), ['identify/askPin']);
      w.hangUp();
      return;
    }
    case 'cardKeyTimeouts': {
      const what = r() < 0.5 ? 'lost' : 'balance';
      chooseAtMenu(w, what, r() < 0.5, false);
      w.step(KEY_TIMEOUT, ['identify/askCard'], { kind: 'noInput' });
      w.step(KEY_TIMEOUT, ['identify/askCard'], { kind: 'noInput' });
      if (what === 'lost') {
        w.step(KEY_TIMEOUT, ['identify/notVerified', 'main/lostDesk'], {
          kind: 'noInput',
          escalated: true,
          transfer: 'transfer',
        });
        return;
      }
      w.step(KEY_TIMEOUT, ['identify/notVerified', 'main/selfService', 'main/more'], {
        kind: 'noInput',
        escalated: true,
      });
      leaveMore(w);
      return;
    }
    case 'pinTooShort':
      chooseAtMenu(w, 'lost', r() < 0.5, false);
      w.lookups.set('verify', VERIFIED);
      w.step(keys(card4(r)), ['identify/confirmCard']);
      w.step(keys('1'), ['identify/askPin']);
      w.step(keys(`${String(Math.floor(r() * 100)).padStart(2, '0')}#`), ['identify/askPin'], {
        kind: 'noMatch',
      });
      w.step(
        keys(pin(r)),
        ['identify/verifyPin', 'identify/checkPin', 'identify/verified', 'main/lostDesk'],
        { transfer: 'transfer' },
      );
      return;
    case 'cardReentered':
      chooseAtMenu(w, 'balance', r() < 0.5, false);
      w.step(keys(card4(r)), ['identify/confirmCard']);
      w.step(r() < 0.5 ? keys('2') : say(pick(r, ['不对', '输错了，重新输入'])), ['identify/askCard']);
      identify(w, 'balance', 'ok');
      leaveMore(w);
      return;
    case 'repeatThenChoice':
      w.step(say(pick(r, ['没听清，再说一遍', '再说一遍'])), [MAIN_MENU]);
      chooseAtMenu(w, r() < 0.5 ? 'lost' : 'balance', false, true);
      w.hangUp();
      return;
    default:
      throw new Error(`${persona} is no persona of the main menu`);
  }
}

const AFTER_MENU = 'afterHours/afterMenu';

/** Writes the script of one after-hours call (the callin included). */
function afterHoursScript(w: ScriptWriter, persona: Persona): void {
  const r = w.random;
  w.step({ kind: 'callin' }, ['afterHours/closedNotice', AFTER_MENU]);
  const bye = () => {
    w.step(SILENCE, [], { hangsUp: true });
  };
  switch (persona) {
    case 'afterLostKey':
      armKeys(w, AFTER_MENU);
      w.step(keys('1'), ['afterHours/emergency'], { transfer: 'transfer' });
      return;
    case 'afterLostSpoken':
      w.step(say(pick(r, ['我的卡丢了', '挂失', '卡被偷了'])), ['afterHours/emergency'], {
        transfer: 'transfer',
      });
      return;
    case 'afterBye':
      if (r() < 0.5) {
        armKeys(w, AFTER_MENU);
        w.step(keys('9'), ['afterHours/bye']);
      } else w.step(say(pick(r, ['再见', '不用了'])), ['afterHours/bye']);
      bye();
      return;
    case 'afterAgentAsked':
      w.step(say(pick(r, AGENT_WORDS)), ['afterHours/closedNotice', AFTER_MENU]);
      if (r() < 0.5) {
        w.step(keys('9'), ['afterHours/bye']);
        bye();
      } else w.hangUp();
      return;
    case 'afterSilent':
      armKeys(w, AFTER_MENU);
      w.step(SILENCE, [AFTER_MENU], { kind: 'noInput' });
      w.step(SILENCE, ['afterHours/bye'], { kind: 'noInput', escalated: true });
      bye();
      return;
    case 'afterNoMatch': {
      const words = noMatchWords(r);
      w.step(say(words), [AFTER_MENU], { kind: 'noMatch', utterance: words });
      if (r() < 0.5) {
        const again = noMatchWords(r);
        w.step(say(again), ['afterHours/bye'], { kind: 'noMatch', escalated: true, utterance: again });
        bye();
      } else w.hangUp();
      return;
    }
    case 'afterHangUp':
      if (r() < 0.3) armKeys(w, AFTER_MENU);
      w.hangUp();
      return;
    default:
      throw new Error(`${persona} is no persona of the after-hours menu`);
  }
}

/** Writes the script of a call by `persona`, opened as `opening` says. */
export function writeScript(persona: Persona, opening: CallOpening, random: () => number): CallScript {
  const w = new ScriptWriter(random);
  if (persona === 'vip') {
    w.step({ kind: 'callin' }, ['vip/vipWelcome', 'vip/vipDesk']);
    w.step(SILENCE, [], { transfer: 'transfer' });
  } else if (persona === 'blocked') {
    w.step({ kind: 'callin' }, ['blocked/refuse']);
    // The refusal on callin ends the call (`ended`), on its next event or when the caller leaves first:
    // either way the flow ended it.
    if (random() < 0.8) w.step(random() < 0.5 ? SILENCE : say('我要挂失'), [], { hangsUp: true });
    else w.leaveWhileEnding();
  } else if (opening.afterHours) afterHoursScript(w, persona);
  else officeScript(w, persona, opening);
  return { persona, steps: w.steps, end: w.end, lookups: w.lookups };
}
