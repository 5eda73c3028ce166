import * as v from 'valibot';
import { MAX_LOG_LINE_CHARS, readLogLine } from '../log/log-export';
import { maskPhoneNumbersInText } from '../log/logger';
import { MAX_CALL_ID_CHARS } from '../protocol/callback-request';
import { lenient, NumberLikeSchema, TextLikeSchema } from '../protocol/coerce';
import { classifyReceipt } from '../protocol/receipt-type';
import {
  type CampaignLine,
  maskRowText,
  outIdOf,
  type ResultsLine,
  type RowStatus,
  rowOfOutId,
  type SettledLine,
  SettledLineSchema,
} from './results';
import {
  createResultsFolder,
  type RowState as FoldedState,
  MAX_RESULTS_LINE_BYTES,
  parseResultsLine,
} from './results-state';

/**
 * How each row of a campaign went: its results file (shared/campaign/results.ts) joined with the
 * receipts the platform pushed (`VoiceReport` records, as the `report` function logs them or raw) and
 * with the `outbound` function's callback log lines. Pure: the command (scripts/campaign/outcomes.ts)
 * reads the files line by line and hands each line here, in three passes — the results, then the
 * receipts, then the logs — so that only the calls of the campaign are kept, each as a short summary,
 * never as lines: a day of logs takes the memory of the campaign's rows.
 *
 * The results file is read as `npm run call` reads it (shared/campaign/results-state.ts): each line parsed
 * and folded by the same rules, a line that is not one refused with its number, but for a last line cut
 * short by a crash, which is ignored.
 *
 * A row finds its receipt by `OutId` (a receipt whose `out_id` is another campaign's is ignored and
 * counted), or by call id when the receipt has no `out_id`; its callback lines by its call id (from the
 * results file, or from the receipt when the row was uncertain).
 */

/** A row as the results file leaves it: its state after its last line, and what its lines told of it. */
type RowState = {
  readonly row: number;
  outId: string;
  /** The folded state's status: `uncertain` also for a `sending` line without its end (interrupted). */
  status: RowStatus;
  id?: string | undefined;
  number?: string | undefined;
  callId?: string | undefined;
  /** A `settled` line made the uncertain row placed. */
  settled: boolean;
};

/** A `VoiceReport` receipt, what the join reads of it. */
type Receipt = {
  readonly callId: string;
  readonly duration: number | undefined;
  readonly smartStatus: string | undefined;
  readonly statusCode: string | undefined;
  readonly hangupDirection: string | undefined;
  readonly startTime: string | undefined;
};

/** Where a log line stands among a call's: its time, then its place in the files read. */
type Stamp = { readonly at: number; readonly seq: number };
const NEVER: Stamp = { at: Number.NEGATIVE_INFINITY, seq: -1 };
const isLater = (a: Stamp, b: Stamp) => a.at > b.at || (a.at === b.at && a.seq > b.seq);

/**
 * What a call's callback lines came to: the last line's action and outcome words, the last node and the
 * last tag seen (the last line may name none: the hang-up after a goodbye), and whether it was transferred.
 */
type CallSummary = {
  last: Stamp;
  action: string | undefined;
  outcomes: readonly string[];
  node: string | undefined;
  nodeStamp: Stamp;
  tag: string | undefined;
  tagStamp: Stamp;
  transferred: boolean;
};

/** The most distinct calls kept for one row (a row placed again after an uncertain attempt has two). */
const MAX_CALLS_PER_ROW = 8;

/** Unmatched call ids remembered, to count each once; past it, lines are counted instead. */
const MAX_UNMATCHED_CALLS = 1_000_000;

/** The smart status of an answered call, and of a busy callee, in `smart_status_code`. */
const ANSWERED = 'ANSWERED';
const USER_BUSY = 'USER_BUSY';

/** Reply actions after which the call waits for the callee: a call that ends there was hung up by them. */
const WAITING_ACTIONS: ReadonlySet<string> = new Set([
  'answer',
  'play',
  'dtmf',
  'break',
  'continue',
  'donothing',
]);

/** What a row's status says when a receipt proves the call was placed. */
export const SETTLED_STATUS = 'placed (settled by receipt)';

/** How a row of a campaign went, as printed and written. */
export type OutcomeRow = {
  readonly row: number;
  /** The row's own id (an `id` column of the input), when it has one. */
  readonly id: string;
  /** The called number, masked as the results file keeps it. */
  readonly number: string;
  readonly outId: string;
  /** placed, refused, uncertain, do-not-call, invalid, pending, or placed (settled by receipt). */
  readonly status: string;
  readonly callId: string;
  /** From the receipt: `ANSWERED`, or a duration over 0 when the smart status is absent. */
  readonly answered: 'yes' | 'no' | 'unknown';
  /** Seconds, from the receipt. */
  readonly duration: number | undefined;
  /** The receipt's `smart_status_code`, else its `status_code`. */
  readonly receiptStatus: string;
  readonly lastNode: string;
  readonly lastOutcomes: readonly string[];
  /** The last outcome tag the call's callback lines carried. */
  readonly tag: string;
  readonly transferred: boolean;
  /** `flow`, `callee`, `platform` (the receipt's `机器`), or the receipt's `hangup_direction` as written. */
  readonly hungUpBy: string;
  /** One word: the tag, else transferred, busy, no-answer, ended, hung-up, no-receipt, refused, … */
  readonly endedAs: string;
};

/** Counts of what the join read, for the lines under the table. */
export type OutcomeTotals = {
  readonly rows: number;
  /** Rows by `endedAs`, most first. */
  readonly endedAs: readonly (readonly [string, number])[];
  /** Rows by `status`, most first. */
  readonly status: readonly (readonly [string, number])[];
  /** Rows that were uncertain (a `sending` without a `result`, or an `uncertain` result). */
  readonly uncertain: number;
  /** Of those, the ones a receipt settles (or a `settled` line already did). */
  readonly settledByReceipts: number;
  /** Rows with more than one call in the receipts (placed again after an uncertain attempt). */
  readonly placedTwice: number;
  readonly receipts: {
    /** VoiceReport records read. */
    readonly read: number;
    readonly matched: number;
    /** The same call pushed again. */
    readonly duplicates: number;
    /** Records whose `out_id` is not this campaign's: ignored. */
    readonly otherOutIds: number;
    /** Records with no `out_id` and a call id no row has. */
    readonly unmatched: number;
    /** Other records and lines (VoiceCallReport, other log lines). */
    readonly other: number;
    readonly unreadable: number;
    readonly tooLong: number;
  };
  readonly logs: {
    readonly callbacks: number;
    /** Calls of this campaign that have callback lines. */
    readonly matchedCalls: number;
    /** Outbound calls in the logs that are none of this campaign's rows. */
    readonly unmatchedCalls: number;
    /** Lines marked `duplicate` (an event delivered again): not read. */
    readonly duplicates: number;
    /** Other lines: other messages, other functions, other formats. */
    readonly other: number;
    readonly tooLong: number;
  };
};

/** A results file's problem that stops the join: it is not a campaign's, or a line of it is corrupt. */
export class OutcomesError extends Error {}

/** The longest call a receipt's `duration` may tell, in seconds: a larger value is not a duration. */
const MAX_CALL_SECONDS = 86_400;

const text = lenient(v.pipe(TextLikeSchema, v.maxLength(256)));

/** A `VoiceReport` record, read leniently: a field of another shape is left out. */
const VoiceReportSchema = v.object({
  call_id: v.pipe(TextLikeSchema, v.minLength(1), v.maxLength(MAX_CALL_ID_CHARS)),
  out_id: text,
  duration: lenient(v.pipe(NumberLikeSchema, v.minValue(0), v.maxValue(MAX_CALL_SECONDS))),
  status_code: text,
  smart_status_code: text,
  hangup_direction: text,
  start_time: text,
});

const lenientText = v.fallback(v.optional(v.pipe(v.string(), v.maxLength(256))), undefined);

/** A callback log line of the outbound function (or of a callback answered with the fallback). */
const CallbackLineSchema = v.object({
  msg: v.pipe(
    v.string(),
    v.check((msg) => msg === 'callback' || msg.startsWith('callback failed')),
  ),
  callId: v.pipe(v.string(), v.minLength(1), v.maxLength(MAX_CALL_ID_CHARS)),
  time: v.pipe(v.string(), v.isoTimestamp()),
  fn: lenientText,
  duplicate: v.fallback(v.optional(v.boolean()), undefined),
  node: lenientText,
  action: lenientText,
  tag: lenientText,
  outcomes: v.fallback(v.optional(v.array(v.pipe(v.string(), v.maxLength(64))), []), []),
});

type CallbackLine = v.InferOutput<typeof CallbackLineSchema>;

/** A line of the results file that is not one, and why (in words that never quote a number whole). */
type BadLine = { readonly line: number; readonly why: string };

type Phase = 'results' | 'receipts' | 'logs';
const PHASES: readonly Phase[] = ['results', 'receipts', 'logs'];

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A line of a receipts file worth reading: a record, a log line, or a pushed array of records. */
const takeReceiptValue = (value: unknown): unknown =>
  Array.isArray(value) || (isRecord(value) && ('call_id' in value || 'msg' in value)) ? value : undefined;

const takeCallbackValue = (value: unknown): unknown =>
  isRecord(value) && typeof value.msg === 'string' ? value : undefined;

/**
 * The join of one campaign: its results file's lines, then its receipts, then its callback log lines, each
 * handed in as read (a line of another pass before its turn is a mistake of the caller, and throws).
 */
export class CampaignOutcomes {
  private phase: Phase = 'results';
  private campaign: CampaignLine | undefined;
  /** The results file's lines, folded as `npm run call` folds them. */
  private readonly folder = createResultsFolder();
  /** Lines of the results file read, blank ones too: a bad line is named by its number. */
  private resultsLines = 0;
  /** A line that is not a results line, while no line after it tells whether it was cut short (the last). */
  private badLine: BadLine | undefined;
  /** The number of the last line of the results file, when it was cut short and ignored. */
  private cutLine: number | undefined;
  private readonly states = new Map<number, RowState>();
  private readonly receipts = new Map<number, Receipt[]>();
  /** Call ids of receipts kept, to tell a pushed-again receipt. */
  private readonly receiptCallIds = new Set<string>();
  /** Rows by call id: from the results file, then (on the first log line) from the receipts. */
  private readonly rowByCallId = new Map<string, number>();
  private readonly calls = new Map<string, CallSummary>();
  private readonly unmatchedCalls = new Set<string>();
  private unmatchedOverflow = 0;
  private seq = 0;
  private readonly counts = {
    receipts: {
      read: 0,
      matched: 0,
      duplicates: 0,
      otherOutIds: 0,
      unmatched: 0,
      other: 0,
      unreadable: 0,
      tooLong: 0,
    },
    logs: { callbacks: 0, duplicates: 0, other: 0, tooLong: 0 },
  };

  /** The campaign's code, once its first line is read. */
  get code(): string | undefined {
    return this.campaign?.code;
  }

  /**
   * What reading the results file warned of, in `npm run call`'s words: its last line cut short by a
   * crash (or a full disk) and ignored.
   */
  get resultsWarnings(): readonly string[] {
    return this.cutLine === undefined
      ? []
      : [`its last line (${this.cutLine}) was cut short, by a crash or a full disk: ignored`];
  }

  /** The line of `phase` worth reading: none when it is blank, or too long (counted). */
  private readable(phase: 'receipts' | 'logs', raw: string | undefined): string | undefined {
    this.enter(phase);
    if (raw === undefined || raw.length > MAX_LOG_LINE_CHARS) {
      this.counts[phase].tooLong++;
      return undefined;
    }
    return raw.trim() === '' ? undefined : raw;
  }

  /** Moves on to `phase`, indexing the calls known so far on the way; never back. */
  private enter(phase: Phase): void {
    const to = PHASES.indexOf(phase);
    if (to < PHASES.indexOf(this.phase)) throw new Error(`${phase} are read after ${this.phase}`);
    while (PHASES.indexOf(this.phase) < to) {
      if (this.phase === 'results') {
        // The results file ended without being told how: a bad last line is taken for one cut short.
        this.endResults(false);
        this.phase = 'receipts';
        this.indexResultCalls();
      } else {
        this.phase = 'logs';
        this.indexReceiptCalls();
      }
    }
  }

  /**
   * One line of the results file, in order (`undefined`: a line longer than
   * {@link MAX_RESULTS_LINE_BYTES}, not read). Throws an {@link OutcomesError} for a line that is not a
   * results line of the campaign once another line follows it: only the last line may be cut short.
   */
  addResultsLine(raw: string | undefined): void {
    this.enter('results');
    const number = ++this.resultsLines;
    // A line follows the bad one: it ended with a line break, so no crash cut it short.
    if (this.badLine !== undefined) throw this.corrupt(this.badLine);
    if (raw === undefined || Buffer.byteLength(raw) > MAX_RESULTS_LINE_BYTES)
      throw this.corrupt({ line: number, why: `longer than ${MAX_RESULTS_LINE_BYTES} bytes` });
    if (raw.trim() === '') return;
    const line = parseResultsLine(raw);
    const wrong = typeof line === 'string' ? line : this.folder.add(line);
    if (wrong !== undefined) this.badLine = { line: number, why: wrong };
    else if (typeof line !== 'string') this.fold(line);
  }

  /**
   * The results file is read: whether it ended with a line break. A bad last line that did is corrupt (a
   * crash cuts a line before its line break); one that did not was cut short, and is ignored with a
   * warning ({@link resultsWarnings}), as `npm run call` ignores it (and cuts it off before it appends).
   */
  endResults(endsWithLineBreak: boolean): void {
    this.enter('results');
    const bad = this.badLine;
    if (bad === undefined) return;
    if (endsWithLineBreak) throw this.corrupt(bad);
    this.badLine = undefined;
    this.cutLine = bad.line;
  }

  private corrupt({ line, why }: BadLine): OutcomesError {
    const where = `line ${line}: ${maskRowText(why)}`;
    return new OutcomesError(
      this.campaign === undefined
        ? `it has no campaign line (npm run call writes one first); ${where}`
        : where,
    );
  }

  /** A results line the folder took: its say on its row (or, the campaign line, on the campaign). */
  private fold(line: ResultsLine): void {
    if (line.kind === 'campaign') {
      this.campaign = line;
      return;
    }
    const folded = this.folder.result()?.rows.get(line.row)?.state;
    // The request of the row's last `sending` placed no call: the row is pending again, as if never sent.
    if (folded === undefined || folded.kind === 'pending') {
      this.states.delete(line.row);
      return;
    }
    const state = this.states.get(line.row) ?? {
      row: line.row,
      outId: line.outId,
      status: 'uncertain',
      settled: false,
    };
    this.states.set(line.row, state);
    state.outId = line.outId;
    state.status = statusOf(folded);
    state.settled = line.kind === 'settled';
    switch (line.kind) {
      case 'sending':
        state.callId = undefined;
        break;
      case 'result':
        state.id = line.id ?? state.id;
        state.number = line.number ?? state.number;
        state.callId = line.callId;
        break;
      case 'settled':
        state.callId = line.callId;
        break;
    }
  }

  /**
   * One line of a receipts file: a `report` log line (`msg: receipt`), a raw record, or a JSON array of
   * raw records as the platform pushes them, bare or inside an SLS record's `content` or `message`.
   */
  addReceiptLine(raw: string | undefined): void {
    const line = this.readable('receipts', raw);
    if (line === undefined) return;
    const value = readLogLine(line, takeReceiptValue);
    if (value === undefined) this.counts.receipts.unreadable++;
    else this.addReceipt(value);
  }

  /** A receipt record, a log line of one, or an array of records (a whole pushed batch). */
  addReceipt(value: unknown): void {
    this.enter('receipts');
    if (Array.isArray(value)) {
      for (const item of value) this.addReceipt(item);
      return;
    }
    if (!isRecord(value)) {
      this.counts.receipts.unreadable++;
      return;
    }
    // A log line of the report function: its receipts only, and only VoiceReports.
    const logged = typeof value.msg === 'string';
    const type = logged && typeof value.receiptType === 'string' ? value.receiptType : classifyReceipt(value);
    if ((logged && value.msg !== 'receipt') || type !== 'VoiceReport') {
      this.counts.receipts.other++;
      return;
    }
    const parsed = v.safeParse(VoiceReportSchema, value);
    if (!parsed.success) {
      this.counts.receipts.unreadable++;
      return;
    }
    this.counts.receipts.read++;
    const record = parsed.output;
    const row = this.rowOfReceipt(record.out_id, record.call_id);
    if (row === undefined) return;
    if (this.receiptCallIds.has(record.call_id)) {
      this.counts.receipts.duplicates++;
      return;
    }
    const kept = this.receipts.get(row) ?? [];
    if (kept.length >= MAX_CALLS_PER_ROW) return;
    this.receiptCallIds.add(record.call_id);
    kept.push({
      callId: record.call_id,
      duration: record.duration,
      smartStatus: record.smart_status_code,
      statusCode: record.status_code,
      hangupDirection: record.hangup_direction,
      startTime: record.start_time,
    });
    this.receipts.set(row, kept);
    this.counts.receipts.matched++;
  }

  /** The row a receipt belongs to, by its OutId or else its call id; counted when none. */
  private rowOfReceipt(outId: string | undefined, callId: string): number | undefined {
    if (outId !== undefined && outId !== '') {
      const row = this.campaign === undefined ? undefined : rowOfOutId(this.campaign.code, outId);
      if (row === undefined) this.counts.receipts.otherOutIds++;
      else if (!this.states.has(row)) this.counts.receipts.unmatched++;
      return row !== undefined && this.states.has(row) ? row : undefined;
    }
    const row = this.rowByCallId.get(callId);
    if (row === undefined) this.counts.receipts.unmatched++;
    return row;
  }

  private indexResultCalls(): void {
    for (const state of this.states.values())
      if (state.callId !== undefined) this.rowByCallId.set(state.callId, state.row);
  }

  /** Once the receipts are in: every call of the campaign, by call id, for its callback lines. */
  private indexReceiptCalls(): void {
    for (const state of this.states.values()) {
      const receipt = this.receiptOf(state);
      if (receipt !== undefined && !this.rowByCallId.has(receipt.callId))
        this.rowByCallId.set(receipt.callId, state.row);
    }
  }

  /** One line of the outbound function's log, bare or inside an SLS record's `content` or `message`. */
  addLogLine(raw: string | undefined): void {
    const line = this.readable('logs', raw);
    if (line === undefined) return;
    const parsed = v.safeParse(CallbackLineSchema, readLogLine(line, takeCallbackValue));
    if (!parsed.success || (parsed.output.fn !== undefined && parsed.output.fn !== 'outbound')) {
      this.counts.logs.other++;
      return;
    }
    this.addCallbackLine(parsed.output);
  }

  private addCallbackLine(line: CallbackLine): void {
    if (line.duplicate === true) {
      this.counts.logs.duplicates++;
      return;
    }
    this.counts.logs.callbacks++;
    if (!this.rowByCallId.has(line.callId)) {
      if (this.unmatchedCalls.size < MAX_UNMATCHED_CALLS) this.unmatchedCalls.add(line.callId);
      else if (!this.unmatchedCalls.has(line.callId)) this.unmatchedOverflow++;
      return;
    }
    const stamp: Stamp = { at: Date.parse(line.time), seq: this.seq++ };
    const summary: CallSummary = this.calls.get(line.callId) ?? {
      last: NEVER,
      action: undefined,
      outcomes: [],
      node: undefined,
      nodeStamp: NEVER,
      tag: undefined,
      tagStamp: NEVER,
      transferred: false,
    };
    if (isLater(stamp, summary.last)) {
      summary.last = stamp;
      summary.action = line.action;
      summary.outcomes = line.outcomes;
    }
    if (line.node !== undefined && isLater(stamp, summary.nodeStamp)) {
      summary.node = line.node;
      summary.nodeStamp = stamp;
    }
    if (line.tag !== undefined && isLater(stamp, summary.tagStamp)) {
      summary.tag = line.tag;
      summary.tagStamp = stamp;
    }
    if (line.outcomes.includes('transferred')) summary.transferred = true;
    this.calls.set(line.callId, summary);
  }

  /** The receipt of a row's call: the one of its call id, else (an uncertain row) its latest. */
  private receiptOf(state: RowState): Receipt | undefined {
    const kept = this.receipts.get(state.row);
    if (kept === undefined) return undefined;
    if (state.callId !== undefined) return kept.find((receipt) => receipt.callId === state.callId);
    let latest: Receipt | undefined;
    for (const receipt of kept)
      if (latest === undefined || (receipt.startTime ?? '') > (latest.startTime ?? '')) latest = receipt;
    return latest;
  }

  /** Every row of the campaign, in order: those the results file has no line for are `pending`. */
  *rows(): Generator<OutcomeRow> {
    if (this.phase !== 'logs') this.enter('logs');
    const campaign = this.campaign;
    if (campaign === undefined) throw new OutcomesError('the results file has no campaign line');
    // The folder refuses a line of a row past the campaign's.
    for (let row = 1; row <= campaign.rows; row++) {
      const state = this.states.get(row);
      if (state === undefined) yield pendingRow(row, outIdOf(campaign.code, row));
      else yield this.describeRow(state);
    }
  }

  private describeRow(state: RowState): OutcomeRow {
    const receipt = this.receiptOf(state);
    const callId = state.callId ?? receipt?.callId;
    const call = callId === undefined ? undefined : this.calls.get(callId);
    const settled = state.settled || (state.status === 'uncertain' && receipt !== undefined);
    const answered = answeredOf(receipt);
    const transferred =
      call !== undefined &&
      (call.transferred || call.action === 'transfer' || call.action === 'parallel_transfer');
    const hungUpBy = hungUpByOf(call, receipt);
    return {
      row: state.row,
      id: state.id ?? '',
      number: state.number ?? '',
      outId: state.outId,
      status: settled ? SETTLED_STATUS : state.status,
      callId: callId ?? '',
      answered,
      duration: receipt?.duration,
      receiptStatus: receipt?.smartStatus ?? receipt?.statusCode ?? '',
      lastNode: call?.node ?? '',
      lastOutcomes: call?.outcomes ?? [],
      tag: call?.tag ?? '',
      transferred,
      hungUpBy,
      endedAs: endedAsOf(settled ? 'placed' : state.status, {
        tag: call?.tag,
        transferred,
        receipt,
        answered,
        hungUpBy,
      }),
    };
  }

  /** What the join read, and the rows by how they ended and by status. */
  totals(): OutcomeTotals {
    const endedAs = new Map<string, number>();
    const status = new Map<string, number>();
    let rows = 0;
    let uncertain = 0;
    let settledByReceipts = 0;
    for (const row of this.rows()) {
      rows++;
      endedAs.set(row.endedAs, (endedAs.get(row.endedAs) ?? 0) + 1);
      status.set(row.status, (status.get(row.status) ?? 0) + 1);
      if (row.status === 'uncertain') uncertain++;
      if (row.status === SETTLED_STATUS) {
        uncertain++;
        settledByReceipts++;
      }
    }
    let placedTwice = 0;
    for (const kept of this.receipts.values()) if (kept.length > 1) placedTwice++;
    return {
      rows,
      endedAs: mostFirst(endedAs),
      status: mostFirst(status),
      uncertain,
      settledByReceipts,
      placedTwice,
      receipts: { ...this.counts.receipts },
      logs: {
        ...this.counts.logs,
        matchedCalls: this.calls.size,
        unmatchedCalls: this.unmatchedCalls.size + this.unmatchedOverflow,
      },
    };
  }

  /**
   * The `settled` lines to append to the results file: one for each row still uncertain there whose call
   * the receipts show (by its OutId), with that call's id. None for a row a `settled` line already settles.
   */
  settleLines(at: string): SettledLine[] {
    if (this.phase !== 'logs') this.enter('logs');
    const lines: SettledLine[] = [];
    for (const state of this.states.values()) {
      if (state.status !== 'uncertain') continue;
      const receipt = this.receiptOf(state);
      if (receipt === undefined) continue;
      lines.push(
        v.parse(SettledLineSchema, {
          kind: 'settled',
          row: state.row,
          outId: state.outId,
          at,
          status: 'placed',
          callId: receipt.callId,
          by: 'receipt',
        }),
      );
    }
    return lines.sort((a, b) => a.row - b.row);
  }
}

/** What a row's folded state says of it: a `sending` without its end is uncertain. */
function statusOf(state: Exclude<FoldedState, { kind: 'pending' }>): RowStatus {
  switch (state.kind) {
    case 'interrupted':
      return 'uncertain';
    case 'invalid':
      return 'invalid';
    case 'done':
      return state.status;
  }
}

function pendingRow(row: number, outId: string): OutcomeRow {
  return {
    row,
    id: '',
    number: '',
    outId,
    status: 'pending',
    callId: '',
    answered: 'unknown',
    duration: undefined,
    receiptStatus: '',
    lastNode: '',
    lastOutcomes: [],
    tag: '',
    transferred: false,
    hungUpBy: '',
    endedAs: 'not-placed',
  };
}

function answeredOf(receipt: Receipt | undefined): OutcomeRow['answered'] {
  if (receipt === undefined) return 'unknown';
  if (receipt.smartStatus !== undefined) return receipt.smartStatus === ANSWERED ? 'yes' : 'no';
  if (receipt.duration !== undefined) return receipt.duration > 0 ? 'yes' : 'no';
  return 'unknown';
}

/**
 * Who ended the call: `flow` when its last reply hung up (or said the goodbye of an ending call);
 * `callee` when the call is over (a receipt came) while its last reply waited for them; else what the
 * receipt's `hangup_direction` says: `用户` is the callee, `机器` the platform, anything else as written.
 */
function hungUpByOf(call: CallSummary | undefined, receipt: Receipt | undefined): string {
  if (call !== undefined && (call.action === 'hangup' || call.outcomes.includes('ended'))) return 'flow';
  if (
    call !== undefined &&
    receipt !== undefined &&
    call.action !== undefined &&
    WAITING_ACTIONS.has(call.action)
  )
    return 'callee';
  const direction = receipt?.hangupDirection;
  return direction === undefined ? '' : (HANGUP_DIRECTIONS[direction.trim()] ?? direction);
}

/**
 * The values of `hangup_direction` the VoiceReport page lists: `用户` (the user) and `机器` (the machine,
 * the call's robot); any other value (older samples show `"1"`) is shown as written.
 */
const HANGUP_DIRECTIONS: Readonly<Record<string, string>> = { 用户: 'callee', 机器: 'platform' };

type Ending = {
  readonly tag: string | undefined;
  readonly transferred: boolean;
  readonly receipt: Receipt | undefined;
  readonly answered: OutcomeRow['answered'];
  readonly hungUpBy: string;
};

/** One word for how a row ended, for the totals. */
function endedAsOf(status: RowStatus, ending: Ending): string {
  if (status !== 'placed') return status;
  if (ending.tag !== undefined) return ending.tag;
  if (ending.transferred) return 'transferred';
  if (ending.receipt?.smartStatus === USER_BUSY) return 'busy';
  if (ending.answered === 'no') return 'no-answer';
  if (ending.hungUpBy === 'flow') return 'ended';
  return ending.receipt === undefined ? 'no-receipt' : 'hung-up';
}

function mostFirst(counts: ReadonlyMap<string, number>): (readonly [string, number])[] {
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The columns of the outcomes table (`-o FILE.csv`), in order. */
export const OUTCOME_COLUMNS = [
  'row',
  'id',
  'number',
  'outId',
  'status',
  'callId',
  'answered',
  'duration',
  'receiptStatus',
  'lastNode',
  'lastOutcomes',
  'tag',
  'transferred',
  'hungUpBy',
  'endedAs',
] as const;
export type OutcomeColumn = (typeof OUTCOME_COLUMNS)[number];

/**
 * Columns the join itself writes, never text of an input: the row, its `OutId` (checked against the
 * campaign's when read), the duration (a number of seconds under a day), yes or no.
 */
const OWN_COLUMNS: ReadonlySet<OutcomeColumn> = new Set([
  'row',
  'outId',
  'duration',
  'answered',
  'transferred',
]);

/**
 * A row as text, column by column, outcome words joined by spaces, every phone number masked: the inputs are
 * masked already, but an `id` column, a receipt or a log line from elsewhere may hold one, glued to letters
 * too (`appt13800138000`). Text of the inputs has every phone number in it masked wherever it stands
 * ({@link maskRowText}); the call id only a phone number standing on its own (the log's rules), since call
 * ids are long runs of digits that must stay as written, to be searched and joined.
 */
export function outcomeCells(row: OutcomeRow): Record<OutcomeColumn, string> {
  const cells: Record<OutcomeColumn, string> = {
    row: String(row.row),
    id: row.id,
    number: row.number,
    outId: row.outId,
    status: row.status,
    callId: row.callId,
    answered: row.answered,
    duration: row.duration === undefined ? '' : String(row.duration),
    receiptStatus: row.receiptStatus,
    lastNode: row.lastNode,
    lastOutcomes: row.lastOutcomes.join(' '),
    tag: row.tag,
    transferred: row.transferred ? 'yes' : 'no',
    hungUpBy: row.hungUpBy,
    endedAs: row.endedAs,
  };
  for (const column of OUTCOME_COLUMNS)
    if (column === 'callId') cells[column] = maskPhoneNumbersInText(cells[column]);
    else if (!OWN_COLUMNS.has(column)) cells[column] = maskRowText(cells[column]);
  return cells;
}

/** A row as one JSON object (a line of `--json`): the table's fields, masked the same way. */
export function outcomeJson(row: OutcomeRow): Record<string, unknown> {
  const cells = outcomeCells(row);
  return {
    ...cells,
    row: row.row,
    duration: row.duration ?? null,
    lastOutcomes: row.lastOutcomes.map(maskRowText),
    transferred: row.transferred,
  };
}

/** A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV record (RFC 4180): a cell holding a comma, a quote or a line break is quoted, its quotes
 * doubled; the record ends with CRLF. A cell a spreadsheet would run as a formula gets a `'` first: the
 * cells come from files and logs anyone may have written into.
 */
export function toCsvRecord(cells: readonly string[]): string {
  return `${cells
    .map((cell) => {
      const safe = FORMULA_START.test(cell) ? `'${cell}` : cell;
      return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
    })
    .join(',')}\r\n`;
}
