import { type ClassifyAnswer, type ClassifyChoice, NO_CHOICE } from '../classify/classify-types';
import { maskDigitsInText } from '../log/mask';
import { isClassifierOn } from '../rules/classifier-checks';
import type { Classifier, MenuNode } from '../rules/rules-schema';
import type { CallContext } from './call-context';
import type { Asked, ClassifyNeed } from './decision';
import { listHandlersHeard } from './handlers';
import type { Here } from './node-behaviour';
import { classifierAsked, classifierFailed, classifierVerdict } from './trace-phrases';

/**
 * The language-model fallback at a menu: whether it is asked, the choices it is offered (the menu's
 * intents, then the handlers heard there, as the document describes them), and what its answer comes
 * to. The engine only builds the request and reads the answer; the edge sends it, under the guard.
 */

export type { Asked } from './decision';

/** What a classification comes to at a menu: an intent, a handler, or nothing (the call goes on as without it). */
export type Verdict =
  | { readonly kind: 'intent'; readonly index: number; readonly why: string }
  | { readonly kind: 'handler'; readonly name: string; readonly why: string }
  | { readonly kind: 'none' };

/** The document's classifier, when this menu asks it in this call (never on a line that turned it off). */
export function classifierAt(ctx: CallContext, node: MenuNode, here: Here): Classifier | undefined {
  const { rules } = ctx.compiled;
  if (here.at.state.classifierOff === true || !isClassifierOn(rules, here.flow, node)) return undefined;
  return rules.classifier;
}

/**
 * The words as they may leave for the model: what the log keeps (every run of three or more digits
 * masked), less control and format characters, which no caller says.
 */
export function wordsForModel(words: string): string {
  return maskDigitsInText(words)
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .trim();
}

/**
 * Whether words ready for the model ({@link wordsForModel}) are worth its time: something is left but
 * masked digits and punctuation (a card number read out at a menu is `****`, of which it can make nothing).
 */
export function hasWordsLeft(sent: string): boolean {
  return /[^\s*\p{P}\p{S}]/u.test(sent);
}

/** An intent's id for the model: its name, or its position (the linter asks for a name). */
export function intentId(node: MenuNode, index: number): string {
  return node.intents?.[index]?.name ?? String(index);
}

/**
 * The choices offered at a menu, in order: its intents, then the handlers it hears (one with an intent's
 * name is left out: the intent is what the menu means by it), less those an exclude voided for these
 * words (`不是挂失` is not 挂失, whatever a model makes of it).
 */
export function offerChoices(
  ctx: CallContext,
  node: MenuNode,
  here: Here,
  excluded: readonly string[] = [],
): readonly ClassifyChoice[] {
  const intents: ClassifyChoice[] = (node.intents ?? []).map((intent, index) => ({
    id: intentId(node, index),
    kind: 'intent',
    ...describe(intent),
  }));
  const ids = new Set(intents.map((choice) => choice.id));
  const handlers: ClassifyChoice[] = listHandlersHeard(ctx.compiled.handlers, node, here.flowName)
    .filter(({ handler }) => !ids.has(handler.name))
    .map(({ handler }) => ({ id: handler.name, kind: 'handler', ...describe(handler) }));
  return [...intents, ...handlers].filter((choice) => !excluded.includes(choice.id));
}

function describe(hints: {
  readonly description?: string | undefined;
  readonly keywords?: readonly string[] | undefined;
  readonly examples?: readonly string[] | undefined;
}): Omit<ClassifyChoice, 'id' | 'kind'> {
  return {
    ...(hints.description === undefined ? {} : { description: hints.description }),
    ...(hints.keywords === undefined ? {} : { keywords: hints.keywords }),
    ...(hints.examples === undefined ? {} : { examples: hints.examples }),
  };
}

/** The need that asks the classifier about `sent`, the words as {@link wordsForModel} gives them. */
export function askClassifier(
  ctx: CallContext,
  classifier: Classifier,
  node: MenuNode,
  here: Here,
  sent: string,
  asked: Asked,
): ClassifyNeed {
  ctx.note(classifierAsked(asked.kind === 'doubtful' ? intentId(node, asked.intent) : undefined));
  return {
    type: 'classify',
    asked,
    waitMs: classifier.waitMs,
    request: {
      utterance: sent,
      choices: offerChoices(ctx, node, here, asked.excluded),
      endpoint: classifier.endpoint,
      model: classifier.model,
      apiKeyEnv: classifier.apiKeyEnv,
      maxTokens: classifier.maxTokens,
      maxBytes: classifier.maxBytes,
    },
    guard: { ...classifier.guard, prices: classifier.prices },
  };
}

/**
 * What an answer comes to at the menu that asked: a choice it offered at or over the threshold, or none
 * (with the reason in the trace, the facts and the outcome). A choice it did not offer is refused here
 * too, whatever the edge checked.
 */
export function readVerdict(
  ctx: CallContext,
  node: MenuNode,
  here: Here,
  answer: ClassifyAnswer,
  asked: Asked,
): Verdict {
  const classifier = ctx.compiled.rules.classifier;
  const base = { asked: asked.kind, ms: Math.round(answer.ms) } as const;
  if (answer.kind === 'failed' || classifier === undefined) {
    const why = answer.kind === 'failed' ? answer.why : 'unsendable';
    ctx.facts.classified = { ...base, why, taken: false };
    ctx.note(classifierFailed(why, answer.ms));
    ctx.outcome('classifier-failed');
    return { kind: 'none' };
  }
  const { choice, confidence, usage } = answer;
  const tokens =
    usage === undefined ? {} : { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens };
  const choices = offerChoices(ctx, node, here, asked.excluded);
  const offered = choices.find((c) => c.id === choice);
  const why =
    choice === NO_CHOICE
      ? 'none'
      : offered === undefined
        ? 'off-list'
        : confidence < classifier.threshold
          ? 'below-threshold'
          : undefined;
  // A choice never offered is the provider's text, not a name of the document: it is not logged.
  const shown = offered === undefined && choice !== NO_CHOICE ? '(not-offered)' : choice;
  const record = { ...base, choice: shown, confidence, ...tokens };
  ctx.note(classifierVerdict(shown, confidence, answer.ms, why));
  if (why !== undefined || offered === undefined) {
    ctx.facts.classified = { ...record, why: why ?? 'off-list', taken: false };
    ctx.outcome(why === 'off-list' ? 'classifier-failed' : 'classifier-none');
    return { kind: 'none' };
  }
  ctx.facts.classified = { ...record, taken: true };
  ctx.outcome('classified');
  const because = `classifier ${confidence.toFixed(2)}`;
  if (offered.kind === 'handler') return { kind: 'handler', name: offered.id, why: because };
  const index = (node.intents ?? []).findIndex((_intent, i) => intentId(node, i) === offered.id);
  return { kind: 'intent', index, why: because };
}
