/**
 * Rules files for the rules CLI: reading and parsing them as the functions do, placing findings on their
 * lines, and printing findings. Shared by `scripts/rules/rules.ts` and `scripts/rules/rules-publish.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CommandIo } from '../../dev/command-line';
import { createYamlLocator } from '../../dev/yaml-locator';
import { writeCheckedRules } from '../../shared/rules/checked-rules';
import { compileRules, type RulesIssue } from '../../shared/rules/compile-rules';
import { detectRulesFormat, readRulesText } from '../../shared/rules/read-rules-text';
import { parseYaml } from '../../shared/rules/yaml-parser';

/** A finding with where it is in the file, when that can be found. */
export type Located = RulesIssue & { readonly line?: number | undefined };

/** A rules file read and parsed, or why it could not be. */
export type ReadFile =
  | { readonly ok: true; readonly document: unknown; readonly locate: (path: string) => number | undefined }
  | { readonly ok: false; readonly issues: readonly RulesIssue[] };

export function readFile(file: string): ReadFile {
  let text: string;
  try {
    text = readFileSync(resolve(file), 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      ok: false,
      issues: [{ path: '(file)', message: `cannot read the file (${String(code ?? error)})` }],
    };
  }
  return parseRulesFileText(text, file);
}

/** Parses the text of a rules file named `name` (`.yaml`/`.yml` is YAML, anything else JSON). */
export function parseRulesFileText(text: string, name: string): ReadFile {
  // The same parser as the functions, so that `check` accepts exactly what they will load.
  const read = readRulesText(text, detectRulesFormat(name), parseYaml);
  if (!read.ok) return read;
  return { ok: true, document: read.document, locate: createYamlLocator(text) };
}

/**
 * What `rules publish` makes of a document: minified JSON of the document as written, not the validated
 * output (defaults filled in would only cost bytes).
 */
export function compileToJson(document: unknown): string {
  return JSON.stringify(document);
}

/**
 * What `rules compile` makes of a valid document: the validated output as minified JSON (defaults filled
 * in, a few bytes more), marked as checked under this schema version ({@link writeCheckedRules}), so that
 * the functions need not validate it again. Undefined for a document that is not valid.
 */
export function compileToCheckedJson(document: unknown): string | undefined {
  const compiled = compileRules(document);
  return compiled.ok ? writeCheckedRules(compiled.compiled.rules) : undefined;
}

export function locateAll(
  result: { errors: readonly RulesIssue[]; warnings: readonly RulesIssue[] },
  locate: (path: string) => number | undefined,
): { errors: Located[]; warnings: Located[] } {
  // Sorted by line (stable, unlocated last) so the report reads down the file.
  const place = (issues: readonly RulesIssue[]) =>
    issues
      .map((issue) => ({ ...issue, line: locate(issue.path) }))
      .sort((a, b) => (a.line ?? Number.POSITIVE_INFINITY) - (b.line ?? Number.POSITIVE_INFINITY));
  return { errors: place(result.errors), warnings: place(result.warnings) };
}

/** Writes why a rules file was refused, each finding on its line; returns the exit code, 1. */
export function reportRefused(
  io: CommandIo,
  file: string,
  issues: readonly RulesIssue[],
  locate: (path: string) => number | undefined,
): number {
  for (const issue of issues)
    io.err(`${formatIssue('error', file, { ...issue, line: locate(issue.path) })}\n`);
  return 1;
}

/** `error    rules.yaml:12  flows.main.nodes.menu.keys.1: no node is named billing` */
export function formatIssue(severity: 'error' | 'warning', file: string, issue: Located): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}`;
  return `${severity.padEnd(7)}  ${where}  ${issue.path}: ${issue.message}`;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Writes a command's result alone on stdout, or to `output` (`-o FILE`): nothing else goes on stdout, so
 * a redirection makes the same file. Returns the exit code (1 when the file cannot be written).
 */
export function writeResult(io: CommandIo, text: string, output: string | undefined): number {
  if (output === undefined) {
    io.out(text);
    return 0;
  }
  try {
    writeFileSync(output, text);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    io.err(
      `cannot write ${output} (${String(code ?? error)}): check that its folder exists and may be written\n`,
    );
    return 1;
  }
  return 0;
}
