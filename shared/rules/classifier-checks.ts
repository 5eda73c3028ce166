import type { DocumentIssue } from '../schema/document-issues';
import { LOOPBACK_HOSTS } from './lookup-checks';
import type { Flow, Line, MenuNode, Rules } from './rules-schema';

/**
 * The checks of a document's `classifier` that need more than the schema, and where it is on: the
 * menus (with intents) whose flow and own switch leave it on. A line's `classifier: false` is the call's,
 * judged as the call is routed (the call's state keeps it).
 */

export function* findClassifierIssues(rules: Rules): Generator<DocumentIssue> {
  const { classifier } = rules;
  if (classifier !== undefined) {
    yield* findEndpointIssues('classifier.endpoint', classifier.endpoint);
    yield* findChoiceNameIssues(rules);
    return;
  }
  // Switched on or off where there is nothing to switch: a mistake worth a message, not a silent no-op.
  const stray =
    'there is no `classifier` in this document: add one (endpoint, model, apiKeyEnv) or remove this';
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    if (flow.classifier === true) yield { path: `flows.${flowName}.classifier`, message: stray };
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (node.type === 'menu' && node.classifier === true)
        yield { path: `flows.${flowName}.nodes.${nodeName}.classifier`, message: stray };
    }
  }
}

/** The classifier's answer that chooses nothing: no intent or handler may have this name. */
export const NO_CHOICE = 'none';

/**
 * The names a model answers with must say one thing each: `none` is its answer for no choice, and two
 * intents of one menu with the same name could not be told apart.
 */
function* findChoiceNameIssues(rules: Rules): Generator<DocumentIssue> {
  const reserved = `${NO_CHOICE} is the language model's answer for no choice: give this another name`;
  for (const [index, handler] of (rules.handlers ?? []).entries())
    if (handler.name === NO_CHOICE) yield { path: `handlers.${index}.name`, message: reserved };
  for (const [flowName, flow] of Object.entries(rules.flows)) {
    for (const [index, handler] of (flow.handlers ?? []).entries())
      if (handler.name === NO_CHOICE)
        yield { path: `flows.${flowName}.handlers.${index}.name`, message: reserved };
    for (const [nodeName, node] of Object.entries(flow.nodes)) {
      if (node.type !== 'menu' || !isClassifierOn(rules, flow, node)) continue;
      const seen = new Set<string>();
      for (const [index, intent] of (node.intents ?? []).entries()) {
        const path = `flows.${flowName}.nodes.${nodeName}.intents.${index}.name`;
        if (intent.name === NO_CHOICE) yield { path, message: reserved };
        else if (intent.name !== undefined && seen.has(intent.name))
          yield {
            path,
            message: `another intent of this menu is named ${intent.name}: the language model could not tell them apart`,
          };
        if (intent.name !== undefined) seen.add(intent.name);
      }
    }
  }
}

function* findEndpointIssues(path: string, endpoint: string): Generator<DocumentIssue> {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    yield { path, message: 'write the endpoint in full, as https://host/path/v1' };
    return;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.includes(url.hostname)) {
    yield {
      path,
      message:
        "plain http:// can be read by anyone on the way, and the classifier carries callers' words and an API key: " +
        'use https:// (http:// is accepted only to 127.0.0.1, localhost or [::1], for the stand-in)',
    };
  } else if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    yield {
      path,
      message: `the endpoint is an HTTPS address: write https://… instead of ${url.protocol}//…`,
    };
  }
  if (url.username !== '' || url.password !== '')
    yield { path, message: 'the endpoint carries no user or password: the key comes from apiKeyEnv' };
  if (url.search !== '' || url.hash !== '')
    yield {
      path,
      message: 'the endpoint is a base URL without ?query or #fragment (/chat/completions is added)',
    };
}

/**
 * Whether a menu asks the classifier about an utterance nothing matched: its own switch, else its flow's,
 * else the document's `classifier.on`; never without intents or without a `classifier`.
 */
export function isClassifierOn(rules: Rules, flow: Flow, menu: MenuNode): boolean {
  if (rules.classifier === undefined || (menu.intents ?? []).length === 0) return false;
  return menu.classifier ?? flow.classifier ?? rules.classifier.on;
}

/** Whether calls on a line may ever be classified (a line's `classifier: false` is the call's). */
export function lineAllowsClassifier(line: Pick<Line, 'classifier'> | undefined): boolean {
  return line?.classifier !== false;
}
