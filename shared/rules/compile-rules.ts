import * as v from 'valibot';
import { normaliseSpeech } from '../flow/normalise-speech';
import { normalisePhoneNumber } from './phone-number';
import { type Flow, type Line, type Rules, RulesSchema } from './rules-schema';

/** A problem in a rules document, with where it is (`flows.hotline.nodes.menu.keys.1`). */
export type RulesIssue = { readonly path: string; readonly message: string };

/** Rules checked and indexed for the per-call decision, which must not scan. */
export type CompiledRules = {
  readonly rules: Rules;
  /** Short tag of `rules.version`, kept in each call's state. */
  readonly tag: string;
  /** Lines by normalised service number. */
  readonly lineByNumber: ReadonlyMap<string, Line>;
  /** Intent keywords of each menu node, normalised once, by `flow/node`. */
  readonly keywords: ReadonlyMap<string, readonly (readonly string[])[]>;
};

export type CompileRulesResult =
  | { readonly ok: true; readonly compiled: CompiledRules }
  | { readonly ok: false; readonly issues: readonly RulesIssue[] };

/**
 * Validates a rules document (already parsed from JSON) against {@link RulesSchema}, checks that every
 * name it refers to exists, and builds the indexes the engine uses. Never throws.
 */
export function compileRules(input: unknown): CompileRulesResult {
  const parsed = v.safeParse(RulesSchema, input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.issues.map((issue) => ({
        path: v.getDotPath(issue) ?? '(document)',
        message: issue.message,
      })),
    };
  }
  const rules = parsed.output;
  const issues: RulesIssue[] = [...findMissingReferences(rules)];
  const lineByNumber = new Map<string, Line>();
  (rules.lines ?? []).forEach((line, index) => {
    for (const number of line.numbers) {
      const key = normalisePhoneNumber(number);
      const other = lineByNumber.get(key);
      if (other !== undefined) {
        issues.push({
          path: `lines.${index}.numbers`,
          message: `${number} is already routed to line ${other.name}`,
        });
      } else {
        lineByNumber.set(key, line);
      }
    }
  });
  if (issues.length > 0) return { ok: false, issues };

  const keywords = new Map<string, string[][]>();
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (node.type !== 'menu' || node.intents === undefined) continue;
      keywords.set(
        `${flowName}/${nodeName}`,
        node.intents.map((intent) => intent.keywords.map(normaliseSpeech).filter((k) => k !== '')),
      );
    }
  }
  return { ok: true, compiled: { rules, tag: tagVersion(rules.version), lineByNumber, keywords } };
}

function* findMissingReferences(rules: Rules): Generator<RulesIssue> {
  const flowNames = new Set(Object.keys(rules.flows));
  const flowRef = (path: string, name: string) =>
    flowNames.has(name) ? [] : [{ path, message: `no flow is named ${name}` }];
  yield* flowRef('defaultLine.flow', rules.defaultLine.flow);
  if (rules.outbound !== undefined) yield* flowRef('outbound.defaultFlow', rules.outbound.defaultFlow);
  for (const [index, line] of (rules.lines ?? []).entries()) yield* flowRef(`lines.${index}.flow`, line.flow);
  for (const [flowName, flow] of Object.entries(rules.flows))
    yield* findMissingNodes(`flows.${flowName}`, flow);
}

function* findMissingNodes(base: string, flow: Flow): Generator<RulesIssue> {
  const nodeRef = (path: string, name: string | undefined) =>
    name === undefined || Object.hasOwn(flow.nodes, name)
      ? []
      : [{ path, message: `no node is named ${name}` }];
  yield* nodeRef(`${base}.start`, flow.start);
  yield* nodeRef(`${base}.noInput.escalateTo`, flow.noInput?.escalateTo);
  yield* nodeRef(`${base}.noMatch.escalateTo`, flow.noMatch?.escalateTo);
  for (const [nodeName, node] of Object.entries(flow.nodes)) {
    const path = `${base}.nodes.${nodeName}`;
    if (node.type === 'say') yield* nodeRef(`${path}.next`, node.next);
    if (node.type !== 'menu') continue;
    for (const [key, target] of Object.entries(node.keys ?? {}))
      yield* nodeRef(`${path}.keys.${key}`, target);
    for (const [index, intent] of (node.intents ?? []).entries()) {
      yield* nodeRef(`${path}.intents.${index}.goto`, intent.goto);
    }
    yield* nodeRef(`${path}.noInput.escalateTo`, node.noInput?.escalateTo);
    yield* nodeRef(`${path}.noMatch.escalateTo`, node.noMatch?.escalateTo);
  }
}

/** FNV-1a of the version, base-36: a few characters that change whenever the version does. */
export function tagVersion(version: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < version.length; i++) {
    hash ^= version.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}
