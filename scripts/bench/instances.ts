/**
 * In-process instances of the built functions, which the benches walk calls through to prepare the events
 * their child processes answer (a state sealed by an instance opens in any other under the same key and
 * rules), and the checks of what those instances answered.
 */

import {
  type FcHandler,
  type FcResult,
  formCallback,
  loadBuiltHandler,
  loadHostedHandler,
  setFunctionEnvironment,
} from '../../dev/fc-event';
import { routeFunctionLogs } from '../../dev/function-logs';
import type { FunctionHost } from '../../shared/callback/callback-function';

/**
 * A fresh instance of a built function, in this process, configured with `variables` and nothing else
 * the functions read, whatever this shell has, and on `host` when given (its `handler` otherwise). A
 * bundle reads its environment on its first callback, so that callback is made here, while the variables
 * are set; its reply is not kept.
 */
export async function startInstance(
  dist: string,
  name: 'inbound' | 'outbound',
  variables: Readonly<Record<string, string>> = {},
  host?: FunctionHost,
): Promise<FcHandler> {
  setFunctionEnvironment(variables);
  try {
    const handler = host === undefined ? loadBuiltHandler(name, dist) : loadHostedHandler(name, host, dist);
    await handler(formCallback({ call_id: '0^0', content_type: 'callin', content: '{}', timestamp: '0' }));
    return handler;
  } finally {
    // Nothing later in this process reads them: every other instance is started here, with its own.
    setFunctionEnvironment();
  }
}

/**
 * Runs `body` with the handlers' log lines read and discarded; the first error logged fails the run,
 * since a handler answering with its fallback would prepare the wrong calls.
 */
export async function refusingLoggedErrors<T>(body: () => Promise<T>): Promise<T> {
  let firstError: string | undefined;
  const restore = routeFunctionLogs((text) => {
    if (firstError === undefined && text.includes('"level":"error"')) firstError = text;
  });
  try {
    const result = await body();
    if (firstError !== undefined) throw new Error(`a handler logged an error: ${firstError.slice(0, 500)}`);
    return result;
  } finally {
    restore();
  }
}

/** A reply's `data`, which must be a success's. */
export function replyDataOf(result: FcResult, type: string): Record<string, unknown> {
  const reply = JSON.parse(result.body) as { result?: unknown; data?: Record<string, unknown> };
  if (result.statusCode !== 200 || reply.result !== 'success' || reply.data === undefined) {
    throw new Error(`${type} got HTTP ${result.statusCode} ${result.body.slice(0, 300)}`);
  }
  return reply.data;
}
