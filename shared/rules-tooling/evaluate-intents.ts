/**
 * How well menus understand what callers say: a labelled set of utterances (an utterance file), each run
 * through the engine's own decision for a `normal` event at its menu, and scored against the intent it
 * should reach, overall, by menu and by kind of utterance. The engine is asked two ways: with keywords
 * alone (the classifier off, as on a line that turns it off), and as a call would be, pausing for the
 * language model where the menu asks it ({@link MenuEngine.decide}); the classification itself is the
 * edge's to perform. Pure: no clock, no I/O.
 */
import * as v from 'valibot';
import type { ClassifyAnswer } from '../classify/classify-types';
import type { ClassifyRecord } from '../flow/call-context';
import { decideNextAction, resumeNextAction } from '../flow/decide-next-action';
import { type ClassifyNeed, type EngineResult, isNeed } from '../flow/decision';
import { MAX_UTTERANCE_CHARS } from '../flow/flow-limits';
import { matchIntents } from '../flow/match-intents';
import { readIntentExcluded } from '../flow/trace-phrases';
import { NormalContentSchema } from '../protocol/callback-request';
import type { CompiledRules, IntentMatcher } from '../rules/compile-rules';
import type { MenuNode } from '../rules/rules-schema';
import { type DocumentIssue, parseDocument } from '../schema/document-issues';
import { describeObject, describeSchemas } from '../schema/field-descriptions';
import type { SealedState } from '../state/state-token';
import { NameSchema } from '../text/name';
import { normaliseSpeech } from '../text/normalise-speech';

/** The largest utterance file read, and the most utterances in one: a file is written by hand. */
export const MAX_UTTERANCE_FILE_BYTES = 256 * 1024;
export const MAX_UTTERANCES = 2000;

/** The label of an utterance that should match nothing (the menu's no-match retry). */
export const NO_INTENT = 'none';

/**
 * The kinds of utterance an evaluation set usually sorts its lines into, so that accuracy can be read by
 * kind. A file may name others (`dialect`, `noisy`): a kind is any short name in lower case.
 */
export const UTTERANCE_KINDS = [
  'plain',
  'paraphrase',
  'homophone',
  'negation',
  'out-of-scope',
  'injection',
] as const;

/** What the by-kind figures call the utterances that name no kind (no kind can be written so). */
export const NO_KIND = '(no kind)';

export const UtteranceKindSchema = v.pipe(
  v.string('a kind is text, such as paraphrase'),
  v.regex(
    /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/,
    `a kind is a short name in lower case, words joined by "-", such as ${UTTERANCE_KINDS.join(', ')}`,
  ),
  v.maxLength(32, 'a kind is at most 32 characters'),
);

export const LabelledUtteranceSchema = v.strictObject({
  say: v.pipe(
    v.string('say is text: the words as ASR returns them'),
    v.trim(),
    v.minLength(1, 'say is 1 or more characters'),
    v.maxLength(MAX_UTTERANCE_CHARS, `say is at most ${MAX_UTTERANCE_CHARS} characters, as the engine reads`),
  ),
  intent: NameSchema,
  kind: v.optional(UtteranceKindSchema),
  flow: v.optional(NameSchema),
  node: v.optional(NameSchema),
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
    'An utterance file: what callers say at a menu, each with the intent it should reach, scored by `rules intents RULES --utterances FILE`.',
    {
      $schema:
        'The JSON Schema editors check this file against, such as `../utterances.schema.json`; it is ignored when the file is read.',
      flow: 'The flow of the menu, such as `main`: where the utterances that name no flow of their own are said.',
      node: 'The menu node the utterances are said at, such as `menu`, unless one names its own.',
      utterances: `The labelled utterances, 1 to ${MAX_UTTERANCES}.`,
    },
  ),
  describeObject(LabelledUtteranceSchema, 'One thing a caller says, and what it should reach.', {
    say: `The words as ASR returns them (punctuation and all), such as \`不是挂失，我是想查余额。\`; 1 to ${MAX_UTTERANCE_CHARS} characters.`,
    intent: `The name of the intent it should reach (a spoken key counts as the intent going where the key goes), or of the global handler heard there, or \`${NO_INTENT}\` when it should match nothing.`,
    kind: `What kind of utterance it is, for accuracy by kind: ${UTTERANCE_KINDS.map((kind) => `\`${kind}\``).join(', ')}, or a short name of your own in lower case (words joined by \`-\`, at most 32 characters).`,
    flow: "The flow of the menu it is said at, instead of the file's `flow`.",
    node: "The menu node it is said at, instead of the file's `node` (in its own `flow`, else the file's).",
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

/** An utterance with the menu it is said at: its own flow and node, else the file's. */
export type PlacedUtterance = LabelledUtterance & { readonly flow: string; readonly node: string };

/** The file's utterances, each placed at its menu, in the file's order. */
export function placeUtterances(file: UtteranceFile): PlacedUtterance[] {
  return file.utterances.map((utterance) => ({
    ...utterance,
    flow: utterance.flow ?? file.flow,
    node: utterance.node ?? file.node,
  }));
}

/** A menu as the figures name it: `main.menu`. */
export function menuName(at: { readonly flow: string; readonly node: string }): string {
  return `${at.flow}.${at.node}`;
}

/** What understood an utterance: the intent picked (or {@link NO_INTENT}), why, and intents voided on the way. */
export type Pick = {
  /** An intent's name, {@link NO_INTENT}, or what else the input matched (`key 3` for a key no intent goes to). */
  readonly got: string;
  /** Why, as the trace says it: `keyword 挂失`, `pattern /^转/`, `spoken key 2`, `classifier 0.92`. */
  readonly why?: string;
  /** Intents whose keywords matched but an exclude voided, in the order tried. */
  readonly excluded: readonly { readonly intent: string; readonly exclude: string }[];
  /** The classification the menu asked for, and what became of it (as the call's log line says it). */
  readonly classified?: ClassifyRecord;
};

/** An utterance, where it was said, what understood it and whether that is what it should reach. */
export type UtteranceVerdict = PlacedUtterance & Pick & { readonly ok: boolean };

/** How many of some utterances reach their intent. */
export type Score = {
  readonly total: number;
  readonly correct: number;
  /** `correct / total`, 0 to 1. */
  readonly accuracy: number;
};

/** A file's utterances scored: overall, by menu, by kind, and each verdict in the file's order. */
export type IntentEvaluation = Score & {
  /** The file's flow and node (where utterances that name none are said). */
  readonly flow: string;
  readonly node: string;
  /** By menu, in the order the file first names each. */
  readonly byNode: readonly (Score & { readonly flow: string; readonly node: string })[];
  /**
   * By kind, in the order the file first names each ({@link NO_KIND} for utterances without one); empty
   * when no utterance names a kind.
   */
  readonly byKind: readonly (Score & { readonly kind: string })[];
  readonly verdicts: readonly UtteranceVerdict[];
};

/** An utterance's verdict on what `pick` says of it. */
export function judgeUtterance(utterance: PlacedUtterance, pick: Pick): UtteranceVerdict {
  return { ...utterance, ...pick, ok: pick.got === utterance.intent };
}

/**
 * Scores every utterance of `file` with `pick`, given the words and the utterance placed at its menu
 * (a picker of one menu reads the words alone).
 */
export function scoreUtterances(
  file: UtteranceFile,
  pick: (say: string, utterance: PlacedUtterance) => Pick,
): IntentEvaluation {
  return summariseVerdicts(
    file,
    placeUtterances(file).map((utterance) => judgeUtterance(utterance, pick(utterance.say, utterance))),
  );
}

/** The figures of a file's verdicts (in the file's order): overall, by menu and by kind. */
export function summariseVerdicts(
  file: { readonly flow: string; readonly node: string },
  verdicts: readonly UtteranceVerdict[],
): IntentEvaluation {
  const byNode = groupScores(verdicts, menuName).map(([, group]) => ({
    flow: group[0]?.flow ?? file.flow,
    node: group[0]?.node ?? file.node,
    ...scoreOf(group),
  }));
  const kinded = verdicts.some((verdict) => verdict.kind !== undefined);
  const byKind = kinded
    ? groupScores(verdicts, (verdict) => verdict.kind ?? NO_KIND).map(([kind, group]) => ({
        kind,
        ...scoreOf(group),
      }))
    : [];
  return { flow: file.flow, node: file.node, ...scoreOf(verdicts), byNode, byKind, verdicts };
}

function scoreOf(verdicts: readonly { readonly ok: boolean }[]): Score {
  const correct = verdicts.filter((verdict) => verdict.ok).length;
  return {
    total: verdicts.length,
    correct,
    accuracy: verdicts.length === 0 ? 0 : correct / verdicts.length,
  };
}

/** The verdicts grouped by `key`, in the order each key first appears. */
function groupScores<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group === undefined) groups.set(name, [item]);
    else group.push(item);
  }
  return [...groups];
}

/** What the engine does with an utterance at a menu as a call would: a pick, or a classification first. */
export type EngineTurn =
  | { readonly kind: 'picked'; readonly pick: Pick }
  | {
      readonly kind: 'asks';
      /** The classification the menu asks for, as the edge would perform it. */
      readonly need: ClassifyNeed;
      /** What the utterance comes to with the classification's answer. */
      readonly resume: (answer: ClassifyAnswer) => Pick;
    };

/** The engine at one menu. */
export type MenuEngine = {
  /** Keywords alone: the utterance decided with the classifier off, as on a line that turns it off. */
  readonly pick: (say: string) => Pick;
  /** As a call would: the classifier asked where the document has it on at this menu. */
  readonly decide: (say: string) => EngineTurn;
};

/** A menu's engine, or why the menu cannot be scored. */
export type EnginePicker =
  | ({ readonly ok: true } & MenuEngine)
  | { readonly ok: false; readonly message: string };

/** How the engine is asked, beyond the document. */
export type EngineOptions = {
  /** Whether doubtful keyword matches are asked about, instead of the document's `classifier.doubtful`. */
  readonly doubtful?: boolean;
};

/**
 * The engine's own decision at `flow`/`node`: each utterance is a `normal` event carrying it, decided as a
 * call listening there for the first time (no retries counted) at `nowMs`. The intent picked is the one the
 * decision matched; a spoken key counts as the first intent going where the key goes.
 */
export function pickByEngine(
  compiled: CompiledRules,
  flowName: string,
  nodeName: string,
  nowMs: number,
  options: EngineOptions = {},
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
  const state: SealedState = {
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
  };
  const asCalled = withDoubtful(compiled, options.doubtful);
  const matchers = compiled.intents.get(`${flowName}/${nodeName}`) ?? [];
  const read = (say: string, result: EngineResult) => readPick(matchers, menu, say, result);
  const decideAt = (rules: CompiledRules, say: string, at: SealedState): EngineResult =>
    decideNextAction(
      rules,
      {
        type: 'normal',
        content: v.parse(NormalContentSchema, { words: say }),
        callId: 'intents',
        timestamp: undefined,
        contentOk: true,
        encoding: 'json',
      },
      { kind: 'ok', state: at },
      nowMs,
      'inbound',
    );
  return {
    ok: true,
    pick: (say) => read(say, decideAt(compiled, say, { ...state, classifierOff: true })),
    decide: (say) => {
      const result = decideAt(asCalled, say, state);
      if (!isNeed(result) || result.need.type !== 'classify')
        return { kind: 'picked', pick: read(say, result) };
      const { need, paused, rules } = result;
      return {
        kind: 'asks',
        need,
        resume: (answer) => read(say, resumeNextAction(rules, paused, answer, nowMs)),
      };
    },
  };
}

/** The rules with `classifier.doubtful` as asked (the same rules when it is not asked, or there is no classifier). */
function withDoubtful(compiled: CompiledRules, doubtful: boolean | undefined): CompiledRules {
  const { classifier } = compiled.rules;
  if (doubtful === undefined || classifier === undefined || classifier.doubtful === doubtful) return compiled;
  return { ...compiled, rules: { ...compiled.rules, classifier: { ...classifier, doubtful } } };
}

/** What a decision (or a decision paused for a lookup after the match) says the utterance came to. */
function readPick(
  matchers: readonly IntentMatcher[],
  menu: MenuNode,
  say: string,
  result: EngineResult,
): Pick {
  const intents = menu.intents ?? [];
  const nameOf = (index: number) => intents[index]?.name ?? String(index);
  const { trace, facts } = isNeed(result) ? result.paused : result;
  const excluded = trace.flatMap((line) => {
    const voided = readIntentExcluded(line);
    return voided === undefined ? [] : [{ intent: voided.intent, exclude: voided.exclude }];
  });
  const { matched, classified } = facts;
  const common = classified === undefined ? { excluded } : { excluded, classified };
  const byModel =
    classified?.taken === true ? { why: `classifier ${(classified.confidence ?? 0).toFixed(2)}` } : undefined;
  if (matched === undefined) return { got: NO_INTENT, ...common };
  if (matched.startsWith('intent ')) {
    const got = matched.slice('intent '.length);
    if (byModel !== undefined) return { got, ...byModel, ...common };
    // The engine's trace words why; the same matchers, on the same words, say it as data.
    const match = matchIntents(matchers, normaliseSpeech(say), () => undefined);
    const why = match !== undefined && nameOf(match.index) === got ? { why: match.why } : {};
    return { got, ...why, ...common };
  }
  // A global handler heard at the menu (after its keys and intents) counts by its name: `agent`.
  if (matched.startsWith('handler ')) return { got: matched.slice('handler '.length), ...byModel, ...common };
  const key = /^spoken key (.)$/.exec(matched)?.[1];
  const target = key === undefined ? undefined : findKeyTarget(menu, key);
  const byKey = intents.findIndex((intent) => intent.goto === target);
  return byKey === -1 ? { got: matched, ...common } : { got: nameOf(byKey), why: matched, ...common };
}

function findKeyTarget(menu: MenuNode, key: string): string | undefined {
  const keys = menu.keys ?? {};
  return Object.hasOwn(keys, key) ? keys[key] : undefined;
}

/** Every menu of a file's utterances, or the first that cannot be scored, with the path that names it. */
export type FileEngines =
  | { readonly ok: true; readonly at: (utterance: PlacedUtterance) => MenuEngine }
  | { readonly ok: false; readonly message: string; readonly path?: string };

/**
 * The engine at each menu a file's utterances are said at ({@link pickByEngine}), checked before any is
 * scored: a menu the rules do not have is named with the path of the first utterance that names it
 * (`utterances.12.node`), or none when it is the file's own.
 */
export function enginesForFile(
  compiled: CompiledRules,
  file: UtteranceFile,
  nowMs: number,
  options: EngineOptions = {},
): FileEngines {
  const engines = new Map<string, MenuEngine>();
  const place = (flow: string, node: string): string | undefined => {
    const name = menuName({ flow, node });
    if (engines.has(name)) return undefined;
    const picker = pickByEngine(compiled, flow, node, nowMs, options);
    if (!picker.ok) return picker.message;
    engines.set(name, picker);
    return undefined;
  };
  const own = place(file.flow, file.node);
  if (own !== undefined) return { ok: false, message: own };
  for (const [index, utterance] of file.utterances.entries()) {
    const at = { flow: utterance.flow ?? file.flow, node: utterance.node ?? file.node };
    const problem = place(at.flow, at.node);
    if (problem !== undefined) {
      const flowUnknown = utterance.flow !== undefined && !compiled.names.flows.includes(at.flow);
      const field = flowUnknown || utterance.node === undefined ? 'flow' : 'node';
      return { ok: false, message: problem, path: `utterances.${index}.${field}` };
    }
  }
  return { ok: true, at: (utterance) => engines.get(menuName(utterance)) as MenuEngine };
}

/** `不是挂失我是想查余额: expected balance, got lostCard (keyword 挂失)` */
export function describeWrongPick(verdict: UtteranceVerdict): string {
  const why = verdict.why === undefined ? '' : ` (${verdict.why})`;
  const voided = verdict.excluded.map(({ intent, exclude }) => `; ${intent} excluded by ${exclude}`).join('');
  return `${verdict.say}: expected ${verdict.intent}, got ${verdict.got}${why}${voided}`;
}
