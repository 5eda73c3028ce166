/**
 * Replay: the `callback` log lines a deployed function wrote for one call (JSON lines, as exported from
 * SLS) read back into what the caller did, turn by turn, so that the call can be placed again against
 * other rules and compared. Pure. What the log masks cannot be replayed as it was: phone numbers, digits
 * read out in speech, key sequences longer than one key and every key a sensitive node heard; the
 * replay says what it put in their place. Each turn's lookups are answered with what the log says they
 * came to (simulated-lookups.ts, ReplayedLookups), and its classification with the model's logged answer
 * (simulated-classifier.ts, ReplayedClassifier), never sent.
 */
import * as v from 'valibot';
import { readCountedDigits } from '../../shared/flow/trace-phrases';
import { readLogLine } from '../../shared/log/log-export';
import { SENSITIVE_INPUT } from '../../shared/log/mask';
import type { Rules } from '../../shared/rules/rules-schema';
import {
  CallbackLogSchema,
  type CallerAction,
  type Callin,
  type LoggedClassified,
  type LoggedLookup,
  lenientText,
} from './call';
import { printable } from './printable';
import type { CallFunction } from './transport';

/** The most lines of an export read (each at most MAX_LOG_LINE_CHARS): an export of one call is small. */
export const MAX_EXPORT_LINES = 100_000;

/** A `callback` line with the event it answered, read leniently: a field of another shape is left out. */
const CallbackLineSchema = v.object({
  ...CallbackLogSchema.entries,
  time: v.pipe(v.string(), v.isoTimestamp()),
  callId: v.string(),
  fn: v.picklist(['inbound', 'outbound']),
  type: v.string(),
  caller: lenientText,
  callee: lenientText,
  orgcallee: lenientText,
  words: lenientText,
  dtmf: lenientText,
  transferStatus: lenientText,
});
export type CallbackLine = v.InferOutput<typeof CallbackLineSchema>;

/**
 * The callback lines of an export. A line is either the function's own JSON line or an SLS record that
 * holds it as text (in `content` or `message`); anything else (other messages, other formats, junk) is
 * skipped and counted.
 */
export function readLogExport(exported: string): {
  lines: CallbackLine[];
  skipped: number;
  /** Lines after the first {@link MAX_EXPORT_LINES}, not read. */
  unread: number;
} {
  const lines: CallbackLine[] = [];
  let skipped = 0;
  let read = 0;
  for (const raw of exported.split('\n')) {
    if (raw.trim() === '') continue;
    read += 1;
    if (read > MAX_EXPORT_LINES) continue;
    const line = readLogLine(raw, readCallbackLine);
    if (line === undefined) skipped += 1;
    else lines.push(line);
  }
  return { lines, skipped, unread: Math.max(0, read - MAX_EXPORT_LINES) };
}

function readCallbackLine(value: unknown): CallbackLine | undefined {
  const parsed = v.safeParse(CallbackLineSchema, value);
  return parsed.success ? parsed.output : undefined;
}

/** The calls an export holds, by call id, in the order they first appear. */
export function listCalls(lines: readonly CallbackLine[]): Map<string, CallbackLine[]> {
  const calls = new Map<string, CallbackLine[]>();
  for (const line of lines) {
    const own = calls.get(line.callId);
    if (own === undefined) calls.set(line.callId, [line]);
    else own.push(line);
  }
  // In time order (a stable sort: lines of one millisecond keep the export's order).
  for (const own of calls.values()) own.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
  return calls;
}

/** What happened on a turn, as the log says it, for comparing a replay with the call as it was. */
export type Route = {
  readonly action: string | undefined;
  readonly flow: string | undefined;
  readonly node: string | undefined;
  readonly matched: string | undefined;
};

/** One turn of a call to replay: the caller's action (or the callin), when, and what happened then. */
export type ReplayTurn = {
  readonly at: number;
  readonly input: { readonly kind: 'callin'; readonly callin: Callin } | CallerAction;
  readonly was: Route;
  /** What the turn's lookups came to, as logged: the replay answers them with it. */
  readonly lookups: readonly LoggedLookup[];
  /** What the language model answered on the turn, as logged (the replay answers with it), if it was asked. */
  readonly classified?: LoggedClassified | undefined;
  /** Whether the logged turn was a no-match (`no-match` among its outcomes): words nothing understood. */
  readonly noMatch: boolean;
  /** What the log hid and what the replay sends instead. */
  readonly note?: string | undefined;
};

/** A call read back from its log lines; its texts (call id, notes, event types) are printable. */
export type ReplayPlan = {
  readonly callId: string;
  readonly fn: CallFunction;
  /** An outbound call's first `DynamicId`: the flow its first line names. */
  readonly firstDynamicId?: string | undefined;
  readonly turns: readonly ReplayTurn[];
  /** Events the replay cannot send (unknown content types), by type. */
  readonly dropped: readonly string[];
};

/** A masked number as a number: `138****5678` → `13800005678`. */
function fillMask(masked: string | undefined): string | undefined {
  return masked === undefined ? undefined : masked.replace(/\*/g, '0');
}

/**
 * How many digits a collect node took or refused, as its trace says (`collected pin (6 digits) → …`,
 * `4 digits do not fit → …`): the log hides the digits, never their count.
 */
function loggedDigitCount(line: CallbackLine): number | undefined {
  for (const step of line.trace) {
    const counted = readCountedDigits(step);
    if (counted !== undefined) return counted;
  }
  return undefined;
}

/** How a note says the replay made up what the log hid. */
const reconstructed = (what: string) => `input reconstructed: ${what}`;

/** Keys the log hid (`****`, `(sensitive)`), as keys of the length the trace tells. */
function keysFor(line: CallbackLine): { keys: string; note?: string } {
  const logged = line.dtmf ?? '';
  if (/^[0-9#]$/.test(logged) || logged === 'noInputTimeout') return { keys: logged };
  if (logged === '*') return { keys: '*' };
  const digits = loggedDigitCount(line) ?? Math.max(1, logged.length);
  const withEnd = logged.length === digits + 1 ? '#' : '';
  const keys = `${'0'.repeat(digits)}${withEnd}`;
  return { keys, note: reconstructed(`keys hidden in the log (${logged || 'none'}): replayed as ${keys}`) };
}

/**
 * Words the log hid: digits said aloud are masked one `*` each (`****`), and what a sensitive collect
 * node heard is logged as `(sensitive)`; both are replayed as 0s, as many as the log or the trace tells.
 */
function wordsFor(line: CallbackLine): { words: string; note?: string } {
  const logged = line.words ?? '';
  if (logged === SENSITIVE_INPUT) {
    const digits = loggedDigitCount(line);
    // No count in the trace: the node heard no digits, and words without digits say the same.
    const words = digits === undefined ? logged : '0'.repeat(digits);
    return {
      words,
      note: reconstructed(
        `speech to a sensitive node is not logged: replayed as ${digits === undefined ? `"${words}" (no digits)` : words}`,
      ),
    };
  }
  if (!logged.includes('*')) return { words: logged };
  const words = logged.replace(/\*/g, '0');
  return { words, note: reconstructed(`digits said aloud are masked in the log: replayed as "${words}"`) };
}

/**
 * The plan of one call: its callin (numbers from the options, else from the line it was routed by in
 * `rules`, else the masked ones with 0s), then each later event as the caller's action.
 */
export function planReplay(
  lines: readonly CallbackLine[],
  rules: Rules,
  numbers: { readonly caller?: string | undefined; readonly callee?: string | undefined },
): ReplayPlan {
  const first = lines[0];
  if (first === undefined) throw new RangeError('no callback lines');
  const turns: ReplayTurn[] = [];
  const dropped: string[] = [];
  for (const line of lines) {
    const at = Date.parse(line.time);
    const was = { action: line.action, flow: line.flow, node: line.node, matched: line.matched };
    const { lookups, classified } = line;
    const noMatch = line.outcomes.includes('no-match');
    const action = actionOf(line);
    if (line.type === 'callin') {
      const routedBy = rules.lines?.find((candidate) => candidate.name === line.line);
      const caller = numbers.caller ?? routedBy?.callers?.[0] ?? fillMask(line.caller) ?? '';
      const callee = numbers.callee ?? routedBy?.numbers?.[0] ?? fillMask(line.callee) ?? '';
      const masked = [
        numbers.caller === undefined && line.caller?.includes('*')
          ? `caller ${line.caller} as ${caller}`
          : '',
        numbers.callee === undefined && line.callee?.includes('*')
          ? `callee ${line.callee} as ${callee}`
          : '',
      ].filter((part) => part !== '');
      turns.push({
        at,
        input: { kind: 'callin', callin: { caller, callee, forwardedFrom: fillMask(line.orgcallee) } },
        was,
        lookups,
        classified,
        noMatch,
        note:
          masked.length === 0
            ? undefined
            : `numbers masked in the log: ${masked.join(', ')} (--caller, --callee to set them)`,
      });
    } else if (action === undefined) {
      dropped.push(line.type);
    } else {
      turns.push({ at, input: action.action, was, lookups, classified, noMatch, note: action.note });
    }
  }
  return {
    callId: printable(first.callId),
    fn: first.fn,
    firstDynamicId: first.fn === 'outbound' && first.nodeBefore === undefined ? first.flow : undefined,
    turns: turns.map((turn) => (turn.note === undefined ? turn : { ...turn, note: printable(turn.note) })),
    dropped: dropped.map(printable),
  };
}

function actionOf(line: CallbackLine): { action: CallerAction; note?: string | undefined } | undefined {
  switch (line.type) {
    case 'normal': {
      const { words, note } = wordsFor(line);
      return { action: { kind: 'say', words }, note };
    }
    case 'dtmf': {
      if (line.dtmf === 'noInputTimeout') return { action: { kind: 'keyTimeout' } };
      const { keys, note } = keysFor(line);
      return { action: { kind: 'keys', keys }, note };
    }
    case 'mute':
      return { action: { kind: 'silence' } };
    case 'timebreak':
      return { action: { kind: 'bargeIn' } };
    case 'parallel_transfer':
      return line.transferStatus === 'success' || line.transferStatus === 'fail'
        ? { action: { kind: 'transferResult', status: line.transferStatus } }
        : undefined;
    default:
      return undefined;
  }
}

/** Whether a replayed turn went where the call went, and how the report says each side. */
export function compareRoutes(was: Route, now: Route): { same: boolean; was: string; now: string } {
  const show = (route: Route) =>
    printable(
      `${route.action ?? '?'} ${route.flow ?? '?'}/${route.node ?? '?'}${route.matched === undefined ? '' : ` (${route.matched})`}`,
    );
  const same =
    was.action === now.action &&
    was.flow === now.flow &&
    was.node === now.node &&
    was.matched === now.matched;
  return { same, was: show(was), now: show(now) };
}
