/**
 * Lookups in the bench: one rules document in three forms, a lookup stand-in in a process of its own
 * (scripts/bench/lookup-server.ts) that answers at once on 127.0.0.1, and the checks that each form did
 * what it is measured for. bench.ts measures the forms' cold first replies, warm.ts a warm callin that
 * resumes after its lookup.
 *
 * The three forms answer a callin with the same words, "您好，您的余额是4217元。…":
 * - `plain`: no lookups, the balance written in the menu's prompt;
 * - `lookup`: a lookup at the start of the flow, the balance from the stand-in (the only place 4217 is);
 * - `unused`: `plain` with the lookup declared and a lookup node the callin never reaches (key 1).
 */
import type { RulesInput } from '../../shared/rules/rules-schema';
import { type ColdVariant, expectBundleAnswer } from './cold';
import { startStandInProcess } from './common';

/** The balance the stand-in answers: a reply that says it performed the lookup. */
const BALANCE = 4217;
/** What every form's callin reply says: the balance, from the prompt or from the lookup. */
export const LOOKED_UP_WORDS = `您的余额是${BALANCE}元`;
const PATH = '/account';
/** The lookup's secret, read from `LOOKUP_TOKEN` as in production; the stand-in answers 401 without it. */
const TOKEN = 'bench-lookup-token-0001';

/** The function's variables a form needs besides its `RULES`. */
export const LOOKUP_ENV: Readonly<Record<string, string>> = { LOOKUP_TOKEN: TOKEN };

export type BenchLookups = {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Each form as `RULES` (minified JSON). */
  readonly rules: Readonly<Record<'plain' | 'lookup' | 'unused', string>>;
  /** The variables of scripts/bench/http-get-handler.cjs: the same GET, with node:http alone. */
  readonly bareGetEnv: Readonly<Record<string, string>>;
  readonly stop: () => void;
};

/** Starts the stand-in (stopped when this process exits, at the latest) and writes the three forms for it. */
export async function startBenchLookups(): Promise<BenchLookups> {
  const { url, stop } = await startStandInProcess('scripts/bench/lookup-server.ts', [
    PATH,
    JSON.stringify({ balance: BALANCE }),
    `Bearer ${TOKEN}`,
  ]);
  const json = (rules: RulesInput) => JSON.stringify(rules);
  return {
    url,
    rules: {
      plain: json(plainRules()),
      lookup: json(rulesWithLookup(url, 'ask')),
      unused: json(rulesWithLookup(url, 'menu')),
    },
    bareGetEnv: {
      BENCH_LOOKUP_URL: `${url}${PATH}?phone=15200000000`,
      BENCH_LOOKUP_AUTHORIZATION: `Bearer ${TOKEN}`,
    },
    stop,
  };
}

const MENU_AFTER = '查询请按1，人工服务请按0。';

/** The nodes every form has: the menu that says the balance, the agent, the apology. */
function menuNodes(balance: string) {
  return {
    menu: {
      type: 'menu',
      say: `您好，您的余额是${balance}元。${MENU_AFTER}`,
      keys: { '1': 'menu', '0': 'agent' },
    },
    agent: { type: 'transfer', to: '05923391657' },
    sorry: { type: 'hangup', say: '抱歉，暂时查不到，再见。' },
  } as const;
}

/** The lookup: the caller's number as a query, the secret in a header from `LOOKUP_TOKEN`. */
function lookupsOf(url: string): RulesInput['lookups'] {
  return {
    account: {
      url: `${url}${PATH}`,
      query: { phone: '{{caller}}' },
      headers: { Authorization: 'Bearer {{env.LOOKUP_TOKEN}}' },
    },
  };
}

const ASK = {
  type: 'lookup',
  use: 'account',
  save: { balance: { from: 'balance', type: 'number', maxBytes: 12 } },
  filler: '请稍候，正在查询。',
  next: 'menu',
  onError: 'sorry',
} as const;

function plainRules(): RulesInput {
  return {
    version: 'bench-plain',
    defaultLine: { flow: 'main' },
    flows: { main: { start: 'menu', nodes: menuNodes(String(BALANCE)) } },
  };
}

/**
 * The document with the lookup declared and reached by key 1: `start` is `ask` (the callin looks the
 * balance up and the menu says it) or `menu` (the menu says it as written, and the callin looks up nothing).
 */
function rulesWithLookup(url: string, start: 'ask' | 'menu'): RulesInput {
  const nodes = menuNodes(start === 'ask' ? '{{vars.balance}}' : String(BALANCE));
  return {
    version: start === 'ask' ? 'bench-lookup' : 'bench-unused',
    defaultLine: { flow: 'main' },
    lookups: lookupsOf(url),
    flows: {
      main: {
        start,
        nodes: { ...nodes, ask: ASK, menu: { ...nodes.menu, keys: { '1': 'ask', '0': 'agent' } } },
      },
    },
  };
}

/** The side file a lookup loads, by name in the cold child's list of the modules it loaded. */
const LOOKUP_CLIENT_FILE = 'lookup-client.js';

/**
 * Checks a form's cold first reply: an answer that says the balance; for `lookup`, a lookup that came
 * back `ok` in the callback's log line, the client loaded; for the others, no lookup logged and
 * `lookup-client.js` never loaded (not in the child's require.cache).
 */
export function expectLookupForm(lookedUp: boolean): ColdVariant['verify'] {
  const expectAnswer = expectBundleAnswer();
  return (report, stdout) => {
    expectAnswer(report, stdout);
    if (!report.body.includes(LOOKED_UP_WORDS))
      throw new Error(`the reply does not say ${LOOKED_UP_WORDS}: ${report.body.slice(0, 300)}`);
    const loaded = report.modules.includes(LOOKUP_CLIENT_FILE);
    if (loaded !== lookedUp)
      throw new Error(
        `${LOOKUP_CLIENT_FILE} was ${loaded ? '' : 'not '}loaded: ${report.modules.join(', ')}`,
      );
    const callback = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg?: unknown; lookups?: unknown })
      .find((line) => line.msg === 'callback');
    const lookups = JSON.stringify(callback?.lookups ?? []);
    const expected = lookedUp ? '[{"use":"account","outcome":"ok","attempts":1' : '[]';
    if (!lookups.startsWith(expected)) throw new Error(`lookups logged: ${lookups}, expected ${expected}…`);
  };
}
