/**
 * Keywords alone against keywords and the language model, on the same utterance file: what the model
 * fixed and broke, the confusion of intents, what became of the classifications, how long they took and
 * what they cost. Pure: it reads the two evaluations ({@link scoreUtterances}'s figures of the same
 * utterances, in the same order), the second's verdicts carrying each classification as the call's log
 * line records it.
 */
import type { GuardLimits, GuardPrices } from '../classify/budget-guard';
import { costOf } from '../classify/budget-guard';
import { CLASSIFY_FAILURES, type ClassifyFailure } from '../classify/classify-types';
import type { IntentEvaluation, UtteranceVerdict } from './evaluate-intents';

/**
 * The guard limits an evaluation sends with: none that can trip (no latency limit, a failure rate above
 * 1 never reached, no spend limit), so that every classification the set asks for is sent and counted,
 * as the document's guard would not let it be after a bad minute.
 */
export function evaluationGuard(prices: GuardPrices): GuardLimits {
  return {
    latencyP95Ms: Number.POSITIVE_INFINITY,
    maxFailureRate: 1,
    window: 1_000,
    minSamples: 1_000,
    maxSpendPerHour: 0,
    cooldownS: 0,
    prices,
  };
}

/** An utterance whose pick the language model changed. */
export type ChangedPick = {
  /** Its position in the file, from 0. */
  readonly index: number;
  readonly flow: string;
  readonly node: string;
  readonly say: string;
  readonly intent: string;
  readonly kind?: string;
  /** What keywords alone picked. */
  readonly keywords: string;
  /** What keywords and the model picked, and why. */
  readonly withClassifier: string;
  readonly why?: string;
};

/** Expected × got, keywords and the model: `counts[row][column]`, rows and columns both `labels`. */
export type Confusion = {
  /** The intents expected (in the file's order), then any other pick (in the order met). */
  readonly labels: readonly string[];
  readonly counts: readonly (readonly number[])[];
};

/** What became of the classifications the set's utterances asked for. */
export type ClassificationCounts = {
  readonly asked: number;
  /** Asked because nothing matched. */
  readonly nomatch: number;
  /** Asked about a doubtful keyword match. */
  readonly doubtful: number;
  /**
   * Of those, the matches keywords alone got wrong: the most a model could fix by overruling doubtful
   * matches (the others, right by keywords, it could only break).
   */
  readonly doubtfulWrong: number;
  /** Answered with an offered choice at or over the threshold: the call went there. */
  readonly taken: number;
  /** Answered `none`. */
  readonly none: number;
  /** Answered with a choice under the threshold. */
  readonly belowThreshold: number;
  /** No usable answer, by why (a word of CLASSIFY_FAILURES); only the reasons met. */
  readonly failed: Readonly<Partial<Record<ClassifyFailure, number>>>;
  readonly failures: number;
};

/** Latency of the classifications, failures included (a timeout takes the wait), ms, by nearest rank. */
export type Latency = { readonly count: number; readonly p50Ms: number; readonly p95Ms: number };

/** Tokens and what they cost, at the document's prices. */
export type CostFigures = {
  readonly prices: GuardPrices;
  /** Answers that said how many tokens they used, and those that did not (counted as costing 0). */
  readonly withUsage: number;
  readonly withoutUsage: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Every classification the set asked for, in the prices' currency. */
  readonly total: number;
  /** `total` over the classifications that said their usage. */
  readonly perClassification: number;
  /**
   * `total` over the set's utterances, × 1,000: each utterance stands for one call's turn at its menu
   * (most ask nothing and cost nothing), so this is what 1,000 calls cost that each say one such thing
   * at one such menu, in the set's mix.
   */
  readonly per1000Calls: number;
};

/** The evaluation of a classifier: two scorings of the same file, and what lies between them. */
export type ClassifierEvaluation = {
  readonly keywords: IntentEvaluation;
  readonly withClassifier: IntentEvaluation;
  /** Wrong with keywords alone, right with the model. */
  readonly fixed: readonly ChangedPick[];
  /** Right with keywords alone, wrong with the model. */
  readonly broken: readonly ChangedPick[];
  /** Wrong both ways, but not the same way. */
  readonly changed: readonly ChangedPick[];
  readonly confusion: Confusion;
  readonly classifications: ClassificationCounts;
  /** Undefined when nothing was asked. */
  readonly latency?: Latency;
  readonly cost: CostFigures;
};

/** How {@link ClassifierEvaluation.cost}'s `per1000Calls` is worked out, in the output's words. */
export const PER_1000_CALLS =
  "the cost of every classification the set's utterances asked for, divided by the number of utterances, " +
  "× 1,000: each utterance stands for one call's turn at its menu (turns that ask nothing cost nothing)";

/**
 * Compares `keywords` (scored with the classifier off) with `withClassifier` (the same utterances decided
 * as calls would be), at `prices`. Throws when they are not the same utterances in the same order.
 */
export function compareWithClassifier(
  keywords: IntentEvaluation,
  withClassifier: IntentEvaluation,
  prices: GuardPrices,
): ClassifierEvaluation {
  const pairs = keywords.verdicts.map((before, index) => {
    const after = withClassifier.verdicts[index];
    if (after === undefined || after.say !== before.say || after.intent !== before.intent) {
      throw new RangeError(`utterance ${index} is not the same in both evaluations`);
    }
    return { before, after, index };
  });
  if (pairs.length !== withClassifier.verdicts.length) {
    throw new RangeError('the two evaluations do not have the same number of utterances');
  }
  const changedPick = ({ before, after, index }: (typeof pairs)[number]): ChangedPick => ({
    index,
    flow: after.flow,
    node: after.node,
    say: after.say,
    intent: after.intent,
    ...(after.kind === undefined ? {} : { kind: after.kind }),
    keywords: before.got,
    withClassifier: after.got,
    ...(after.why === undefined ? {} : { why: after.why }),
  });
  const differ = pairs.filter(({ before, after }) => before.got !== after.got);
  return {
    keywords,
    withClassifier,
    fixed: differ.filter(({ before, after }) => !before.ok && after.ok).map(changedPick),
    broken: differ.filter(({ before, after }) => before.ok && !after.ok).map(changedPick),
    changed: differ.filter(({ before, after }) => !before.ok && !after.ok).map(changedPick),
    confusion: confusionOf(withClassifier.verdicts),
    classifications: countClassifications(pairs),
    ...latencyOf(withClassifier.verdicts),
    cost: costFigures(withClassifier.verdicts, prices),
  };
}

function confusionOf(verdicts: readonly UtteranceVerdict[]): Confusion {
  const labels = [...new Set([...verdicts.map((v) => v.intent), ...verdicts.map((v) => v.got)])];
  const counts = labels.map(() => labels.map(() => 0));
  for (const verdict of verdicts) {
    const row = counts[labels.indexOf(verdict.intent)] as number[];
    const column = labels.indexOf(verdict.got);
    row[column] = (row[column] ?? 0) + 1;
  }
  return { labels, counts };
}

const FAILURE_WORDS: ReadonlySet<string> = new Set(CLASSIFY_FAILURES);

function countClassifications(
  pairs: readonly { readonly before: UtteranceVerdict; readonly after: UtteranceVerdict }[],
): ClassificationCounts {
  const asked = pairs.flatMap(({ after }) => (after.classified === undefined ? [] : [after.classified]));
  // What a model could fix by overruling doubtful matches, and what it could break: the keywords' picks.
  const doubted = pairs.filter(({ after }) => after.classified?.asked === 'doubtful');
  const failed: Partial<Record<ClassifyFailure, number>> = {};
  for (const { why } of asked) {
    if (why !== undefined && FAILURE_WORDS.has(why)) {
      const word = why as ClassifyFailure;
      failed[word] = (failed[word] ?? 0) + 1;
    }
  }
  return {
    asked: asked.length,
    nomatch: asked.filter((record) => record.asked === 'nomatch').length,
    doubtful: doubted.length,
    doubtfulWrong: doubted.filter(({ before }) => !before.ok).length,
    taken: asked.filter((record) => record.taken).length,
    none: asked.filter((record) => record.why === 'none').length,
    belowThreshold: asked.filter((record) => record.why === 'below-threshold').length,
    failed,
    failures: Object.values(failed).reduce((sum, count) => sum + count, 0),
  };
}

function latencyOf(verdicts: readonly UtteranceVerdict[]): { latency?: Latency } {
  const ms = verdicts
    .flatMap((verdict) => (verdict.classified === undefined ? [] : [verdict.classified.ms]))
    .sort((a, b) => a - b);
  if (ms.length === 0) return {};
  return { latency: { count: ms.length, p50Ms: nearestRank(ms, 0.5), p95Ms: nearestRank(ms, 0.95) } };
}

/** The smallest value that at least `share` of the sorted values are at or under. */
export function nearestRank(sorted: readonly number[], share: number): number {
  return sorted[Math.max(0, Math.ceil(share * sorted.length) - 1)] ?? 0;
}

function costFigures(verdicts: readonly UtteranceVerdict[], prices: GuardPrices): CostFigures {
  const answered = verdicts.flatMap(({ classified }) =>
    classified === undefined || classified.choice === undefined ? [] : [classified],
  );
  const usages = answered.flatMap(({ promptTokens, completionTokens }) =>
    promptTokens === undefined || completionTokens === undefined ? [] : [{ promptTokens, completionTokens }],
  );
  const total = usages.reduce((sum, usage) => sum + costOf(usage, prices), 0);
  return {
    prices,
    withUsage: usages.length,
    withoutUsage: answered.length - usages.length,
    promptTokens: usages.reduce((sum, usage) => sum + usage.promptTokens, 0),
    completionTokens: usages.reduce((sum, usage) => sum + usage.completionTokens, 0),
    total,
    perClassification: usages.length === 0 ? 0 : total / usages.length,
    per1000Calls: verdicts.length === 0 ? 0 : (total / verdicts.length) * 1_000,
  };
}
