/**
 * The classifier at the edge: one chat request per classification, within the callback's wait, under the
 * instance's budget guard. It is built as a side bundle (`classifier-client.js`) that a function loads on
 * its first classification, so a document without a `classifier` loads none of it.
 *
 * It sends with the lookup client's attempt (shared/lookup/send-attempt.ts): bounded in awake time and
 * bytes, a hostile server's connection destroyed. One attempt, never retried: the caller is waiting, and a
 * second try would only spend the wait the first one used. Every answer is a verdict or a failure;
 * nothing throws, and nothing goes on after the wait (the request is abandoned, its socket destroyed).
 */
import { type ClockHost, PROCESS_CLOCK } from '../clock/awake-clock';
import { createPool } from '../lookup/agent-pool';
import { prepareRequest } from '../lookup/prepare-request';
import { type AttemptOutcome, type LookupTransport, sendAttempt } from '../lookup/send-attempt';
import { type BudgetGuard, createBudgetGuard, describeGuardStatus } from './budget-guard';
import { buildChatBody } from './classify-prompt';
import {
  CLASSIFIER_ENV_PREFIX,
  type ClassifierGuardReport,
  type ClassifyAnswer,
  type ClassifyFailure,
  type ClassifyTask,
  failedClassification,
  type GuardSettings,
  type PerformClassify,
} from './classify-types';
import { readVerdict } from './read-verdict';

/** How many guards (endpoint, model and limits) one instance keeps: a document has one classifier. */
const MAX_GUARDS = 4;

export type ClassifierClientOptions = {
  /** The awake clock the attempt's timeout counts on. */
  readonly clock?: ClockHost;
  /** The wall clock the guard's windows and cooldowns count on, epoch ms. */
  readonly wallNow?: () => number;
  readonly transport?: LookupTransport;
};

export type ClassifierClient = {
  readonly perform: PerformClassify;
  /** Each guard's state, for the status page. */
  readonly guards: () => readonly ClassifierGuardReport[];
  /** Closes its idle connections. */
  readonly close: () => void;
};

export function createClassifierClient(options: ClassifierClientOptions = {}): ClassifierClient {
  const clock = options.clock ?? PROCESS_CLOCK;
  const wallNow = options.wallNow ?? (() => Date.now());
  // One request per instance at a time: two idle connections are plenty, kept 30 s, as a call's turns
  // come seconds apart (one the provider closed meanwhile is sent again on another: send-attempt.ts).
  const pool =
    options.transport === undefined ? createPool({ maxSockets: 4, maxIdle: 2, idleMs: 30_000 }) : undefined;
  const transport = options.transport ?? (pool as NonNullable<typeof pool>).transport;
  const guards = new Map<
    string,
    { origin: string; model: string; settings: GuardSettings; guard: BudgetGuard }
  >();

  /**
   * The guard of a provider (the endpoint's origin), model and limits: new limits (a published document)
   * start a new one.
   */
  const guardFor = (task: ClassifyTask, url: URL): BudgetGuard => {
    const { model } = task.request;
    const key = JSON.stringify([url.origin, model, task.guard]);
    const found = guards.get(key);
    if (found !== undefined) {
      // The most recently used last: the one evicted when a fifth comes is the least recently used.
      guards.delete(key);
      guards.set(key, found);
      return found.guard;
    }
    if (guards.size >= MAX_GUARDS) guards.delete(guards.keys().next().value as string);
    const guard = createBudgetGuard(task.guard satisfies GuardSettings, wallNow);
    guards.set(key, { origin: url.origin, model, settings: task.guard, guard });
    return guard;
  };

  const perform: PerformClassify = async (task) => {
    const started = clock.now();
    const failed = (why: ClassifyFailure) => failedClassification(why, clock.now() - started);
    const { request } = task;
    const prepared = prepareRequest(
      {
        name: 'classifier',
        method: 'POST',
        url: `${request.endpoint.replace(/\/+$/, '')}/chat/completions`,
        headers: [['authorization', ['Bearer ', { env: request.apiKeyEnv }]]],
        body: buildChatBody(request),
        timeoutMs: Math.max(1, task.waitMs),
        maxBytes: request.maxBytes,
      },
      task.env,
      CLASSIFIER_ENV_PREFIX,
    );
    // No key, or an endpoint the client may not reach: nothing is sent, and the guard hears nothing.
    if (prepared === undefined) return failed('unsendable');
    const guard = guardFor(task, prepared.url);
    const admission = guard.admit();
    if (!admission.ok) return failed('guard-off');
    const attempt = sendAttempt(
      prepared,
      { timeoutMs: Math.max(1, task.waitMs), maxBytes: request.maxBytes },
      transport,
      clock,
    );
    const outcome = await attempt.outcome;
    const answer = readOutcome(
      outcome,
      new Set(request.choices.map((choice) => choice.id)),
      clock.now() - started,
    );
    const { usage } = answer;
    const change = guard.record({
      ok: answer.kind === 'classified',
      ms: answer.ms,
      ...(usage === undefined ? {} : { usage }),
    });
    if (change !== undefined) task.onGuardChange?.(change, describeGuardStatus(guard.status()));
    return answer;
  };

  return {
    perform,
    guards: () =>
      [...guards.values()].map(({ origin, model, settings, guard }) => ({
        origin,
        model,
        settings,
        status: guard.status(),
      })),
    close: () => pool?.destroy(),
  };
}

/** What an attempt's outcome comes to. */
function readOutcome(outcome: AttemptOutcome, offered: ReadonlySet<string>, ms: number): ClassifyAnswer {
  const failed = (why: ClassifyFailure, status?: number) => failedClassification(why, ms, status);
  switch (outcome.kind) {
    case 'ok': {
      const verdict = readVerdict(outcome.data, offered);
      if (!verdict.ok)
        return { ...failed(verdict.why), ...(verdict.usage === undefined ? {} : { usage: verdict.usage }) };
      return {
        type: 'classify',
        kind: 'classified',
        choice: verdict.choice,
        confidence: verdict.confidence,
        ms,
        ...(verdict.usage === undefined ? {} : { usage: verdict.usage }),
      };
    }
    case 'refused':
      if (outcome.why === 'status' || outcome.why === 'redirect')
        return outcome.status === 429 ? failed('rate-limited', 429) : failed('status', outcome.status);
      return failed(outcome.why === 'unsendable' ? 'unsendable' : 'unparseable');
    case 'lost':
      return failed(outcome.why === 'timeout' ? 'timeout' : 'connection');
    case 'aborted':
      return failed('timeout');
  }
}

let processClient: ClassifierClient | undefined;

/** Performs a classification on the process's one client (created on first use). */
export const performClassify: PerformClassify = (task) => {
  processClient ??= createClassifierClient();
  return processClient.perform(task);
};

/** The guards of the process's client, for the status page: none before its first classification. */
export function classifierGuards(): readonly ClassifierGuardReport[] {
  return processClient?.guards() ?? [];
}
