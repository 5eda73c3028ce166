import type * as v from 'valibot';
import { DOCUMENT_PATH, type DocumentIssue } from './document-issues';
import { describeField, type FieldDescriptions, firstClause } from './field-descriptions';

/**
 * valibot's issues worded for the person who wrote the document (see {@link parseDocument} in
 * document-issues.ts). Only a document with a mistake needs this, so the function bundles carry it as a
 * side file, `word-issues.js`, required on the first invalid document (scripts/build/build.ts).
 */

/** valibot's issues in the document's words, one per path. */
export function wordIssues(
  root: v.GenericSchema,
  issues: readonly v.BaseIssue<unknown>[],
  descriptions?: FieldDescriptions,
): DocumentIssue[] {
  const worded = new Map<string, string>();
  for (const issue of issues) {
    const { path, message } = wordIssue(root, issue, [], descriptions);
    if (!worded.has(path)) worded.set(path, message);
  }
  return [...worded].map(([path, message]) => ({ path, message }));
}

type PathItem = v.IssuePathItem;
/** A valibot schema as read here: only its shape (type, entries, options…) matters. */
type SchemaNode = { readonly type?: unknown } & Readonly<Record<string, unknown>>;

function wordIssue(
  root: v.GenericSchema,
  issue: v.BaseIssue<unknown>,
  prefix: readonly PathItem[],
  descriptions: FieldDescriptions | undefined,
): DocumentIssue {
  const items = [...prefix, ...(issue.path ?? [])];
  const path = items.map((item) => String(item.key)).join('.') || DOCUMENT_PATH;
  const key = items.at(-1)?.key;
  const subject = subjectOf(items);
  const custom = !issue.message.startsWith('Invalid ');
  const say = (message: string) => ({ path, message });

  if (isObjectType(issue.type) && issue.expected !== 'Object' && typeof key === 'string') {
    const parents = objectsAt(root, items);
    if (issue.expected === 'never') return say(`unknown key ${key}${suggestKey(key, parents)}`);
    if (issue.received === 'undefined') {
      const what = parents.map((parent) => describeField(descriptions, parent, key)).find(Boolean);
      return say(`${key} is required${what === undefined ? '' : `: ${firstClause(what)}`}`);
    }
  }
  if (issue.type === 'variant' && typeof key === 'string' && issue.expected !== 'Object') {
    const allowed = quotedOptions(issue.expected);
    if (issue.received === 'undefined') return say(`${key} is required: one of ${listWords(allowed)}`);
    return say(
      `${subject} ${issue.received} is not one of ${listWords(allowed)}${suggest(issue.input, allowed)}`,
    );
  }
  // YAML reads unquoted digits as a number (`to: 05925559999` arrives as 5925559999) and true/false/null as
  // such: say so whatever the schema's own message, which cannot know how the value was written.
  if (issue.kind === 'schema' && issue.expected === 'string') {
    if (typeof issue.input === 'number') {
      // Only whole numbers can have lost a leading 0 (a phone number, a key); others just need quotes.
      const hint =
        Number.isSafeInteger(issue.input) && issue.input >= 0
          ? ` ('0${issue.input}' if it starts with 0): unquoted digits are read as a number, which drops leading 0s`
          : ': unquoted, it is read as a number, not as the text written';
      return say(`${subject} was read as the number ${issue.input}: quote it${hint}`);
    }
    if (typeof issue.input === 'boolean') {
      return say(`${subject} was read as ${issue.input}, not text: quote it ('${issue.input}')`);
    }
  }
  if (issue.type === 'union' && !custom) {
    // The member that got furthest into the value is the one meant: say what is wrong inside it.
    const deepest = [...(issue.issues ?? [])].sort(
      (a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0),
    )[0];
    if (deepest?.path !== undefined) return wordIssue(root, deepest, items, descriptions);
  }
  // A schema's own words for a choice, with the near miss said too: `an action is one of … (did you mean answer?)`.
  if (custom && issue.type === 'picklist')
    return say(`${issue.message}${suggest(issue.input, quotedOptions(issue.expected))}`);
  if (custom) return say(issue.message);
  return say(wordDefault(subject, issue));
}

/** A valibot default message (`Invalid type: Expected …`) in plain words. */
function wordDefault(subject: string, issue: v.BaseIssue<unknown>): string {
  const requirement = issue.requirement;
  const isText = typeof issue.input === 'string';
  switch (issue.type) {
    case 'picklist':
    case 'literal':
    case 'enum': {
      const allowed = quotedOptions(issue.expected);
      const options = allowed.length > 0 ? listWords(allowed) : (issue.expected ?? '');
      return `${subject} is ${allowed.length > 1 ? 'one of ' : ''}${options}, not ${nameReceived(issue)}${suggest(issue.input, allowed)}`;
    }
    case 'min_length':
      if (requirement === 1) return isText ? `${subject} is empty` : `${subject} needs at least one item`;
      return `${subject} has at least ${String(requirement)} ${isText ? 'characters' : 'items'}`;
    case 'max_length':
      return `${subject} has at most ${String(requirement)} ${isText ? 'characters' : 'items'}`;
    case 'min_value':
      return `${subject} is at least ${String(requirement)}, not ${String(issue.input)}`;
    case 'max_value':
      return `${subject} is at most ${String(requirement)}, not ${String(issue.input)}`;
    case 'integer':
      return `${subject} is a whole number, not ${String(issue.input)}`;
    case 'regex':
      return `${subject} does not have the form ${String(requirement)}`;
    case 'union':
    case 'variant':
      return `${subject} is not in a form allowed here (${nameReceived(issue)})`;
    default:
      if (issue.kind === 'schema')
        return `${subject} is ${nameExpected(issue.expected)}, not ${nameReceived(issue)}`;
      return `${subject} is not allowed here`;
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  number: 'a number',
  boolean: 'true or false',
  Array: 'a list',
  Object: 'a map of keys and values',
};

function nameExpected(expected: string | null): string {
  if (expected === null) return 'something else';
  return TYPE_WORDS[expected] ?? expected;
}

/** What the document holds, as a reader would say it (`the number 5`, `a list`, `empty`). */
function nameReceived(issue: v.BaseIssue<unknown>): string {
  const input = issue.input;
  if (input === null || input === undefined) return 'empty';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a map of keys and values';
  if (typeof input === 'number') return `the number ${input}`;
  if (typeof input === 'string') return JSON.stringify(input);
  return String(input);
}

/** `flows.a.nodes.b.keys` → `keys`; an item of a list is named after the list (`weekdays item 2`). */
function subjectOf(items: readonly PathItem[]): string {
  const last = items.at(-1);
  if (last === undefined) return 'the document';
  if (typeof last.key === 'number') {
    const list = items.at(-2)?.key;
    return `${list === undefined ? 'item' : `${String(list)} item`} ${last.key + 1}`;
  }
  return String(last.key);
}

function isObjectType(type: string): boolean {
  return type === 'strict_object' || type === 'object' || type === 'loose_object';
}

/** The quoted options of an `expected` text: `("say" | "menu")` → say, menu. */
function quotedOptions(expected: string | null): string[] {
  return [...(expected ?? '').matchAll(/"([^"]*)"/g)].map((match) => match[1] ?? '');
}

function listWords(words: readonly string[], conjunction = 'or'): string {
  if (words.length < 2) return words.join('');
  return `${words.slice(0, -1).join(', ')} ${conjunction} ${words.at(-1)}`;
}

/** ` (did you mean menu?)` when a word is a near miss of one allowed. */
function suggest(input: unknown, allowed: readonly string[]): string {
  if (typeof input !== 'string') return '';
  const near = findNearest(input, allowed);
  return near === undefined ? '' : ` (did you mean ${near}?)`;
}

/** A near miss among the keys allowed here, else the keys themselves (when they are few enough to read). */
function suggestKey(key: string, parents: readonly SchemaNode[]): string {
  const allowed = [...new Set(parents.flatMap((parent) => Object.keys(entriesOf(parent) ?? {})))];
  const near = findNearest(key, allowed);
  if (near !== undefined) return ` (did you mean ${near}?)`;
  if (allowed.length === 0) return '';
  return allowed.length <= 12 ? `: the keys here are ${listWords(allowed, 'and')}` : ': check where it sits';
}

/**
 * The allowed word nearest to `word` within a third of its length in edits (Damerau–Levenshtein, case
 * ignored): a typo, a missing or swapped letter. Undefined when none is that near, or two are.
 */
export function findNearest(word: string, allowed: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  let tied = false;
  for (const candidate of allowed) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
      tied = false;
    } else if (distance === bestDistance) tied = true;
  }
  return tied ? undefined : best;
}

/** Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i] ?? [];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, at(i - 2, j - 2) + 1);
      row[j] = distance;
    }
  }
  return at(a.length, b.length);
}

// ---------------------------------------------------------------------------------------------------
// Walking the schema along an issue's path, to find the object a key is missing from or unknown in.
// ---------------------------------------------------------------------------------------------------

/** The object schemas that can hold the value at the end of `items`, whose parent is `items[-1].input`. */
function objectsAt(root: v.GenericSchema, items: readonly PathItem[]): SchemaNode[] {
  let candidates: SchemaNode[] = [root as unknown as SchemaNode];
  for (const item of items.slice(0, -1)) {
    candidates = candidates.flatMap((schema) =>
      concreteSchemas(schema, item.input).flatMap((s) => childOf(s, item)),
    );
  }
  const last = items.at(-1);
  return candidates
    .flatMap((schema) => concreteSchemas(schema, last?.input))
    .filter((schema) => entriesOf(schema) !== undefined);
}

/** A schema with its wrappers (optional, nullable…) removed and unions spread into their members. */
function concreteSchemas(schema: SchemaNode, input: unknown): SchemaNode[] {
  const wrapped = schema.wrapped;
  if (isSchema(wrapped)) return concreteSchemas(wrapped, input);
  const options = schema.options;
  if ((schema.type === 'union' || schema.type === 'variant') && Array.isArray(options)) {
    const members = options.filter(isSchema).flatMap((option) => concreteSchemas(option, input));
    // A variant's member is the one its discriminator names, when the value names one.
    const discriminator = schema.type === 'variant' ? schema.key : undefined;
    if (typeof discriminator === 'string' && typeof input === 'object' && input !== null) {
      const named = (input as Record<string, unknown>)[discriminator];
      const chosen = members.filter((member) => {
        const entry = entriesOf(member)?.[discriminator];
        return isSchema(entry) && entry.literal === named;
      });
      if (chosen.length > 0) return chosen;
    }
    return members;
  }
  return [schema];
}

function childOf(schema: SchemaNode, item: PathItem): SchemaNode[] {
  const entries = entriesOf(schema);
  if (entries !== undefined) {
    const entry = typeof item.key === 'string' ? entries[item.key] : undefined;
    return isSchema(entry) ? [entry] : [];
  }
  const child = schema.type === 'record' ? schema.value : schema.type === 'array' ? schema.item : undefined;
  return isSchema(child) ? [child] : [];
}

function entriesOf(schema: SchemaNode): Readonly<Record<string, unknown>> | undefined {
  const entries = schema.entries;
  return isObjectType(String(schema.type)) && typeof entries === 'object' && entries !== null
    ? (entries as Record<string, unknown>)
    : undefined;
}

function isSchema(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === 'schema';
}
