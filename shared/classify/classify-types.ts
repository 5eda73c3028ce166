/**
 * What a classification is, between the engine (which decides that an utterance needs one, and what the
 * verdict means) and the client at the edge (which asks a language model). Plain data both ways, as for
 * lookups: the engine stays pure, and the simulator answers classifications from a scenario.
 */

import type { GuardChange, GuardLimits, GuardStatus } from './budget-guard';

/** The prefix of the variable holding the API key: nothing else of the environment is read for it. */
export const CLASSIFIER_ENV_PREFIX = 'LLM_';

/** One guard of an instance (a provider's origin and a model), as the status page shows it. */
export type ClassifierGuardReport = {
  readonly origin: string;
  readonly model: string;
  /** The limits it judges by (a document published with others gets a guard of its own). */
  readonly settings: GuardSettings;
  readonly status: GuardStatus;
};

/** One thing the model may choose: an intent of the node, or a global handler heard there. */
export type ClassifyChoice = {
  /** The intent's or handler's name: what the model answers. */
  readonly id: string;
  readonly kind: 'intent' | 'handler';
  readonly description?: string;
  readonly keywords?: readonly string[];
  readonly examples?: readonly string[];
};

/** The answer that chooses nothing: the utterance is a no-match, as without the fallback. */
export { NO_CHOICE } from '../rules/classifier-checks';

/** A classification as the engine asks for it: the utterance (digits already masked) and the choices. */
export type ClassifyRequest = {
  readonly utterance: string;
  readonly choices: readonly ClassifyChoice[];
  /** The endpoint's base URL (`…/compatible-mode/v1`): the request goes to `<endpoint>/chat/completions`. */
  readonly endpoint: string;
  readonly model: string;
  /** The environment variable holding the API key, read at the edge (never in the document or a log). */
  readonly apiKeyEnv: string;
  /** The most tokens the answer may take. */
  readonly maxTokens: number;
  /** The largest answer read, bytes. */
  readonly maxBytes: number;
};

/** Why a classification gave no usable verdict: one word each, for traces, logs and the evaluation. */
export const CLASSIFY_FAILURES = [
  /** The wait ran out before an answer. */
  'timeout',
  /** The connection failed (refused, reset, DNS). */
  'connection',
  /** HTTP 429: the account's rate limit. */
  'rate-limited',
  /** Another status than 2xx (or 429). */
  'status',
  /** The answer is not a chat completion whose message is the JSON asked for, or it is too large. */
  'unparseable',
  /** The answer names a choice that was not offered. */
  'off-list',
  /** The budget guard has the fallback off for now (latency, errors or spend). */
  'guard-off',
  /** It cannot be sent: no API key in the environment, or no client in this bundle. */
  'unsendable',
] as const;
export type ClassifyFailure = (typeof CLASSIFY_FAILURES)[number];

/** Tokens an answer says it used (`usage`), for the spend guard and the evaluation's cost. */
export type TokenUsage = { readonly promptTokens: number; readonly completionTokens: number };

/** What became of a classification within the callback's wait. */
export type ClassifyAnswer = { readonly type: 'classify' } & (
  | {
      readonly kind: 'classified';
      /** An offered choice's id, or {@link NO_CHOICE}. */
      readonly choice: string;
      /** 0 to 1, as the model says it. */
      readonly confidence: number;
      readonly ms: number;
      readonly usage?: TokenUsage;
    }
  | {
      readonly kind: 'failed';
      readonly why: ClassifyFailure;
      readonly ms: number;
      readonly status?: number;
      /** Tokens an answer that could not be used still reports (`unparseable`, `off-list`): billed all the same. */
      readonly usage?: TokenUsage;
    }
);

/** A classification that gave no verdict, and why: what every side (client, handler, simulator) answers. */
export function failedClassification(
  why: ClassifyFailure,
  ms: number,
  status?: number,
): Extract<ClassifyAnswer, { kind: 'failed' }> {
  return { type: 'classify', kind: 'failed', why, ms, ...(status === undefined ? {} : { status }) };
}

/** A classification the edge performs for one callback, within `waitMs` of awake time. */
export type ClassifyTask = {
  readonly request: ClassifyRequest;
  readonly guard: GuardSettings;
  readonly waitMs: number;
  /** Reads an environment variable (the API key's). */
  readonly env: (name: string) => string | undefined;
  /** Hears the guard trip and recover, with its status in one line, for the log. */
  readonly onGuardChange?: (change: GuardChange, status: string) => void;
};

/** Performs a classification; answers within the task's wait and never rejects. */
export type PerformClassify = (task: ClassifyTask) => Promise<ClassifyAnswer>;

/** When one instance turns the classifier off, and what tokens cost: a document's `classifier.guard` and `prices`. */
export type GuardSettings = GuardLimits;
