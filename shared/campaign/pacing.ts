import { type ApiErrorVerdict, judgeApiError } from './smartcall';

/**
 * How fast a campaign sends, and what it does with each answer: a rate with no burst above it, a
 * slow-down when the API throttles, retries with growing pauses for what certainly placed no call, and
 * a stop for what no retry would mend.
 */

/** How one request to SmartCall ended, as the client saw it. */
export type SendOutcome =
  | { readonly kind: 'placed'; readonly callId: string; readonly requestId?: string | undefined }
  /** An error answer: its code (never its message) and HTTP status. */
  | {
      readonly kind: 'api-error';
      readonly code: string;
      readonly http?: number | undefined;
      readonly requestId?: string | undefined;
    }
  /** Failed before the request was written (DNS, a refused connection, TLS): no call was placed. */
  | { readonly kind: 'not-written'; readonly why: string }
  /** Failed after it was written (a timeout, a reset, an unreadable answer): a call may have been placed. */
  | { readonly kind: 'uncertain'; readonly why: string; readonly http?: number | undefined };

/** What becomes of a row after one request. */
export type Decision =
  | { readonly kind: 'placed' }
  | { readonly kind: 'refused'; readonly code: string }
  | { readonly kind: 'uncertain'; readonly why: string }
  /** Certainly not placed, worth another try after a pause; `throttled` when the API asked to slow down. */
  | { readonly kind: 'retry'; readonly throttled: boolean; readonly why: string }
  /** Retries used up: the run stops, the row stays pending. */
  | { readonly kind: 'exhausted'; readonly throttled: boolean; readonly why: string }
  /** Nothing will succeed until a person acts: the run stops, the row stays pending. */
  | { readonly kind: 'stop'; readonly code: string };

/** The most requests one row gets in one run before the run gives up on the API. */
export const MAX_ATTEMPTS = 8;

/** What to do after `attempt` (1 for the first request) ended with `outcome`. */
export function decide(outcome: SendOutcome, attempt: number): Decision {
  let verdict: ApiErrorVerdict | 'placed';
  let why: string;
  switch (outcome.kind) {
    case 'placed':
      return { kind: 'placed' };
    case 'uncertain':
      return { kind: 'uncertain', why: outcome.why };
    case 'not-written':
      verdict = 'retry';
      why = outcome.why;
      break;
    case 'api-error':
      verdict = judgeApiError(outcome.code, outcome.http ?? 200);
      why = outcome.code;
      if (verdict === 'stop') return { kind: 'stop', code: outcome.code };
      if (verdict === 'refused') return { kind: 'refused', code: outcome.code };
      if (verdict === 'uncertain') return { kind: 'uncertain', why: `answered ${outcome.code}` };
      break;
  }
  const throttled = outcome.kind === 'api-error' && outcome.code.startsWith('Throttling');
  return attempt >= MAX_ATTEMPTS ? { kind: 'exhausted', throttled, why } : { kind: 'retry', throttled, why };
}

/** The first pause after a failed attempt, and the longest. */
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

/**
 * The pause after `attempt` failed: 1 s, 2 s, 4 s … up to 30 s, each shortened by up to half at random
 * (`random()` in [0, 1)), so that rows throttled together do not come back together.
 */
export function backoffMs(attempt: number, random: () => number): number {
  const full = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + (random() * full) / 2);
}

/** After a throttling answer the rate stays lowered at least this long before it climbs back. */
export const SLOW_DOWN_MS = 10_000;
/** How often the lowered rate climbs back, by a tenth of the rate asked for. */
export const SPEED_UP_EVERY_MS = 5_000;
/** The lowest rate a campaign slows down to, in calls a second. */
export const MIN_RATE = 0.1;

/**
 * A rate limiter: one request every `1/rate` seconds, never two at once above it (a bucket of one
 * token). A throttling answer halves the rate (once a second at most: requests in flight answer together),
 * and the rate climbs back by a tenth of the rate asked for every {@link SPEED_UP_EVERY_MS} after
 * {@link SLOW_DOWN_MS} without one (additive increase, multiplicative decrease).
 */
export type RateLimiter = {
  /** Takes the next slot from `nowMs` on: the moment to send at (`nowMs` or later). */
  reserve(nowMs: number): number;
  /**
   * Counts a request leaving at `nowMs` when the second before it holds fewer than the rate allows, and
   * returns `nowMs`; else counts nothing and returns the moment a place frees. The API counts any
   * sliding second: slots alone can put two requests in one place when a timer fires late.
   */
  admit(nowMs: number): number;
  /** Says the API throttled; true the first time, to be said once. */
  throttled(nowMs: number): boolean;
  /** The rate now, calls a second. */
  rate(): number;
};

export function createRateLimiter(target: number): RateLimiter {
  let rate = target;
  let next = Number.NEGATIVE_INFINITY;
  let lastCut = Number.NEGATIVE_INFINITY;
  let lastRaise = Number.NEGATIVE_INFINITY;
  let told = false;
  // When the latest requests left, oldest first: at most `target` of them.
  const left: number[] = [];
  return {
    admit(nowMs) {
      // `allowed` requests in any window of `allowed / rate` seconds: a second's worth at 95 a second,
      // 667 ms for one at 1.5 a second (a whole second would round 1.5 down to 1).
      const allowed = Math.max(1, Math.floor(rate));
      const windowMs = (1000 * allowed) / rate;
      while (left.length > 0 && (left[0] as number) <= nowMs - windowMs) left.shift();
      if (left.length >= allowed) return Math.ceil((left[left.length - allowed] as number) + windowMs + 1);
      left.push(nowMs);
      if (left.length > Math.max(1, Math.ceil(target))) left.shift();
      return nowMs;
    },
    reserve(nowMs) {
      if (rate < target && nowMs - lastCut >= SLOW_DOWN_MS && nowMs - lastRaise >= SPEED_UP_EVERY_MS) {
        rate = Math.min(target, rate + target / 10);
        lastRaise = nowMs;
      }
      const at = Math.max(nowMs, next);
      next = at + 1000 / rate;
      return at;
    },
    throttled(nowMs) {
      if (nowMs - lastCut >= 1000) {
        rate = Math.max(Math.min(MIN_RATE, target), rate / 2);
        lastCut = nowMs;
        lastRaise = nowMs;
      }
      const first = !told;
      told = true;
      return first;
    },
    rate: () => rate,
  };
}

/** What a stop code asks a person to check, in a few words. */
export function describeStop(code: string): string {
  if (/^InvalidTimeStamp/.test(code)) return "check this machine's clock (the request's time was refused)";
  if (/^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidSecurityToken)/.test(code))
    return 'check the credentials: the AccessKey id and secret, or the STS token';
  if (code === 'isv.AMOUNT_NOT_ENOUGH') return "check the account's balance";
  if (/^Forbidden|RAM_PERMISSION/.test(code))
    return 'check the RAM permission of these credentials for dyvms:SmartCall';
  if (/^isv\.(ACCOUNT|OUT_OF_SERVICE|PRODUCT)/.test(code))
    return 'check the account and its Voice Messaging Service subscription';
  return 'check the endpoint: it does not take SmartCall as this caller sends it';
}
