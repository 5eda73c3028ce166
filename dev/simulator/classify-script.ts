/**
 * What the language model answers in a simulated call, as a scenario (or the caller at the prompt) writes
 * it: `{choice: lostCard, confidence: 0.92}` (a verdict; confidence 0.9 when left out), `none` (the model
 * chose nothing), `timeout` (no answer within the wait) or `{failed: rate-limited}` (a word of
 * CLASSIFY_FAILURES). The schema reads what is written; {@link toScriptedClassification} turns it into what
 * the simulated classifier (simulated-classifier.ts) plays. Pure.
 */
import * as v from 'valibot';
import { CLASSIFY_FAILURES, type ClassifyFailure, NO_CHOICE } from '../../shared/classify/classify-types';
import { parseDocument } from '../../shared/schema/document-issues';
import { NameSchema } from '../../shared/text/name';

/** The confidence of a verdict written without one. */
export const SCRIPTED_CONFIDENCE = 0.9;

/** What a classifier answer is, for messages. */
const FORMS = `a classifier answer is none, timeout, {choice: NAME, confidence: 0–1} or {failed: ${CLASSIFY_FAILURES.join('|')}}`;

/** A verdict: the intent or handler the model chose (or `none`), and how sure it says it is. */
export const ClassifyVerdictSchema = v.strictObject({
  /** An intent's or handler's name, or `none`. */
  choice: NameSchema,
  /** 0 to 1; 0.9 when left out. */
  confidence: v.optional(
    v.pipe(
      v.number('a confidence is a number from 0 to 1, such as 0.92'),
      v.minValue(0, 'a confidence is from 0 to 1'),
      v.maxValue(1, 'a confidence is from 0 to 1 (0.92, not 92)'),
    ),
  ),
});

/** No verdict: why, as the classifier client says it. */
export const ClassifyFailedSchema = v.strictObject({
  failed: v.picklist(CLASSIFY_FAILURES, `failed is one of ${CLASSIFY_FAILURES.join(', ')}`),
});

/** How the classifier answers, as a scenario writes it. */
export const ClassifyAnswerTextSchema = v.union(
  [v.picklist(['none', 'timeout']), ClassifyVerdictSchema, ClassifyFailedSchema],
  FORMS,
);
export type ClassifyAnswerText = v.InferOutput<typeof ClassifyAnswerTextSchema>;

/** What the simulated classifier plays: a verdict (read by the client's own reader), or a failure. */
export type ScriptedClassification =
  | { readonly kind: 'verdict'; readonly choice: string; readonly confidence: number }
  | { readonly kind: 'failed'; readonly why: ClassifyFailure };

/** The answer written, as the simulated classifier plays it. */
export function toScriptedClassification(text: ClassifyAnswerText): ScriptedClassification {
  if (text === 'none') return { kind: 'verdict', choice: NO_CHOICE, confidence: SCRIPTED_CONFIDENCE };
  if (text === 'timeout') return { kind: 'failed', why: 'timeout' };
  if ('failed' in text) return { kind: 'failed', why: text.failed };
  return { kind: 'verdict', choice: text.choice, confidence: text.confidence ?? SCRIPTED_CONFIDENCE };
}

/** The choices a scenario's answer names (`none` is not one), for the check against the rules. */
export function namedChoice(text: ClassifyAnswerText): string | undefined {
  return typeof text === 'object' && 'choice' in text && text.choice !== NO_CHOICE ? text.choice : undefined;
}

/** How a transcript names an answer: `lostCard 0.92`, `none 0.90`, `failed timeout`. */
export function describeScriptedClassification(answer: ScriptedClassification): string {
  return answer.kind === 'verdict'
    ? `${answer.choice} ${answer.confidence.toFixed(2)}`
    : `failed ${answer.why}`;
}

/** What to type at the prompt, for messages. */
export const TYPED_FORMS =
  'a choice and its confidence (lostCard 0.92; 0.9 if left out), none, timeout or failed WHY';

/**
 * Reads an answer typed at the prompt: `lostCard 0.92`, `lostCard`, `none`, `timeout` or
 * `failed rate-limited`. The same forms as a scenario's, on one line: the message says what is wrong.
 */
export function readTypedClassification(
  line: string,
): { ok: true; answer: ScriptedClassification } | { ok: false; message: string } {
  const [word = '', ...rest] = line.trim().split(/\s+/);
  let written: unknown;
  if (word === 'failed') {
    if (rest.length !== 1) return { ok: false, message: `failed takes why: ${CLASSIFY_FAILURES.join(', ')}` };
    written = { failed: rest[0] };
  } else if (word === 'timeout' && rest.length === 0) written = word;
  else if (rest.length > 1 || word === '') return { ok: false, message: `type ${TYPED_FORMS}` };
  else {
    const confidence = rest[0] === undefined ? undefined : Number(rest[0]);
    if (confidence !== undefined && !Number.isFinite(confidence))
      return { ok: false, message: `a confidence is a number from 0 to 1: ${word} 0.92` };
    written = confidence === undefined ? { choice: word } : { choice: word, confidence };
  }
  const parsed = parseDocument(ClassifyAnswerTextSchema, written);
  if (!parsed.ok) return { ok: false, message: parsed.issues[0]?.message ?? FORMS };
  return { ok: true, answer: toScriptedClassification(parsed.output) };
}
