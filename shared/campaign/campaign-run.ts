import { setMaxListeners } from 'node:events';
import { maskPhoneNumber } from '../log/mask';
import type { CompiledCalendar } from '../rules/compile-rules';
import { describeNoHolidayData, describeWait, judgeCallingHours, nextOpening } from './calling-hours';
import type { CampaignClock } from './campaign-clock';
import type { CampaignRow } from './campaign-list';
import type { OutsideHours, RowPlan } from './campaign-settings';
import { backoffMs, createRateLimiter, decide, describeStop, type SendOutcome } from './pacing';
import { maskRowText, outIdOf, type ResultLine, type ResultsLine } from './results';
import { numberTagOf } from './results-state';

/**
 * The run of a campaign: its rows sent one after another, a few at once, each at a moment its calendar
 * is open, at the rate asked for, never twice. Everything outside (the clock, SmartCall, the results file,
 * the do-not-call list) is handed in, so that the whole loop runs in a test on a clock of its own.
 *
 * Before each request: the calling hours (waited for, or the row left for a later run), the rate, the
 * do-not-call list, then a `sending` line written and flushed, then the request. After it: the row's
 * `result`, or an `unsent` line and a pause before the next try, or the run stops (credentials, balance,
 * an API that keeps refusing to take more); requests in flight always finish and are written.
 */

/** A row to send in this run, with its plan and the requests earlier runs made for it. */
export type QueuedRow = {
  readonly row: CampaignRow;
  readonly plan: RowPlan;
  readonly attempts: number;
};

export type RunSettings = {
  readonly code: string;
  /** Calls a second. */
  readonly rate: number;
  readonly concurrency: number;
  readonly outside: OutsideHours;
  /** How long a DynamicId is accepted after the moment it is sent. */
  readonly lifetimeS: number;
  /** The most rows this run sends (a row's retries are one). */
  readonly limit?: number | undefined;
  /** The key of the rows' number tags (the sealing key); none, no tag is written. */
  readonly tagKey?: string | undefined;
};

export type RunDeps = {
  readonly clock: CampaignClock;
  readonly calendars: ReadonlyMap<string, CompiledCalendar>;
  /** Sends one SmartCall; never rejects (a rejection is taken as uncertain). */
  readonly send: (params: Record<string, string>) => Promise<SendOutcome>;
  /** Seals the row's DynamicId, accepted until `expiresAtS`. */
  readonly seal: (plan: RowPlan, expiresAtS: number) => string;
  /** The row's parameters as sent, with its DynamicId. */
  readonly paramsOf: (row: CampaignRow, plan: RowPlan, dynamicId: string) => Record<string, string>;
  /** Appends a line to the results file and flushes it to disk; throws when it cannot. */
  readonly record: (line: ResultsLine) => void;
  /** Whether a number is on the do-not-call list as it is now; throws when the list cannot be read. */
  readonly isDoNotCall: (number: string) => boolean;
  /** A line for the person running the campaign (stderr); never a number in it. */
  readonly notice: (text: string) => void;
  /** Called whenever a count changes. */
  readonly progress?: ((counts: RunCounts) => void) | undefined;
  /** Aborted: no new request; the ones in flight finish and are written. */
  readonly signal?: AbortSignal | undefined;
  readonly random?: (() => number) | undefined;
};

/** What this run did. */
export type RunCounts = {
  placed: number;
  refused: number;
  uncertain: number;
  doNotCall: number;
  /** Rows found outside their calling hours with `outside: skip`: left for a later run. */
  outsideHours: number;
  /** Requests sent (retries included). */
  requests: number;
  /** Rows sent at least once. */
  started: number;
  /** Rows waiting for their calling hours now. */
  waiting: number;
  inFlight: number;
};

/** Why a run stopped before its last row. */
/**
 * How many rows refused with one code, one after another, stop a campaign: a refusal meant for a row (a
 * number out of service) rarely comes five times running, one caused by the campaign's settings does.
 */
export const REFUSAL_STREAK = 5;

/**
 * How many uncertain ends, one after another, stop a campaign: an endpoint that answers junk, hangs or
 * resets would otherwise leave every row of the list uncertain.
 */
export const UNCERTAIN_STREAK = 5;

export type RunStop =
  | { readonly reason: 'signal' }
  | { readonly reason: 'limit' }
  /** SmartCall answered a code no retry mends. */
  | { readonly reason: 'api'; readonly code: string; readonly message: string }
  /** The retries of a row ran out. */
  | { readonly reason: 'retries'; readonly message: string }
  | { readonly reason: 'failed'; readonly message: string };

export type RunOutcome = { readonly counts: RunCounts; readonly stop?: RunStop | undefined };

/** Runs `queue` in order; resolves once every row is done or left, and nothing is in flight. */
export async function runCalls(
  queue: readonly QueuedRow[],
  settings: RunSettings,
  deps: RunDeps,
): Promise<RunOutcome> {
  const { clock, calendars } = deps;
  const random = deps.random ?? Math.random;
  const limiter = createRateLimiter(settings.rate);
  const counts: RunCounts = {
    placed: 0,
    refused: 0,
    uncertain: 0,
    doNotCall: 0,
    outsideHours: 0,
    requests: 0,
    started: 0,
    waiting: 0,
    inFlight: 0,
  };
  // Ends every pause at once when the run stops, whoever stops it.
  const halt = new AbortController();
  // Every worker's pause listens to it: node would warn past 10 listeners, at --concurrency 11.
  setMaxListeners(settings.concurrency + 10, halt.signal);
  let stop: RunStop | undefined;
  // Refusals with one code, one row after another: a problem of the campaign, not of its rows.
  let refusals = { code: '', streak: 0 };
  // Uncertain ends, one row after another: the endpoint, not the rows.
  let uncertainStreak = 0;
  // The rows in the list's order, the next one to take, and the rows put off for their closed calendars.
  let next = 0;
  const deferred: QueuedRow[] = [];
  // The rows not yet taken, by calendar: a row is put off only for rows of another calendar, open now.
  const untaken = new Map<string, number>();
  for (const item of queue) untaken.set(item.plan.calendar, (untaken.get(item.plan.calendar) ?? 0) + 1);
  const othersOpen = (calendarName: string): boolean => {
    for (const [name, count] of untaken)
      if (
        name !== calendarName &&
        count > 0 &&
        judgeCallingHours(calendars.get(name) as CompiledCalendar, clock.now()).open
      )
        return true;
    return false;
  };
  const take = (): QueuedRow | undefined => {
    if (next >= queue.length) return deferred.shift();
    const item = queue[next++] as QueuedRow;
    untaken.set(item.plan.calendar, (untaken.get(item.plan.calendar) ?? 1) - 1);
    return item;
  };
  const stopWith = (why: RunStop) => {
    // Reaching --limit ends the run quietly; a stop of any other kind that comes after it still counts.
    if (stop === undefined || (stop.reason === 'limit' && why.reason !== 'limit')) stop = why;
    halt.abort();
  };
  const onAbort = () => stopWith({ reason: 'signal' });
  if (deps.signal?.aborted === true) onAbort();
  deps.signal?.addEventListener('abort', onAbort, { once: true });
  const changed = () => deps.progress?.({ ...counts });
  const iso = (ms: number) => new Date(ms).toISOString();

  const warned = new Set<string>();
  let waitingUntil: number | undefined;

  /** Writes a line; false (and the run stopped) when the results file cannot take it. */
  const write = (line: ResultsLine): boolean => {
    try {
      deps.record(line);
      return true;
    } catch (error) {
      stopWith({ reason: 'failed', message: `cannot write the results file: ${describeError(error)}` });
      return false;
    }
  };

  const finish = (item: QueuedRow, attempts: number, at: number, end: Partial<ResultLine>) => {
    const { row, plan } = item;
    write({
      kind: 'result',
      row: row.row,
      outId: outIdOf(settings.code, row.row),
      at: iso(at),
      status: 'placed',
      ...(row.id === undefined ? {} : { id: maskRowText(row.id) }),
      number: maskPhoneNumber(row.number),
      ...(settings.tagKey === undefined
        ? {}
        : { numberTag: numberTagOf(settings.tagKey, settings.code, row.number) }),
      flow: plan.flow,
      attempts,
      ...end,
    });
  };

  /**
   * Whether the row's calendar is open now; waits for it (`wait`), says no (`skip`, a stop), or, when
   * `mayDefer` (rows not yet taken remain), puts the row off so that its worker takes one of those: a
   * row of a closed calendar never keeps a row of an open one waiting.
   */
  const awaitHours = async (
    calendarName: string,
    mayDefer: boolean,
  ): Promise<'open' | 'again' | 'leave' | 'defer'> => {
    const calendar = calendars.get(calendarName) as CompiledCalendar;
    const now = clock.now();
    const hours = judgeCallingHours(calendar, now);
    if (hours.noData !== undefined && !warned.has(`${calendarName} ${hours.noData.year}`)) {
      warned.add(`${calendarName} ${hours.noData.year}`);
      deps.notice(describeNoHolidayData(calendarName, calendar.calendar.holidays, hours.noData));
    }
    if (hours.open) return 'open';
    if (settings.outside === 'skip') {
      counts.outsideHours++;
      changed();
      return 'leave';
    }
    const opening = nextOpening(calendar, now);
    if (opening === undefined) {
      stopWith({
        reason: 'failed',
        message:
          `calendar ${calendarName} does not open in the next 31 days: nothing to wait for` +
          (hours.noData === undefined
            ? ''
            : ` (no holiday data covers ${hours.noData.year}: its days are closed to a campaign unless --unknown-years weekly)`),
      });
      return 'leave';
    }
    if (mayDefer) return 'defer';
    if (waitingUntil !== opening) {
      waitingUntil = opening;
      deps.notice(describeWait(opening, now, calendar.timezone));
    }
    counts.waiting++;
    changed();
    await clock.sleep(opening - now, halt.signal);
    counts.waiting--;
    changed();
    return 'again';
  };

  /** Sends one row until it has a result, is left for later, or the run stops. */
  const sendRow = async (item: QueuedRow) => {
    const { row, plan } = item;
    let attempt = item.attempts;
    let thisRun = 0;
    while (!halt.signal.aborted) {
      // Only a row not yet tried in this run is put off: its attempts go on from its own lines.
      const hours = await awaitHours(plan.calendar, thisRun === 0 && othersOpen(plan.calendar));
      if (hours === 'defer') {
        deferred.push(item);
        return;
      }
      if (hours === 'leave') return;
      if (hours === 'again') continue;
      let now = clock.now();
      // The row's slot at the rate; then a place in the last second's count, which a timer that fired
      // late could otherwise overfill (two slots' requests leaving together).
      let at = limiter.reserve(now);
      let paused = false;
      for (;;) {
        if (at > now) {
          await clock.sleep(at - now, halt.signal);
          if (halt.signal.aborted) return;
          now = clock.now();
          paused = true;
        }
        at = limiter.admit(now);
        if (at <= now) break;
      }
      // The hours may have closed during the pause: a call is never placed at a closed moment.
      if (paused && !judgeCallingHours(calendars.get(plan.calendar) as CompiledCalendar, now).open) continue;
      if (thisRun === 0 && settings.limit !== undefined && counts.started >= settings.limit) {
        if (stop === undefined) stop = { reason: 'limit' };
        return;
      }
      let listed: boolean;
      try {
        listed = deps.isDoNotCall(row.number);
      } catch (error) {
        stopWith({ reason: 'failed', message: `cannot read the do-not-call list: ${describeError(error)}` });
        return;
      }
      if (listed) {
        finish(item, attempt, now, { status: 'do-not-call' });
        counts.doNotCall++;
        changed();
        return;
      }
      if (halt.signal.aborted) return;
      const outId = outIdOf(settings.code, row.row);
      // The hours judged again at the moment the request leaves: reading a long do-not-call list again
      // and sealing take time, and a request is never sent at a closed moment.
      now = clock.now();
      if (!judgeCallingHours(calendars.get(plan.calendar) as CompiledCalendar, now).open) continue;
      if (thisRun === 0) counts.started++;
      attempt++;
      thisRun++;
      const dynamicId = deps.seal(plan, Math.floor(now / 1000) + settings.lifetimeS);
      const params = deps.paramsOf(row, plan, dynamicId);
      if (!write({ kind: 'sending', row: row.row, outId, at: iso(now), attempt })) return;
      counts.requests++;
      counts.inFlight++;
      changed();
      const outcome = await deps
        .send(params)
        .catch((): SendOutcome => ({ kind: 'uncertain', why: 'the client failed after sending' }));
      counts.inFlight--;
      const ended = clock.now();
      const answered = {
        ...(outcome.kind === 'api-error' ? { error: outcome.code } : {}),
        ...(outcome.kind !== 'placed' && outcome.kind !== 'not-written' && outcome.http !== undefined
          ? { http: outcome.http }
          : {}),
        ...(outcome.kind === 'placed' || outcome.kind === 'api-error'
          ? outcome.requestId === undefined
            ? {}
            : { requestId: outcome.requestId.slice(0, 256) }
          : {}),
      };
      const decision = decide(outcome, thisRun);
      switch (decision.kind) {
        case 'placed':
          refusals = { code: '', streak: 0 };
          uncertainStreak = 0;
          finish(item, attempt, ended, {
            callId: outcome.kind === 'placed' ? outcome.callId : '',
            ...answered,
          });
          counts.placed++;
          changed();
          return;
        case 'refused':
          uncertainStreak = 0;
          finish(item, attempt, ended, { status: 'refused', ...answered });
          counts.refused++;
          changed();
          if (outcome.kind === 'api-error') {
            refusals =
              refusals.code === outcome.code
                ? { code: outcome.code, streak: refusals.streak + 1 }
                : { code: outcome.code, streak: 1 };
            if (refusals.streak >= REFUSAL_STREAK)
              stopWith({
                reason: 'api',
                code: outcome.code,
                message:
                  `SmartCall refused ${REFUSAL_STREAK} rows in a row with ${outcome.code}: that is the campaign's ` +
                  'settings (voice code, template values, show number) or the account, not the rows; check them, then ' +
                  'run again (the refused rows stay refused: their results are in the results file)',
              });
          }
          return;
        case 'uncertain':
          refusals = { code: '', streak: 0 };
          finish(item, attempt, ended, { status: 'uncertain', why: decision.why, ...answered });
          counts.uncertain++;
          changed();
          // Any uncertain end counts, whatever its reason: an endpoint's junk varies (502, 503, pages, JSON).
          uncertainStreak++;
          if (uncertainStreak >= UNCERTAIN_STREAK)
            stopWith({
              reason: 'failed',
              message:
                `${UNCERTAIN_STREAK} requests in a row may or may not have placed their call (the last: ${decision.why}): ` +
                'that is the endpoint or the network, not the rows; check them, settle the uncertain rows from the ' +
                'receipts (npm run outcomes -- --settle), then run again',
            });
          return;
        case 'stop':
        case 'retry':
        case 'exhausted': {
          const why = outcome.kind === 'not-written' ? { why: outcome.why } : {};
          if (!write({ kind: 'unsent', row: row.row, outId, at: iso(ended), attempt, ...answered, ...why }))
            return;
          changed();
          if (decision.kind === 'stop') {
            stopWith({
              reason: 'api',
              code: decision.code,
              message: `SmartCall answered ${decision.code}: ${describeStop(decision.code)}`,
            });
            return;
          }
          if (decision.throttled && limiter.throttled(ended))
            deps.notice(
              `SmartCall throttles (${decision.why}): slowing down to ${formatRate(limiter.rate())} calls/s for a while`,
            );
          if (decision.kind === 'exhausted') {
            stopWith({
              reason: 'retries',
              message: decision.throttled
                ? `SmartCall kept throttling (${decision.why}) through ${thisRun} tries of one row: lower --rate, or run again later`
                : `SmartCall kept failing (${decision.why}) through ${thisRun} tries of one row: check the endpoint and the network`,
            });
            return;
          }
          await clock.sleep(backoffMs(thisRun, random), halt.signal);
        }
      }
    }
  };

  const worker = async () => {
    while (!halt.signal.aborted && stop === undefined) {
      const item = take();
      if (item === undefined) return;
      await sendRow(item);
    }
  };
  try {
    const workers = Math.max(1, Math.min(settings.concurrency, queue.length));
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    deps.signal?.removeEventListener('abort', onAbort);
  }
  return { counts, stop };
}

function describeError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code)
    ? code
    : error instanceof Error
      ? error.message
      : String(error);
}

/** `9.8`, `0.5`, `250`: a rate for a person. */
export function formatRate(rate: number): string {
  return rate >= 100 ? String(Math.round(rate)) : String(Math.round(rate * 10) / 10);
}
