import type { ClassifyAnswer } from '../classify/classify-types';
import { buildLookupRequest } from '../lookup/lookup-request';
import type { LookupAnswer } from '../lookup/lookup-types';
import { readSavedValues } from '../lookup/saved-values';
import type { PromptItem } from '../protocol/call-settings';
import type { EventAction } from '../protocol/reply-actions';
import { findLookup } from '../rules/lookup-checks';
import { findRetryPolicy, type NodeType, type RetryKind } from '../rules/node-types';
import type {
  CollectNode,
  Flow,
  FlowNode,
  ListeningNode,
  LookupNode,
  MenuNode,
  ReturnNode,
  SubflowNode,
  TransferNode,
} from '../rules/rules-schema';
import { splitBranchName, splitTotal } from '../rules/split-shares';
import { type CallFrame, type CallPhase, MAX_CALL_DEPTH } from '../state/state-token';
import { normaliseSpeech, readSpokenKey } from '../text/normalise-speech';
import type { CallContext } from './call-context';
import { chooseSplitBranch } from './choose-split';
import {
  type Asked,
  askClassifier,
  classifierAt,
  hasWordsLeft,
  intentId,
  readVerdict,
  wordsForModel,
} from './classify-menu';
import { type ClassifyNeed, FlowError, type FlowEvent, type LookupNeed, type Position } from './decision';
import { DEFAULT_GOODBYE, MAX_KEY_ENTRY_CHARS, MAX_UTTERANCE_CHARS } from './flow-limits';
import { hearHandlers, takeHandlerNamed } from './handlers';
import { findDoubt, matchIntents } from './match-intents';
import { renderPrompt } from './render-prompt';
import {
  branchTaken,
  countedDigits,
  intentExcluded,
  lookupAnswered,
  lookupFailed,
  lookupUnusable,
  lookupWaiting,
  retriesUsedUp,
  splitTaken,
  subflowReturned,
} from './trace-phrases';

/**
 * What each node type does, in one table: what entering it leads to, what it makes of the caller's input
 * (nodes that listen), what it makes of a lookup's answer (nodes that look up). Each returns a
 * {@link Step}; the advance loop (advance.ts) follows steps from node to node and renders the last.
 */

/** Where a node leads, for the advance loop. `say` is spoken first, in the same reply. */
export type Step = { readonly say?: readonly PromptItem[] } & (
  | {
      /** Enter `target`; a retry enters the same node again, counting one more of its kind. */
      readonly kind: 'goto';
      readonly target: string;
      readonly retry?: RetryKind;
      /** Values saved on the way (a collect node's digits, a lookup's answer). */
      readonly vars?: Readonly<Record<string, string>>;
      /** The flow of `target`, when the call moves to another flow (a subflow, a return, a handler). */
      readonly flow?: string;
      /** The subflow nodes the call is inside from now on, when that changes. */
      readonly stack?: readonly CallFrame[];
      /** Values dropped on the way: those of the flows the call leaves. */
      readonly drop?: readonly string[];
      /** The node's retry counts stand (a handler's repeat), where any other move starts them again. */
      readonly keepCounts?: true;
    }
  /** Play what was said and wait for the caller at this node. */
  | { readonly kind: 'listen'; readonly node: ListeningNode }
  | { readonly kind: 'transfer'; readonly number: string }
  | {
      readonly kind: 'parallel';
      readonly ccName: string;
      readonly monitor: boolean;
      readonly playfile: string | undefined;
    }
  /** End the call: the goodbye said so far plays (then `hangup` on the next event), or `hangup` now. */
  | { readonly kind: 'end' }
  /** Ask the edge for a lookup's answer, or a language model's verdict. */
  | { readonly kind: 'need'; readonly need: LookupNeed | ClassifyNeed }
  /** A lookup's answer is slow: play what was said (the filler) and wait for the next event. */
  | { readonly kind: 'hold'; readonly attempts: number }
  /** Answer with `action` at once; the state stays, moves to `phase`, or ends (`none`). */
  | { readonly kind: 'reply'; readonly action: EventAction; readonly phase?: CallPhase | 'none' }
);

/** The node a call is at, with its flow. */
export type Here = { readonly flowName: string; readonly flow: Flow; readonly at: Position };

/** Input a listening node hears. */
export type HeardEvent = Extract<FlowEvent, { type: 'mute' | 'dtmf' | 'normal' }>;

type NodeOf<T extends NodeType> = Extract<FlowNode, { readonly type: T }>;

type Behaviour<N extends FlowNode> = {
  /** What entering the node leads to. */
  readonly enter: (ctx: CallContext, node: N, here: Here) => Step;
  /** What the node makes of the caller's input (nodes that listen). */
  readonly hear?: (ctx: CallContext, node: N, here: Here, event: HeardEvent) => Step;
  /** What the node makes of a lookup's answer (nodes that look up). */
  readonly answer?: (ctx: CallContext, node: N, here: Here, answer: LookupAnswer) => Step;
  /** What the node makes of a language model's verdict (menus that asked one). */
  readonly classified?: (ctx: CallContext, node: N, here: Here, answer: ClassifyAnswer, asked: Asked) => Step;
};

const NODE_BEHAVIOUR: { readonly [T in NodeType]: Behaviour<NodeOf<T>> } = {
  say: {
    enter: (ctx, node) => ({ kind: 'goto', target: node.next, say: renderPrompt(node.say, ctx) }),
  },
  branch: {
    enter: (ctx, node) => {
      const index = node.branches.findIndex((branch) => ctx.holds(branch.when));
      const target = node.branches[index]?.goto ?? node.else;
      // The branch's path (`branches.0`), so that a trace tells branches with one target apart.
      ctx.note(branchTaken(index, target));
      return { kind: 'goto', target };
    },
  },
  split: {
    enter: (ctx, node, here) => {
      const index = chooseSplitBranch(
        ctx.callId,
        here.flowName,
        here.at.state.node,
        node.branches.map((branch) => branch.weight),
      );
      const branch = node.branches[index] ?? node.branches[0];
      if (branch === undefined) throw new FlowError(`split ${here.at.state.node} has no branches`);
      ctx.note(
        splitTaken(
          here.at.state.node,
          splitBranchName(node, index),
          branch.weight,
          splitTotal(node),
          branch.goto,
        ),
      );
      return { kind: 'goto', target: branch.goto };
    },
  },
  menu: { enter: listen, hear: hearMenu, classified: takeVerdict },
  collect: { enter: listen, hear: hearCollect },
  transfer: {
    enter: (ctx, node, here) => {
      const say = node.say === undefined ? [] : renderPrompt(node.say, ctx);
      const number = chooseTransferTarget(ctx, node);
      if (number !== undefined) return { kind: 'transfer', number, say };
      ctx.note('no transfer target → goodbye');
      return { kind: 'end', say: [...say, ...goodbyeOf(ctx, here.flow)] };
    },
  },
  parallelTransfer: {
    enter: (_ctx, node) => ({
      kind: 'parallel',
      ccName: node.ccName,
      monitor: node.monitor,
      playfile: node.playfile,
    }),
  },
  hangup: {
    enter: (ctx, node) => ({ kind: 'end', say: node.say === undefined ? [] : renderPrompt(node.say, ctx) }),
  },
  lookup: { enter: needLookup, answer: answerLookup },
  subflow: { enter: callSubflow },
  return: { enter: returnFromSubflow },
};

/** The behaviour of a node's type, typed for that node. */
export function behaviourOf(node: FlowNode): Behaviour<FlowNode> {
  return NODE_BEHAVIOUR[node.type] as Behaviour<FlowNode>;
}

// --------------------------------------------------------------------------------------------------
// Listening nodes
// --------------------------------------------------------------------------------------------------

function listen(ctx: CallContext, node: ListeningNode): Step {
  return { kind: 'listen', node, say: renderPrompt(node.say, ctx) };
}

/**
 * What of an utterance the engine reads: its first {@link MAX_UTTERANCE_CHARS} characters. ASR sends a
 * sentence; a longer text is hostile or broken, and the rules' own patterns must never run on it whole.
 */
function heardWords(words: string): string {
  return words.length > MAX_UTTERANCE_CHARS ? words.slice(0, MAX_UTTERANCE_CHARS) : words;
}

/** What of a key entry the engine reads: its first {@link MAX_KEY_ENTRY_CHARS} keys (collect takes 32 at most). */
function heardKeys(keys: string): string {
  return keys.length > MAX_KEY_ENTRY_CHARS ? keys.slice(0, MAX_KEY_ENTRY_CHARS) : keys;
}

function hearMenu(ctx: CallContext, node: MenuNode, here: Here, event: HeardEvent): Step {
  switch (event.type) {
    case 'mute':
      return retry(ctx, node, here, 'noInput', 'silence');
    case 'dtmf': {
      const digits = heardKeys(event.content.dtmf_digits).replace(/#$/, '');
      if (digits === '' || digits === 'noInputTimeout')
        return retry(ctx, node, here, 'noInput', 'no key in time');
      const target = findKey(node, digits);
      const shown = digits.length === 1 ? digits : `${digits.length} keys`;
      if (target !== undefined) return matchedAt(ctx, target, `key ${shown}`, `key ${shown}`);
      const handled = digits.length === 1 ? hearHandlers(ctx, node, here, { key: digits }) : undefined;
      return handled ?? retry(ctx, node, here, 'noMatch', `key ${shown} is not on the menu`);
    }
    case 'normal': {
      const heard = heardWords(event.content.words);
      const words = normaliseSpeech(heard);
      if (words === '') return retry(ctx, node, here, 'noInput', 'empty utterance');
      // Priority: a spoken key, then the intents in order; within an intent, keywords then patterns.
      const spokenKey = readSpokenKey(words);
      const keyTarget = spokenKey === undefined ? undefined : findKey(node, spokenKey);
      if (keyTarget !== undefined)
        return matchedAt(ctx, keyTarget, `spoken key ${spokenKey}`, `spoken key ${spokenKey}`);
      const matchers = ctx.compiled.intents.get(`${here.flowName}/${here.at.state.node}`) ?? [];
      // What an exclude voided for these words is never offered to the classifier either.
      const voided: number[] = [];
      const match = matchIntents(matchers, words, (index, exclude) => {
        voided.push(index);
        ctx.note(intentExcluded(intentId(node, index), exclude));
      });
      const excluded = voided.map((index) => intentId(node, index));
      const classifier = classifierAt(ctx, node, here);
      if (match !== undefined) {
        // A doubtful keyword match (said in the negative, or beside another intent's keyword) is asked
        // about, when the document says so; the match stands on any failure.
        const doubt = classifier?.doubtful === true ? findDoubt(matchers, words, match, voided) : undefined;
        if (classifier !== undefined && doubt !== undefined) {
          ctx.note(`intent ${intentId(node, match.index)} (${match.why}) is doubtful: ${doubt}`);
          const asked = {
            kind: 'doubtful',
            intent: match.index,
            why: match.why,
            ...listed(excluded),
          } as const;
          const sent = wordsForModel(heard);
          return { kind: 'need', need: askClassifier(ctx, classifier, node, here, sent, asked) };
        }
        return matchIntent(ctx, node, match.index, match.why);
      }
      // A handler's keys, spoken or pressed, are heard only at a menu that takes keys.
      const handlerKey = takesKeys(node) ? spokenKey : undefined;
      const handled = hearHandlers(
        ctx,
        node,
        here,
        handlerKey === undefined ? { words } : { words, spokenKey: handlerKey },
        (name) => excluded.push(name),
      );
      if (handled !== undefined) return handled;
      const sent = classifier === undefined ? undefined : wordsForModel(heard);
      if (classifier !== undefined && sent !== undefined && hasWordsLeft(sent)) {
        const asked = { kind: 'nomatch', ...listed(excluded) } as const;
        return { kind: 'need', need: askClassifier(ctx, classifier, node, here, sent, asked) };
      }
      return retry(ctx, node, here, 'noMatch', 'utterance matched nothing');
    }
  }
}

/** `{excluded}` when anything was, else nothing: the paused decision stays as small as it can. */
function listed(excluded: readonly string[]): { readonly excluded?: readonly string[] } {
  return excluded.length === 0 ? {} : { excluded: [...excluded] };
}

function matchedAt(ctx: CallContext, target: string, what: string, why: string): Step {
  ctx.note(`${why} → ${target}`);
  ctx.facts.matched = what;
  ctx.outcome('matched');
  return { kind: 'goto', target };
}

function matchIntent(ctx: CallContext, node: MenuNode, index: number, why: string): Step {
  const intent = node.intents?.[index];
  if (intent === undefined) throw new FlowError(`menu has no intent ${index}`);
  const name = intentId(node, index);
  return matchedAt(ctx, intent.goto, `intent ${name}`, `intent ${name} (${why})`);
}

/**
 * A menu's classification: the intent or handler it chose, else what the words came to without it (the
 * doubtful keyword match, or the no-match retry).
 */
function takeVerdict(
  ctx: CallContext,
  node: MenuNode,
  here: Here,
  answer: ClassifyAnswer,
  asked: Asked,
): Step {
  const verdict = readVerdict(ctx, node, here, answer, asked);
  if (verdict.kind === 'intent') return matchIntent(ctx, node, verdict.index, verdict.why);
  if (verdict.kind === 'handler') {
    const handled = takeHandlerNamed(ctx, node, here, verdict.name, verdict.why);
    if (handled !== undefined) return handled;
  }
  if (asked.kind === 'doubtful')
    return matchIntent(ctx, node, asked.intent, 'keyword, the classifier not overruling it');
  return retry(ctx, node, here, 'noMatch', 'utterance matched nothing');
}

function hearCollect(ctx: CallContext, node: CollectNode, here: Here, event: HeardEvent): Step {
  let digits: string;
  switch (event.type) {
    case 'mute':
      return retry(ctx, node, here, 'noInput', 'silence');
    case 'dtmf':
      digits = heardKeys(event.content.dtmf_digits);
      if (digits === 'noInputTimeout') digits = '';
      if (node.endKey !== undefined && digits.endsWith(node.endKey)) digits = digits.slice(0, -1);
      break;
    case 'normal': {
      // Words a handler's keywords or patterns match are the handler's, numerals and all ("再说一遍" is
      // 再说1遍 once normalised); a handler's keys are never heard here, where digits are the caller's data.
      const words = normaliseSpeech(heardWords(event.content.words));
      const handled = words === '' ? undefined : hearHandlers(ctx, node, here, { words });
      if (handled !== undefined) return handled;
      // Digits read out ("一三八…", "幺二三") count as keys; anything else in the utterance is ignored.
      digits = words.replace(/[^0-9]/g, '');
      break;
    }
  }
  if (digits === '') return retry(ctx, node, here, 'noInput', 'no digits');
  // Collected digits never reach the trace (and so the logs): card and phone numbers are personal data.
  const shown = countedDigits(digits.length);
  const fits =
    /^[0-9*#]+$/.test(digits) &&
    digits.length >= node.minDigits &&
    digits.length <= node.maxDigits &&
    (node.pattern === undefined || ctx.pattern(node.pattern).test(digits));
  if (!fits) return retry(ctx, node, here, 'noMatch', `${shown} do not fit`);
  ctx.note(`collected ${node.saveAs} (${shown}) → ${node.next}`);
  ctx.facts.matched = `collected ${node.saveAs}`;
  ctx.outcome('matched');
  return { kind: 'goto', target: node.next, vars: { [node.saveAs]: digits } };
}

/** Handles no-input and no-match: ask again with the next wording, or escalate when retries run out. */
function retry(ctx: CallContext, node: ListeningNode, here: Here, kind: RetryKind, why: string): Step {
  const { policy } = findRetryPolicy(node, here.flow, kind);
  const { state } = here.at;
  const attempt = state[kind] + 1;
  ctx.facts.retry = { kind, count: attempt };
  if (attempt <= policy.retries) {
    ctx.note(`${why} → ${kind} retry ${attempt}/${policy.retries}`);
    ctx.outcome(kind === 'noInput' ? 'no-input' : 'no-match');
    const wordings = policy.say ?? [];
    const wording = wordings[Math.min(attempt, wordings.length) - 1];
    return {
      kind: 'goto',
      target: state.node,
      retry: kind,
      say: wording === undefined ? [] : renderPrompt(wording, ctx),
    };
  }
  ctx.outcome('escalated');
  if (policy.escalateTo === undefined) {
    ctx.note(retriesUsedUp(why, kind, 'goodbye'));
    return endCall(ctx, here.flow);
  }
  ctx.note(retriesUsedUp(why, kind, policy.escalateTo));
  return { kind: 'goto', target: policy.escalateTo };
}

// --------------------------------------------------------------------------------------------------
// Lookups
// --------------------------------------------------------------------------------------------------

function needLookup(ctx: CallContext, node: LookupNode, here: Here): Step {
  const lookup = findLookup(ctx.compiled.rules.lookups, node.use);
  if (lookup === undefined) throw new FlowError(`no lookup is named ${node.use}`);
  const { state } = here.at;
  const attemptsSoFar = state.phase === 'waiting' ? state.attempts : 0;
  const built = buildLookupRequest(node.use, lookup, { caller: ctx.caller, vars: state.vars });
  if (!built.ok) {
    // A value that would move the request (a path segment of `..`): never sent, a failure like any other.
    return answerLookup(ctx, node, here, { kind: 'failed', why: built.why, attempts: attemptsSoFar });
  }
  return {
    kind: 'need',
    need: {
      type: 'lookup',
      request: built.request,
      attemptsSoFar,
      maxAttempts: lookup.attempts,
      waitMs: lookup.waitMs,
    },
  };
}

function answerLookup(ctx: CallContext, node: LookupNode, here: Here, answer: LookupAnswer): Step {
  ctx.facts.lookups ??= [];
  const lookups = ctx.facts.lookups;
  switch (answer.kind) {
    case 'waiting': {
      lookups.push({ use: node.use, outcome: 'waiting', attempts: answer.attempts });
      ctx.outcome('lookup-waiting');
      // The filler is said once, on the first wait; later waits are a short silence.
      const first = here.at.state.phase !== 'waiting';
      ctx.note(
        lookupWaiting(
          node.use,
          answer.attempts,
          first && node.filler !== undefined ? 'filler' : 'short silence',
        ),
      );
      const say = first && node.filler !== undefined ? renderPrompt(node.filler, ctx) : [];
      return { kind: 'hold', attempts: answer.attempts, say };
    }
    case 'failed': {
      const why = answer.status === undefined ? answer.why : `${answer.why} ${answer.status}`;
      lookups.push({
        use: node.use,
        outcome: 'failed',
        why: answer.why,
        attempts: answer.attempts,
        ...(answer.status === undefined ? {} : { status: answer.status }),
      });
      ctx.outcome('lookup-failed');
      ctx.note(lookupFailed(node.use, why, answer.attempts, node.onError));
      return { kind: 'goto', target: node.onError };
    }
    case 'ok': {
      const saved = readSavedValues(node.save, answer.data);
      if (!saved.ok) {
        lookups.push({
          use: node.use,
          outcome: 'failed',
          why: `${saved.why} ${saved.field}`,
          attempts: answer.attempts,
        });
        ctx.outcome('lookup-failed');
        ctx.note(lookupUnusable(node.use, saved.field, saved.why, node.onError));
        return { kind: 'goto', target: node.onError };
      }
      const sensitive = Object.entries(node.save ?? {})
        .filter(([, field]) => field.sensitive === true)
        .map(([name]) => name);
      lookups.push({
        use: node.use,
        outcome: 'ok',
        attempts: answer.attempts,
        values: saved.values,
        ...(sensitive.length === 0 ? {} : { sensitive }),
      });
      ctx.outcome('lookup-ok');
      const names = Object.keys(saved.values);
      ctx.note(lookupAnswered(node.use, names, node.next));
      return { kind: 'goto', target: node.next, vars: saved.values };
    }
  }
}

// --------------------------------------------------------------------------------------------------
// Subflows
// --------------------------------------------------------------------------------------------------

function callSubflow(ctx: CallContext, node: SubflowNode, here: Here): Step {
  const stack = here.at.state.stack ?? [];
  if (stack.length >= MAX_CALL_DEPTH) {
    throw new FlowError(
      `flow ${node.flow} would run ${stack.length + 1} subflows deep, more than the ${MAX_CALL_DEPTH} a call's state holds`,
    );
  }
  const called = ctx.flowNamed(node.flow);
  return {
    kind: 'goto',
    flow: node.flow,
    target: called.start,
    stack: [...stack, { flow: here.flowName, node: here.at.state.node }],
  };
}

/**
 * Back to the node that called this flow, at its `next` or the exit named, with this flow's own values
 * dropped. A return with nowhere to go (a flow run as a line's, which the linter refuses) ends the call.
 */
function returnFromSubflow(ctx: CallContext, node: ReturnNode, here: Here): Step {
  const say = node.say === undefined ? [] : renderPrompt(node.say, ctx);
  const stack = here.at.state.stack ?? [];
  const frame = stack.at(-1);
  if (frame === undefined) {
    ctx.note(`flow ${here.flowName} was not called by a subflow node → goodbye`);
    return { kind: 'end', say: [...say, ...goodbyeOf(ctx, here.flow)] };
  }
  const caller = ctx.flowNamed(frame.flow).nodes[frame.node];
  if (caller?.type !== 'subflow') throw new FlowError(`node ${frame.flow}/${frame.node} calls no flow`);
  const target = node.exit === undefined ? caller.next : caller.exits?.[node.exit];
  if (target === undefined) throw new FlowError(`node ${frame.flow}/${frame.node} has no exit ${node.exit}`);
  ctx.note(subflowReturned(node.exit, frame.flow, frame.node, target));
  const drop = ctx.compiled.dropsOnLeavingFlow.get(here.flowName);
  return {
    kind: 'goto',
    flow: frame.flow,
    target,
    stack: stack.slice(0, -1),
    say,
    ...(drop === undefined ? {} : { drop }),
  };
}

// --------------------------------------------------------------------------------------------------
// Shared
// --------------------------------------------------------------------------------------------------

/** The flow's goodbye, as said when the flow ends a call itself. */
export function goodbyeOf(ctx: CallContext, flow: Flow): PromptItem[] {
  return renderPrompt(flow.goodbye ?? DEFAULT_GOODBYE, ctx);
}

/** Ends the call politely: the flow's goodbye now, `hangup` on the next event. */
export function endCall(ctx: CallContext, flow: Flow): Step {
  return { kind: 'end', say: goodbyeOf(ctx, flow) };
}

/** The first transfer target whose condition holds (or that has none), else `to`. */
export function chooseTransferTarget(ctx: CallContext, node: TransferNode): string | undefined {
  const target = node.targets?.find((t) => t.when === undefined || ctx.holds(t.when));
  return target?.to ?? node.to;
}

/** The node a menu key leads to; own keys only (`constructor` is not a key). */
export function findKey(node: MenuNode, key: string): string | undefined {
  return node.keys !== undefined && Object.hasOwn(node.keys, key) ? node.keys[key] : undefined;
}

/** Whether a listening node collects keys (and so needs a `dtmf` reply to hear them). */
export function takesKeys(node: ListeningNode): boolean {
  return node.type === 'collect' || (node.keys !== undefined && Object.keys(node.keys).length > 0);
}
