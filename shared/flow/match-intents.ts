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
 * (a negation right before it, or one character between: 不是要挂失), or another intent's keyword is in
 * the words too (我找不到在哪查余额 holds 找不到 and 余额). A pattern's match is never doubtful: an
 * operator who writes one means it.
 */
export function findDoubt(
  matchers: readonly IntentMatcher[],
  words: string,
  match: IntentMatch,
): string | undefined {
  const { keyword } = match;
  if (keyword === undefined) return undefined;
  for (let at = words.indexOf(keyword); at >= 0; at = words.indexOf(keyword, at + 1)) {
    const before = words.slice(Math.max(0, at - 4), at);
    const negation = NEGATIONS.find((word) => before.endsWith(word) || before.slice(0, -1).endsWith(word));
    if (negation !== undefined) return `${negation} before ${keyword}`;
  }
  for (const [index, matcher] of matchers.entries()) {
    if (index === match.index) continue;
    const other = matcher.keywords.find((k) => words.includes(k) && !keyword.includes(k));
    if (other !== undefined) return `${other} too`;
  }
  return undefined;
}
