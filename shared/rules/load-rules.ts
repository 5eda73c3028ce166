import type { Config } from '../config/config';
import { type CompiledRules, compileRules, type RulesIssue } from './compile-rules';
import { DEFAULT_RULES } from './default-rules';

export type RulesSource = 'env:RULES' | 'file' | 'embedded-default';

export type LoadedRules =
  | {
      readonly ok: true;
      readonly source: RulesSource;
      readonly compiled: CompiledRules;
      /** Versions this instance loaded before, by tag, for calls that started under them. */
      readonly earlier: ReadonlyMap<string, CompiledRules>;
    }
  | { readonly ok: false; readonly source: RulesSource; readonly issues: readonly RulesIssue[] };

/**
 * Loads the rules document a configuration names: inline JSON in `RULES`, else the JSON file at
 * `RULES_FILE`, else the embedded default hotline. `readText` is the file system at the edge.
 */
export function loadRules(config: Config, readText: (path: string) => string): LoadedRules {
  if (config.rulesJson !== undefined) return fromJson('env:RULES', config.rulesJson);
  if (config.rulesFile !== undefined) {
    let text: string;
    try {
      text = readText(config.rulesFile);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        source: 'file',
        issues: [{ path: '(file)', message: `cannot read RULES_FILE (${String(code ?? error)})` }],
      };
    }
    return fromJson('file', text);
  }
  const compiled = compileRules(DEFAULT_RULES);
  return compiled.ok
    ? { ok: true, source: 'embedded-default', compiled: compiled.compiled, earlier: new Map() }
    : { ok: false, source: 'embedded-default', issues: compiled.issues };
}

function fromJson(source: RulesSource, text: string): LoadedRules {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return {
      ok: false,
      source,
      issues: [{ path: '(document)', message: `not valid JSON: ${(error as Error).message}` }],
    };
  }
  const compiled = compileRules(document);
  return compiled.ok
    ? { ok: true, source, compiled: compiled.compiled, earlier: new Map() }
    : { ok: false, source, issues: compiled.issues };
}
