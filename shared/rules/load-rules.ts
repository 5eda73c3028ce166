import type { Config } from '../config/config';
import { type CompiledRules, compileRules, compileValidatedRules, type RulesIssue } from './compile-rules';
import { DEFAULT_RULES } from './default-rules';
import { detectRulesFormat, type RulesTextFormat, readRulesText } from './read-rules-text';

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

/** The file system and the YAML parser, at the edge. */
export type RulesReaders = {
  readonly readText: (path: string) => string;
  readonly parseYaml: (text: string) => unknown;
};

/**
 * Loads the rules document a configuration names: inline in `RULES` (JSON, or YAML when it does not
 * start with `{`), else the file at `RULES_FILE` (YAML for `.yaml`/`.yml`, else JSON), else the embedded
 * default hotline. Never throws.
 */
export function loadRules(config: Config, readers: RulesReaders): LoadedRules {
  if (config.rulesJson !== undefined) {
    const format: RulesTextFormat = config.rulesJson.trimStart().startsWith('{') ? 'json' : 'yaml';
    return fromText('env:RULES', config.rulesJson, format, readers);
  }
  if (config.rulesFile !== undefined) {
    let text: string;
    try {
      text = readers.readText(config.rulesFile);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return {
        ok: false,
        source: 'file',
        issues: [{ path: '(file)', message: describeUnreadableFile(config.rulesFile, code ?? error) }],
      };
    }
    return fromText('file', text, detectRulesFormat(config.rulesFile), readers);
  }
  const compiled = compileValidatedRules(DEFAULT_RULES);
  return compiled.ok
    ? { ok: true, source: 'embedded-default', compiled: compiled.compiled, earlier: new Map() }
    : { ok: false, source: 'embedded-default', issues: compiled.issues };
}

/** Why RULES_FILE could not be read, naming the path and the cause in words. */
function describeUnreadableFile(path: string, code: unknown): string {
  const causes: Readonly<Record<string, string>> = {
    ENOENT: 'there is no such file',
    EACCES: 'the function may not read it',
    EISDIR: 'it is a folder',
  };
  const cause = typeof code === 'string' ? (causes[code] ?? code) : String(code);
  return `cannot read RULES_FILE ${path}: ${cause}`;
}

function fromText(
  source: RulesSource,
  text: string,
  format: RulesTextFormat,
  readers: RulesReaders,
): LoadedRules {
  let read: ReturnType<typeof readRulesText>;
  try {
    read = readRulesText(text, format, readers.parseYaml);
  } catch (error) {
    // Only a YAML parser that cannot be loaded gets here (readRulesText catches parse errors).
    return {
      ok: false,
      source,
      issues: [{ path: '(document)', message: `cannot parse ${format}: ${String(error)}` }],
    };
  }
  return read.ok ? fromDocument(source, read.document) : { ok: false, source, issues: read.issues };
}

function fromDocument(source: RulesSource, document: unknown): LoadedRules {
  const compiled = compileRules(document);
  return compiled.ok
    ? { ok: true, source, compiled: compiled.compiled, earlier: new Map() }
    : { ok: false, source, issues: compiled.issues };
}
