import { takesKeys } from '../flow/node-behaviour';
import type { Handler, Rules } from '../rules/rules-schema';
import { normaliseSpeech } from '../text/normalise-speech';
import type { CallGraph, HeardHandler } from './call-graph';
import type { Findings } from './lint-context';
import { lintPhrases } from './lint-menus';

/**
 * The handler checks: what they match on (as intents' is checked), a sensitive entry that hears them,
 * keywords a node's own intent always takes first, and keys no menu that hears them lets be pressed.
 */
export function lintHandlers(rules: Rules, graph: CallGraph, findings: Findings): void {
  const lists: { base: string; list: readonly Handler[] }[] = [
    { base: 'handlers', list: rules.handlers ?? [] },
    ...Object.entries(rules.flows).map(([name, flow]) => ({
      base: `flows.${name}.handlers`,
      list: flow.handlers ?? [],
    })),
  ];
  for (const { base, list } of lists) {
    for (const [i, handler] of list.entries()) {
      const path = `${base}.${i}`;
      lintPhrases(path, handler, findings);
      const heard = graph.heard.filter((entry) => entry.handler === handler);
      const lint = { path, rules, handler, heard };
      lintShadowedKeywords(lint, findings);
      lintKeys(lint, findings);
    }
  }
  lintSensitiveEntries(rules, graph, findings);
}

/** One handler being linted: where it is written, and the nodes that hear it. */
type HandlerLint = {
  readonly path: string;
  readonly rules: Rules;
  readonly handler: Handler;
  readonly heard: readonly HeardHandler[];
};

/** A sensitive collect node (a PIN) that hears handlers. */
function lintSensitiveEntries(rules: Rules, graph: CallGraph, findings: Findings): void {
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (node.type !== 'collect' || node.sensitive !== true) continue;
      const names = graph.heard
        .filter((entry) => entry.flow === flowName && entry.node === nodeName)
        .map((entry) => entry.handler.name);
      if (names.length === 0) continue;
      findings.warnings.push({
        path: `flows.${flowName}.nodes.${nodeName}`,
        message:
          `this node collects sensitive digits (a PIN) and hears handlers (${names.join(', ')}), so words a ` +
          'caller says while entering them can be taken for a handler and lead away from the entry; ' +
          'write handlers: false',
      });
    }
  }
}

/**
 * A handler keyword that contains a keyword of an intent (with no excludes to void it, going elsewhere)
 * of a menu that hears it: intents are tried first, so at that menu the words are always an intent's.
 */
function lintShadowedKeywords(lint: HandlerLint, findings: Findings): void {
  const { path, rules, handler, heard } = lint;
  for (const [j, keyword] of (handler.keywords ?? []).entries()) {
    const normalised = normaliseSpeech(keyword);
    if (normalised === '') continue;
    const shadows: string[] = [];
    for (const { flow, node, target } of heard) {
      const menu = rules.flows[flow]?.nodes[node];
      if (menu?.type !== 'menu') continue;
      for (const [i, intent] of (menu.intents ?? []).entries()) {
        const same = target.kind === 'node' && target.flow === flow && target.node === intent.goto;
        if (intent.excludes !== undefined || same) continue;
        const inside = (intent.keywords ?? []).find((own) => {
          const phrase = normaliseSpeech(own);
          return phrase !== '' && normalised.includes(phrase);
        });
        if (inside === undefined) continue;
        shadows.push(`"${inside}" of intent ${intent.name ?? i} at ${flow}/${node}`);
        break;
      }
    }
    if (shadows.length === 0) continue;
    findings.warnings.push({
      path: `${path}.keywords.${j}`,
      message:
        `"${keyword}" contains ${shadows.join(', ')}, and a menu tries its intents before handlers, so ` +
        'there saying it is always taken by an intent, never by this handler; change the keyword, or the intent',
    });
  }
}

/** Keys of a handler that no menu hearing it lets be pressed for it. */
function lintKeys(lint: HandlerLint, findings: Findings): void {
  const { path, rules, handler, heard } = lint;
  if (handler.keys === undefined) return;
  const menus = heard.flatMap(({ flow, node }) => {
    const spec = rules.flows[flow]?.nodes[node];
    return spec?.type === 'menu' && takesKeys(spec) ? [{ flow, node, spec }] : [];
  });
  if (menus.length === 0) {
    findings.warnings.push({
      path: `${path}.keys`,
      message:
        'no menu that hears this handler takes keys (at a collect node keys are the digits collected), so ' +
        'pressing them never selects it; remove keys, or give keys to a menu that hears it',
    });
    return;
  }
  for (const [j, key] of handler.keys.entries()) {
    if (!menus.every(({ spec }) => Object.hasOwn(spec.keys ?? {}, key))) continue;
    findings.warnings.push({
      path: `${path}.keys.${j}`,
      message:
        `every menu that hears this handler has a key ${key} of its own (${menus.map(({ flow, node }) => `${flow}/${node}`).join(', ')}), ` +
        "which comes first, so pressing it never selects the handler; choose a key they don't use",
    });
  }
}
