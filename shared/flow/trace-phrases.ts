/**
 * The trace lines that tools read back, written and read here only: coverage reads which nodes a call
 * entered, which branch held, which branch a split chose, which retry escalated and what each lookup came to; replay reads how many
 * digits a collect node took (the digits themselves are never traced). A change of wording changes writer
 * and reader together.
 */

/** `enter askPin (collect)`: a node the call entered. */
export function enteredNode(node: string, type: string): string {
  return `enter ${node} (${type})`;
}
export function readEnteredNode(line: string): string | undefined {
  return readEntered(line)?.node;
}
/** The node and its type an {@link enteredNode} line names, or undefined for another line. */
export function readEntered(line: string): { node: string; type: string } | undefined {
  const match = /^enter (\S+) \(([^)\s]+)\)/.exec(line);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { node: match[1], type: match[2] };
}

/** `branches.0 holds → next`, or `no branch holds → else`: the way a branch node went. */
export function branchTaken(index: number, target: string): string {
  return index === -1 ? `no branch holds → ${target}` : `branches.${index} holds → ${target}`;
}
/** The branch a trace line says held: its index, `else`, or undefined for another line. */
export function readBranchTaken(line: string): number | 'else' | undefined {
  if (line.startsWith('no branch holds → ')) return 'else';
  const index = /^branches\.(\d+) holds → /.exec(line)?.[1];
  return index === undefined ? undefined : Number(index);
}

/** `split greeting: short (10/100) → welcomeShort`: the branch a split node chose, its weight of the total. */
export function splitTaken(
  node: string,
  branch: string,
  weight: number,
  total: number,
  target: string,
): string {
  return `split ${node}: ${branch} (${weight}/${total}) → ${target}`;
}
/** The node, branch name (or index) and target a split's trace line names, or undefined for another line. */
export function readSplitTaken(
  line: string,
): { readonly node: string; readonly branch: string; readonly target: string } | undefined {
  const match = /^split (\S+): (\S+) \(\d+\/\d+\) → (\S+)$/.exec(line);
  return match?.[1] === undefined || match[2] === undefined || match[3] === undefined
    ? undefined
    : { node: match[1], branch: match[2], target: match[3] };
}

/** `no digits → noMatch retries used up → desk`: a retry policy escalated (or ended the call). */
export function retriesUsedUp(why: string, kind: string, target: string): string {
  return `${why} → ${kind} retries used up → ${target}`;
}
export function readRetriesUsedUp(line: string): { kind: 'noInput' | 'noMatch'; target: string } | undefined {
  const match = /(noInput|noMatch) retries used up → (\S+)$/.exec(line);
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { kind: match[1] as 'noInput' | 'noMatch', target: match[2] };
}

/** `intent lostCard excluded (不是挂失)`: an intent whose keywords matched, voided by one of its excludes. */
export function intentExcluded(
  intent: string,
  exclude: string,
  kind: 'intent' | 'handler' = 'intent',
): string {
  return `${kind} ${intent} excluded (${exclude})`;
}
/**
 * The intent (or handler: `handler agent excluded (不要人工)`) and the exclude of an
 * {@link intentExcluded} line, or undefined for another line.
 */
export function readIntentExcluded(
  line: string,
): { intent: string; exclude: string; kind: 'intent' | 'handler' } | undefined {
  const match = /^(intent|handler) (\S+) excluded \((.+)\)$/.exec(line);
  return match?.[2] === undefined || match[3] === undefined
    ? undefined
    : { intent: match[2], exclude: match[3], kind: match[1] === 'handler' ? 'handler' : 'intent' };
}

/** `handler agent (keyword 人工) → agentIntro`: a global handler heard at a listening node. */
export function handlerHeard(handler: string, why: string, target: string): string {
  return `handler ${handler} (${why}) → ${target}`;
}

/** `now in flow identity`: the call moved to another flow (a subflow called or returned, a handler). */
export function flowEntered(flow: string): string {
  return `now in flow ${flow}`;
}
/** The flow a trace line says the call moved to, or undefined for another line. */
export function readFlowEntered(line: string): string | undefined {
  return /^now in flow (\S+)$/.exec(line)?.[1];
}

/**
 * `return failed → main/agent (called by balanceCheck)`: a subflow returned (with its exit, if any) to the
 * flow and node it goes on at, by the subflow node that called it.
 */
export function subflowReturned(
  exit: string | undefined,
  flow: string,
  caller: string,
  target: string,
): string {
  return `return${exit === undefined ? '' : ` ${exit}`} → ${flow}/${target} (called by ${caller})`;
}
/** What a return's trace line says: the exit (undefined for `next`), the calling flow and node, the target. */
export function readSubflowReturned(
  line: string,
): { exit: string | undefined; flow: string; caller: string; target: string } | undefined {
  const match = /^return(?: (\S+))? → ([^/\s]+)\/(\S+) \(called by (\S+)\)$/.exec(line);
  if (match?.[2] === undefined || match[3] === undefined || match[4] === undefined) return undefined;
  return { exit: match[1], flow: match[2], target: match[3], caller: match[4] };
}

/**
 * `handler agent (keyword 人工) → agentIntro`: the handler a trace line says was heard and why (`keyword
 * 人工`, `key 0`, `spoken key 0`, `pattern /…/`), or undefined.
 */
export function readHandlerHeard(line: string): { name: string; why: string } | undefined {
  const match = /^handler (\S+) \((.*)\) → \S+/.exec(line);
  return match?.[1] === undefined || match[2] === undefined ? undefined : { name: match[1], why: match[2] };
}

/** `6 digits`: how a collect node's trace names what it heard, by count only. */
export function countedDigits(count: number): string {
  return `${count} digits`;
}
/** The count of a collect node's trace line (`collected pin (6 digits) → …`, `4 digits do not fit → …`). */
export function readCountedDigits(line: string): number | undefined {
  const counted = /\((\d+) digits\)|^(\d+) digits do not fit/.exec(line);
  const digits = counted?.[1] ?? counted?.[2];
  return digits === undefined ? undefined : Number(digits);
}

/** The trace's note of a calendar judged on a date no holiday data covers, and how it is read back. */
const NO_HOLIDAY_DATA = /^calendar (\S+): no holiday data for (\d{4}) → /;

export function noHolidayDataNote(calendar: string, year: number, decidedBy: string): string {
  return `calendar ${calendar}: no holiday data for ${year} → ${decidedBy}`;
}

/** The calendar and year of a holiday data gap's trace line. */
export function readNoHolidayDataNote(line: string): { calendar: string; year: number } | undefined {
  const match = NO_HOLIDAY_DATA.exec(line);
  return match?.[1] === undefined ? undefined : { calendar: match[1], year: Number(match[2]) };
}

/** `1 attempt`, `3 attempts`. */
function countedAttempts(attempts: number): string {
  return `${attempts} ${attempts === 1 ? 'attempt' : 'attempts'}`;
}

/** `lookup account ok (saved balance) → sayBalance`: a lookup answered, its values saved (names only). */
export function lookupAnswered(use: string, saved: readonly string[], target: string): string {
  return `lookup ${use} ok${saved.length === 0 ? '' : ` (saved ${saved.join(', ')})`} → ${target}`;
}

/** `lookup account failed (status 503) after 1 attempt → sorry`: no usable answer came. */
export function lookupFailed(use: string, why: string, attempts: number, target: string): string {
  return `lookup ${use} failed (${why}) after ${countedAttempts(attempts)} → ${target}`;
}

/** `lookup account answered, but balance is missing → sorry`: an answer without a value to save. */
export function lookupUnusable(use: string, field: string, why: string, target: string): string {
  return `lookup ${use} answered, but ${field} is ${why} → ${target}`;
}

/** How the caller waits for a slow lookup: the node's filler (said once), or a short silence. */
export type LookupHold = 'filler' | 'short silence';

/** `lookup account still waiting after 1 attempt → filler`: the wait ran out with an attempt in flight. */
export function lookupWaiting(use: string, attempts: number, hold: LookupHold): string {
  return `lookup ${use} still waiting after ${countedAttempts(attempts)} → ${hold}`;
}

/**
 * What a lookup's trace line says it came to: `ok` (and where the call went), `failed` with why
 * (`status 503`, `timeout`, `missing balance`: the failure word first) and where the call went, or
 * `waiting` with how the caller waits. Undefined for another line.
 */
export type TracedLookup =
  | { readonly use: string; readonly outcome: 'ok'; readonly target: string }
  | { readonly use: string; readonly outcome: 'failed'; readonly why: string; readonly target: string }
  | { readonly use: string; readonly outcome: 'waiting'; readonly hold: LookupHold };

export function readLookupLine(line: string): TracedLookup | undefined {
  const ok = /^lookup (\S+) ok(?: \(saved [^)]*\))? → (\S+)$/.exec(line);
  if (ok?.[1] !== undefined && ok[2] !== undefined) return { use: ok[1], outcome: 'ok', target: ok[2] };
  const failed = /^lookup (\S+) failed \((.+)\) after \d+ attempts? → (\S+)$/.exec(line);
  if (failed?.[1] !== undefined && failed[2] !== undefined && failed[3] !== undefined)
    return { use: failed[1], outcome: 'failed', why: failed[2], target: failed[3] };
  const unusable = /^lookup (\S+) answered, but (\S+) is (\S+) → (\S+)$/.exec(line);
  if (unusable?.[1] !== undefined && unusable[4] !== undefined)
    return { use: unusable[1], outcome: 'failed', why: `${unusable[3]} ${unusable[2]}`, target: unusable[4] };
  const waiting = /^lookup (\S+) still waiting after \d+ attempts? → (filler|short silence)$/.exec(line);
  if (waiting?.[1] !== undefined && waiting[2] !== undefined)
    return { use: waiting[1], outcome: 'waiting', hold: waiting[2] as LookupHold };
  return undefined;
}

/** `classifier asked (nothing matched)`, or `classifier asked (keyword match lostCard is doubtful)`. */
export function classifierAsked(doubtfulIntent: string | undefined): string {
  return doubtfulIntent === undefined
    ? 'classifier asked (nothing matched)'
    : `classifier asked (keyword match ${doubtfulIntent} is doubtful)`;
}

/** `classifier failed (timeout, 702 ms)` */
export function classifierFailed(why: string, ms: number): string {
  return `classifier failed (${why}, ${Math.round(ms)} ms)`;
}

/** `classifier chose lostCard at 0.92 (640 ms)`, with ` → not taken: below-threshold` when it is not taken. */
export function classifierVerdict(choice: string, confidence: number, ms: number, notTaken?: string): string {
  const verdict = `classifier chose ${choice} at ${confidence.toFixed(2)} (${Math.round(ms)} ms)`;
  return notTaken === undefined ? verdict : `${verdict} → not taken: ${notTaken}`;
}

/** What a classifier line of a trace says: the choice and confidence, or the failure; for replay. */
export function readClassifierLine(
  line: string,
): { readonly choice?: string; readonly confidence?: number; readonly why?: string } | undefined {
  const failed = /^classifier failed \(([a-z-]+), \d+ ms\)$/.exec(line);
  if (failed !== null) return { why: failed[1] ?? '' };
  const chose = /^classifier chose (\S+) at ([0-9.]+) \(\d+ ms\)(?: → not taken: ([a-z-]+))?$/.exec(line);
  if (chose === null) return undefined;
  return {
    choice: chose[1] ?? '',
    confidence: Number(chose[2]),
    ...(chose[3] === undefined ? {} : { why: chose[3] }),
  };
}

/**
 * `line service (by number dialled) → flow main`: the flow a call starts in, and why (a line, a closed
 * calendar, an outbound call's DynamicId, a restart). Analytics reads the last one before a call's first
 * node.
 */
export function flowChosen(why: string, flow: string): string {
  return `${why} → flow ${flow}`;
}
export function readFlowChosen(line: string): string | undefined {
  return / → flow (\S+)$/.exec(line)?.[1];
}

/** `calendar office is closed → flow afterHours`: a line's calendar sent the call to its after-hours flow. */
export function calendarClosed(calendar: string, flow: string): string {
  return flowChosen(`calendar ${calendar} is closed`, flow);
}
export function readCalendarClosed(line: string): { calendar: string; flow: string } | undefined {
  const match = /^calendar (\S+) is closed → flow (\S+)$/.exec(line);
  return match?.[1] === undefined || match[2] === undefined
    ? undefined
    : { calendar: match[1], flow: match[2] };
}
