import { DOCUMENT_PATH } from '../schema/document-issues';
import type { RulesIssue } from './compile-rules';

export type RulesTextFormat = 'json' | 'yaml';

export type ReadRulesTextResult =
  | { readonly ok: true; readonly document: unknown }
  | { readonly ok: false; readonly issues: readonly RulesIssue[] };

/** The format of a rules file, by its name: `.yaml`/`.yml` is YAML, anything else JSON. */
export function detectRulesFormat(fileName: string | undefined): RulesTextFormat {
  return fileName !== undefined && /\.ya?ml$/i.test(fileName) ? 'yaml' : 'json';
}

/**
 * Parses the text of a rules document. YAML is parsed by `parseYaml`, passed in so that the functions
 * load a YAML parser only when a rules file is YAML (it is kept out of their main bundle). Never throws.
 */
export function readRulesText(
  text: string,
  format: RulesTextFormat,
  parseYaml: (text: string) => unknown,
): ReadRulesTextResult {
  try {
    return { ok: true, document: format === 'yaml' ? parseYaml(text) : JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return {
      ok: false,
      issues: [{ path: DOCUMENT_PATH, message: `not valid ${format.toUpperCase()}: ${reason}` }],
    };
  }
}
