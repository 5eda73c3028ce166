/**
 * What `rules intents` prints: an evaluation of keywords alone (the accuracy of each menu, its wrong
 * picks, the accuracy by kind), or keywords alone against keywords and the language model (a table of
 * both, what the model fixed and broke, the confusion of intents, the classifications, their latency and
 * cost). Pure text from the figures.
 */
import type { GuardPrices } from '../classify/budget-guard';
import type { ChangedPick, ClassifierEvaluation } from './classifier-evaluation';
import {
  describeWrongPick,
  type IntentEvaluation,
  menuName,
  NO_INTENT,
  type Score,
} from './evaluate-intents';

/** `75 %`, `64.7 %`: a share to a tenth of a percent. */
export function formatPercent(share: number): string {
  return `${Math.round(share * 1000) / 10} %`;
}

/** `3/4 utterances reach their intent (75 %)` */
function reach(score: Score): string {
  return `${score.correct}/${score.total} utterances reach their intent (${formatPercent(score.accuracy)})`;
}

/**
 * Keywords alone: a line for all the menus when there are several, then each menu's line with its wrong
 * picks, then the accuracy by kind when utterances name kinds.
 */
export function printEvaluation(evaluation: IntentEvaluation): string {
  const lines: string[] = [];
  if (evaluation.byNode.length > 1) {
    lines.push(`${evaluation.byNode.length} menus: ${reach(evaluation)}`);
  }
  for (const menu of evaluation.byNode) {
    lines.push(`${menuName(menu)}: ${reach(menu)}`);
    for (const verdict of evaluation.verdicts) {
      if (!verdict.ok && verdict.flow === menu.flow && verdict.node === menu.node)
        lines.push(`  ${describeWrongPick(verdict)}`);
    }
  }
  if (evaluation.byKind.length > 0) {
    lines.push('by kind:');
    const width = Math.max(...evaluation.byKind.map(({ kind }) => kind.length));
    for (const kind of evaluation.byKind) {
      lines.push(
        `  ${kind.kind.padEnd(width)}  ${`${kind.correct}/${kind.total}`.padStart(7)}  ${formatPercent(kind.accuracy).padStart(7)}`,
      );
    }
  }
  const wrong = evaluation.verdicts.filter((verdict) => !verdict.ok);
  if (wrong.length > 0) {
    // A wrong choice sends a caller the wrong way, a missed one only asks again: they weigh differently.
    const misrouted = wrong.filter((verdict) => verdict.got !== NO_INTENT).length;
    lines.push(
      `wrong: ${wrong.length} (${misrouted} to another choice, ${wrong.length - misrouted} to none, the no-match retry)`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** How the classifications were asked, for the head of the comparison. */
export type ClassifierSetting = {
  readonly endpoint: string;
  readonly model: string;
  readonly waitMs: number;
  readonly threshold: number;
  readonly doubtful: boolean;
  readonly concurrency: number;
};

/**
 * Keywords alone against keywords and the language model: the table (overall, by menu, by kind), the
 * picks the model fixed, broke and changed, the confusion table, the classifications, latency and cost.
 */
export function printComparison(evaluation: ClassifierEvaluation, setting: ClassifierSetting): string {
  const { keywords, withClassifier } = evaluation;
  const lines = [
    `keywords alone against keywords + language model (${setting.model} at ${setting.endpoint}, wait ${setting.waitMs} ms, threshold ${setting.threshold}, doubtful matches ${setting.doubtful ? 'asked about' : 'not asked about'})`,
    `no budget guard: every classification the menus ask for is sent, ${setting.concurrency} at a time`,
    '',
    ...printTable(evaluation),
    '',
    ...printChanges('fixed by the language model (wrong → right)', evaluation.fixed),
    ...printChanges('broken by the language model (right → wrong)', evaluation.broken),
    ...printChanges('changed by the language model, wrong both ways', evaluation.changed),
    `wrong with keywords + language model: ${withClassifier.total - withClassifier.correct} (with keywords alone: ${keywords.total - keywords.correct}); --json lists every verdict`,
    '',
    ...printConfusion(evaluation),
    '',
    ...printClassifications(evaluation, setting),
  ];
  return `${lines.join('\n')}\n`;
}

function printTable(evaluation: ClassifierEvaluation): string[] {
  const { keywords, withClassifier } = evaluation;
  const asked = (keep: (verdict: IntentEvaluation['verdicts'][number]) => boolean) =>
    withClassifier.verdicts.filter((verdict) => verdict.classified !== undefined && keep(verdict)).length;
  const rows: (readonly [string, Score, Score, number])[] = [
    ['all', keywords, withClassifier, asked(() => true)],
  ];
  keywords.byNode.forEach((menu, index) => {
    const other = withClassifier.byNode[index] as Score;
    const at = (verdict: { flow: string; node: string }) =>
      verdict.flow === menu.flow && verdict.node === menu.node;
    rows.push([`menu ${menuName(menu)}`, menu, other, asked(at)]);
  });
  keywords.byKind.forEach((kind, index) => {
    const other = withClassifier.byKind[index] as Score;
    rows.push([`kind ${kind.kind}`, kind, other, asked((verdict) => (verdict.kind ?? '') === kind.kind)]);
  });
  const width = Math.max(...rows.map(([name]) => name.length));
  const cell = (score: Score) =>
    `${String(score.correct).padStart(5)} ${formatPercent(score.accuracy).padStart(7)}`;
  const head = `${''.padEnd(width)}  utterances   keywords alone   keywords + LLM   change   classifications`;
  return [
    head,
    ...rows.map(([name, before, after, count]) => {
      const change = after.correct - before.correct;
      return `${name.padEnd(width)}  ${String(before.total).padStart(10)}    ${cell(before)}    ${cell(after)}   ${(change > 0 ? `+${change}` : String(change)).padStart(6)}   ${String(count).padStart(15)}`;
    }),
  ];
}

function printChanges(title: string, changes: readonly ChangedPick[]): string[] {
  return [
    `${title}: ${changes.length}`,
    ...changes.map(
      (change) =>
        `  ${menuName(change)}: ${change.say}: expected ${change.intent}, keywords ${change.keywords} → ${change.withClassifier}${change.why === undefined ? '' : ` (${change.why})`}`,
    ),
  ];
}

function printConfusion(evaluation: ClassifierEvaluation): string[] {
  const { labels, counts } = evaluation.confusion;
  const corner = 'expected \\ got';
  const first = Math.max(corner.length, ...labels.map((label) => label.length), 'total'.length);
  const widths = [...labels, 'total'].map((label) => Math.max(label.length, 3));
  const line = (name: string, cells: readonly string[]) =>
    `${name.padEnd(first)}  ${cells.map((text, i) => text.padStart(widths[i] ?? 3)).join(' ')}`;
  const shown = (count: number) => (count === 0 ? '.' : String(count));
  const columnTotals = labels.map((_label, column) =>
    counts.reduce((sum, row) => sum + (row[column] ?? 0), 0),
  );
  const total = columnTotals.reduce((sum, count) => sum + count, 0);
  return [
    'confusion, keywords + language model (a row for each intent expected, a column for each picked; . is 0):',
    line(corner, [...labels, 'total']),
    ...labels.map((label, row) => {
      const cells = counts[row] ?? [];
      return line(label, [...cells.map(shown), String(cells.reduce((sum, count) => sum + count, 0))]);
    }),
    line('total', [...columnTotals.map(String), String(total)]),
  ];
}

function printClassifications(evaluation: ClassifierEvaluation, setting: ClassifierSetting): string[] {
  const { classifications: counts, latency, cost } = evaluation;
  const failed = Object.entries(counts.failed)
    .map(([why, count]) => `${why} ${count}`)
    .join(', ');
  const utterances = evaluation.withClassifier.total;
  return [
    `classifications: ${counts.asked} asked (${counts.nomatch} as nothing matched, ${counts.doubtful} about a doubtful match${counts.doubtful === 0 ? '' : `, of which keywords alone got ${counts.doubtfulWrong} wrong and ${counts.doubtful - counts.doubtfulWrong} right`}): ` +
      `${counts.taken} taken, ${counts.none} answered none, ${counts.belowThreshold} under the threshold, ` +
      `${counts.failures} failed${failed === '' ? '' : ` (${failed})`}`,
    latency === undefined
      ? 'latency: nothing was asked'
      : `latency of a classification: p50 ${Math.round(latency.p50Ms)} ms, p95 ${Math.round(latency.p95Ms)} ms (${latency.count}, failures included; the wait is ${setting.waitMs} ms)`,
    `tokens: ${formatCount(cost.promptTokens)} prompt + ${formatCount(cost.completionTokens)} completion in ${plural(cost.withUsage, 'answer')}` +
      (cost.withUsage === 0
        ? ''
        : ` (${formatCount(Math.round(cost.promptTokens / cost.withUsage))} + ${formatCount(Math.round(cost.completionTokens / cost.withUsage))} an answer)`) +
      (cost.withoutUsage === 0 ? '' : `; ${plural(cost.withoutUsage, 'answer')} without usage, counted as 0`),
    `cost at the document's prices (${describePrices(cost.prices)}): ${formatMoney(cost.total)} in all, ` +
      `${formatMoney(cost.perClassification * 1_000)} per 1,000 classifications, ${formatMoney(cost.per1000Calls)} per 1,000 calls`,
    `  (per 1,000 calls: the cost of every classification asked, divided by the ${utterances} utterances, × 1,000;`,
    "   each utterance stands for one call's turn at its menu, and a turn that asks nothing costs nothing)",
  ];
}

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/** `122,501` */
function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function describePrices(prices: GuardPrices): string {
  return `${formatMoney(prices.inputPer1k)} in, ${formatMoney(prices.outputPer1k)} out per 1,000 tokens`;
}

/** A sum of money to three significant digits, never in exponent form: `0.0402`, `0.000123`, `12.3`. */
export function formatMoney(amount: number): string {
  if (!(amount > 0) || !Number.isFinite(amount)) return '0';
  const decimals = Math.min(12, Math.max(0, 2 - Math.floor(Math.log10(amount))));
  const fixed = amount.toFixed(decimals);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}
