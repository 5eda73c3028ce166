import {
  buildFcEvent,
  type CallbackParams,
  type FcEventInput,
  type FcHandler,
  type FcResult,
  formCallback,
  loadBuiltHandler,
  loadHostedHandler,
  setFunctionEnvironment,
} from '../../dev/fc-event';
import { routeFunctionLogs } from '../../dev/function-logs';
import { scanLogOutput } from '../../dev/log-scan';
import { testNow } from './clock';
import { INVOKER_VARIABLE, viaCustomRuntime } from './custom-runtime-invoker';

/**
 * Whether {@link loadWithEnv} puts each handler behind the custom runtime's server: the callback suites
 * run a second time so, in a child process (test/functions/custom-runtime-suites.test.ts).
 */
const VIA_CUSTOM_RUNTIME = process.env[INVOKER_VARIABLE] === 'custom-runtime';

export { ROOT } from '../../dev/fc-event';
// The tests' own helpers over the shared ones in dev/ (which the scripts use too).
export {
  type CallbackParams,
  type FcHandler,
  type FcResult,
  formCallback,
  loadBuiltHandler,
  setFunctionEnvironment,
};

export type EventOptions = FcEventInput;

/** Builds the Buffer an FC 3.0 HTTP trigger hands to the handler. */
export const fcEvent = buildFcEvent;

/** A callback with its parameters in the query string (as the doc samples show). */
export function queryCallback(params: CallbackParams, options: Omit<EventOptions, 'query'> = {}): Buffer {
  return fcEvent({ ...options, query: params as Record<string, string> });
}

/** A callback as a JSON body. */
export function jsonCallback(params: CallbackParams, options: Omit<EventOptions, 'body'> = {}): Buffer {
  return fcEvent({
    ...options,
    headers: { 'Content-Type': 'application/json', ...options.headers },
    body: JSON.stringify(params),
  });
}

/** Parses a handler result's JSON body. */
export function replyOf(result: FcResult): {
  result: string;
  msg: string;
  code?: number;
  data: Record<string, unknown>;
} {
  return JSON.parse(result.body) as {
    result: string;
    msg: string;
    code?: number;
    data: Record<string, unknown>;
  };
}

/** The secrets configured now, as the functions would read them. */
function configuredSecrets(): string[] {
  return [process.env.CALLBACK_SECRETS, process.env.STATE_SECRETS]
    .flatMap((list) => (list ?? '').split(','))
    .map((secret) => secret.trim())
    .filter((secret) => secret !== '');
}

/**
 * The bundles write their log lines with `fs.writeSync(1, …)`, past `process.stdout`. In a test process
 * stdout also carries the test runner's own reports, so those lines go through `process.stdout` here,
 * in order with the reports, where {@link captureLogs} can read them.
 */
routeFunctionLogs((text) => {
  scanLogOutput(text, configuredSecrets());
  process.stdout.write(text);
});

/** Runs `action` while collecting the JSON lines the handler writes to stdout (and not printing them). */
export async function captureLogs<T>(
  action: (logged: () => string) => Promise<T>,
): Promise<{ result: T; logs: Record<string, unknown>[] }> {
  const lines: string[] = [];
  const original = process.stdout.write.bind(process.stdout);
  // Only our JSON log lines are taken: the test runner itself reports through stdout meanwhile.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{"level":')) {
      lines.push(chunk);
      return true;
    }
    return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    // `logged` gives the lines so far, for an action that waits on something the function logs.
    const result = await action(() => lines.join(''));
    return {
      result,
      logs: lines
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    };
  } finally {
    process.stdout.write = original;
  }
}

/**
 * Loads a fresh instance of a built handler under exactly these environment variables (ours others
 * cleared), the callback functions on the test clock ({@link setClock}). The bundle reads its environment once, on its first request, so this sends a GET status
 * request at once: later changes to `process.env` by other tests do not reach this instance.
 */
export async function loadWithEnv(
  name: 'inbound' | 'outbound' | 'report',
  env: Record<string, string>,
  /** FC's context for that first request (a role's credentials, say). */
  context?: unknown,
): Promise<FcHandler> {
  setFunctionEnvironment(env);
  // The callback functions run on the test clock (setClock); the report function reads no clock.
  const handler = name === 'report' ? loadBuiltHandler(name) : loadHostedHandler(name, { now: testNow });
  // With secrets configured the status answers only with one of them.
  const token = (env.CALLBACK_SECRETS ?? '').split(',')[0]?.trim() ?? '';
  await captureLogs(() => handler(fcEvent({ method: 'GET', query: token === '' ? {} : { token } }), context));
  return VIA_CUSTOM_RUNTIME ? viaCustomRuntime(handler) : handler;
}
