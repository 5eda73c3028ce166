import { NAME_PATTERN_SOURCE } from '../text/name';
import type { Lookup, Prompt } from './rules-schema';

/**
 * `{{…}}` templates, read one way for everything that fills them in or checks them: prompts
 * (`{{vars.card|digits}}`), lookups (`{{caller}}`, `{{vars.NAME}}`, `{{env.LOOKUP_NAME}}`), the compiler,
 * the linter and the engine. Prompts and lookups share the syntax; what each accepts inside differs.
 */

/**
 * A `{{ expression }}` placeholder: the one pattern of the syntax (global: use it with `matchAll` or
 * `replace`). `PROMPT_PLACEHOLDER` in shared/flow/render-prompt.ts is this same pattern (a test holds them
 * equal), which the renderer may import from here.
 */
export const TEMPLATE_PATTERN = /\{\{\s*([A-Za-z0-9_.|-]+)\s*\}\}/g;

/**
 * The prefix every environment variable a lookup reads must have, so that a rules document can name no
 * other part of the functions' environment (`STATE_SECRETS`, the callback secret). Checked when rules are
 * compiled, and again by the client that reads the variable.
 */
export const LOOKUP_ENV_PREFIX = 'LOOKUP_';

/** A piece of a lookup's text: written text, the caller's number, a saved value, or a secret to read at the edge. */
export type LookupTemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'caller' }
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'env'; readonly name: string }
  /** Any other `{{…}}`: the compiler refuses it; left as written, never filled. */
  | { readonly kind: 'other'; readonly expression: string };

const VARIABLE = new RegExp(`^vars\\.(${NAME_PATTERN_SOURCE})$`);
const ENVIRONMENT = /^env\.([A-Za-z0-9_]{1,64})$/;

/**
 * A lookup's url, query, body or header text as parts, in order: `{{caller}}`, `{{vars.NAME}}` and
 * `{{env.NAME}}` (whether env is allowed where it stands is the compiler's check), anything else as
 * `other`. Stray braces stay in the text parts (the compiler refuses them: see {@link hasStrayBraces}).
 */
export function readLookupTemplate(text: string): LookupTemplatePart[] {
  const parts: LookupTemplatePart[] = [];
  let last = 0;
  for (const match of text.matchAll(TEMPLATE_PATTERN)) {
    if (match.index > last) parts.push({ kind: 'text', text: text.slice(last, match.index) });
    parts.push(classifyLookupExpression(match[1] ?? ''));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) });
  return parts;
}

function classifyLookupExpression(expression: string): LookupTemplatePart {
  if (expression === 'caller') return { kind: 'caller' };
  const variable = VARIABLE.exec(expression)?.[1];
  if (variable !== undefined) return { kind: 'var', name: variable };
  const environment = ENVIRONMENT.exec(expression)?.[1];
  if (environment !== undefined) return { kind: 'env', name: environment };
  return { kind: 'other', expression };
}

/** Whether a text still has `{{` or `}}` once its placeholders are taken out: a template written wrong. */
export function hasStrayBraces(text: string): boolean {
  const rest = text.replace(TEMPLATE_PATTERN, '');
  return rest.includes('{{') || rest.includes('}}');
}

/** Every text of a lookup that templates may fill, with its path under the lookup (`url`, `query.phone`). */
export function* listLookupTexts(
  lookup: Lookup,
): Generator<{ readonly path: string; readonly text: string }> {
  yield { path: 'url', text: lookup.url };
  for (const [field, texts] of [
    ['query', lookup.query],
    ['body', lookup.body],
    ['headers', lookup.headers],
  ] as const) {
    for (const [key, text] of Object.entries(texts ?? {})) yield { path: `${field}.${key}`, text };
  }
}

/** The variables a lookup sends (in its url, query, body or headers). */
export function listLookupVariables(lookup: Lookup): Set<string> {
  const names = new Set<string>();
  for (const { text } of listLookupTexts(lookup)) {
    for (const part of readLookupTemplate(text)) if (part.kind === 'var') names.add(part.name);
  }
  return names;
}

/**
 * The variables a prompt reads: `{{vars.NAME}}`, with or without a filter (`|digits`), as the renderer
 * fills them in. Audio items read nothing.
 */
export function listPromptVariables(prompt: Prompt): Set<string> {
  const names = new Set<string>();
  for (const item of Array.isArray(prompt) ? prompt : [prompt]) {
    const text = typeof item === 'string' ? item : 'tts' in item ? item.tts : '';
    for (const match of text.matchAll(TEMPLATE_PATTERN)) {
      const variable = VARIABLE.exec((match[1] ?? '').split('|')[0] ?? '')?.[1];
      if (variable !== undefined) names.add(variable);
    }
  }
  return names;
}
