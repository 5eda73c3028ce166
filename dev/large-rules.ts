import type { RulesInput } from '../shared/rules/rules-schema';

export type LargeRulesShape = {
  readonly lines: number;
  readonly numbersPerLine: number;
  readonly flows: number;
  readonly nodesPerFlow: number;
};

/** The size the flow-language issue asks to handle in well under a second: 10,000 numbers, 2,000 nodes. */
export const LARGE_RULES_SHAPE: LargeRulesShape = {
  lines: 1000,
  numbersPerLine: 10,
  flows: 100,
  nodesPerFlow: 20,
};

/** The service number of line `line`, position `index`: 11-digit fixed-line numbers, all distinct. */
export function largeRulesNumber(line: number, index: number): string {
  return `0592${String(line * 100 + index).padStart(7, '0')}`;
}

/**
 * A large, valid and lint-clean rules document: each line routes its numbers to one of the flows; each
 * flow is a chain of menus (key 1 or "继续" goes on, key 9 or "再见" ends) closed by a goodbye.
 */
export function generateLargeRules(shape: LargeRulesShape): RulesInput {
  const flows: RulesInput['flows'] = {};
  for (let f = 0; f < shape.flows; f++) {
    const nodes: RulesInput['flows'][string]['nodes'] = {};
    for (let n = 0; n < shape.nodesPerFlow - 1; n++) {
      const next = n + 1 < shape.nodesPerFlow - 1 ? `step${n + 1}` : 'bye';
      nodes[`step${n}`] = {
        type: 'menu',
        say: `第${n + 1}步，继续请按1，结束请按9。`,
        keys: { '1': next, '9': 'bye' },
        intents: [
          { name: 'next', keywords: ['继续', '下一步'], goto: next },
          { name: 'stop', keywords: ['再见', '结束'], goto: 'bye' },
        ],
      };
    }
    nodes.bye = { type: 'hangup', say: '感谢您的来电，再见。' };
    flows[`flow${f}`] = { start: 'step0', nodes };
  }
  const lines = Array.from({ length: shape.lines }, (_, line) => ({
    name: `line${line}`,
    numbers: Array.from({ length: shape.numbersPerLine }, (_, index) => largeRulesNumber(line, index)),
    flow: `flow${line % shape.flows}`,
  }));
  return { version: 'large-1', lines, defaultLine: { flow: 'flow0' }, flows };
}
