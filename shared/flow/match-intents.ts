import type { IntentMatcher } from '../rules/compile-rules';

/** The intent an utterance matched (its position in the list), and why, for the trace. */
export type IntentMatch = {
  readonly index: number;
  readonly why: string;
  /** The keyword that matched (none for a pattern). */
  readonly keyword?: string;
};

/**
 * The first intent whose keywords (then patterns) the normalised words match and whose excludes they
 * do not contain. An intent voided by an exclude is passed over, and the next ones are tried; `voided`
 * hears of each, for the trace.
 */
export function matchIntents(
  matchers: readonly IntentMatcher[],
  words: string,
  voided: (index: number, exclude: string) => void,
): IntentMatch | undefined {
  for (const [index, matcher] of matchers.entries()) {
    const keyword = matcher.keywords.find((k) => words.includes(k));
    const pattern = keyword === undefined ? matcher.patterns.find((p) => p.test(words)) : undefined;
    if (keyword === undefined && pattern === undefined) continue;
    const exclude = matcher.excludes.find((e) => words.includes(e));
    if (exclude !== undefined) {
      voided(index, exclude);
      continue;
    }
    return keyword === undefined
      ? { index, why: `pattern /${pattern?.source}/` }
      : { index, why: `keyword ${keyword}`, keyword };
  }
  return undefined;
}

/** Words that, just before a keyword, say the caller does not mean it: 不是挂失, 不要人工, 没有丢. */
const NEGATIONS = ['不是', '不要', '不用', '不想', '不需要', '没有', '别', '不', '没', '非'];

/**
 * Why a keyword match is doubtful, or undefined when it is not: the keyword is said in the negative
 * (a negation right before it, or one character between: 不是要挂失), or the keyword of another intent,
 * not voided by an exclude (`voided`, by position), is in the words too (我找不到在哪查余额 holds 找不到
 * and 余额). A question asked as A-not-A (能不能挂失, 是不是丢了) negates nothing. A pattern's match is
 * never doubtful: an operator who writes one means it.
 */
export function findDoubt(
  matchers: readonly IntentMatcher[],
  words: string,
  match: IntentMatch,
  voided: readonly number[] = [],
): string | undefined {
  const { keyword } = match;
  if (keyword === undefined) return undefined;
  for (let at = words.indexOf(keyword); at >= 0; at = words.indexOf(keyword, at + 1)) {
    const negation = findNegationBefore(words, at);
    if (negation !== undefined) return `${negation} before ${keyword}`;
  }
  for (const [index, matcher] of matchers.entries()) {
    if (index === match.index || voided.includes(index)) continue;
    const other = matcher.keywords.find((k) => words.includes(k) && !keyword.includes(k));
    if (other !== undefined) return `${other} too`;
  }
  return undefined;
}

/** The negation ending right before `at`, or one character before it, unless it is an A-not-A question. */
function findNegationBefore(words: string, at: number): string | undefined {
  for (const end of [at, at - 1]) {
    const before = words.slice(Math.max(0, end - 3), end);
    const negation = NEGATIONS.find((word) => before.endsWith(word));
    if (negation === undefined) continue;
    const start = end - negation.length;
    // 能不能, 是不是, 要不要: the same character on both sides of 不 (or 没) asks, it does not negate.
    const asks = /^[不没]/.test(negation) && start > 0 && words[start - 1] === words[start + 1];
    if (asks) continue;
    return negation;
  }
  return undefined;
}
