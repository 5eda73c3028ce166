/**
 * How well a menu understands what callers say: a labelled set of utterances (an utterance file), each run
 * through the engine's own decision for a `normal` event at the menu, and scored against the intent it
 * should reach. The scoring takes any picker, so that another way of understanding (a language model, say)
 * is scored on the same file and reported in the same words.
 */
import * as v from 'valibot';
import { decideNextAction } from '../flow/decide-next-action';
import { isNeed } from '../flow/decision';
import { MAX_UTTERANCE_CHARS } from '../flow/flow-limits';
import { matchIntents } from '../flow/match-intents';
import { readIntentExcluded } from '../flow/trace-phrases';
import { NormalContentSchema } from '../protocol/callback-request';
import type { CompiledRules } from '../rules/compile-rules';
import type { MenuNode } from '../rules/rules-schema';
import { type DocumentIssue, parseDocument } from '../schema/document-issues';
import { describeObject, describeSchemas } from '../schema/field-descriptions';
import { NameSchema } from '../text/name';
import { normaliseSpeech } from '../text/normalise-speech';

/** The largest utterance file read, and the most utterances in one: a file is written by hand. */
export const MAX_UTTERANCE_FILE_BYTES = 256 * 1024;
export const MAX_UTTERANCES = 2000;

/** The label of an utterance that should match nothing (the menu's no-match retry). */
export const NO_INTENT = 'none';

export const LabelledUtteranceSchema = v.strictObject({
  say: v.pipe(
    v.string('say is text: the words as ASR returns them'),
    v.trim(),
    v.minLength(1, 'say is 1 or more characters'),
    v.maxLength(MAX_UTTERANCE_CHARS, `say is at most ${MAX_UTTERANCE_CHARS} characters, as the engine reads`),
  ),
  intent: NameSchema,
});
export type LabelledUtterance = v.InferOutput<typeof LabelledUtteranceSchema>;

export const UtteranceFileSchema = v.strictObject({
  $schema: v.optional(v.pipe(v.string(), v.maxLength(500))),
  flow: NameSchema,
  node: NameSchema,
  utterances: v.pipe(
    v.array(LabelledUtteranceSchema),
    v.minLength(1, 'utterances lists 1 or more utterances'),
    v.maxLength(MAX_UTTERANCES, `utterances lists at most ${MAX_UTTERANCES} utterances`),
  ),
});
export type UtteranceFile = v.InferOutput<typeof UtteranceFileSchema>;

/** Every field of an utterance file, for editors (`utterances.schema.json`) and messages. */
export const UTTERANCE_DESCRIPTIONS = describeSchemas([
  describeObject(
    UtteranceFileSchema,
    'An utterance file: what callers say at one menu, each with the intent it should reach, scored by `rules intents RULES --utterances FILE`.',
    {
      $schema:
        'The JSON Schema editors check this file against, such as `../utterances.schema.json`; it is ignored when the file is read.',
      flow: 'The flow of the menu, such as `main`.',
      node: 'The menu node the utterances are said at, such as `menu`.',
      utterances: `The labelled utterances, 1 to ${MAX_UTTERANCES}.`,
    },
  ),
  describeObject(LabelledUtteranceSchema, 'One thing a caller says, and what it should reach.', {
    say: `The words as ASR returns them (punctuation and all), such as \`不是挂失，我是想查余额。\`; 1 to ${MAX_UTTERANCE_CHARS} characters.`,
    intent: `The name of the intent it should reach (a spoken key counts as the intent going where the key goes), or of the global handler heard there, or \`${NO_INTENT}\` when it should match nothing.`,
  }),
]);

/** An utterance file's document (parsed YAML or JSON) checked, or its problems, each with its path. */
export function readUtteranceFile(
  document: unknown,
):
  | { readonly ok: true; readonly file: UtteranceFile }
  | { readonly ok: false; readonly issues: readonly DocumentIssue[] } {
  const parsed = parseDocument(UtteranceFileSchema, document, UTTERANCE_DESCRIPTIONS);
  return parsed.ok ? { ok: true, file: parsed.output } : { ok: false, issues: parsed.issues.slice(0, 20) };
}

/** What understood an utterance: the intent picked (or {@link NO_INTENT}), why, and intents voided on the way. */
export type Pick = {
  /** An intent's name, {@link NO_INTENT}, or what else the input matched (`key 3` for a key no intent goes to). */
  readonly got: string;
  /** Why, as the trace says it: `keyword 挂失`, `pattern /^转/`, `spoken key 2`. */
  readonly why?: string;
  /** Intents whose keywords matched but an exclude voided, in the order tried. */
  readonly excluded: readonly { readonly intent: string; readonly exclude: string }[];
};

export type UtteranceVerdict = LabelledUtterance & Pick & { readonly ok: boolean };

/** A file's utterances scored: how many were right, and each verdict in the file's order. */
export type IntentEvaluation = {
  readonly flow: string;
  readonly node: string;
  readonly total: number;
  readonly correct: number;
  /** `correct / total`, 0 to 1. */
  readonly accuracy: number;
  readonly verdicts: readonly UtteranceVerdict[];
};

/** Scores every utterance of `file` with `pick`. */
export function scoreUtterances(file: UtteranceFile, pick: (say: string) => Pick): IntentEvaluation {
  const verdicts = file.utterances.map((utterance) => {
    const picked = pick(utterance.say);
    return { ...utterance, ...picked, ok: picked.got === utterance.intent };
  });
  const correct = verdicts.filter((verdict) => verdict.ok).length;
  return {
    flow: file.flow,
    node: file.node,
    total: verdicts.length,
    correct,
    accuracy: verdicts.length === 0 ? 0 : correct / verdicts.length,
    verdicts,
  };
}

/** A picker of the engine at a menu, or why the file's menu cannot be scored. */
export type EnginePicker =
  | { readonly ok: true; readonly pick: (say: string) => Pick }
  | { readonly ok: false; readonly message: string };

/**
 * The engine's own decision, as a picker: each utterance is a `normal` event carrying it, decided at
 * `flow`/`node` as a call listening there for the first time (no retries counted) at `nowMs`. The intent
 * picked is the one the decision matched; a spoken key counts as the first intent going where the key
 * goes.
 */
export function pickByEngine(
  compiled: CompiledRules,
  flowName: string,
  nodeName: string,
  nowMs: number,
): EnginePicker {
  const { names } = compiled;
  const flow = names.flows.indexOf(flowName);
  const nodes = names.nodes.get(flowName);
  if (flow === -1 || nodes === undefined) {
    return { ok: false, message: `no flow is named ${flowName}; the flows are ${names.flows.join(', ')}` };
  }
  const node = nodes.indexOf(nodeName);
  const menu = compiled.rules.flows[flowName]?.nodes[nodeName];
  if (node === -1 || menu === undefined) {
    return { ok: false, message: `flow ${flowName} has no node ${nodeName}` };
  }
  if (menu.type !== 'menu' || (menu.intents ?? []).length === 0) {
    return {
      ok: false,
      message: `${flowName}.${nodeName} is a ${menu.type} node${menu.type === 'menu' ? ' without intents' : ''}: only a menu's intents are scored`,
    };
  }
  const intents = menu.intents ?? [];
  const nameOf = (index: number) => intents[index]?.name ?? String(index);
  const matchers = compiled.intents.get(`${flowName}/${nodeName}`) ?? [];
  const state = {
    rulesTag: compiled.tag,
    flow,
    node,
    phase: 'listening',
    noInput: 0,
    noMatch: 0,
    turns: 0,
    startedAt: Math.floor(nowMs / 1000),
    caller: '',
    vars: {},
    attempts: 0,
  } as const;
  return {
    ok: true,
    pick: (say) => {
      const content = v.parse(NormalContentSchema, { words: say });
      const result = decideNextAction(
        compiled,
        {
          type: 'normal',
          content,
          callId: 'intents',
          timestamp: undefined,
          contentOk: true,
          encoding: 'json',
        },
        { kind: 'ok', state },
        nowMs,
        'inbound',
      );
      const { trace, facts } = isNeed(result) ? result.paused : result;
      const excluded = trace.flatMap((line) => {
        const voided = readIntentExcluded(line);
        return voided === undefined ? [] : [{ intent: voided.intent, exclude: voided.exclude }];
      });
      const matched = facts.matched;
      if (matched === undefined) return { got: NO_INTENT, excluded };
      if (matched.startsWith('intent ')) {
        const got = matched.slice('intent '.length);
        // The engine's trace words why; the same matchers, on the same words, say it as data.
        const match = matchIntents(matchers, normaliseSpeech(say), () => undefined);
        const why = match !== undefined && nameOf(match.index) === got ? { why: match.why } : {};
        return { got, ...why, excluded };
      }
      // A global handler heard at the menu (after its keys and intents) counts by its name: `agent`.
      if (matched.startsWith('handler ')) return { got: matched.slice('handler '.length), excluded };
      const key = /^spoken key (.)$/.exec(matched)?.[1];
      const target = key === undefined ? undefined : findKeyTarget(menu, key);
      const byKey = intents.findIndex((intent) => intent.goto === target);
      return byKey === -1 ? { got: matched, excluded } : { got: nameOf(byKey), why: matched, excluded };
    },
  };
}

function findKeyTarget(menu: MenuNode, key: string): string | undefined {
  const keys = menu.keys ?? {};
  return Object.hasOwn(keys, key) ? keys[key] : undefined;
}

/** `不是挂失我是想查余额: expected balance, got lostCard (keyword 挂失)` */
export function describeWrongPick(verdict: UtteranceVerdict): string {
  const why = verdict.why === undefined ? '' : ` (${verdict.why})`;
  const voided = verdict.excluded.map(({ intent, exclude }) => `; ${intent} excluded by ${exclude}`).join('');
  return `${verdict.say}: expected ${verdict.intent}, got ${verdict.got}${why}${voided}`;
}
