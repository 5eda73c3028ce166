import type { IntentMatcher } from '../rules/compile-rules';

/** The intent an utterance matched (its position in the list), and why, for the trace. */
export type IntentMatch = { readonly index: number; readonly why: string };

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
    return { index, why: keyword === undefined ? `pattern /${pattern?.source}/` : `keyword ${keyword}` };
  }
  return undefined;
}
