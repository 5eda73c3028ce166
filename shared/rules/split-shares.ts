import type { SplitNode } from './rules-schema';

/**
 * How a split node's branches are named and their shares written, for the trace, the graph, coverage
 * and the linter alike.
 */

/** A split branch's name: its own, else its index (`0`, `1`; a name starts with a letter, so never clashes). */
export function splitBranchName(node: SplitNode, index: number): string {
  return node.branches[index]?.name ?? String(index);
}

/** The sum of a split node's weights: each branch takes its weight over it. */
export function splitTotal(node: SplitNode): number {
  return node.branches.reduce((sum, branch) => sum + branch.weight, 0);
}

/**
 * A share as a percentage, for people: `90%`, `33.3%` (one decimal), and under 1 % two significant
 * digits (`0.11%`), so that a small share never reads as `0%`.
 */
export function describeShare(weight: number, total: number): string {
  const percent = (weight * 100) / total;
  const shown = percent >= 1 ? Math.round(percent * 10) / 10 : Number(percent.toPrecision(2));
  return `${shown}%`;
}
