/**
 * Calls through the built callback functions under rules that look things up, against a hostile lookup
 * stand-in on 127.0.0.1, and what every callback of them must do besides the properties of
 * dev/fuzz-callbacks.ts. Shared by `npm run fuzz -- --lookups` and its quick slice in the tests
 * (test/fuzz/).
 *
 * The documents ({@link buildFuzzDocuments}) start with a lookup, chain two, three and four (one more than
 * a callback may perform), have fillers and none, a lookup whose secret variable is unset, small waits and
 * deadlines (0–30 ms, 100–150 ms) so that every path is taken quickly, and now and then the defaults. The
 * stand-in picks how to answer each request ({@link chooseHostileRoute}): hanging, trickling, redirecting,
 * lying about its length either way, huge, deep, not JSON, reset, 500, slow, or a JSON answer with good
 * values, a value missing, of the wrong kind or too long. Calls carry the state each reply sealed into
 * their next event (or a forged one, or none), after pauses that let attempts time out, sometimes to
 * another instance of the function (with a lookup client of its own), so that callbacks in the `waiting`
 * phase join an attempt in flight, send again, or run out of attempts. Every instance serves one request
 * at a time, as on FC; many instances run at once.
 *
 * Properties, besides dev/fuzz-callbacks.ts's, of every callback:
 * - its log line's `ms` is at most CALLBACK_BUDGET_MS + the wait of the first lookup it performed +
 *   {@link SLACK_MS};
 * - neither its reply nor any log line holds the value of a `LOOKUP_` variable ({@link LOOKUP_SECRET});
 * - the stand-in never answers 401: the secret header reaches it as configured;
 * and, at the end of the run: every attempt of every instance's lookup client has ended by its deadline
 * (none in flight), and the stand-in is left with no connection open.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import fc from 'fast-check';
import { TICK_MS } from '../shared/clock/awake-clock';
import { LOOKUP_FAILURES } from '../shared/lookup/lookup-types';
import { DEFAULT_RULES } from '../shared/rules/default-rules';
import { LOOKUP_LIMITS, type RulesInput } from '../shared/rules/rules-schema';
import { requestArb } from './fuzz-callbacks';
import {
  type CallRunOptions,
  callerArb,
  countHeldOpen,
  deliveryArbs,
  type FollowUp,
  type FuzzCall,
  type FuzzItem,
  heldOpenSince,
  type LogBook,
  openLogBook,
  platformCallIdArb,
  playCalls,
  waitUntil,
  withTwoDists,
} from './fuzz-calls';
import { scanLogOutput } from './log-scan';
import { type LookupRoute, type LookupServer, startLookupServer } from './lookup-server';
import { seededRandom } from './seeded-random';

/**
 * The value of `LOOKUP_TOKEN` during the run, new each run: no reply or log line may hold it. Drawn at
 * run time, so that no source text (which a stack frame may carry under tsx) holds it either.
 */
export const LOOKUP_SECRET = `fuzz-secret-${randomBytes(8).toString('hex')}`;

/** CALLBACK_BUDGET_MS during the run (the default). */
export const FUZZ_BUDGET_MS = 400;

/**
 * How late a callback may answer past its budget and its lookup's wait, ms. The functions' deadline is a
 * timer on the event loop, which the run shares with the other instances answering at the same time and
 * with the stand-in, on a two-core machine shared with other work: a timer fires late by the work queued
 * before it, a garbage collection, or the time the machine gives to others. In a run of 200,000 requests
 * here the loop's longest stall was 44 ms and the slowest callback 352 ms inside its bound; but with
 * 250 ms, one callback in about 300,000 (over several runs, on a busier machine) answered 256 ms past its
 * bound (686 ms for 430). 500 ms covers that and still tells a callback that waited out a whole default
 * wait (800 ms) or an attempt's default deadline (1,500 ms) where a short one applied, or that waited for
 * anything unbounded. The run reports its slowest callback and the loop's longest stall; a failure says
 * how long the loop stalled during that callback.
 */
export const SLACK_MS = 500;

/** How long the stand-in keeps an idle connection, ms: after it, only connections a client holds stay open. */
const IDLE_MS = 100;

// ─── The documents ───

/** How a document's lookup is timed and sized; a limit left out keeps the default. */
type LookupLimits = { waitMs?: number; timeoutMs?: number; attempts?: number; maxBytes?: number };

/** `arbitrary`, or now and then (one in `oneIn`) undefined: the document's default. */
function orDefault(arbitrary: fc.Arbitrary<number>, oneIn: number): fc.Arbitrary<number | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary }, { weight: 1, arbitrary: fc.constant(undefined) });
}

/**
 * A lookup's limits: short waits (0–30 ms) and deadlines (100–150 ms), so that every way a lookup can go
 * is taken quickly, and with `defaults` now and then the defaults (a wait of 800 ms, a deadline of
 * 1,500 ms, three attempts, 16 KB), rarest for the wait, which holds a callback longest.
 */
function limitsArb(defaults: boolean): fc.Arbitrary<LookupLimits> {
  const set = (arbitrary: fc.Arbitrary<number>, oneIn: number) =>
    defaults ? orDefault(arbitrary, oneIn) : arbitrary;
  return fc
    .record({
      waitMs: set(fc.integer({ min: LOOKUP_LIMITS.waitMs.min, max: 30 }), 12),
      timeoutMs: set(fc.integer({ min: LOOKUP_LIMITS.timeoutMs.min, max: 150 }), 6),
      attempts: set(fc.integer({ min: 1, max: LOOKUP_LIMITS.attempts.max }), 4),
      // From 256 bytes: a good answer is about 70.
      maxBytes: set(fc.integer({ min: 256, max: 4096 }), 4),
    })
    .map((limits) => Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined)));
}

/** The lookups of a fuzz document. */
const LOOKUP_NAMES = ['account', 'card', 'points', 'broken'] as const;
type LookupName = (typeof LOOKUP_NAMES)[number];

/** A fuzz document: the rules, as `RULES`, and what its lookups' limits are. */
export type FuzzDocument = {
  readonly json: string;
  /** The wait of the lookup `use`, ms. */
  readonly waitOf: (use: string) => number;
  /** The longest wait and attempt deadline of its lookups, ms. */
  readonly maxWaitMs: number;
  readonly maxTimeoutMs: number;
};

/** A lookup node of the fuzz documents. */
function lookupNode(use: LookupName, next: string, onError: string, extra: object = {}) {
  return { type: 'lookup', use, next, onError, ...extra } as const;
}

/**
 * `count` documents for the stand-in at `url`, their lookups' limits drawn from `seed`. Each has the same
 * flows: `first` looks the account up (with a filler) and chains to `card` (without), then a menu whose
 * keys lead to a lookup with a filler (1), back to the first (2), a chain of three lookups (3), of four,
 * one more than a callback may perform (4), and a lookup whose secret variable is unset (5).
 */
export function buildFuzzDocuments(
  url: string,
  seed: number,
  count: number,
  defaults: boolean,
): FuzzDocument[] {
  const limits = limitsArb(defaults);
  const drawn = fc.sample(fc.tuple(limits, limits, limits, limits), { seed, numRuns: count });
  return drawn.map((tuple, i) => {
    const byName = Object.fromEntries(LOOKUP_NAMES.map((name, j) => [name, tuple[j] ?? {}])) as Record<
      LookupName,
      LookupLimits
    >;
    const rules: RulesInput = {
      version: `fuzz-lookups-${i + 1}`,
      defaultLine: { flow: 'main' },
      recovery: DEFAULT_RULES.recovery,
      outbound: { defaultFlow: 'main' },
      lookups: {
        account: {
          url: `${url}/auth/account`,
          query: { phone: '{{caller}}' },
          headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
          ...byName.account,
        },
        card: {
          url: `${url}/auth/card`,
          method: 'POST',
          body: { phone: '{{caller}}', name: '{{vars.name}}' },
          headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}', 'X-Call': 'fuzz' },
          ...byName.card,
        },
        points: { url: `${url}/points/{{vars.code}}`, ...byName.points },
        broken: {
          url: `${url}/auth/broken`,
          headers: { Authorization: 'Bearer {{env.LOOKUP_UNSET}}' },
          ...byName.broken,
        },
      },
      flows: {
        main: {
          start: 'first',
          nodes: {
            first: lookupNode('account', 'second', 'sorry', {
              save: { name: { from: 'name', type: 'text', maxBytes: 12 } },
              filler: '请稍候，正在查询。',
            }),
            second: lookupNode('card', 'menu', 'menu', {
              save: { code: { from: 'data.code', type: 'digits', maxBytes: 6, sensitive: true } },
            }),
            menu: {
              type: 'menu',
              say: '{{vars.name}}您好。查积分请按1，再查余额请按2，人工服务请按0。',
              keys: { '1': 'points', '2': 'first', '3': 'x1', '4': 'y1', '5': 'unsendable', '0': 'agent' },
              intents: [{ name: 'points', keywords: ['积分'], goto: 'points' }],
            },
            points: lookupNode('points', 'said', 'menu', {
              save: { pts: { from: 'points', type: 'number', maxBytes: 6 } },
              filler: '请稍候。',
            }),
            said: { type: 'say', say: '您的积分是{{vars.pts}}。', next: 'menu' },
            x1: lookupNode('points', 'x2', 'menu'),
            x2: lookupNode('account', 'x3', 'menu'),
            x3: lookupNode('card', 'menu', 'menu', { filler: '还在查询。' }),
            y1: lookupNode('points', 'y2', 'menu'),
            y2: lookupNode('account', 'y3', 'menu'),
            y3: lookupNode('card', 'y4', 'menu'),
            y4: lookupNode('points', 'menu', 'menu'),
            unsendable: lookupNode('broken', 'menu', 'sorry'),
            sorry: { type: 'hangup', say: '抱歉，暂时查不到，再见。' },
            agent: { type: 'transfer', to: '05923391657' },
          },
        },
      },
    };
    const waitOf = (use: string) =>
      (Object.hasOwn(byName, use) ? byName[use as LookupName].waitMs : undefined) ??
      LOOKUP_LIMITS.waitMs.default;
    return {
      json: JSON.stringify(rules),
      waitOf,
      maxWaitMs: Math.max(...LOOKUP_NAMES.map(waitOf)),
      maxTimeoutMs: Math.max(
        ...LOOKUP_NAMES.map((name) => byName[name].timeoutMs ?? LOOKUP_LIMITS.timeoutMs.default),
      ),
    };
  });
}

// ─── The hostile stand-in ───

/** The values a good answer carries. */
const GOOD = { balance: 12.5, name: '张三', data: { code: '123456' }, points: 880 };

/**
 * A mobile number, which logs must mask wherever it comes from: a saved value, the caller's words. Put
 * together here so that this file's own text holds none: under tsx, a stack frame may carry it.
 */
const MOBILE = ['139', '1234', '5678'].join('');

/**
 * How the stand-in may answer, with weights: a good answer most often (so that chains go on), then every
 * way an answer can be bad or an endpoint hostile.
 */
const ANSWERS: readonly (readonly [
  label: string,
  weight: number,
  route: (random: () => number) => LookupRoute,
])[] = [
  ['ok', 28, () => ({ answer: GOOD })],
  ['ok, a mobile number as the name', 2, () => ({ answer: { ...GOOD, name: MOBILE } })],
  ['ok, a value missing', 4, () => ({ answer: { ...GOOD, name: undefined, data: {} } })],
  [
    'ok, values of the wrong kind',
    4,
    () => ({ answer: { balance: 'much', name: null, data: { code: ['1'] }, points: [] } }),
  ],
  [
    'ok, a value too long',
    4,
    () => ({ answer: { ...GOOD, name: '名'.repeat(40), data: { code: '1'.repeat(40) } } }),
  ],
  ['hang', 5, () => ({ mode: 'hang' })],
  ['trickle', 3, () => ({ mode: 'trickle' })],
  ['slow', 8, (random) => ({ answer: GOOD, mode: `slow:${Math.floor(random() * 300)}` })],
  ['redirect', 3, () => ({ mode: 'redirect' })],
  ['lie-length', 2, () => ({ mode: 'lie-length' })],
  ['lie-length:short', 3, () => ({ mode: 'lie-length:short' })],
  ['huge', 2, () => ({ mode: 'huge' })],
  ['deep', 2, () => ({ mode: 'deep' })],
  ['deep:40', 2, () => ({ mode: 'deep:40' })],
  ['not-json', 2, () => ({ mode: 'not-json' })],
  ['not-utf8', 1, () => ({ mode: 'not-utf8' })],
  ['empty', 1, () => ({ mode: 'empty' })],
  ['reset', 4, () => ({ mode: 'reset' })],
  ['status:500', 4, () => ({ mode: 'status:500' })],
];

const TOTAL_WEIGHT = ANSWERS.reduce((sum, [, weight]) => sum + weight, 0);

/**
 * A chooser of routes for the stand-in: each request gets one of {@link ANSWERS}, drawn from `random`,
 * and a path under `/auth/` answers 401 unless it carries the secret. `picked` counts the labels drawn.
 */
export function chooseHostileRoute(
  random: () => number,
  picked: Map<string, number>,
): (request: { readonly path: string }) => LookupRoute {
  return (request) => {
    let left = random() * TOTAL_WEIGHT;
    let chosen = ANSWERS[0] as (typeof ANSWERS)[number];
    for (const answer of ANSWERS) {
      left -= answer[1];
      chosen = answer;
      if (left < 0) break;
    }
    picked.set(chosen[0], (picked.get(chosen[0]) ?? 0) + 1);
    const route = chosen[2](random);
    return request.path.startsWith('/auth/')
      ? { ...route, requireHeaders: { authorization: `Bearer ${LOOKUP_SECRET}` } }
      : route;
  };
}

// ─── The calls ───

const followUpArb: fc.Arbitrary<FollowUp> = fc.record({
  type: fc.constantFrom('mute', 'mute', 'dtmf', 'dtmf', 'normal', 'timebreak'),
  digits: fc.constantFrom('1', '2', '3', '4', '5', '0', '9', '12'),
  words: fc.constantFrom('积分', '余额', '人工', '好的', `我的号码是${MOBILE}`),
  ...deliveryArbs({
    carried: 16,
    pauseMs: fc.oneof(
      { weight: 14, arbitrary: fc.constant(0) },
      { weight: 4, arbitrary: fc.integer({ min: 1, max: 40 }) },
      { weight: 2, arbitrary: fc.integer({ min: 80, max: 200 }) },
    ),
    twicePercent: 5,
  }),
});

const callArb: fc.Arbitrary<FuzzCall> = fc.record({
  callId: platformCallIdArb,
  caller: callerArb,
  named: fc.boolean(),
  followUps: fc.array(followUpArb, { maxLength: 6 }),
});

/** Calls mostly, and dev/fuzz-callbacks.ts's requests (junk, forged and replayed states) among them. */
function itemArb(replayed: readonly string[]): fc.Arbitrary<FuzzItem> {
  return fc.oneof(
    { weight: 4, arbitrary: callArb.map((call) => ({ call })) },
    { weight: 1, arbitrary: requestArb(replayed).map((request) => ({ request })) },
  );
}

// ─── The run ───

export type LookupFuzzOptions = CallRunOptions & {
  /**
   * Whether the documents' lookups take the defaults now and then (a deadline of 1,500 ms, a wait of
   * 800 ms); without, every attempt ends within 150 ms, which a quick run's end waits for.
   */
  readonly defaults: boolean;
};

/** What the run's lookups came to, from the callbacks' log lines, how the stand-in answered, how late callbacks and the event loop were. */
export type LookupCoverage = {
  /** `ok`, `waiting`, `failed <why>`: lookups of callbacks, by what they came to. */
  readonly outcomes: Map<string, number>;
  /** Lookups by the attempts sent for their node so far. */
  readonly attempts: Map<number, number>;
  /** The stand-in's answers by kind. */
  readonly answers: Map<string, number>;
  /** Callbacks answered with the fallback (a chain of four lookups, for one). */
  fallbacks: number;
  /** The fallbacks by their error (name and message, numbers left out). */
  readonly fallbackErrors: Map<string, number>;
  /** The latest a callback answered past its budget and its wait, ms (negative: none was late). */
  worstLateMs: number;
  /** The longest the event loop went without turning during the run, ms (what makes timers late). */
  longestStallMs: number;
};

export type LookupFuzzResult = {
  readonly sent: number;
  /** The first property that did not hold, with what showed it; undefined when all held. */
  readonly failure: string | undefined;
  readonly coverage: LookupCoverage;
  /** Milliseconds from the last callback until nothing was in flight and no connection open. */
  readonly drainedMs: number;
};

/** The paths every long run must take: each outcome of a lookup, and a second and a third attempt. */
export const EVERY_PATH = ['ok', 'waiting', ...LOOKUP_FAILURES.map((why) => `failed ${why}`)];

/** A log book of the run's callbacks that counts what their lookups came to, and the fallbacks. */
function openLookupLogBook(coverage: LookupCoverage): LogBook {
  return openLogBook(
    (line) => scanLogOutput(line, [LOOKUP_SECRET]),
    (fields) => {
      if (fields.level === 'error') {
        coverage.fallbacks += 1;
        const error = fields.error as { name?: unknown; message?: unknown } | undefined;
        const kind = `${String(error?.name)}: ${String(error?.message).replace(/[0-9]+/g, 'N')}`;
        coverage.fallbackErrors.set(kind, (coverage.fallbackErrors.get(kind) ?? 0) + 1);
      }
      for (const lookup of Array.isArray(fields.lookups)
        ? (fields.lookups as Record<string, unknown>[])
        : []) {
        const why = typeof lookup.why === 'string' ? lookup.why.split(' ')[0] : undefined;
        const outcome = lookup.outcome === 'failed' ? `failed ${why}` : String(lookup.outcome);
        coverage.outcomes.set(outcome, (coverage.outcomes.get(outcome) ?? 0) + 1);
        const attempts = Number(lookup.attempts);
        coverage.attempts.set(attempts, (coverage.attempts.get(attempts) ?? 0) + 1);
      }
    },
  );
}

/**
 * Runs the fuzz: starts the stand-in and the instances, sends `runs` requests from the lanes at once,
 * checks each, then waits for every attempt and connection to end, and for the process to hold no more
 * sockets, servers and timers than it did before (else it would not exit). Sets `LOOKUP_TOKEN` and the
 * functions' variables while it runs, and puts back what they were.
 */
export async function fuzzLookups(options: LookupFuzzOptions): Promise<LookupFuzzResult> {
  const coverage: LookupCoverage = {
    outcomes: new Map(),
    attempts: new Map(),
    answers: new Map(),
    fallbacks: 0,
    fallbackErrors: new Map(),
    worstLateMs: Number.NEGATIVE_INFINITY,
    longestStallMs: 0,
  };
  const heldBefore = countHeldOpen();
  const standIn = await startLookupServer({
    record: false,
    idleMs: IDLE_MS,
    chooseRoute: chooseHostileRoute(seededRandom(options.seed), coverage.answers),
  });
  let run: Omit<LookupFuzzResult, 'coverage'>;
  try {
    run = await withTwoDists(options.functions, { LOOKUP_TOKEN: LOOKUP_SECRET }, (dists) =>
      runLanes(options, standIn, dists, coverage),
    );
  } finally {
    await standIn.stop();
  }
  const failure = run.failure ?? (await heldOpenSince(heldBefore));
  return { ...run, failure, coverage };
}

/** The functions' variables of an instance serving `document` in a fuzz run: its key, its rules, the budget. */
export function fuzzEnvironment(
  stateSecrets: string,
): (document: { readonly json: string }) => Readonly<Record<string, string>> {
  return (document) => ({
    STATE_SECRETS: stateSecrets,
    RULES: document.json,
    CALLBACK_BUDGET_MS: String(FUZZ_BUDGET_MS),
  });
}

/** Starts the instances, runs the lanes, and waits for what they left in flight to end. */
async function runLanes(
  options: LookupFuzzOptions,
  standIn: LookupServer,
  dists: readonly [string, string],
  coverage: LookupCoverage,
): Promise<Omit<LookupFuzzResult, 'coverage'>> {
  const documents = buildFuzzDocuments(standIn.url, options.seed, options.documents, options.defaults);
  const book = openLookupLogBook(coverage);
  const loop = watchEventLoop();
  const { sent, failure: played } = await playCalls<FuzzDocument>({
    ...options,
    documents,
    environment: fuzzEnvironment(options.stateSecrets),
    dists,
    book,
    items: itemArb,
    check: ({ result, line, instance, started }) =>
      (result.body.includes(LOOKUP_SECRET) ? 'a reply holds the value of LOOKUP_TOKEN' : undefined) ??
      checkLogLine(line, instance.document, coverage, loop.longestSince(started)),
  });
  let failure = played;
  loop.stop();
  coverage.longestStallMs = loop.longest();

  const drainStarted = Date.now();
  const clients = dists.flatMap((dist) => options.functions.map((name) => lookupClientOf(dist, name)));
  // No callback asks for a retry now: an attempt ends by its deadline (awake time, ticked every
  // TICK_MS), and the connection a client keeps idle is closed by the stand-in after IDLE_MS.
  const limitMs =
    Math.max(...documents.map((document) => document.maxTimeoutMs)) + 2 * TICK_MS + IDLE_MS + 500;
  const inFlight = () => clients.reduce((sum, client) => sum + client.lookupsInFlight(), 0);
  if (!(await waitUntil(() => inFlight() === 0 && standIn.openSockets() === 0, limitMs))) {
    failure ??=
      `${inFlight()} lookup attempts in flight and ${standIn.openSockets()} connections open ${limitMs} ms ` +
      'after the last callback: something outlived its deadline';
  }
  return { sent, failure, drainedMs: Date.now() - drainStarted };
}

/**
 * Checks a callback's log line (none for what is not a callback): answered within its budget, its first
 * lookup's wait and {@link SLACK_MS}, and no lookup refused for want of its secret.
 */
function checkLogLine(
  line: Record<string, unknown> | undefined,
  document: FuzzDocument,
  coverage: LookupCoverage,
  stalledMs: number,
): string | undefined {
  if (line === undefined) return undefined;
  const lookups = Array.isArray(line.lookups) ? (line.lookups as Record<string, unknown>[]) : [];
  if (lookups.some((lookup) => lookup.status === 401))
    return 'the stand-in answered 401: the secret header did not reach it as configured';
  const first = lookups[0]?.use;
  // A fallback's line names no lookups: the longest wait of the document bounds it.
  const wait =
    typeof first === 'string' ? document.waitOf(first) : line.level === 'error' ? document.maxWaitMs : 0;
  const late = Number(line.ms) - (FUZZ_BUDGET_MS + wait);
  coverage.worstLateMs = Math.max(coverage.worstLateMs, late);
  if (late > SLACK_MS) {
    return (
      `a callback took ${line.ms} ms: over CALLBACK_BUDGET_MS (${FUZZ_BUDGET_MS}) + its wait (${wait}) + ` +
      `${SLACK_MS} ms (the event loop stalled up to ${Math.round(stalledMs)} ms meanwhile)`
    );
  }
  return undefined;
}

/** The lookup client side file of a built function, as its bundle loads it (one module per file). */
function lookupClientOf(dist: string, name: string): { lookupsInFlight: () => number } {
  const require = createRequire(import.meta.filename);
  return require(join(dist, name, 'lookup-client.js')) as { lookupsInFlight: () => number };
}

/** The event loop's stalls: how long it went without turning, as a timer every few ms sees it. */
export type LoopWatch = {
  /** The longest stall that ended since `start` (performance.now), ms; of the last thousand stalls. */
  readonly longestSince: (start: number) => number;
  /** The longest stall since the watch began, ms. */
  readonly longest: () => number;
  readonly stop: () => void;
};

/** How often the watch looks, ms; a gap this much longer than expected counts as a stall. */
const WATCH_EVERY_MS = 10;

export function watchEventLoop(): LoopWatch {
  const stalls: { readonly at: number; readonly ms: number }[] = [];
  let longest = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const stalled = now - last - WATCH_EVERY_MS;
    last = now;
    if (stalled < WATCH_EVERY_MS) return;
    longest = Math.max(longest, stalled);
    // Kept by when the stall ended: one that began before a callback and ended during it counts for it.
    stalls.push({ at: now, ms: stalled });
    if (stalls.length > 1_000) stalls.shift();
  }, WATCH_EVERY_MS);
  // Never what keeps the process running.
  timer.unref();
  return {
    longestSince: (start) =>
      Math.max(0, ...stalls.filter((stall) => stall.at >= start).map((stall) => stall.ms)),
    longest: () => longest,
    stop: () => clearInterval(timer),
  };
}
