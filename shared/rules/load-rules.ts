import type { Config } from '../config/config';
import { DOCUMENT_PATH } from '../schema/document-issues';
import { checkedJson, withoutMark } from './checked-rules';
import { type CompiledRules, compileRules, compileValidatedRules, type RulesIssue } from './compile-rules';
import { DEFAULT_RULES } from './default-rules';
import { detectRulesFormat, type RulesTextFormat, readRulesText } from './read-rules-text';
import type { Rules } from './rules-schema';

/**
 * The paths of the issues that say the rules could not be read at all (a file, an OSS object, a read
 * given up on), as opposed to a document read whole that is invalid: the rules cache words the two apart.
 */
export const UNREAD_PATHS = { file: '(file)', url: '(RULES_URL)', read: '(read)' } as const;

export type RulesSource = 'env:RULES' | 'oss' | 'file' | 'env:RULES_EMERGENCY' | 'embedded-default';

export type LoadedRules =
  | {
      readonly ok: true;
      readonly source: RulesSource;
      readonly compiled: CompiledRules;
      /** Versions this instance loaded before, by tag, for calls that started under them. */
      readonly earlier: ReadonlyMap<string, CompiledRules>;
      /** Set on the emergency document while it answers for rules that could not be loaded. */
      readonly standsInFor?: StandIn;
      /** Why the latest look at the configured rules was not taken (these rules go on answering). */
      readonly refused?: StandIn | undefined;
    }
  | { readonly ok: false; readonly source: RulesSource; readonly issues: readonly RulesIssue[] };

/** The configured rules an emergency document answers for, and why they are not in force. */
export type StandIn = { readonly source: RulesSource; readonly issues: readonly RulesIssue[] };

/** Parses YAML: passed in, so that the functions load a YAML parser only for YAML rules. */
export type ParseYaml = (text: string) => unknown;

/**
 * Reads a rules file, at the edge: asynchronously, refusing anything but a regular file (a FIFO would
 * block a read for ever) and anything over `maxBytes` before reading it. Rejects with an error whose
 * `code` says why: `ENOENT`, `EACCES`, `EISDIR`, {@link NOT_A_FILE}, {@link TOO_LARGE}, or another.
 */
export type RulesFileReader = (path: string, maxBytes: number) => Promise<string>;

/**
 * Reads a rules file at once, with the refusals of {@link RulesFileReader}, and its fingerprint (mtime and
 * size) from the same open file: only for a file deployed with the function's code, which cannot stall.
 * Throws an error whose `code` says why.
 */
export type RulesFileReaderNow = (
  path: string,
  maxBytes: number,
) => { readonly text: string; readonly fingerprint: string };

export const NOT_A_FILE = 'NOT_A_FILE';
export const TOO_LARGE = 'TOO_LARGE';

/**
 * The rules a configuration names without reading a file: inline in `RULES` (JSON, or YAML when it
 * does not start with `{`), else the embedded default hotline. A `RULES_FILE` is read by
 * {@link loadRulesFile}, asynchronously. Never throws.
 */
export function loadRules(config: Config, parseYaml: ParseYaml): LoadedRules {
  if (config.rulesJson !== undefined) return fromInline('env:RULES', config.rulesJson, parseYaml);
  return loadEmbeddedDefault();
}

/** The document served while `RULES_FILE` cannot be read at a cold start: `RULES_EMERGENCY`, else the default. */
export function loadEmergencyRules(config: Config, parseYaml: ParseYaml): LoadedRules {
  if (config.rulesEmergency !== undefined) {
    return fromInline('env:RULES_EMERGENCY', config.rulesEmergency, parseYaml);
  }
  return loadEmbeddedDefault();
}

/** Reads and compiles `RULES_FILE` (YAML for `.yaml`/`.yml`, else JSON). Never rejects. */
export async function loadRulesFile(
  path: string,
  maxBytes: number,
  read: RulesFileReader,
  parseYaml: ParseYaml,
): Promise<LoadedRules> {
  let text: string;
  try {
    text = await read(path, maxBytes);
  } catch (error) {
    return unreadableFile(path, error, maxBytes);
  }
  return loadRulesText('file', text, detectRulesFormat(path), parseYaml);
}

/**
 * {@link loadRulesFile} at once, for a file in the function's own code folder, with the file's fingerprint
 * (`undefined` when it could not be read). Never throws.
 */
export function loadRulesFileNow(
  path: string,
  maxBytes: number,
  readNow: RulesFileReaderNow,
  parseYaml: ParseYaml,
): { readonly fingerprint: string | undefined; readonly loaded: LoadedRules } {
  let read: ReturnType<RulesFileReaderNow>;
  try {
    read = readNow(path, maxBytes);
  } catch (error) {
    return { fingerprint: undefined, loaded: unreadableFile(path, error, maxBytes) };
  }
  return {
    fingerprint: read.fingerprint,
    loaded: loadRulesText('file', read.text, detectRulesFormat(path), parseYaml),
  };
}

function unreadableFile(path: string, error: unknown, maxBytes: number): LoadedRules {
  const code = (error as { code?: unknown }).code;
  return {
    ok: false,
    source: 'file',
    issues: [{ path: UNREAD_PATHS.file, message: describeUnreadableFile(path, code ?? error, maxBytes) }],
  };
}

function loadEmbeddedDefault(): LoadedRules {
  const compiled = compileValidatedRules(DEFAULT_RULES);
  return compiled.ok
    ? { ok: true, source: 'embedded-default', compiled: compiled.compiled, earlier: new Map() }
    : { ok: false, source: 'embedded-default', issues: compiled.issues };
}

function fromInline(source: RulesSource, text: string, parseYaml: ParseYaml): LoadedRules {
  const format: RulesTextFormat = text.trimStart().startsWith('{') ? 'json' : 'yaml';
  return loadRulesText(source, text, format, parseYaml);
}

/** Why RULES_FILE could not be read, naming the path and the cause in words. */
function describeUnreadableFile(path: string, code: unknown, maxBytes: number): string {
  const causes: Readonly<Record<string, string>> = {
    ENOENT: 'there is no such file',
    EACCES: 'the function may not read it',
    EISDIR: 'it is a folder',
    [NOT_A_FILE]: 'it is not a regular file (a FIFO or a device is never read)',
    [TOO_LARGE]: `it is larger than RULES_MAX_BYTES (${maxBytes} bytes); publish compiled JSON, or raise the limit`,
  };
  const cause = typeof code === 'string' ? (causes[code] ?? code) : String(code);
  return `cannot read RULES_FILE ${path}: ${cause}`;
}

/**
 * Parses, validates and compiles the text of a rules document. JSON that `rules compile` marked as
 * validated under this schema version, unchanged since ({@link isCheckedRules}), is not validated again;
 * its names, lookups and numbers are still checked as the document is compiled. Never throws.
 */
export function loadRulesText(
  source: RulesSource,
  text: string,
  format: RulesTextFormat,
  parseYaml: ParseYaml,
): LoadedRules {
  let read: ReturnType<typeof readRulesText>;
  try {
    read = readRulesText(text, format, parseYaml);
  } catch (error) {
    // Only a YAML parser that cannot be loaded gets here (readRulesText catches parse errors).
    return {
      ok: false,
      source,
      issues: [{ path: DOCUMENT_PATH, message: `cannot parse ${format}: ${String(error)}` }],
    };
  }
  if (!read.ok) return { ok: false, source, issues: read.issues };
  return fromDocument(source, withoutMark(read.document), format === 'json' ? checkedJson(text) : undefined);
}

/**
 * A document marked as checked, compiled without validating it again, its tag taken from `json`, the text
 * the mark covers; should it not compile all the same (a mark made by another tool, over a document that
 * is not valid), it is validated in full, never thrown.
 */
function compileMarked(document: unknown, json: readonly string[]): ReturnType<typeof compileRules> {
  try {
    const compiled = compileValidatedRules(document as Rules, true, json);
    // Every pattern compiled now, not when a call first reaches it: one that does not compile sends the
    // document to full validation here, as before indexes were built lazily, rather than failing a call.
    // The regular expressions are kept for the calls; the rest of the indexes stay lazy.
    if (compiled.ok) for (const _pattern of compiled.compiled.patterns.values());
    return compiled;
  } catch {
    return compileRules(document);
  }
}

/** Compiles a document: `checked`, the JSON a holding mark covers (in parts), skips validation. */
function fromDocument(
  source: RulesSource,
  document: unknown,
  checked: readonly string[] | undefined,
): LoadedRules {
  const compiled = checked === undefined ? compileRules(document) : compileMarked(document, checked);
  return compiled.ok
    ? { ok: true, source, compiled: compiled.compiled, earlier: new Map() }
    : { ok: false, source, issues: compiled.issues };
}
