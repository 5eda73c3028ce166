/**
 * `rules intents`: scores menus' intents on an utterance file, with keywords alone, and with `--llm`
 * against keywords and the language model as calls would ask it. The scoring is pure
 * (shared/rules-tooling/evaluate-intents.ts, classifier-evaluation.ts, intents-report.ts); this module reads
 * the files and the command line, and performs the classifications with the functions' own client.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import * as v from 'valibot';
import type { CommandIo, OptionSpec } from '../../dev/command-line';
import { createYamlLocator } from '../../dev/yaml-locator';
import { createClassifierClient } from '../../shared/classify/classifier-client';
import type { ClassifyAnswer } from '../../shared/classify/classify-types';
import { createPool } from '../../shared/lookup/agent-pool';
import { isLoopbackHost } from '../../shared/lookup/prepare-request';
import { CLASSIFIER_LIMITS } from '../../shared/rules/classifier-limits';
import { type CompiledRules, compileRules } from '../../shared/rules/compile-rules';
import { CLASSIFIER_KEY_PATTERN, type Classifier, ClassifierSchema } from '../../shared/rules/rules-schema';
import { parseYaml } from '../../shared/rules/yaml-parser';
import { compareWithClassifier, evaluationGuard } from '../../shared/rules-tooling/classifier-evaluation';
import {
  enginesForFile,
  type FileEngines,
  type IntentEvaluation,
  judgeUtterance,
  MAX_UTTERANCE_FILE_BYTES,
  type MenuEngine,
  placeUtterances,
  readUtteranceFile,
  scoreUtterances,
  summariseVerdicts,
  type UtteranceFile,
  type UtteranceVerdict,
} from '../../shared/rules-tooling/evaluate-intents';
import { formatPercent, printComparison, printEvaluation } from '../../shared/rules-tooling/intents-report';
import { plural, readFile, reportRefused, writeResult } from './rules-files';

/** How many classifications are in flight at once, by default and at most. */
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 16;

/** The options of `intents` (the program's table takes them as they are). */
export const INTENTS_OPTIONS = {
  utterances: {
    type: 'string',
    value: 'FILE',
    help: 'the utterance file: what callers say at menus, each labelled with the intent it should reach',
  },
  'min-accuracy': {
    type: 'string',
    value: 'PERCENT',
    help: 'fail (exit 1) when fewer than PERCENT of the utterances (0-100) reach their intent (with --llm: with the model)',
  },
  llm: {
    type: 'string',
    value: 'URL',
    optionalValue: true,
    help: "also score keywords + the language model, asked at URL (an OpenAI-compatible base URL; default: the document's classifier.endpoint)",
  },
  model: {
    type: 'string',
    value: 'NAME',
    help: "with --llm: the model asked (default: the document's classifier.model)",
  },
  'api-key-env': {
    type: 'string',
    value: 'NAME',
    help: "with --llm: the environment variable holding the API key, LLM_… (default: the document's classifier.apiKeyEnv)",
  },
  'wait-ms': {
    type: 'string',
    value: 'MS',
    help: `with --llm: how long each classification may take, ${CLASSIFIER_LIMITS.waitMs.min}-${CLASSIFIER_LIMITS.waitMs.max} (default: the document's classifier.waitMs)`,
  },
  concurrency: {
    type: 'string',
    value: 'N',
    help: `with --llm: classifications in flight at once, 1-${MAX_CONCURRENCY} (default: ${DEFAULT_CONCURRENCY})`,
  },
  doubtful: {
    type: 'string',
    value: 'on|off',
    help: "with --llm: ask about doubtful keyword matches, or not (default: the document's classifier.doubtful)",
  },
} as const satisfies Readonly<Record<string, OptionSpec>>;

/** The values `intents` reads. */
export type IntentsValues = {
  readonly utterances?: string | undefined;
  readonly strict?: boolean | undefined;
  readonly 'min-accuracy'?: string | undefined;
  readonly json?: boolean | undefined;
  readonly output?: string | undefined;
  readonly llm?: string | undefined;
  readonly model?: string | undefined;
  readonly 'api-key-env'?: string | undefined;
  readonly 'wait-ms'?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly doubtful?: string | undefined;
};

export type IntentsIo = CommandIo & {
  readonly now: () => number;
  readonly env: Readonly<Record<string, string | undefined>>;
};

const LLM_ONLY = ['model', 'api-key-env', 'wait-ms', 'concurrency', 'doubtful'] as const;

/** A value `intents` cannot take (the option, what it takes, an example), or undefined. */
export function findIntentsProblem(values: IntentsValues): string | undefined {
  const minAccuracy = values['min-accuracy'];
  if (minAccuracy !== undefined && !(/^\d+(\.\d+)?$/.test(minAccuracy) && Number(minAccuracy) <= 100)) {
    return `--min-accuracy takes a percentage from 0 to 100, such as 95; not ${minAccuracy}`;
  }
  if (values.llm === undefined) {
    const stray = LLM_ONLY.find((name) => values[name] !== undefined);
    return stray === undefined ? undefined : `--${stray} goes with --llm`;
  }
  if (values.llm !== '' && readEndpointProblem(values.llm) !== undefined) {
    return `--llm takes ${readEndpointProblem(values.llm)}; not ${values.llm}`;
  }
  const { model } = ClassifierSchema.entries;
  if (values.model !== undefined && !v.is(model, values.model)) {
    return `--model takes a model's name (letters, digits and ._:/-), such as qwen-flash; not ${values.model}`;
  }
  const keyEnv = values['api-key-env'];
  if (keyEnv !== undefined && !CLASSIFIER_KEY_PATTERN.test(keyEnv)) {
    return `--api-key-env takes the name of a variable that starts with LLM_, such as LLM_API_KEY; not ${keyEnv}`;
  }
  const { min, max } = CLASSIFIER_LIMITS.waitMs;
  if (values['wait-ms'] !== undefined && !isWholeIn(values['wait-ms'], min, max)) {
    return `--wait-ms takes milliseconds from ${min} to ${max}, such as 700; not ${values['wait-ms']}`;
  }
  if (values.concurrency !== undefined && !isWholeIn(values.concurrency, 1, MAX_CONCURRENCY)) {
    return `--concurrency takes a number from 1 to ${MAX_CONCURRENCY}; not ${values.concurrency}`;
  }
  if (values.doubtful !== undefined && values.doubtful !== 'on' && values.doubtful !== 'off') {
    return `--doubtful takes on or off; not ${values.doubtful}`;
  }
  return undefined;
}

function isWholeIn(text: string, min: number, max: number): boolean {
  return /^\d{1,6}$/.test(text) && Number(text) >= min && Number(text) <= max;
}

/**
 * Why the client would not send to `endpoint` (what it takes), or undefined: the classifier client's rule,
 * https:// anywhere, http:// to this machine only, no user, query or fragment.
 */
function readEndpointProblem(endpoint: string): string | undefined {
  const wanted =
    'an https:// base URL (http:// only to 127.0.0.1, localhost or [::1]) without user, query or fragment';
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return wanted;
  }
  const reachable = url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
  const bare = url.username === '' && url.password === '' && url.search === '' && url.hash === '';
  return reachable && bare ? undefined : wanted;
}

/**
 * Scores a menu's intents on an utterance file (`intents`): keywords alone, or with `--llm` both ways, as
 * text or JSON, on stdout (or `-o`); exit 1 with --strict on any wrong pick, or under --min-accuracy
 * (with --llm, on keywords and the model).
 */
export async function intents(
  io: IntentsIo,
  file: string,
  utterancesFile: string,
  values: IntentsValues,
): Promise<number> {
  const read = readFile(file);
  if (!read.ok) return reportRefused(io, file, read.issues, () => undefined);
  const result = compileRules(read.document);
  if (!result.ok) return reportRefused(io, file, result.issues, read.locate);
  const utterances = readUtterances(utterancesFile);
  if (!utterances.ok) {
    for (const problem of utterances.problems) io.err(`${utterancesFile}: ${problem}\n`);
    return 1;
  }
  const doubtful = values.doubtful === undefined ? {} : { doubtful: values.doubtful === 'on' };
  const engines = enginesForFile(result.compiled, utterances.file, io.now(), doubtful);
  if (!engines.ok) {
    const line = engines.path === undefined ? undefined : utterances.locate(engines.path);
    const where =
      engines.path === undefined ? '' : `${line === undefined ? '' : `line ${line}: `}${engines.path}: `;
    io.err(`${utterancesFile}: ${where}${engines.message}\n`);
    return 1;
  }
  const keywords = scoreUtterances(utterances.file, (say, utterance) => engines.at(utterance).pick(say));
  if (values.llm === undefined) {
    const text = values.json === true ? `${JSON.stringify(keywords, null, 2)}\n` : printEvaluation(keywords);
    return judge(io, keywords, writeResult(io, text, values.output), values);
  }
  const asked = readClassifierSetting(io, file, result.compiled, values);
  if (!asked.ok) return 1;
  const { setting } = asked;
  const withClassifier = await scoreWithClassifier(io, utterances.file, engines, setting);
  const comparison = compareWithClassifier(keywords, withClassifier, setting.prices);
  const text =
    values.json === true
      ? `${JSON.stringify({ classifier: describeSetting(setting), ...comparison }, null, 2)}\n`
      : printComparison(comparison, setting);
  return judge(io, withClassifier, writeResult(io, text, values.output), values);
}

/** Exit 1 with --strict on any wrong pick, or under --min-accuracy; passes a failed write's code on. */
function judge(io: CommandIo, evaluation: IntentEvaluation, written: number, values: IntentsValues): number {
  if (written !== 0) return written;
  const wrong = evaluation.total - evaluation.correct;
  if (values.strict === true && wrong > 0) {
    io.err(`${plural(wrong, 'utterance')} matched wrongly (--strict: any wrong pick fails)\n`);
    return 1;
  }
  const minAccuracy = values['min-accuracy'];
  if (minAccuracy !== undefined && evaluation.accuracy * 100 < Number(minAccuracy)) {
    io.err(`accuracy ${formatPercent(evaluation.accuracy)} is under --min-accuracy ${minAccuracy} %\n`);
    return 1;
  }
  return 0;
}

/** How the classifications are asked: the document's classifier, and the command line over it. */
type Setting = {
  readonly endpoint: string;
  readonly model: string;
  readonly apiKeyEnv: string;
  readonly apiKey: string;
  readonly waitMs: number;
  readonly threshold: number;
  readonly doubtful: boolean;
  readonly concurrency: number;
  readonly prices: Classifier['prices'];
};

/** The setting as `--json` shows it: never the key, only where it was read. */
function describeSetting(setting: Setting) {
  const { apiKey: _key, ...shown } = setting;
  return { ...shown, budgetGuard: false };
}

/** The setting, or false once it has said on stderr why there is none (exit 1). */
function readClassifierSetting(
  io: IntentsIo,
  file: string,
  compiled: CompiledRules,
  values: IntentsValues,
): { readonly ok: true; readonly setting: Setting } | { readonly ok: false } {
  const { classifier } = compiled.rules;
  if (classifier === undefined) {
    io.err(`${file}: --llm scores the document's classifier, and it has none: add a \`classifier\` first\n`);
    return { ok: false };
  }
  // The document's endpoint is one the client sends to: the rules are refused otherwise.
  const endpoint = values.llm === '' || values.llm === undefined ? classifier.endpoint : values.llm;
  const apiKeyEnv = values['api-key-env'] ?? classifier.apiKeyEnv;
  const apiKey = io.env[apiKeyEnv];
  if (apiKey === undefined || apiKey === '') {
    io.err(
      `--llm: no API key: ${apiKeyEnv} is not set${values['api-key-env'] === undefined ? ` (the document's classifier.apiKeyEnv)` : ''}; ` +
        'set it, or name the variable that holds the key with --api-key-env; nothing was sent\n',
    );
    return { ok: false };
  }
  return {
    ok: true,
    setting: {
      endpoint,
      model: values.model ?? classifier.model,
      apiKeyEnv,
      apiKey,
      waitMs: values['wait-ms'] === undefined ? classifier.waitMs : Number(values['wait-ms']),
      threshold: classifier.threshold,
      doubtful: values.doubtful === undefined ? classifier.doubtful : values.doubtful === 'on',
      concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(values.concurrency),
      prices: classifier.prices,
    },
  };
}

/**
 * Every utterance decided as a call would be: where its menu asks the classifier, the functions' client
 * asks `setting`'s endpoint and model within its wait (`setting.concurrency` at a time, no budget guard),
 * and the engine goes on with the answer.
 */
async function scoreWithClassifier(
  io: IntentsIo,
  file: UtteranceFile,
  engines: Extract<FileEngines, { ok: true }>,
  setting: Setting,
): Promise<IntentEvaluation> {
  const placed = placeUtterances(file);
  const turns = placed.map((utterance) => ({
    utterance,
    turn: (engines.at(utterance) as MenuEngine).decide(utterance.say),
  }));
  const verdicts: UtteranceVerdict[] = [];
  const asks: { index: number; perform: () => Promise<void> }[] = [];
  // A connection for each classification in flight: one queued for a connection would spend its wait there.
  const pool = createPool({ maxSockets: setting.concurrency, maxIdle: setting.concurrency, idleMs: 30_000 });
  const client = createClassifierClient({ transport: pool.transport });
  const env = (name: string) => io.env[name];
  turns.forEach(({ utterance, turn }, index) => {
    if (turn.kind === 'picked') {
      verdicts[index] = judgeUtterance(utterance, turn.pick);
      return;
    }
    asks.push({
      index,
      perform: async () => {
        const answer: ClassifyAnswer = await client.perform({
          request: {
            ...turn.need.request,
            endpoint: setting.endpoint,
            model: setting.model,
            apiKeyEnv: setting.apiKeyEnv,
          },
          guard: evaluationGuard(setting.prices),
          waitMs: setting.waitMs,
          env,
        });
        verdicts[index] = judgeUtterance(utterance, turn.resume(answer));
      },
    });
  });
  io.err(
    `asking ${setting.model} at ${setting.endpoint} about ${plural(asks.length, 'utterance')} of ${placed.length}, ` +
      `${setting.concurrency} at a time, within ${setting.waitMs} ms each, no budget guard\n`,
  );
  try {
    await runLimited(
      asks.map((ask) => ask.perform),
      setting.concurrency,
    );
  } finally {
    pool.destroy();
  }
  return summariseVerdicts(file, verdicts);
}

/** Runs `tasks`, at most `limit` at a time, in order of start. */
async function runLimited(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
}

/** An utterance file read (at most MAX_UTTERANCE_FILE_BYTES, YAML or JSON) and checked, or its problems. */
function readUtterances(
  file: string,
):
  | { readonly ok: true; readonly file: UtteranceFile; readonly locate: (path: string) => number | undefined }
  | { readonly ok: false; readonly problems: string[] } {
  let text: string;
  try {
    const stat = statSync(resolve(file));
    if (!stat.isFile()) return { ok: false, problems: ['not a regular file'] };
    if (stat.size > MAX_UTTERANCE_FILE_BYTES) {
      return { ok: false, problems: [`the utterance file is over ${MAX_UTTERANCE_FILE_BYTES} bytes`] };
    }
    text = readFileSync(resolve(file), 'utf8').replace(/^\uFEFF/, '');
  } catch (error) {
    return {
      ok: false,
      problems: [`cannot read the file (${String((error as { code?: unknown }).code ?? error)})`],
    };
  }
  let document: unknown;
  try {
    document = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    const what = /\.ya?ml$/i.test(file) ? 'YAML' : 'JSON';
    return {
      ok: false,
      problems: [`not valid ${what}: ${error instanceof Error ? error.message : String(error)}`],
    };
  }
  const locate = createYamlLocator(text);
  const checked = readUtteranceFile(document);
  if (checked.ok) return { ...checked, locate };
  return {
    ok: false,
    problems: checked.issues.map((issue) => {
      const line = locate(issue.path);
      return `${line === undefined ? '' : `line ${line}: `}${issue.path}: ${issue.message}`;
    }),
  };
}
