/**
 * What a lookup answers in a simulated call, as a scenario (or the caller at the prompt) writes it:
 * `{data: …}` (a 2xx JSON answer), `{status: 503}`, `timeout` (every attempt runs out of time), `failed`
 * (the connection fails) or `{failed: not-json}`, and `slow` (the answer comes after the callback's wait).
 * The schema reads what is written; {@link toScriptedAnswer} turns it into what the simulated lookups
 * (simulated-lookups.ts) answer with. Pure.
 */
import * as v from 'valibot';
import type { LookupFailure } from '../../shared/lookup/lookup-types';
import { parseDocument } from '../../shared/schema/document-issues';
import { NameSchema } from '../../shared/text/name';

/**
 * The failures written by name: those of an answer that is there but unusable, a connection that fails
 * and a lookup that is never sent. The others have their own form (`timeout`, `{status: 503}`) or come
 * from the data (`missing`, `invalid`: script `{data: …}` without the value, or with one of another kind).
 */
export const SCRIPTED_FAILURES = [
  'connection',
  'timeout',
  'too-large',
  'not-json',
  'too-deep',
  'unsendable',
] as const satisfies readonly LookupFailure[];

/** What a lookup answer is, for messages. */
const FORMS = `a lookup answer is timeout, slow, failed, {data: …}, {status: 300–599} or {failed: ${SCRIPTED_FAILURES.join('|')}}`;

/** An answer written as an object: exactly one of `data`, `status` and `failed`, and maybe `slow`. */
export const LookupAnswerObjectSchema = v.pipe(
  v.strictObject({
    /** The answer's JSON (what the endpoint sends with a 2xx status). */
    data: v.optional(v.unknown()),
    /** A status other than 2xx: a 3xx is a redirect (never followed), any other an error status. */
    status: v.optional(
      v.pipe(
        v.number('a status is a number, such as 503'),
        v.integer('a status is a whole number'),
        v.minValue(300, 'a status is one of 300 to 599 (a 2xx answer is written {data: …})'),
        v.maxValue(599, 'a status is one of 300 to 599'),
      ),
    ),
    /** Why no usable answer came. */
    failed: v.optional(v.picklist(SCRIPTED_FAILURES)),
    /** The answer comes after the callback's wait: the caller hears the filler, the next event gets it. */
    slow: v.optional(v.literal(true, 'slow is true, or left out')),
  }),
  v.check(
    (answer) => ['data', 'status', 'failed'].filter((key) => Object.hasOwn(answer, key)).length === 1,
    'a lookup answer has exactly one of data, status and failed',
  ),
  v.check(
    (answer) => answer.slow === undefined || answer.failed === undefined,
    'slow goes with data or status: a failure of the connection or of time has a form of its own',
  ),
);

/**
 * A lookup's answer as a scenario writes it. An object that is one but for a check (two of data, status
 * and failed; a status out of range) is told what is wrong with it; anything else is told every form.
 */
export const LookupAnswerSchema = v.union(
  [v.picklist(['timeout', 'slow', 'failed']), LookupAnswerObjectSchema],
  FORMS,
);
export type LookupAnswerText = v.InferOutput<typeof LookupAnswerSchema>;

/** The answers of lookups, by the name the rules give them under `lookups`. */
export const LookupAnswersSchema = v.record(NameSchema, LookupAnswerSchema);
export type LookupAnswers = v.InferOutput<typeof LookupAnswersSchema>;

/**
 * What a lookup answers, as the simulated lookups play it: how its attempts end, each on its own.
 * - `data`: a 2xx JSON answer (still `too-large` or `too-deep` where the real client would say so);
 * - `status`: a 3xx (`redirect`) or another status (`status`): an answer, so not sent again;
 * - `refused`: an answer that is there but unusable (`too-large`, `not-json`, `too-deep`);
 * - `connection`: the connection fails at once, and the attempt is sent again while attempts remain;
 * - `timeout`: no answer: the attempt runs out of its `timeoutMs`, and is sent again while attempts remain;
 * - `unsendable`: nothing is sent.
 * `slow`: the answer comes after the wait of the callback that sent it.
 */
export type ScriptedAnswer =
  | { readonly kind: 'data'; readonly data: unknown; readonly slow: boolean }
  | { readonly kind: 'status'; readonly status: number; readonly slow: boolean }
  | { readonly kind: 'refused'; readonly why: 'too-large' | 'not-json' | 'too-deep' }
  | { readonly kind: 'connection' | 'timeout' | 'unsendable' };

/**
 * The answer written, as the simulated lookups play it. `slow` (alone) delays the answer scripted before
 * it (`before`); undefined when there is none to delay, or it is one that never comes.
 */
export function toScriptedAnswer(
  text: LookupAnswerText,
  before: ScriptedAnswer | undefined,
): ScriptedAnswer | undefined {
  if (text === 'timeout') return { kind: 'timeout' };
  if (text === 'failed') return { kind: 'connection' };
  if (text === 'slow')
    return before?.kind === 'data' || before?.kind === 'status' ? { ...before, slow: true } : undefined;
  const slow = text.slow === true;
  if (Object.hasOwn(text, 'data')) return { kind: 'data', data: text.data, slow };
  if (text.status !== undefined) return { kind: 'status', status: text.status, slow };
  switch (text.failed) {
    case 'connection':
    case 'timeout':
    case 'unsendable':
      return { kind: text.failed };
    case 'too-large':
    case 'not-json':
    case 'too-deep':
      return { kind: 'refused', why: text.failed };
    case undefined:
      return undefined;
  }
}

/** Why a `slow` has nothing to delay, for messages. */
export const SLOW_NEEDS_AN_ANSWER =
  "slow delays the answer scripted before it ({data: …} or {status: …}, under the scenario's lookups or an earlier turn's): write {data: …, slow: true}";

/**
 * Reads an answer typed at the prompt: `{"balance": 1}` (the answer's JSON), `slow {"balance": 1}`,
 * `status 503`, `timeout`, `failed` or `failed not-json`. The same forms as a scenario's, written on one
 * line: the message says what is wrong otherwise.
 */
export function readTypedAnswer(
  line: string,
): { ok: true; answer: ScriptedAnswer } | { ok: false; message: string } {
  const text = line.trim();
  const [word = '', ...rest] = text.split(/\s+/);
  const arg = text.slice(word.length).trim();
  let written: unknown;
  if (word === 'slow' && arg !== '') {
    const data = parseJson(arg);
    if (data === undefined)
      return { ok: false, message: `slow takes the answer's JSON: slow {"balance": 1}` };
    written = { data: data.value, slow: true };
  } else if (word === 'status') written = { status: Number(arg) };
  else if (word === 'failed' && rest.length > 0) written = { failed: arg };
  else if (word === 'timeout' || word === 'failed' || word === 'slow') written = word;
  else {
    const data = parseJson(text);
    if (data === undefined)
      return {
        ok: false,
        message: `type the answer's JSON ({"balance": 1}), slow {…}, status 503, timeout, failed or failed not-json`,
      };
    written = { data: data.value };
  }
  const parsed = parseDocument(LookupAnswerSchema, written);
  if (!parsed.ok) return { ok: false, message: parsed.issues[0]?.message ?? FORMS };
  const answer = toScriptedAnswer(parsed.output, undefined);
  return answer === undefined ? { ok: false, message: SLOW_NEEDS_AN_ANSWER } : { ok: true, answer };
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/** How a transcript names an answer: `{"balance":1}`, `slow {"balance":1}`, `status 503`, `timeout`. */
export function describeScriptedAnswer(answer: ScriptedAnswer): string {
  switch (answer.kind) {
    case 'data':
      return `${answer.slow ? 'slow ' : ''}${JSON.stringify(answer.data) ?? 'null'}`;
    case 'status':
      return `${answer.slow ? 'slow ' : ''}status ${answer.status}`;
    case 'refused':
      return `failed ${answer.why}`;
    case 'connection':
      return 'failed connection';
    case 'timeout':
      return 'timeout';
    case 'unsendable':
      return 'failed unsendable';
  }
}
