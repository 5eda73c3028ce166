import * as v from 'valibot';
import type { FieldDescriptions } from './field-descriptions';

/**
 * Validation of a document a person writes (the rules document, a scenario file), with valibot's issues
 * worded for that person: `next is required: the node the call goes to`, `unknown key expct
 * (did you mean expect?)`, `to was read as the number 5925559999: …`. One issue per mistake: a pipe
 * stops at its first failure (so `8:30-12:00` is not also said to end before it starts), a union says
 * one thing, and a path is reported once.
 */

/** A problem in a document, with where it is (`flows.hotline.nodes.menu.keys.1`). */
export type DocumentIssue = { readonly path: string; readonly message: string };

export type ParseDocumentResult<T> =
  | { readonly ok: true; readonly output: T }
  | { readonly ok: false; readonly issues: readonly DocumentIssue[] };

/** The path of an issue at the document's top level. */
export const DOCUMENT_PATH = '(document)';

/**
 * Validates a document against its schema. `descriptions` lets a missing key say what it is for; without
 * them (the function bundles) it says only that it is required.
 */
export function parseDocument<const S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  descriptions?: FieldDescriptions,
): ParseDocumentResult<v.InferOutput<S>> {
  const parsed = v.safeParse(schema, input, { abortPipeEarly: true });
  if (parsed.success) return { ok: true, output: parsed.output };
  // Required here, not imported: the function bundles load the wording (5 KB) only for an invalid
  // document, from the side file word-issues.js that the build puts beside them.
  const { wordIssues } = require('./word-issues') as typeof import('./word-issues');
  return { ok: false, issues: wordIssues(schema, parsed.issues, descriptions) };
}
