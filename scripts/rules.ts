/**
 * The rules document's command line: check, draw, describe and pack rules documents.
 *
 *   npm run rules -- check <file...> [--strict]          lint; exit 1 on errors (on warnings too with --strict)
 *   npm run rules -- graph <file> [--flow NAME] [--markdown]   Mermaid flowchart (in a ```mermaid fence)
 *   npm run rules -- schema [-o rules.schema.json]       the JSON Schema of RulesSchema, for editors
 *   npm run rules -- compile <file> [-o out.json]        validate, then minified JSON for the RULES variable
 *
 * Files ending in `.yaml`/`.yml` are YAML, anything else JSON. Exit codes: 0 fine, 1 the rules (or a file)
 * have a problem, 2 the command line is wrong.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { toJsonSchema } from '@valibot/to-json-schema';
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { CalendarSchema, TimeRangeSchema } from '../shared/calendar/calendar-schema';
import { CallSettingsSchema } from '../shared/protocol/reply';
import { compileRules, type RulesIssue } from '../shared/rules/compile-rules';
import { drawRules } from '../shared/rules/draw-rules';
import { lintRules } from '../shared/rules/lint-rules';
import { detectRulesFormat, readRulesText } from '../shared/rules/read-rules-text';
import {
  ConditionSchema,
  FlowSchema,
  NameSchema,
  NodeSchema,
  PromptSchema,
  RetryPolicySchema,
  RulesSchema,
} from '../shared/rules/rules-schema';
import { parseYaml } from '../shared/rules/yaml-parser';

/** Function Compute limits all environment variables of a function together to 4 KB. */
const ENV_LIMIT_BYTES = 4096;

/** Biome's line width, so that the committed schema passes `biome check` as printed. */
const JSON_LINE_WIDTH = 110;

const USAGE = `usage:
  npm run rules -- check <file...> [--strict]
  npm run rules -- graph <file> [--flow NAME] [--markdown]
  npm run rules -- schema [-o rules.schema.json]
  npm run rules -- compile <file> [-o out.json]`;

/** A finding with where it is in the file, when that can be found. */
type Located = RulesIssue & { readonly line?: number | undefined };

/** A rules file read and parsed, or why it could not be. */
type ReadFile =
  | { readonly ok: true; readonly document: unknown; readonly locate: (path: string) => number | undefined }
  | { readonly ok: false; readonly issues: readonly RulesIssue[] };

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function main(argv: readonly string[]): number {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const { command, files, options } = parsed;
  switch (command) {
    case 'check':
      return check(files, options.strict === true);
    case 'graph':
      return graph(files[0] as string, options.flow, options.markdown === true);
    case 'schema':
      return schema(options.output);
    case 'compile':
      return compile(files[0] as string, options.output);
  }
}

const OPTIONS = {
  strict: { type: 'boolean' },
  flow: { type: 'string' },
  markdown: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
} as const;

/** Which options and how many files each command takes. */
const COMMANDS = {
  check: { options: ['strict'], files: [1, Number.POSITIVE_INFINITY] },
  graph: { options: ['flow', 'markdown'], files: [1, 1] },
  schema: { options: ['output'], files: [0, 0] },
  compile: { options: ['output'], files: [1, 1] },
} as const satisfies Record<string, { options: readonly (keyof typeof OPTIONS)[]; files: readonly number[] }>;

function parseCommandLine(argv: readonly string[]) {
  let values: { strict?: boolean; flow?: string; markdown?: boolean; output?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const [command, ...files] = positionals;
  if (command === undefined || !Object.hasOwn(COMMANDS, command)) {
    throw new UsageError(command === undefined ? 'no command given' : `unknown command ${command}`);
  }
  const spec = COMMANDS[command as keyof typeof COMMANDS];
  const allowed: readonly string[] = spec.options;
  const wrong = Object.keys(values).filter((name) => !allowed.includes(name));
  if (wrong.length > 0) throw new UsageError(`${command} does not take --${wrong.join(', --')}`);
  const [min, max] = spec.files;
  if (files.length < min || files.length > max) {
    throw new UsageError(
      `${command} takes ${max === 0 ? 'no file' : max === 1 ? 'one file' : 'one or more files'}`,
    );
  }
  return { command: command as keyof typeof COMMANDS, files, options: values };
}

// --------------------------------------------------------------------------------------------------
// Commands
// --------------------------------------------------------------------------------------------------

function check(files: readonly string[], strict: boolean): number {
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const read = readFile(file);
    const found = read.ok
      ? locateAll(lintRules(read.document), read.locate)
      : { errors: read.issues.map((issue) => ({ ...issue })), warnings: [] };
    for (const issue of found.errors) process.stdout.write(`${formatIssue('error', file, issue)}\n`);
    for (const issue of found.warnings) process.stdout.write(`${formatIssue('warning', file, issue)}\n`);
    errors += found.errors.length;
    warnings += found.warnings.length;
  }
  const failed = errors > 0 || (strict && warnings > 0);
  const summary =
    `${files.length} ${files.length === 1 ? 'file' : 'files'} checked: ` +
    `${plural(errors, 'error')}, ${plural(warnings, 'warning')}` +
    (strict && errors === 0 && warnings > 0 ? ' (--strict: warnings fail)' : '');
  process.stdout.write(`${summary}\n`);
  return failed ? 1 : 0;
}

function graph(file: string, flow: string | undefined, markdown: boolean): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(file, read.issues, () => undefined);
  const result = compileRules(read.document);
  if (!result.ok) return reportRefused(file, result.issues, read.locate);
  const flows = Object.keys(result.compiled.rules.flows);
  if (flow !== undefined && !flows.includes(flow)) {
    process.stderr.write(`${file}: no flow is named ${flow}; its flows are ${flows.join(', ')}\n`);
    return 1;
  }
  const mermaid = drawRules(result.compiled, { flow });
  process.stdout.write(markdown ? `\`\`\`mermaid\n${mermaid}\`\`\`\n` : mermaid);
  return 0;
}

function schema(output: string | undefined): number {
  const text = printRulesJsonSchema();
  if (output === undefined) process.stdout.write(text);
  else writeFileSync(output, text);
  return 0;
}

function compile(file: string, output: string | undefined): number {
  const read = readFile(file);
  if (!read.ok) return reportRefused(file, read.issues, () => undefined);
  const linted = locateAll(lintRules(read.document), read.locate);
  for (const issue of linted.warnings) process.stderr.write(`${formatIssue('warning', file, issue)}\n`);
  if (linted.errors.length > 0) {
    for (const issue of linted.errors) process.stderr.write(`${formatIssue('error', file, issue)}\n`);
    process.stderr.write(`${file}: not compiled, ${plural(linted.errors.length, 'error')}\n`);
    return 1;
  }
  // The document as written, not the validated output: defaults filled in would only cost bytes.
  const json = JSON.stringify(read.document);
  const bytes = Buffer.byteLength(json);
  if (output === undefined) process.stdout.write(`${json}\n`);
  else writeFileSync(output, json);
  process.stderr.write(`${output ?? file}: ${bytes} bytes of minified JSON\n`);
  if (bytes > ENV_LIMIT_BYTES) {
    process.stderr.write(
      `warning: over ${ENV_LIMIT_BYTES / 1024} KB, Function Compute's limit for all environment variables ` +
        'together: put the document in a file and point RULES_FILE at it instead of RULES\n',
    );
  }
  return 0;
}

function reportRefused(
  file: string,
  issues: readonly RulesIssue[],
  locate: (path: string) => number | undefined,
) {
  for (const issue of issues)
    process.stderr.write(`${formatIssue('error', file, { ...issue, line: locate(issue.path) })}\n`);
  return 1;
}

// --------------------------------------------------------------------------------------------------
// Files and lines
// --------------------------------------------------------------------------------------------------

function readFile(file: string): ReadFile {
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
  // The same parser as the functions, so that `check` accepts exactly what they will load.
  const read = readRulesText(text, detectRulesFormat(file), parseYaml);
  if (!read.ok) return read;
  return { ok: true, document: read.document, locate: createLocator(text) };
}

/**
 * Finds the line of a dotted path (`flows.main.nodes.menu.keys.1`) in the text of a rules file, or of
 * its nearest ancestor that is written (a missing key is reported where its object is). JSON is read with
 * the YAML parser too, as it is YAML's flow style; where that fails there are no line numbers.
 */
function createLocator(text: string): (path: string) => number | undefined {
  // Parsed again only when there is something to place: a clean large document costs nothing more.
  let parsed: { document: Document; lineCounter: LineCounter } | null | undefined;
  return (path) => {
    if (parsed === undefined) {
      const lineCounter = new LineCounter();
      const document = parseDocument(text, { lineCounter });
      parsed = document.errors.length > 0 ? null : { document, lineCounter };
    }
    if (parsed === null) return undefined;
    const { document, lineCounter } = parsed;
    let node: unknown = document.contents;
    let offset: number | undefined;
    for (const segment of path.split('.')) {
      if (isMap(node)) {
        // Keys are compared as text: YAML reads `1: info` with a number key, JSON.parse with "1".
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
        if (pair === undefined || !isScalar(pair.key)) break;
        offset = pair.key.range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(segment)) {
        const item: unknown = node.items[Number(segment)];
        if (item === undefined) break;
        offset = (item as { range?: [number, number, number] | null }).range?.[0] ?? offset;
        node = item;
      } else break;
    }
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
}

function locateAll(
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

/** `error    rules.yaml:12  flows.main.nodes.menu.keys.1: no node is named billing` */
function formatIssue(severity: 'error' | 'warning', file: string, issue: Located): string {
  const where = issue.line === undefined ? file : `${file}:${issue.line}`;
  return `${severity.padEnd(7)}  ${where}  ${issue.path}: ${issue.message}`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

// --------------------------------------------------------------------------------------------------
// The JSON Schema
// --------------------------------------------------------------------------------------------------

/**
 * `RulesSchema` as a JSON Schema (draft-07) for editors, printed as Biome would format it. Checks that
 * have no JSON Schema form (a pattern that must compile, minDigits ≤ maxDigits, …) are left to
 * `npm run rules -- check`; the shared parts are named definitions, so editors show their names.
 */
function printRulesJsonSchema(): string {
  const jsonSchema = toJsonSchema(RulesSchema, {
    errorMode: 'ignore',
    // Editors check what people write: defaults make keys optional, transformations are not applied.
    typeMode: 'input',
    definitions: {
      Name: NameSchema,
      Prompt: PromptSchema,
      RetryPolicy: RetryPolicySchema,
      Condition: ConditionSchema,
      Node: NodeSchema,
      Flow: FlowSchema,
      CallSettings: CallSettingsSchema,
      Calendar: CalendarSchema,
      TimeRange: TimeRangeSchema,
    },
  });
  // `$schema` first, where readers look for it; the converter puts it after the properties.
  const { $schema, ...rest } = jsonSchema;
  const titled = {
    $schema,
    title: 'vms-callflow rules document: lines, calendars and call flows (README.md)',
    ...rest,
  };
  return `${formatJson(titled, '')}\n`;
}

/**
 * JSON laid out like Biome's formatter: objects one key per line, arrays of plain values on one line
 * when they fit in the line width.
 */
function formatJson(value: unknown, indent: string, prefix = '', suffix = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = `[${value.map((item) => JSON.stringify(item)).join(', ')}]`;
    const plain = value.every((item) => item === null || typeof item !== 'object');
    if (plain && indent.length + prefix.length + flat.length + suffix.length <= JSON_LINE_WIDTH) return flat;
    const inner = `${indent}  `;
    const items = value.map(
      (item, i) => `${inner}${formatJson(item, inner, '', i < value.length - 1 ? ',' : '')}`,
    );
    return `[\n${items.map((item, i) => (i < value.length - 1 ? `${item},` : item)).join('\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([key, item], i) => {
      const keyText = `${JSON.stringify(key)}: `;
      const comma = i < entries.length - 1 ? ',' : '';
      return `${inner}${keyText}${formatJson(item, inner, keyText, comma)}${comma}`;
    });
    return `{\n${lines.join('\n')}\n${indent}}`;
  }
  return JSON.stringify(value);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  process.exitCode = main(process.argv.slice(2));
}
