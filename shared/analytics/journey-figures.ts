/**
 * What `npm run analytics` reports, as data: the figures per flow and node, per line and hour of day, and
 * the totals of what was read. One shape for the terminal tables, the JSON (`--json`), the HTML report and
 * the week generator's own model of the calls it played (which tests compare with what the command
 * counted). Every word here is defined once, in docs/analytics.md ("Definitions").
 */

/** part / whole; null for nothing to share (a whole of 0) or a part that is not a number. */
export function shareOf(part: number, whole: number): number | null {
  return whole > 0 && Number.isFinite(part) ? part / whole : null;
}

/** Bumped when a field changes meaning or goes away (a new field does not bump it). */
export const FIGURES_VERSION = 1;

/** How a call's part in our flows ended, told from its last callback lines and its receipt. */
export const ENDINGS = [
  /** Handed to a person: a `transfer` reply, or a parallel transfer that did not fail. */
  'transferred',
  /** Our reply ended the call: a goodbye, a hang-up node, a guard, retries used up to the goodbye. */
  'flow',
  /** The call was waiting for the caller, and the receipt says the user (`用户`) hung up. */
  'caller',
  /** The call was waiting for the caller, and the receipt says the machine (`机器`) hung up. */
  'platform',
  /** The call was waiting for the caller, and no receipt says who hung up (none came, or another value). */
  'unknown',
] as const;
export type Ending = (typeof ENDINGS)[number];

/** Calls by how they ended. */
export type EndingCounts = Record<Ending, number>;

/** A node, by its flow: nodes are named within a flow. */
export type NodeRef = { readonly flow: string; readonly node: string };

/** Seconds a call waited at a node, per visit (a visit: from the callback that brought it there to the next one). */
export type TimeInNode = {
  /** Visits whose end is known (the next callback, or the receipt's end of the call). */
  readonly visits: number;
  readonly meanS: number | null;
  readonly p50S: number | null;
  readonly p90S: number | null;
};

/** An utterance that matched nothing at a node, grouped (the same words, spaces and punctuation aside). */
export type Utterance = {
  /** As logged (digits and phone numbers masked), the first form seen of the group. */
  readonly text: string;
  readonly count: number;
};

/** The figures of one node. */
export type NodeFigures = NodeRef & {
  /** The node's type, as the trace names it (`menu`, `say`, `collect`, …); empty when never entered. */
  readonly type: string;
  /** Times a call entered it (a retry at the same node is not an entry). */
  readonly entries: number;
  /** Calls that entered it at least once (a call started at a node enters it). */
  readonly calls: number;
  /** Where calls went from it: one edge per next node, counted per move. */
  readonly exits: readonly (NodeRef & { readonly moves: number })[];
  /** Calls whose part in our flows ended here, by how. */
  readonly endings: EndingCounts;
  /** Callbacks heard here: the caller's words, keys and silences, but key-arming silences. */
  readonly heard: number;
  /** Of those: no input in time (a retry, or the one that used the retries up). */
  readonly noInput: number;
  /** Of those: input the node did not understand (a retry, or the one that used the retries up). */
  readonly noMatch: number;
  /** The first silences after a prompt played on answer, which arm keys: not no-input, not heard. */
  readonly keyArming: number;
  /** noInput / heard, noMatch / heard (null when nothing was heard). */
  readonly noInputRate: number | null;
  readonly noMatchRate: number | null;
  /** Retries used up here, by kind. */
  readonly escalated: { readonly noInput: number; readonly noMatch: number };
  /** Transfer replies made here (a parallel transfer that then failed counts here, and in transferFailed). */
  readonly transfers: number;
  readonly transferFailed: number;
  readonly time: TimeInNode;
  /** Of the calls that entered it, those never transferred: contained / calls (null when none entered). */
  readonly contained: number;
  readonly containment: number | null;
  /** Whether a sensitive collect node heard anything here: its utterances are never shown. */
  readonly sensitive: boolean;
  /** The utterances that matched nothing here, most first (at most {@link TOP_UTTERANCES}); none when sensitive. */
  readonly topNoMatch: readonly Utterance[];
};

/** How many utterances per node are shown. */
export const TOP_UTTERANCES = 10;

/** The figures of one flow, its nodes in the order calls reach them (breadth first from where calls enter). */
export type FlowFigures = {
  readonly flow: string;
  /** Calls that entered the flow. */
  readonly calls: number;
  /** Of those, the ones never transferred. */
  readonly contained: number;
  readonly containment: number | null;
  readonly nodes: readonly NodeFigures[];
};

/** Calls of a line in one hour of the day (0–23, in the report's time zone). */
export type HourFigures = {
  readonly hour: number;
  readonly calls: number;
  /** Calls routed to the line's after-hours flow because its calendar was closed. */
  readonly afterHours: number;
  readonly transferred: number;
};

/** The figures of one line (`callin` calls by the line that routed them; outbound calls as `(outbound)`). */
export type LineFigures = {
  readonly line: string;
  readonly calls: number;
  readonly afterHours: number;
  readonly transferred: number;
  readonly afterHoursShare: number | null;
  readonly transferShare: number | null;
  /** 24 entries, hour 0 to 23. */
  readonly hours: readonly HourFigures[];
};

/** What was read, and what was left out. */
export type ReadTotals = {
  /** Lines read from every input. */
  readonly lines: number;
  /** Callback lines counted. */
  readonly callbacks: number;
  /** Callback lines of a redelivered event (`duplicate`), or the same line exported twice: counted nowhere. */
  readonly duplicates: number;
  /** VoiceReport receipts read (from the report function's lines, or raw records). */
  readonly receipts: number;
  /** Receipts of a call already given one (pushed again): counted once. */
  readonly receiptDuplicates: number;
  /** Receipts of calls no callback line names. */
  readonly receiptsWithoutCalls: number;
  /** Callback lines of a call already counted (more than two hours after its last line, in the export's time). */
  readonly late: number;
  /** Receipts of a call already counted (a transferred call that talked for hours): read, not joined. */
  readonly lateReceipts: number;
  /** Lines whose time is over two hours ahead of the lines before and after them (a clock gone wrong): skipped. */
  readonly outliers: number;
  /** Calls left out of the line figures, and nodes out of the node figures, past their limits. */
  readonly overflow: number;
  /** Other lines: other messages, other receipts, other formats. */
  readonly other: number;
  /** Lines that are not JSON, or are over 64 KB. */
  readonly unreadable: number;
};

/** Calls, all lines together. */
export type CallTotals = {
  readonly calls: number;
  /** Calls whose state was lost and that started the default line again (`recovered`). */
  readonly recovered: number;
  readonly endings: EndingCounts;
  readonly contained: number;
  readonly containment: number | null;
};

/** Everything the command reports. */
export type JourneyFigures = {
  readonly version: typeof FIGURES_VERSION;
  /** The first and last callback times read (ISO), null when none. */
  readonly from: string | null;
  readonly to: string | null;
  /** The IANA zone the hours of the day are in. */
  readonly timezone: string;
  readonly read: ReadTotals;
  readonly calls: CallTotals;
  readonly flows: readonly FlowFigures[];
  readonly lines: readonly LineFigures[];
};
