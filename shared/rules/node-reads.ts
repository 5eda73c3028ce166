import { conditionsOf, RETRY_KINDS } from './node-types';
import type { FlowNode, Prompt, Rules } from './rules-schema';

/** `{{vars.NAME}}` in a text (a prompt, a lookup's url, query, body or header), with an optional filter. */
const VARIABLE_PLACEHOLDER = /\{\{\s*vars\.([A-Za-z][A-Za-z0-9_-]{0,31})\s*(?:\|[a-z]+\s*)?\}\}/g;

/** The variables a text reads. */
export function variablesInText(text: string): string[] {
  return text.includes('{{') ? [...text.matchAll(VARIABLE_PLACEHOLDER)].map((match) => match[1] ?? '') : [];
}

function variablesInPrompt(prompt: Prompt | undefined): string[] {
  if (prompt === undefined) return [];
  const list = Array.isArray(prompt) ? prompt : [prompt];
  return list.flatMap((item) =>
    typeof item === 'string' ? variablesInText(item) : 'tts' in item ? variablesInText(item.tts) : [],
  );
}

/**
 * The variables a node reads: in what it says (its prompt, its retry wordings, a lookup's filler), in the
 * conditions it tests and in the lookup it sends. A `once` variable is dropped as the call leaves the
 * first node that reads it.
 */
export function variablesReadBy(node: FlowNode, rules: Rules): string[] {
  const read = new Set<string>();
  const add = (names: readonly string[]) => {
    for (const name of names) read.add(name);
  };
  for (const { condition } of conditionsOf(node)) if (condition.var !== undefined) read.add(condition.var);
  switch (node.type) {
    case 'say':
    case 'menu':
    case 'collect':
    case 'transfer':
    case 'hangup':
      add(variablesInPrompt(node.say));
      break;
    case 'lookup': {
      add(variablesInPrompt(node.filler));
      const lookup = Object.hasOwn(rules.lookups ?? {}, node.use) ? rules.lookups?.[node.use] : undefined;
      if (lookup !== undefined) {
        const texts = [
          lookup.url,
          ...Object.values(lookup.query ?? {}),
          ...Object.values(lookup.body ?? {}),
          ...Object.values(lookup.headers ?? {}),
        ];
        for (const text of texts) add(variablesInText(text));
      }
      break;
    }
    case 'branch':
    case 'parallelTransfer':
      break;
  }
  if (node.type === 'menu' || node.type === 'collect') {
    for (const kind of RETRY_KINDS)
      for (const wording of node[kind]?.say ?? []) add(variablesInPrompt(wording));
  }
  return [...read];
}
