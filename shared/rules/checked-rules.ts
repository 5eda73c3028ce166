import { createHash } from 'node:crypto';
import type { Rules } from './rules-schema';

/**
 * The version of the rules schema, in the mark `rules compile` leaves on a document. Raise it whenever
 * what validation accepts or how it fills a document in changes (test/rules/checked-rules.test.ts fails
 * when rules.schema.json changes without it; a check the JSON Schema does not show needs it raised by
 * hand): a document compiled under another version is then validated in full.
 */
export const RULES_SCHEMA_VERSION = 2;

/** The field `rules compile` appends to a document it validated: `"checked":"<schema version>:<sha256>"`. */
export const CHECKED_FIELD = 'checked';

const MARK_START = `,"${CHECKED_FIELD}":"`;

/** The mark's value and the end of the text: a version, a SHA-256 in base64url, the closing brace. */
const MARK_END = /^(\d{1,6}):([A-Za-z0-9_-]{43})"\}\s*$/;

/** SHA-256 of the schema version and a document's JSON text (given whole or in parts), base64url. */
function checksum(schemaVersion: number, ...json: readonly string[]): string {
  const hash = createHash('sha256').update(`${schemaVersion}\n`);
  for (const part of json) hash.update(part);
  return hash.digest('base64url');
}

/**
 * A validated document (the schema's output, defaults filled in) as minified JSON with the mark of this
 * schema version appended as its last field, over exactly the JSON before it.
 */
export function writeCheckedRules(rules: Rules): string {
  const { [CHECKED_FIELD]: _, ...document } = rules as Rules & { [CHECKED_FIELD]?: unknown };
  const json = JSON.stringify(document);
  return `${json.slice(0, -1)}${MARK_START}${RULES_SCHEMA_VERSION}:${checksum(RULES_SCHEMA_VERSION, json)}"}`;
}

/**
 * Whether a JSON text carries the mark of this schema version over exactly the rest of it, so that its
 * document is the schema's output and need not be validated again. Anything else (no mark, an edit by
 * hand, another version, text after it) is `false`: validate in full.
 */
export function isCheckedRules(text: string): boolean {
  return checkedJson(text) !== undefined;
}

/**
 * The JSON a holding mark covers (the text without its mark: the document as `rules compile` serialised
 * it, which its tag is taken from, as from any document's JSON), or undefined when the mark does not hold
 * ({@link isCheckedRules}). Given in two parts, the text up to the mark and the closing brace, so that
 * it is hashed without a copy of the text being made.
 */
export function checkedJson(text: string): readonly string[] | undefined {
  const at = text.lastIndexOf(MARK_START);
  if (at < 1) return undefined;
  const mark = MARK_END.exec(text.slice(at + MARK_START.length));
  if (mark === null || mark[1] !== String(RULES_SCHEMA_VERSION)) return undefined;
  const json = [text.slice(0, at), '}'];
  return checksum(RULES_SCHEMA_VERSION, ...json) === mark[2] ? json : undefined;
}

/**
 * A parsed document without its mark: what is validated, or taken as validated when the mark holds. A
 * value that is not an object is returned as it is, for validation to refuse.
 */
export function withoutMark(document: unknown): unknown {
  if (typeof document !== 'object' || document === null || !Object.hasOwn(document, CHECKED_FIELD))
    return document;
  const { [CHECKED_FIELD]: _, ...rest } = document as Record<string, unknown>;
  return rest;
}
