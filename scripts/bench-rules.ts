/**
 * The rules part of `npm run bench`: how long a large rules document (10,000 numbers, 2,000 nodes) takes
 * to load, and whether the per-callback decision stays flat as the document grows (no scan of lines).
 */

import { stringify } from 'yaml';
import { generateLargeRules, LARGE_RULES_SHAPE, largeRulesNumber } from '../dev/large-rules';
import { decideNextAction, type FlowEvent } from '../shared/flow/decide-next-action';
import { type CompiledRules, compileRules } from '../shared/rules/compile-rules';
import { DEFAULT_RULES } from '../shared/rules/default-rules';
import { lintRules } from '../shared/rules/lint-rules';
import { parseYaml } from '../shared/rules/yaml-parser';

export type RulesRow = {
  figure: string;
  value: string;
  detail: string;
  target: string;
  pass: boolean | undefined;
};

const LOAD_TARGET_MS = 1000;
const DECISION_P99_TARGET_US = 1000;
/** Decision time with the large document over the small one: "flat" allows noise, not a scan. */
const FLATNESS_TARGET = 1.5;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function compileOrThrow(document: unknown): CompiledRules {
  const result = compileRules(document);
  if (!result.ok) throw new Error(`bench rules do not compile: ${JSON.stringify(result.issues.slice(0, 3))}`);
  return result.compiled;
}

/** Times callin decisions spread over the document's lines; returns per-call µs, sorted. */
function timeCallins(compiled: CompiledRules, callees: readonly string[], calls: number): Float64Array {
  const events: FlowEvent[] = callees.map((callee, i) => ({
    callId: `${i}^1`,
    timestamp: 0,
    contentOk: true,
    type: 'callin',
    content: { caller: '15201030105', callee },
  }));
  const now = Date.parse('2026-11-25T10:00:00+08:00');
  const decide = (i: number) =>
    decideNextAction(compiled, events[i % events.length] as FlowEvent, { kind: 'missing' }, now, 'inbound');
  for (let i = 0; i < Math.min(calls, 2000); i++) decide(i);
  const times = new Float64Array(calls);
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    decide(i);
    times[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return times.sort();
}

/** Measures loading and deciding with a large document; `runs` loads, `calls` decisions per document. */
export function measureRules(runs: number, calls: number): { rows: RulesRow[]; notes: string[] } {
  const document = generateLargeRules();
  const yamlText = stringify(document);
  const jsonText = JSON.stringify(document);
  const load = (text: string, parse: (t: string) => unknown) => {
    const start = performance.now();
    const result = lintRules(parse(text));
    const ms = performance.now() - start;
    if (result.errors.length > 0)
      throw new Error(`bench rules have lint errors: ${JSON.stringify(result.errors.slice(0, 3))}`);
    return ms;
  };
  const jsonMs = median(Array.from({ length: runs }, () => load(jsonText, JSON.parse)));
  const yamlMs = median(Array.from({ length: runs }, () => load(yamlText, parseYaml)));

  const large = compileOrThrow(document);
  const small = compileOrThrow(DEFAULT_RULES);
  const callees = Array.from({ length: 997 }, (_, i) =>
    largeRulesNumber((i * 7) % LARGE_RULES_SHAPE.lines, i % 10),
  );
  const smallTimes = timeCallins(small, callees, calls);
  const largeTimes = timeCallins(large, callees, calls);
  const p = (sorted: Float64Array, q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
  const ratio = p(largeTimes, 0.5) / p(smallTimes, 0.5);
  const shape = `${LARGE_RULES_SHAPE.lines * LARGE_RULES_SHAPE.numbersPerLine} numbers, ${LARGE_RULES_SHAPE.flows * LARGE_RULES_SHAPE.nodesPerFlow} nodes`;
  return {
    rows: [
      {
        figure: 'rules: parse+validate+lint+index, JSON',
        value: `${jsonMs.toFixed(0)} ms`,
        target: `< ${LOAD_TARGET_MS} ms`,
        pass: jsonMs < LOAD_TARGET_MS,
        detail: `${shape}, ${(jsonText.length / 1024).toFixed(0)} KB, median of ${runs}`,
      },
      {
        figure: 'rules: parse+validate+lint+index, YAML',
        value: `${yamlMs.toFixed(0)} ms`,
        target: `< ${LOAD_TARGET_MS} ms`,
        pass: yamlMs < LOAD_TARGET_MS,
        detail: `${shape}, ${(yamlText.length / 1024).toFixed(0)} KB, median of ${runs}`,
      },
      {
        figure: 'decision: callin, large rules',
        value: `p99 ${p(largeTimes, 0.99).toFixed(0)} µs`,
        target: `p99 < ${DECISION_P99_TARGET_US} µs`,
        pass: p(largeTimes, 0.99) < DECISION_P99_TARGET_US,
        detail: `p50 ${p(largeTimes, 0.5).toFixed(1)} µs over ${calls} calls to 997 lines (engine only)`,
      },
      {
        figure: 'decision: large / default rules',
        value: `${ratio.toFixed(2)}×`,
        target: `≤ ${FLATNESS_TARGET}×`,
        pass: ratio <= FLATNESS_TARGET,
        detail: `p50 ${p(largeTimes, 0.5).toFixed(1)} vs ${p(smallTimes, 0.5).toFixed(1)} µs: routing is a map lookup, not a scan`,
      },
    ],
    notes: [],
  };
}
