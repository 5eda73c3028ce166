import type { SplitNode } from '../rules/rules-schema';
import { describeShare, splitBranchName, splitTotal } from '../rules/split-shares';
import type { Findings } from './lint-context';

/** The split checks: a split that splits nothing, and shares too small to show in a day's calls. */

/** Under this share (1 call in 100), a branch is warned of: it is rarely taken, so rarely seen. */
const SMALLEST_SHARE = 0.01;

export function lintSplit(path: string, node: SplitNode, findings: Findings): void {
  const [first, ...rest] = node.branches;
  if (first !== undefined && rest.every((branch) => branch.goto === first.goto)) {
    findings.warnings.push({
      path: `${path}.branches`,
      message:
        `every branch of this split goes to ${first.goto}, so every call goes there whatever its share; ` +
        'lead a branch elsewhere, or replace the split by that node',
    });
  }
  const total = splitTotal(node);
  for (const [i, branch] of node.branches.entries()) {
    if (branch.weight / total >= SMALLEST_SHARE) continue;
    findings.warnings.push({
      path: `${path}.branches.${i}.weight`,
      message:
        `branch ${splitBranchName(node, i)} gets ${describeShare(branch.weight, total)} of calls ` +
        `(weight ${branch.weight} of ${total}), fewer than 1 call in 100, so few calls will ever hear it; ` +
        'raise its weight if that is not meant',
    });
  }
}
