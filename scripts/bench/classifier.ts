/**
 * The language-model fallback in the bench: the bank example with its classifier, pointed at a stand-in on
 * 127.0.0.1 (scripts/bench/llm-server.ts, a process of its own) that answers at once, and the same
 * document with its `classifier` block and the flows' `classifier: true` removed; the events that measure
 * them, and the checks that each did what it is measured for.
 *
 * bench.ts measures cold first replies: the callin of each document (which never classifies: the client
 * stays unloaded), and a `normal` no-match at the menu as an instance's first request, which under the
 * first document classifies (loading `classifier-client.js` and exchanging once with the stand-in, on a new
 * connection) and under the second gets the no-match retry. warm.ts measures the same no-match in warm
 * instances, its classification answered in-process (classify-instantly-handler.cjs): the fallback's cost
 * this side of the network.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { FcHandler } from '../../dev/fc-event';
import { formCallback } from '../../dev/fc-event';
import { safeJson } from '../../dev/fuzz-callbacks';
import type { PerformClassify } from '../../shared/classify/classify-types';
import {
  type ColdComparison,
  type ColdReport,
  type ColdSamples,
  type ColdVariant,
  coldRow,
  compareCold,
  expectBundleAnswer,
} from './cold';
import { formatSpread, type Row, startStandInProcess } from './common';
import { refusingLoggedErrors, replyDataOf, startInstance } from './instances';
import { buildSideFileVariant } from './oss';

const root = resolve(import.meta.dirname, '../..');

/** What a caller says at the menu that no key, keyword or handler matches, in office hours or after. */
export const NO_MATCH_WORDS = '我想办一张新卡';
/**
 * The choices the in-process verdicts name: an intent of both menus the service number reaches (the
 * call goes on to it), or none (the no-match retry, as without a classifier).
 */
export const VERDICTS = { taken: 'lostCard', none: 'none' } as const;
export type Verdict = keyof typeof VERDICTS;
/** The key, read from `LLM_API_KEY` as in production; the stand-in answers 401 without it. */
const API_KEY = 'bench-llm-key-0001';
/** The function's variables every form of the document gets besides its `RULES`. */
export const CLASSIFIER_ENV: Readonly<Record<string, string>> = { LLM_API_KEY: API_KEY };
/** The side file a classification loads, by name in the cold child's list of the modules it loaded. */
const CLIENT_FILE = 'classifier-client.js';

/** The bundle with its classifications answered in-process; `answerWith` makes its verdicts. */
export const CLASSIFY_INSTANTLY_HANDLER = join(root, 'scripts', 'bench', 'classify-instantly-handler.cjs');

export type BenchClassifier = {
  /** The bank example as `RULES`: its classifier's endpoint the stand-in's, and without a classifier. */
  readonly rules: Readonly<Record<'classifier' | 'plain', string>>;
  /** The variables of classify-instantly-handler.cjs besides `RULES`, for the bundle in `dist`. */
  readonly instantEnv: (dist: string, verdict: Verdict) => Readonly<Record<string, string>>;
  readonly stop: () => void;
};

/** Starts the stand-in (stopped when this process exits, at the latest) and writes the two forms for it. */
export async function startBenchClassifier(bankRulesJson: string): Promise<BenchClassifier> {
  // The stand-in says of the no-match what the in-process verdict says: both measure a call that goes on.
  const answers = { [NO_MATCH_WORDS]: { choice: VERDICTS.taken, confidence: 0.95 } };
  const { url, stop } = await startStandInProcess('scripts/bench/llm-server.ts', [
    API_KEY,
    JSON.stringify(answers),
  ]);
  return {
    rules: classifierForms(bankRulesJson, url),
    instantEnv: (dist, verdict) => ({
      BENCH_BUNDLE: join(dist, 'inbound', 'index.js'),
      BENCH_CHOICE: VERDICTS[verdict],
    }),
    stop,
  };
}

/**
 * The bank example (`RULES`) in two forms: its classifier's endpoint `endpoint`, and its `classifier`
 * block and every flow's `classifier: true` removed (a line's `classifier: false` stays: it turns off
 * what no longer is).
 */
export function classifierForms(bankRulesJson: string, endpoint: string): BenchClassifier['rules'] {
  const rules = JSON.parse(bankRulesJson) as {
    classifier?: { endpoint: string };
    flows: Record<string, { classifier?: boolean }>;
  };
  if (rules.classifier === undefined) throw new Error('the bank example has no classifier to measure');
  const classifier = { ...rules, classifier: { ...rules.classifier, endpoint } };
  const { classifier: _removed, ...plain } = rules;
  const flows = Object.fromEntries(
    Object.entries(rules.flows).map(([name, { classifier: _on, ...flow }]) => [name, flow]),
  );
  return { classifier: JSON.stringify(classifier), plain: JSON.stringify({ ...plain, flows }) };
}

/** classify-instantly-handler.cjs's verdicts, for an instance in this process. */
function answerWith(choice: string): PerformClassify {
  const require = createRequire(import.meta.filename);
  return (require(CLASSIFY_INSTANTLY_HANDLER) as { answerWith: (c: string) => PerformClassify }).answerWith(
    choice,
  );
}

/**
 * `count` `normal` events saying {@link NO_MATCH_WORDS}, each of a call of its own whose callin (to the
 * service number, walked through an instance in this process under `rules`) left it at a menu: the
 * state each carries is the one that callin sealed.
 */
export async function noMatchEvents(
  dist: string,
  rules: string,
  count: number,
  callIdBase: number,
): Promise<Buffer[]> {
  return await refusingLoggedErrors(async () => {
    const handler = await startInstance(dist, 'inbound', { RULES: rules, ...CLASSIFIER_ENV });
    const timestamp = Date.now();
    const events: Buffer[] = [];
    for (let call = 0; call < count; call++) {
      const callId = `130301340127^${callIdBase + call}`;
      const caller = `152${String(20_000_000 + call).slice(-8)}`;
      const post = (type: string, content: Record<string, string>, at: number) =>
        formCallback(
          { call_id: callId, content_type: type, content: JSON.stringify(content), timestamp: String(at) },
          { base64: true },
        );
      const answered = replyDataOf(
        await handler(post('callin', { caller, callee: '95000' }, timestamp + 2 * call)),
        'callin',
      );
      if (answered.action !== 'answer' || typeof answered.dynamic_id !== 'string')
        throw new Error(`the callin was not answered at a menu: ${JSON.stringify(answered).slice(0, 300)}`);
      events.push(
        post('normal', { words: NO_MATCH_WORDS, dynamic_id: answered.dynamic_id }, timestamp + 2 * call + 1),
      );
    }
    return events;
  });
}

/** What an instance answers a prepared no-match: its first prompt and its callback's log line. */
type Reference = { readonly spoken: string; readonly line: Record<string, unknown> | undefined };

/**
 * What an instance in this process answers `event` under `rules`, its classifications answered at once
 * by `verdict` as classify-instantly-handler.cjs answers them (none asked without one): what a warm
 * child's every reply must say (its first prompt), and the log line that shows the work done.
 */
export async function referenceAnswer(
  dist: string,
  rules: string,
  event: Buffer,
  verdict: Verdict | undefined,
): Promise<Reference> {
  const lines: string[] = [];
  const handler: FcHandler = await startInstance(
    dist,
    'inbound',
    { RULES: rules, ...CLASSIFIER_ENV },
    {
      writeLog: (line) => lines.push(line),
      ...(verdict === undefined ? {} : { classify: () => answerWith(VERDICTS[verdict]) }),
    },
  );
  const data = replyDataOf(await handler(event), 'normal');
  const prompts = safeJson(String(data.action_code_param ?? '{}')) ?? {};
  const spoken = String(Object.values(prompts)[0] ?? '');
  const line = lines.map(safeJson).find((fields) => fields?.msg === 'callback' && fields.type === 'normal');
  if (spoken === '') throw new Error(`the no-match was answered without a prompt: ${JSON.stringify(data)}`);
  if (line?.level !== 'info')
    throw new Error(`the no-match was not answered as a callback: ${lines.join('\n')}`);
  return { spoken, line };
}

/**
 * Checks what became of a prepared no-match: classified and the verdict taken, classified `none` (the
 * retry), or not classified at all, as `wanted`.
 */
export function expectClassified(reference: Reference, wanted: Verdict | 'unasked'): void {
  const classified = reference.line?.classified as { taken?: unknown; choice?: unknown } | undefined;
  const became =
    classified === undefined
      ? 'unasked'
      : classified.taken === true
        ? 'taken'
        : classified.choice === VERDICTS.none
          ? 'none'
          : 'failed';
  if (became !== wanted)
    throw new Error(`the no-match came to ${became}, not ${wanted}: ${JSON.stringify(reference.line)}`);
}

/**
 * The four cold variants: each form's callin (`event` of bench.ts) and each form's no-match as the first
 * request. Each child is checked to have loaded `classifier-client.js` only when it classified, and the
 * classifying one to have taken the stand-in's verdict.
 */
export function classifierColdVariants(
  bundle: string,
  classifier: BenchClassifier,
  firstNoMatch: { readonly classifier: Buffer; readonly plain: Buffer },
  openai: { readonly module: string },
): ColdVariant[] {
  const answered = expectBundleAnswer('line service');
  const variant = (
    form: 'classifier' | 'plain',
    first: 'callin' | 'nomatch',
    check: (report: ColdReport, stdout: string) => void,
  ): ColdVariant => ({
    name: `${form}-${first}`,
    module: bundle,
    env: { RULES: classifier.rules[form], ...CLASSIFIER_ENV },
    ...(first === 'nomatch' ? { event: firstNoMatch[form] } : {}),
    verify: (report, stdout) => {
      check(report, stdout);
      expectClientLoaded(report, form === 'classifier' && first === 'nomatch');
    },
  });
  const noMatch = (wanted: 'taken' | 'unasked') => (_report: ColdReport, stdout: string) =>
    expectClassified({ spoken: '', line: callbackLineOf(stdout) }, wanted);
  return [
    variant('classifier', 'callin', answered),
    variant('plain', 'callin', answered),
    variant('classifier', 'nomatch', noMatch('taken')),
    variant('plain', 'nomatch', noMatch('unasked')),
    // The `openai` package in the client's place (scripts/bench/openai-classifier.ts): the same exchange.
    { ...variant('classifier', 'nomatch', noMatch('taken')), name: 'openai-nomatch', module: openai.module },
  ];
}

/** The inbound function with the `openai` package (6.x) behind the client's exports, in its side file. */
export function buildOpenAiVariant(dist: string): Promise<{ module: string; sideKb: number }> {
  return buildSideFileVariant(dist, CLIENT_FILE, join(root, 'scripts', 'bench', 'openai-classifier.ts'));
}

function expectClientLoaded(report: ColdReport, wanted: boolean): void {
  const loaded = report.modules.includes(CLIENT_FILE);
  if (loaded !== wanted)
    throw new Error(`${CLIENT_FILE} was ${loaded ? '' : 'not '}loaded: ${report.modules.join(', ')}`);
}

/** A cold child's callback log line (an error line fails the check: no fallback is measured). */
function callbackLineOf(stdout: string): Record<string, unknown> | undefined {
  const lines = stdout.split('\n').map(safeJson);
  const error = lines.find((line) => line?.level === 'error');
  if (error !== undefined)
    throw new Error(`the bundle logged an error: ${JSON.stringify(error).slice(0, 500)}`);
  return lines.find((line) => line?.msg === 'callback');
}

/** The cold rows: with the classifier against without, the callin and the first no-match. */
export function classifierColdRows(samples: ColdSamples, openAiKb: number): Row[] {
  const toConstant = (name: string) => compareCold(samples, name, 'constant');
  return [
    withConstant(
      coldRow(
        'cold first reply: bank example, classifier vs none',
        compareCold(samples, 'classifier-callin', 'plain-callin'),
        undefined,
      ),
      toConstant('classifier-callin'),
      toConstant('plain-callin'),
      `${CLIENT_FILE} not loaded: a callin never classifies`,
    ),
    withConstant(
      coldRow(
        'cold first callback: a no-match classified vs none',
        compareCold(samples, 'classifier-nomatch', 'plain-nomatch'),
        undefined,
      ),
      toConstant('classifier-nomatch'),
      toConstant('plain-nomatch'),
      `${CLIENT_FILE} loaded and one HTTP exchange on 127.0.0.1, on a new connection`,
    ),
    {
      ...coldRow('', compareCold(samples, 'openai-nomatch', 'classifier-nomatch'), undefined),
      figure: `cold first callback: the openai package (${openAiKb.toFixed(0)} KB) in the client's place vs the client`,
    },
  ];
}

/** A row's detail, led by both sides' ratios to the constant handler and what the first side did. */
function withConstant(row: Row, measured: ColdComparison, baseline: ColdComparison, what: string): Row {
  return {
    ...row,
    detail:
      `${formatSpread(measured.ratio, 2, '×')} and ${formatSpread(baseline.ratio, 2, '×')} of the constant handler ` +
      `(${what}); ${row.detail}`,
  };
}
