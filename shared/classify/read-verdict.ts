/**
 * The verdict in a chat completion: the first choice's message, which must be the JSON object the prompt
 * asks for, naming an offered choice or `none`, with a confidence from 0 to 1. Anything else is
 * `unparseable` (prose, a JSON of another shape, no choices) or `off-list` (a choice never offered, which
 * an utterance that steered the model would produce): the menu then goes on as without the model.
 */
import * as v from 'valibot';
import type { ClassifyFailure, TokenUsage } from './classify-types';
import { NO_CHOICE } from './classify-types';

const CompletionSchema = v.object({
  choices: v.pipe(
    v.array(v.object({ message: v.object({ content: v.pipe(v.string(), v.maxLength(4096)) }) })),
    v.minLength(1),
  ),
  usage: v.optional(
    v.object({
      prompt_tokens: v.pipe(v.number(), v.integer(), v.minValue(0)),
      completion_tokens: v.pipe(v.number(), v.integer(), v.minValue(0)),
    }),
  ),
});

const VerdictSchema = v.object({
  choice: v.pipe(v.string(), v.maxLength(100)),
  // Some models quote numbers: "0.9" is read as 0.9, nothing looser.
  confidence: v.union([
    v.pipe(v.number(), v.finite()),
    v.pipe(v.string(), v.regex(/^\d{1,3}(?:\.\d{1,6})?$/), v.transform(Number)),
  ]),
});

export type ReadVerdict =
  | { readonly ok: true; readonly choice: string; readonly confidence: number; readonly usage?: TokenUsage }
  | {
      readonly ok: false;
      readonly why: Extract<ClassifyFailure, 'unparseable' | 'off-list'>;
      readonly usage?: TokenUsage;
    };

/** The verdict of `completion` (parsed JSON) among `offered` ids, or why there is none. */
export function readVerdict(completion: unknown, offered: ReadonlySet<string>): ReadVerdict {
  const parsed = v.safeParse(CompletionSchema, completion);
  if (!parsed.success) return { ok: false, why: 'unparseable' };
  const { usage: raw } = parsed.output;
  const usage =
    raw === undefined
      ? {}
      : { usage: { promptTokens: raw.prompt_tokens, completionTokens: raw.completion_tokens } };
  const content = parsed.output.choices[0]?.message.content ?? '';
  let json: unknown;
  try {
    // Some models wrap JSON in a fence; nothing else around it is read.
    json = JSON.parse(content.replace(/^\s*```(?:json)?\s*|\s*```\s*$/g, ''));
  } catch {
    return { ok: false, why: 'unparseable', ...usage };
  }
  const verdict = v.safeParse(VerdictSchema, json);
  if (!verdict.success) return { ok: false, why: 'unparseable', ...usage };
  const { choice } = verdict.output;
  if (choice !== NO_CHOICE && !offered.has(choice)) return { ok: false, why: 'off-list', ...usage };
  // A whole percentage (92) is read as 0.92, a negative confidence as 0; 1.5 or 101 mean nothing.
  const said = verdict.output.confidence;
  const percent = said > 1 && said <= 100 && Number.isInteger(said);
  if (said > 1 && !percent) return { ok: false, why: 'unparseable', ...usage };
  const confidence = Math.max(0, percent ? said / 100 : said);
  return { ok: true, choice, confidence, ...usage };
}
