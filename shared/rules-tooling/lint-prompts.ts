import { PROMPT_PLACEHOLDER } from '../flow/render-prompt';
import { hasForbiddenTtsCharacter } from '../protocol/tts-text';
import type { Prompt, Rules } from '../rules/rules-schema';
import { NAME_PATTERN_SOURCE } from '../text/name';
import { type FlowVariables, findUnsetVariable } from './flow-variables';
import type { Findings } from './lint-context';

/** The prompt checks: placeholders with no value where they are spoken, and characters TTS refuses. */

/** Where a prompt is spoken, which decides the placeholders that have a value there. */
export type PromptScope =
  /**
   * In a flow: its variables, the node that speaks the prompt (undefined for the flow's goodbye and
   * retry wordings, spoken at any node), and whether calls in it have a caller number.
   */
  | {
      readonly kind: 'flow';
      readonly flowName: string;
      readonly variables: FlowVariables;
      readonly node: string | undefined;
      readonly hasCaller: boolean;
    }
  /** `recovery`: said when a call's state is lost, so nothing collected and no caller number. */
  | { readonly kind: 'recovery' }
  /** `fallback.say`: spoken as written, when anything fails inside (placeholders are never filled in). */
  | { readonly kind: 'fallback' };

const VARIABLE_PLACEHOLDER = new RegExp(`^vars\\.(${NAME_PATTERN_SOURCE})$`);
const PLACEHOLDER_HELP = 'use {{caller.last4}}, {{vars.NAME}}, {{vars.NAME|digits}} or {{timeOfDay}}';

export function lintDocumentPrompts(rules: Rules, findings: Findings): void {
  if (rules.recovery !== undefined) lintPrompt('recovery', rules.recovery, { kind: 'recovery' }, findings);
  if (rules.fallback !== undefined)
    lintPrompt('fallback.say', rules.fallback.say, { kind: 'fallback' }, findings);
}

/** Every TTS text of a prompt, with its path: `say`, `say.1`, `say.1.tts`. */
function* listTexts(path: string, prompt: Prompt): Generator<{ path: string; text: string }> {
  const items = Array.isArray(prompt)
    ? prompt.map((item, i) => ({ item, path: `${path}.${i}` }))
    : [{ item: prompt, path }];
  for (const { item, path: itemPath } of items) {
    if (typeof item === 'string') yield { path: itemPath, text: item };
    else if ('tts' in item) yield { path: `${itemPath}.tts`, text: item.tts };
  }
}

export function lintPrompt(path: string, prompt: Prompt, scope: PromptScope, findings: Findings): void {
  for (const { path: textPath, text } of listTexts(path, prompt)) {
    lintPlaceholders(textPath, text, scope, findings);
    // Placeholders are filled in before the text is cleaned, so their braces are not what TTS sees.
    const spoken = text.replace(PROMPT_PLACEHOLDER, '');
    if (hasForbiddenTtsCharacter(spoken)) {
      const characters = [...new Set(spoken)]
        .filter(hasForbiddenTtsCharacter)
        .map((ch) => `\`${ch}\``)
        .join(' ');
      findings.warnings.push({
        path: textPath,
        message:
          `the platform forbids ${characters} in TTS text; they will be replaced ("*" reads as 星, ":" as "：") ` +
          'or removed before sending; write what should be heard instead',
      });
    }
  }
}

function lintPlaceholders(path: string, text: string, scope: PromptScope, findings: Findings): void {
  if (!text.includes('{{')) return;
  for (const match of text.matchAll(PROMPT_PLACEHOLDER)) {
    const expression = match[1] ?? '';
    const [name = '', filter, ...rest] = expression.split('|');
    const variable = VARIABLE_PLACEHOLDER.exec(name)?.[1];
    const known = variable !== undefined || name === 'caller.last4' || name === 'timeOfDay';
    if (!known || (filter !== undefined && filter !== 'digits') || rest.length > 0) {
      findings.errors.push({ path, message: `{{${expression}}} is not a placeholder; ${PLACEHOLDER_HELP}` });
      continue;
    }
    if (scope.kind === 'fallback') {
      findings.errors.push({
        path,
        message: `the fallback is spoken as written, so {{${expression}}} would be read out literally; remove it`,
      });
    } else if (scope.kind === 'recovery') {
      if (variable !== undefined) {
        findings.errors.push({
          path,
          message: `the recovery prompt is said when a call's state is lost, so {{${expression}}} has no value; remove it`,
        });
      } else if (name === 'caller.last4') {
        findings.warnings.push({
          path,
          message: `the recovery prompt is said without the caller's number, so {{${expression}}} reads as nothing`,
        });
      }
    } else if (variable !== undefined) {
      const unset = findUnsetVariable(scope.variables, scope.node, variable);
      if (unset !== undefined) {
        findings.errors.push({
          path,
          message: `${unset.reason}, so {{${expression}}} always reads as nothing; ${unset.fix}`,
        });
      } else if (scope.variables.saved.get(variable)?.collectedSensitive === true) {
        // A lookup's sensitive value (a balance) is saved to be said; digits a caller typed are not.
        findings.warnings.push({
          path,
          message:
            `${variable} is collected as sensitive, and this prompt reads it back aloud on the call; ` +
            'read back only part of it (or nothing), or drop sensitive if it is not secret',
        });
      }
    } else if (name === 'caller.last4' && !scope.hasCaller) {
      findings.warnings.push({
        path,
        message:
          `flow ${scope.flowName} is started only by outbound calls, which carry no caller number here, ` +
          `so {{${expression}}} reads as nothing; remove it`,
      });
    }
  }
  // `{{…}}` that the renderer does not recognise (spaces inside a name, other characters) is spoken as is.
  for (const match of text.replace(PROMPT_PLACEHOLDER, '').matchAll(/\{\{([^{}]*)\}\}/g)) {
    findings.errors.push({
      path,
      message: `{{${match[1] ?? ''}}} is not a placeholder; ${PLACEHOLDER_HELP}`,
    });
  }
}
