/**
 * The warm part of `npm run bench`: CPU time per callback of an instance that has answered thousands
 * already, over a realistic mix of calls, against a minimal parse-and-log handler given the same events.
 *
 * The events are prepared first, in this process, by walking whole calls through the built handlers (each
 * event carrying the previous reply's dynamic_id). They are then answered, in-process, by the built
 * handlers in child processes (scripts/bench/warm-child.cjs): one instance of one function a child, as on
 * FC, and fresh children each round. An FC instance has a small heap; timing in this process would charge
 * the callbacks with collecting the bench's own garbage. That child explains how a callback's CPU is
 * measured.
 *
 * A callin that resumes after a lookup is measured the same way, against the same callin of the same
 * document without the lookup, its answers from the stand-in in a process of its own (lookups.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FcHandler, formCallback } from '../../dev/fc-event';
import {
  type BenchClassifier,
  CLASSIFY_INSTANTLY_HANDLER,
  expectClassified,
  noMatchEvents,
  referenceAnswer,
  type Verdict,
} from './classifier';
import {
  builtFile,
  forEachRound,
  formatSpread,
  interleaved,
  median,
  percentile,
  plural,
  type Row,
  reportProgress,
  runMeasuredChild,
  spread,
} from './common';
import { refusingLoggedErrors, replyDataOf, startInstance } from './instances';
import type { BenchLookups } from './lookups';
import { LOOKED_UP_WORDS, LOOKUP_ENV } from './lookups';

const root = resolve(import.meta.dirname, '../..');
const WARM_CHILD = join(root, 'scripts', 'bench', 'warm-child.cjs');
const PARSE_AND_LOG_HANDLER = join(root, 'scripts', 'bench', 'parse-and-log-handler.cjs');
const HTTP_GET_HANDLER = join(root, 'scripts', 'bench', 'http-get-handler.cjs');

export type WarmPlan = {
  /** Callbacks each child answers before the steady ones (a young instance's figures come from them). */
  readonly warmup: number;
  readonly rounds: number;
  /** Callbacks timed per child, that is per contender and round; a round's p50 and p99 are over these. */
  readonly perRound: number;
  /** No round starts after this long (the first always runs). */
  readonly budgetMs: number;
};

const P99_TARGET_US = 250;

/** One prepared callback: what it is, and the FC event. */
type Prepared = { readonly type: string; readonly event: Buffer };

/** What a warm child runs: the module exporting the `handler`, its variables, and the prepared events. */
export type WarmChild = {
  readonly name: string;
  readonly module: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly eventsFile: string;
  /** Words every reply must contain (checked untimed): what proves the callbacks did the work measured. */
  readonly expect?: string;
};

/** Longest a warm child may take: a few thousand callbacks and a large rules document take seconds. */
const CHILD_TIMEOUT_MS = 60_000;

/**
 * A young instance's callbacks, reported apart: the 1,000 after its first (which reads the rules), while
 * V8 is still optimising what they run.
 */
const YOUNG_CALLBACKS = 1_000;

/** A warm child's CPU µs per callback: its young callbacks, and those after the warm-up (steady). */
export type WarmRun = { readonly young: number[]; readonly steady: number[] };

/** Writes FC events where a warm child reads them: base64, one a line. */
export function writeEventsFile(file: string, events: readonly Buffer[]): void {
  writeFileSync(file, events.map((event) => `${event.toString('base64')}\n`).join(''));
}

/** Runs a warm child over its events file; returns its callbacks' CPU µs and what a reading costs. */
function runWarmChild(child: WarmChild, warmup: number): WarmRun & { readingUs: number } {
  const { reported } = runMeasuredChild(
    child.name,
    [
      WARM_CHILD,
      child.module,
      child.eventsFile,
      String(warmup),
      ...(child.expect === undefined ? [] : [child.expect]),
    ],
    { env: child.env, timeoutMs: CHILD_TIMEOUT_MS, stdout: 'ignore', maxBuffer: 16 * 1024 * 1024 },
  );
  const { times, readingUs } = JSON.parse(reported) as { times: number[]; readingUs: number };
  return {
    young: times.slice(1, Math.min(warmup, 1 + YOUNG_CALLBACKS)),
    steady: times.slice(warmup),
    readingUs,
  };
}

/**
 * Runs each child once a round, interleaved, for at most `plan.rounds` rounds and, after the first,
 * `plan.budgetMs`; returns each child's runs, a round each, and the median cost of a CPU reading.
 */
export function runWarmRounds(
  children: readonly WarmChild[],
  plan: WarmPlan,
  label: string,
): { runs: Map<string, WarmRun[]>; readingUs: number } {
  const runs = new Map(children.map((child) => [child.name, [] as WarmRun[]]));
  const readings: number[] = [];
  forEachRound(label, plan.rounds, plan.budgetMs, (round) => {
    for (const child of interleaved(children, round)) {
      const { readingUs, ...run } = runWarmChild(child, plan.warmup);
      runs.get(child.name)?.push(run);
      readings.push(readingUs);
    }
  });
  return { runs, readingUs: median(readings) };
}

// ─── Preparing the calls ───

/**
 * `count` callins, each of a call of its own, to scripts/bench/lookups.ts's documents: no state to carry,
 * so they are built rather than walked; the warm child checks that every reply says the balance.
 */
function callinsOfNewCalls(count: number): Buffer[] {
  const timestamp = Date.now();
  return Array.from({ length: count }, (_, call) =>
    formCallback(
      {
        call_id: `130301340126^${117079750123 + call}`,
        content_type: 'callin',
        content: JSON.stringify({ caller: caller(call), callee: '05923391657' }),
        timestamp: String(timestamp + call),
      },
      { base64: true },
    ),
  );
}

/** One turn of a call: the event's type, its content beside the dynamic_id, and the action expected. */
type Turn = { readonly type: string; readonly content: Record<string, string>; readonly expect?: string };

/**
 * Walks `calls` calls through `handler`, each turn's event carrying the previous reply's dynamic_id, and
 * returns every call's events in order. Each reply must be a success and, but for the last turn, carry a
 * dynamic_id, with the action a turn expects when it says.
 */
export async function walkCalls(
  handler: FcHandler,
  calls: number,
  callIdBase: number,
  turns: (call: number) => readonly Turn[],
): Promise<Prepared[][]> {
  const walked: Prepared[][] = [];
  let timestamp = Date.now();
  for (let call = 0; call < calls; call++) {
    const callId = `130301340124^${callIdBase + call}`;
    const events: Prepared[] = [];
    let dynamicId: string | undefined;
    const list = turns(call);
    for (const [i, turn] of list.entries()) {
      timestamp += 1;
      const content = JSON.stringify(
        dynamicId === undefined ? turn.content : { ...turn.content, dynamic_id: dynamicId },
      );
      const params = { call_id: callId, content_type: turn.type, content, timestamp: String(timestamp) };
      // Forms travel base64-encoded on FC (see scripts/local/serve.ts), so both decodings are on the path.
      const event = formCallback(params, { base64: true });
      const data = replyDataOf(await handler(event), turn.type);
      if (turn.expect !== undefined && data.action !== turn.expect) {
        throw new Error(`${turn.type} was answered with ${String(data.action)}, expected ${turn.expect}`);
      }
      dynamicId = typeof data.dynamic_id === 'string' ? data.dynamic_id : undefined;
      if (dynamicId === undefined && i < list.length - 1) {
        throw new Error(`${turn.type} reply has no dynamic_id: ${JSON.stringify(data).slice(0, 300)}`);
      }
      events.push({ type: turn.type, event });
    }
    walked.push(events);
  }
  return walked;
}

const caller = (call: number) => `152${String(10_000_000 + call).slice(-8)}`;

/** The embedded default hotline: greeting and menu, silence arms the keys, key 1 (hours), "转人工". */
export const hotlineTurns = (call: number): Turn[] => [
  { type: 'callin', content: { caller: caller(call), callee: '05923391657' }, expect: 'answer' },
  { type: 'mute', content: {}, expect: 'dtmf' },
  { type: 'dtmf', content: { dtmf_digits: '1' }, expect: 'dtmf' },
  { type: 'normal', content: { words: '转人工' }, expect: 'transfer' },
];

/**
 * examples/bank-card-service.yaml on its service number, whose calendar (China's holidays) decides every
 * callin: the main menu in office hours, the after-hours flow otherwise. "余额" and key 9 are valid turns
 * in both, so the walk holds at any hour; the actions after the answer depend on it.
 */
const bankTurns = (call: number): Turn[] => [
  { type: 'callin', content: { caller: caller(call), callee: '95000' }, expect: 'answer' },
  { type: 'mute', content: {} },
  { type: 'normal', content: { words: '余额' } },
  { type: 'dtmf', content: { dtmf_digits: '9' } },
];

/** The prepared events of each child: enough for its warm-up and its timed callbacks. */
export type Mixes = Readonly<Record<'inbound' | 'outbound' | 'bank', readonly Prepared[]>>;

/**
 * Default rules: inbound calls of four turns to the inbound function, and for every four inbound events
 * the first event of an outbound (SmartCall) call, whose DynamicId names the flow to start, to the
 * outbound function. JSON rules with a calendar: inbound calls of the bank example.
 */
export async function prepareMixes(plan: WarmPlan, bankRulesJson: string, dist: string): Promise<Mixes> {
  const count = plan.warmup + plan.perRound;
  return await refusingLoggedErrors(async () => {
    const hotline = await startInstance(dist, 'inbound');
    const inbound = (await walkCalls(hotline, Math.ceil(count / 4), 117079730123, hotlineTurns)).flat();
    const smartCall = await startInstance(dist, 'outbound');
    const outbound: Prepared[] = [];
    for (let call = 0; call < plan.warmup + Math.ceil(plan.perRound / 4); call++) {
      const content = JSON.stringify({ words: '喂', dynamic_id: 'hotline' });
      const params = { call_id: `130301340125^${117079730123 + call}`, content_type: 'normal', content };
      const event = formCallback({ ...params, timestamp: String(Date.now() + call) }, { base64: true });
      replyDataOf(await smartCall(event), 'outbound first');
      outbound.push({ type: 'outbound first', event });
    }
    const bankLine = await startInstance(dist, 'inbound', { RULES: bankRulesJson });
    const bank = (await walkCalls(bankLine, Math.ceil(count / 4), 117079740123, bankTurns)).flat();
    return { inbound: inbound.slice(0, count), outbound, bank: bank.slice(0, count) };
  });
}

/** Each round's p50 over the baseline's of the same round, as a spread over rounds. */
function ratioOfP50s(measured: readonly number[][], baseline: readonly number[][]) {
  return spread(
    measured.map((times, round) => percentile(times, 0.5) / percentile(baseline[round] ?? [], 0.5)),
  );
}

/** Each round's `q` percentile, as a spread over rounds. */
const percentileOf = (rounds: readonly number[][], q: number) =>
  spread(rounds.map((times) => percentile(times, q)));

/**
 * A warm callback that does more (`measured`) against the same callback without it (`baseline`, timed in
 * the same rounds): p50 per round, the ratio of p50s per round and the p99s in the detail, then `note`.
 */
function againstRow(
  figure: string,
  measured: readonly number[][],
  baseline: { readonly rounds: readonly number[][]; readonly is: string },
  note: string,
  counted: string,
  plan: WarmPlan,
): Row {
  const ratio = ratioOfP50s(measured, baseline.rounds);
  return {
    figure,
    value: `p50 ${formatSpread(percentileOf(measured, 0.5), 0)} µs`,
    target: '',
    pass: undefined,
    detail:
      `${formatSpread(ratio, 2, '×')} ${baseline.is} (p50 ${formatSpread(percentileOf(baseline.rounds, 0.5), 0)} µs); ` +
      `p99 ${formatSpread(percentileOf(measured, 0.99), 0)} vs ${formatSpread(percentileOf(baseline.rounds, 0.99), 0)} µs; ` +
      `${note} (${plural(measured.length, 'round')} × ${measured[0]?.length ?? 0} ${counted} after ${plan.warmup})`,
  };
}

/**
 * A warm callin that pauses at its lookup, performs it and resumes, against the same callin of the same
 * document without the lookup.
 */
function lookupRow(
  lookup: readonly number[][],
  lookupFree: readonly number[][],
  bareGet: readonly number[][],
  plan: WarmPlan,
): Row {
  return againstRow(
    'warm: callin resuming after a lookup',
    lookup,
    { rounds: lookupFree, is: 'the same callin without it' },
    'includes this side of one HTTP exchange on 127.0.0.1, kept alive, which parse-and-log with a bare ' +
      `node:http GET does for p50 ${formatSpread(percentileOf(bareGet, 0.5), 0)} µs`,
    'callins',
    plan,
  );
}

/**
 * The no-matches of scripts/bench/classifier.ts for the warm children, with the classifier and without,
 * and what each reply must say: the first prompt of an instance in this process given the first of them
 * (with the classifier, its verdict answered as the child's is), checked to have come to the verdict, or
 * to no classification. The children with the classifier answer the same events, by either verdict.
 */
async function prepareNoMatches(plan: WarmPlan, dist: string, classifier: BenchClassifier) {
  const count = plan.warmup + plan.perRound;
  const events = {
    classifier: await noMatchEvents(dist, classifier.rules.classifier, count, 117079780123),
    plain: await noMatchEvents(dist, classifier.rules.plain, count, 117079790123),
  };
  const spoken = async (form: 'classifier' | 'plain', verdict: Verdict | undefined) => {
    const reference = await referenceAnswer(dist, classifier.rules[form], events[form][0] as Buffer, verdict);
    expectClassified(reference, verdict ?? 'unasked');
    return reference.spoken;
  };
  return {
    events,
    spoken: { taken: await spoken('classifier', 'taken'), none: await spoken('classifier', 'none') },
    plainSpoken: await spoken('plain', undefined),
  };
}

/** p50/p99 (µs) by event type over all rounds of children that each timed `events` after the warm-up. */
function describeByType(
  sources: readonly { events: readonly Prepared[]; rounds: readonly number[][] }[],
  warmup: number,
): string {
  const byType = new Map<string, number[]>();
  for (const { events, rounds } of sources) {
    for (const times of rounds) {
      times.forEach((us, i) => {
        const type = events[warmup + i]?.type ?? '?';
        const list = byType.get(type) ?? [];
        list.push(us);
        byType.set(type, list);
      });
    }
  }
  return [...byType]
    .map(([type, list]) => `${type} ${percentile(list, 0.5).toFixed(0)}/${percentile(list, 0.99).toFixed(0)}`)
    .join(', ');
}

/** The warm figures of the bundles in `dist` (a copy, see bench-common.ts). */
export async function measureWarm(
  plan: WarmPlan,
  bankRulesJson: string,
  dist: string,
  lookups: BenchLookups,
  classifier: BenchClassifier,
): Promise<{ rows: Row[]; notes: string[] }> {
  reportProgress(`warm: preparing ${plan.warmup + plan.perRound} callbacks for each instance`);
  const mixes = await prepareMixes(plan, bankRulesJson, dist);
  const noMatch = await prepareNoMatches(plan, dist, classifier);
  const dir = mkdtempSync(join(tmpdir(), 'vms-callflow-bench-'));
  try {
    const eventsFile = (name: keyof Mixes) => {
      const file = join(dir, `${name}.events`);
      writeEventsFile(
        file,
        mixes[name].map(({ event }) => event),
      );
      return file;
    };
    const files = {
      inbound: eventsFile('inbound'),
      outbound: eventsFile('outbound'),
      bank: eventsFile('bank'),
      callins: join(dir, 'callins.events'),
      classified: join(dir, 'classified.events'),
      unclassified: join(dir, 'unclassified.events'),
    };
    writeEventsFile(files.callins, callinsOfNewCalls(plan.warmup + plan.perRound));
    writeEventsFile(files.classified, noMatch.events.classifier);
    writeEventsFile(files.unclassified, noMatch.events.plain);
    const children: WarmChild[] = [
      { name: 'inbound', module: builtFile(dist, 'inbound'), eventsFile: files.inbound },
      { name: 'outbound', module: builtFile(dist, 'outbound'), eventsFile: files.outbound },
      {
        name: 'bank',
        module: builtFile(dist, 'inbound'),
        env: { RULES: bankRulesJson },
        eventsFile: files.bank,
      },
      { name: 'baseline', module: PARSE_AND_LOG_HANDLER, eventsFile: files.inbound },
      // scripts/bench/lookups.ts's document, each callin a new call: a lookup every callback (none is
      // answered from the client's kept answers, which are by call), over one kept-alive connection.
      {
        name: 'lookup',
        module: builtFile(dist, 'inbound'),
        env: { RULES: lookups.rules.lookup, ...LOOKUP_ENV },
        eventsFile: files.callins,
        expect: LOOKED_UP_WORDS,
      },
      {
        name: 'lookup-free',
        module: builtFile(dist, 'inbound'),
        env: { RULES: lookups.rules.plain },
        eventsFile: files.callins,
        expect: LOOKED_UP_WORDS,
      },
      {
        name: 'bare-get',
        module: HTTP_GET_HANDLER,
        env: lookups.bareGetEnv,
        eventsFile: files.callins,
        expect: LOOKED_UP_WORDS,
      },
      // scripts/bench/classifier.ts's no-match at the menu, each of a call of its own: with the bank
      // example's classifier, answered in-process by a verdict the call takes or by none (the retry), and
      // without a classifier (the same retry).
      ...(['taken', 'none'] as const).map((verdict) => ({
        name: `classified ${verdict}`,
        module: CLASSIFY_INSTANTLY_HANDLER,
        env: { RULES: classifier.rules.classifier, ...classifier.instantEnv(dist, verdict) },
        eventsFile: files.classified,
        expect: noMatch.spoken[verdict],
      })),
      {
        name: 'unclassified',
        module: builtFile(dist, 'inbound'),
        env: { RULES: classifier.rules.plain },
        eventsFile: files.unclassified,
        expect: noMatch.plainSpoken,
      },
    ];
    reportProgress(
      `warm: ${plural(plan.rounds, 'round')} of ${children.length} instances, ${plan.perRound} callbacks timed after ${plan.warmup}`,
    );
    const { runs, readingUs } = runWarmRounds(children, plan, 'warm');

    const steady = (name: string) => (runs.get(name) ?? []).map((run) => run.steady);
    const young = (name: string) => (runs.get(name) ?? []).map((run) => run.young);
    // The mix, round by round: the inbound instance's callbacks and the outbound one's (a quarter as many).
    const outboundSteady = steady('outbound');
    const mix = steady('inbound').map((times, round) => [...times, ...(outboundSteady[round] ?? [])]);
    const p = (rounds: readonly number[][], q: number) => spread(rounds.map((times) => percentile(times, q)));
    const baselineP50 = p(steady('baseline'), 0.5);
    const row = (figure: string, rounds: readonly number[][]): Row => {
      const p50 = p(rounds, 0.5);
      const p99 = p(rounds, 0.99);
      return {
        figure,
        value: `p99 ${formatSpread(p99, 0)} µs`,
        target: `p99 ≤ ${P99_TARGET_US} µs`,
        pass: p99.mid <= P99_TARGET_US,
        detail:
          `p50 ${formatSpread(p50, 0)} µs, ${(p50.mid / baselineP50.mid).toFixed(1)}× parse-and-log's ` +
          `(${plural(rounds.length, 'round')} × ${rounds[0]?.length ?? 0} callbacks after ${plan.warmup})`,
      };
    };
    const youngCallbacks = `callbacks 2–${Math.min(plan.warmup, YOUNG_CALLBACKS + 1)}`;
    return {
      rows: [
        row('warm: callback mix, default rules', mix),
        row('warm: inbound calls, JSON rules + calendar', steady('bank')),
        {
          figure: 'warm: young inbound instance, default rules',
          value: `p99 ${formatSpread(p(young('inbound'), 0.99), 0)} µs`,
          target: '',
          pass: undefined,
          detail: `p50 ${formatSpread(p(young('inbound'), 0.5), 0)} µs over ${youngCallbacks}, while V8 is still optimising`,
        },
        lookupRow(steady('lookup'), steady('lookup-free'), steady('bare-get'), plan),
        againstRow(
          'warm: no-match classified, verdict in-process',
          steady('classified taken'),
          { rounds: steady('unclassified'), is: 'the same no-match without a classifier' },
          `the bank example, the verdict answered at once in-process (FunctionHost.classify), no network, ` +
            `and taken: the intent's path (a say, a subflow, a collect) instead of the retry; with a verdict of ` +
            `none, the same retry as without: p50 ${formatSpread(percentileOf(steady('classified none'), 0.5), 0)} µs, ` +
            `${formatSpread(ratioOfP50s(steady('classified none'), steady('unclassified')), 2, '×')}`,
          'no-matches',
          plan,
        ),
        {
          figure: 'warm: parse-and-log handler',
          value: `p99 ${formatSpread(p(steady('baseline'), 0.99), 0)} µs`,
          target: '',
          pass: undefined,
          detail: `p50 ${formatSpread(baselineP50, 0)} µs: parses the event and the form, logs a line, constant reply`,
        },
      ],
      notes: [
        'warm, p50/p99 µs by event (after the warm-up, all rounds):',
        `  default rules: ${describeByType(
          [
            { events: mixes.inbound, rounds: steady('inbound') },
            { events: mixes.outbound, rounds: outboundSteady },
          ],
          plan.warmup,
        )}`,
        `  JSON rules + calendar: ${describeByType([{ events: mixes.bank, rounds: steady('bank') }], plan.warmup)}`,
        `  young outbound instance (${youngCallbacks}): p50 ${p(young('outbound'), 0.5).mid.toFixed(0)}, ` +
          `p99 ${p(young('outbound'), 0.99).mid.toFixed(0)} µs`,
        `  a CPU reading costs ${readingUs.toFixed(1)} µs (median), included in every figure`,
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
