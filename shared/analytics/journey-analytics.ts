/**
 * Journey analytics: callback lines and receipts in, {@link JourneyFigures} out. Pure and streamed: the
 * command (scripts/analytics/analytics.ts) hands each line in, in the export's time order, and only the calls
 * in progress are held, each as a short list of its steps; a call is counted once no line of it has come for
 * {@link CALL_HORIZON_MS} of the export's time (its receipt comes after its last callback), and every call
 * still held is counted at the end. The figures themselves are counters per node, flow, line and hour: they
 * grow with the rules' size, never with the lines read. The definitions are docs/analytics.md's.
 */

import { toLocalTime } from '../calendar/local-time';
import {
  readCalendarClosed,
  readEntered,
  readFlowChosen,
  readFlowEntered,
  readRetriesUsedUp,
} from '../flow/trace-phrases';
import { maskPhoneNumbersInText } from '../log/logger';
import { maskDigitsInText, SENSITIVE_INPUT } from '../log/mask';
import { NAME_PATTERN } from '../text/name';
import {
  type Ending,
  type EndingCounts,
  FIGURES_VERSION,
  type FlowFigures,
  type JourneyFigures,
  type LineFigures,
  type NodeFigures,
  shareOf,
  TOP_UTTERANCES,
  type Utterance,
} from './journey-figures';
import { type CallbackStep, type JourneyLine, LONG_DIGITS, type ReceiptFacts } from './journey-input';

/** How long after a call's last line (in the export's time) it is counted: its receipt comes before. */
export const CALL_HORIZON_MS = 2 * 60 * 60 * 1000;
/** The most calls held at once; past it the one quiet longest is counted early. */
export const MAX_OPEN_CALLS = 100_000;
/** The most steps kept of one call (a flow's `maxTurns` stops far sooner); more are counted, not kept. */
const MAX_STEPS_PER_CALL = 500;
/** The most steps held in all the calls in progress; past it, the call quiet longest is counted early. */
const MAX_HELD_STEPS = 300_000;
/** The most nodes one step enters that are kept (a callback's own loop stops far sooner). */
const MAX_ENTERED_PER_STEP = 64;
/** Call ids remembered after they are counted, at most: a busy hour's calls fit many times over. */
const MAX_COUNTED_IDS = 100_000;
/**
 * How long (in the export's time) a counted call's id is remembered: a line of it within this is late, a
 * receipt of it late; past it, its lines are older than the horizon and late by their time, and a receipt
 * names no call.
 */
const COUNTED_MEMORY_MS = 2 * CALL_HORIZON_MS;
/** A call's place in the queue by quiet time moves at most once a minute of its lines. */
const REQUEUE_MS = 60_000;
/** Calls counted early (past the caps) remembered, to count their later lines as past the limits. */
const MAX_EARLY_IDS = 100_000;
/** Distinct utterances tracked per node (space-saving: the top ones are exact while fewer than this differ). */
const UTTERANCE_SLOTS = 200;
/** The longest utterance shown. */
const MAX_UTTERANCE_CHARS = 80;
/** Seconds in a node are counted in one-second buckets up to this; longer visits count as this long. */
const MAX_TIME_BUCKET_S = 900;
/** The most nodes and lines counted: a hostile export cannot grow the figures past these. */
export const MAX_NODES = 20_000;
export const MAX_LINES = 1_000;

/** The line a call without a `callin` line is counted under: an outbound call, or an export cut mid-call. */
export const OUTBOUND_LINE = '(outbound)';
export const UNKNOWN_LINE = '(unknown)';

/** A node type as the trace names it. */
const TYPE = /^[A-Za-z]{1,32}$/;
const isName = (name: string) => NAME_PATTERN.test(name) && !LONG_DIGITS.test(name);

/** Kinds of input the caller gives: the callbacks a node hears. */
const HEARD_TYPES: ReadonlySet<string> = new Set(['normal', 'dtmf', 'mute']);

/** `flow/node`. */
type NodeKey = string;
const keyOf = (flow: string, node: string): NodeKey => `${flow}/${node}`;

/** What one callback line did to its call, read once as it comes. */
type Step = {
  readonly at: number;
  readonly seq: number;
  readonly eventId: string | undefined;
  /** Where the call was when the event came (undefined: a `callin`, or a state that was lost). */
  readonly from: NodeKey | undefined;
  /** The call started (or started again) on this step: its first entry comes from outside. */
  readonly started: boolean;
  /** The nodes entered, in order. */
  readonly entered: readonly NodeKey[];
  /** Where the call is after the reply. */
  readonly to: NodeKey | undefined;
  readonly heardType: boolean;
  readonly outcomes: readonly string[];
  readonly action: string | undefined;
  /** The kind of retries used up, when they were. */
  readonly escalated: 'noInput' | 'noMatch' | undefined;
  readonly words: string | undefined;
  readonly sensitive: boolean;
  /** On a started call: its line, and whether its calendar sent it after hours. */
  readonly start: { readonly line: string; readonly afterHours: boolean } | undefined;
};

type OpenCall = {
  readonly callId: string;
  /** The latest time of a line of it, for the horizon. */
  last: number;
  readonly steps: Step[];
  receipt: ReceiptFacts | undefined;
  /** Counted already: an entry of it still queued is stale. */
  counted: boolean;
  /** The `last` of its newest entry in the queue of calls by quiet time. */
  queued: number;
};

/** Counters of one node. */
type NodeCounters = {
  readonly flow: string;
  readonly node: string;
  type: string;
  entries: number;
  calls: number;
  contained: number;
  readonly exits: Map<NodeKey, number>;
  readonly endings: EndingCounts;
  heard: number;
  noInput: number;
  noMatch: number;
  keyArming: number;
  escalatedNoInput: number;
  escalatedNoMatch: number;
  transfers: number;
  transferFailed: number;
  /** Entries from outside the flow (a start, a flow the call was never in before): where its funnel begins. */
  entriesFromOutside: number;
  /**
   * The nodes of its flow a call came back to after leaving the flow from here (a subflow's return, a
   * handler): the next nodes in the flow's order, as its exits are.
   */
  readonly bridges: Set<NodeKey>;
  sensitive: boolean;
  time: Uint32Array | undefined;
  timeSum: number;
  readonly utterances: Map<string, { text: string; count: number }>;
};

type LineCounters = {
  readonly calls: number[];
  readonly afterHours: number[];
  readonly transferred: number[];
};

const zeroEndings = (): EndingCounts => ({ transferred: 0, flow: 0, caller: 0, platform: 0, unknown: 0 });

/** A queue read from its head: an array and an index, compacted as the head moves on. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    const item = this.items[this.head];
    if (item === undefined) return undefined;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** The streamed analysis: {@link add} each line, then {@link figures}. */
export class JourneyAnalytics {
  private readonly open = new Map<string, OpenCall>();
  /** The calls held, in the order of their last line's time: stale entries (a call heard of since) skipped. */
  private readonly quiet = new Fifo<{ readonly call: OpenCall; readonly last: number }>();
  /** Steps held in all the calls held. */
  private heldSteps = 0;
  /**
   * The calls counted in the last {@link COUNTED_MEMORY_MS} of the export's time (at most
   * {@link MAX_COUNTED_IDS}): a line of one of them is late. A line of a call counted before them is older
   * than the horizon, and late by its time.
   */
  private readonly counted = new Set<string>();
  /** Calls counted early because too many calls or steps were held: their later lines are past the limits. */
  private readonly countedEarly = new Set<string>();
  /** Nodes left out past {@link MAX_NODES}, each counted once (up to as many again). */
  private readonly overflowNodes = new Set<NodeKey>();
  private readonly countedOrder = new Fifo<{ readonly callId: string; readonly at: number }>();
  /** Receipts without a time, of calls not read yet: joined when their call comes, else counted at the end. */
  private readonly untimedReceipts = new Map<string, ReceiptFacts>();
  private readonly nodes = new Map<NodeKey, NodeCounters>();
  private readonly lines = new Map<string, LineCounters>();
  private readonly flowCalls = new Map<string, { calls: number; contained: number }>();
  private readonly callTotals = { calls: 0, recovered: 0, contained: 0, endings: zeroEndings() };
  private readonly read = {
    lines: 0,
    callbacks: 0,
    duplicates: 0,
    receipts: 0,
    receiptDuplicates: 0,
    receiptsWithoutCalls: 0,
    late: 0,
    lateReceipts: 0,
    outliers: 0,
    overflow: 0,
    other: 0,
    unreadable: 0,
  };
  private watermark = Number.NEGATIVE_INFINITY;
  private from: number | undefined;
  private to: number | undefined;
  private seq = 0;

  constructor(private readonly timezone: string) {}

  /**
   * One line of the export, as {@link readJourneyLine} read it, or an outlier a file's
   * {@link OutlierFilter} took out (counted).
   */
  add(line: JourneyLine | { readonly kind: 'outlier' }): void {
    this.read.lines++;
    if (line.kind === 'outlier') this.read.outliers++;
    else this.take(line);
  }

  private take(line: JourneyLine): void {
    switch (line.kind) {
      case 'other':
        this.read.other++;
        return;
      case 'unreadable':
        this.read.unreadable++;
        return;
      case 'receipts':
        for (const receipt of line.receipts) this.addReceipt(receipt, line.at);
        return;
      case 'callback':
        this.addCallback(line.step);
    }
  }

  private addCallback(step: CallbackStep): void {
    if (step.duplicate) {
      this.read.duplicates++;
      return;
    }
    if (step.fn !== undefined && step.fn !== 'inbound' && step.fn !== 'outbound') {
      this.read.other++;
      return;
    }
    const call = this.callOf(step.callId, step.at);
    if (call === undefined) {
      if (this.countedEarly.has(step.callId)) this.read.overflow++;
      else this.read.late++;
      return;
    }
    if (step.eventId !== undefined && call.steps.some((kept) => kept.eventId === step.eventId)) {
      this.read.duplicates++;
      return;
    }
    this.read.callbacks++;
    this.from = this.from === undefined ? step.at : Math.min(this.from, step.at);
    this.to = this.to === undefined ? step.at : Math.max(this.to, step.at);
    if (call.steps.length < MAX_STEPS_PER_CALL) {
      call.steps.push(this.digest(step));
      this.heldSteps++;
      while (this.heldSteps > MAX_HELD_STEPS && this.countEarly()) {}
    }
    this.advance(step.at);
  }

  private addReceipt(receipt: ReceiptFacts, at: number | undefined): void {
    this.read.receipts++;
    if (at === undefined && !this.open.has(receipt.callId)) {
      // No time to place it by: its call is read later (or was, and is counted: a late receipt).
      if (this.counted.has(receipt.callId)) this.read.lateReceipts++;
      else if (this.untimedReceipts.has(receipt.callId)) this.read.receiptDuplicates++;
      else if (this.untimedReceipts.size < MAX_OPEN_CALLS) this.untimedReceipts.set(receipt.callId, receipt);
      else this.read.receiptsWithoutCalls++;
      return;
    }
    const call = this.callOf(receipt.callId, at);
    if (call === undefined) {
      this.read.lateReceipts++;
      return;
    }
    if (call.receipt !== undefined) {
      this.read.receiptDuplicates++;
      return;
    }
    call.receipt = receipt;
    if (at !== undefined) this.advance(at);
  }

  /** The call a line belongs to, held until counted; none for a call already counted (a late line). */
  private callOf(callId: string, at: number | undefined): OpenCall | undefined {
    let call = this.open.get(callId);
    if (call === undefined) {
      if (at === undefined || this.counted.has(callId) || at <= this.watermark - CALL_HORIZON_MS)
        return undefined;
      if (this.open.size >= MAX_OPEN_CALLS) this.countEarly();
      const receipt = this.untimedReceipts.get(callId);
      if (receipt !== undefined) this.untimedReceipts.delete(callId);
      call = { callId, last: at, steps: [], receipt, counted: false, queued: at };
      this.open.set(callId, call);
      this.quiet.push({ call, last: at });
    } else if (at !== undefined && at > call.last) {
      call.last = at;
      // Queued again once its lines moved on a minute: a call's lines never grow the queue past that.
      if (at - call.queued >= REQUEUE_MS) this.requeue(call);
    }
    return call;
  }

  /** The export's time moved to `at`: the calls quiet for longer than the horizon are counted. */
  private advance(at: number): void {
    if (at <= this.watermark) return;
    this.watermark = at;
    for (
      let entry = this.quiet.peek();
      entry !== undefined && entry.last <= at - CALL_HORIZON_MS;
      entry = this.quiet.peek()
    ) {
      this.quiet.shift();
      const { call } = entry;
      // An entry of a call counted, or queued again since, is stale.
      if (call.counted || call.queued !== entry.last) continue;
      if (call.last <= at - CALL_HORIZON_MS) this.finish(call);
      else this.requeue(call);
    }
  }

  private requeue(call: OpenCall): void {
    call.queued = call.last;
    this.quiet.push({ call, last: call.last });
  }

  /**
   * Counts the call quiet longest early, because too many calls or steps are held; whether there was one.
   * Its later lines are counted as past the limits.
   */
  private countEarly(): boolean {
    for (let entry = this.quiet.shift(); entry !== undefined; entry = this.quiet.shift()) {
      const { call } = entry;
      if (call.counted || call.queued !== entry.last) continue;
      this.finish(call);
      this.read.overflow++;
      if (this.countedEarly.size >= MAX_EARLY_IDS) this.countedEarly.clear();
      this.countedEarly.add(call.callId);
      return true;
    }
    return false;
  }

  /** What a callback line says, reduced to what the figures need. */
  private digest(line: CallbackStep): Step {
    const started = line.outcomes.includes('started') || line.outcomes.includes('recovered');
    let flow = line.flowBefore ?? line.flow;
    // Where the event was heard: the node before, or, on an outbound call's first event, the start
    // node SmartCall's opening asked the question of (a call started at a node enters it).
    const from =
      line.nodeBefore !== undefined && flow !== undefined ? keyOf(flow, line.nodeBefore) : undefined;
    let here = from;
    const entered: NodeKey[] = [];
    if (started && from !== undefined) this.enter(entered, from);
    let escalated: Step['escalated'];
    let afterHours = false;
    let beforeFirstNode = true;
    for (const phrase of line.trace) {
      const node = readEntered(phrase);
      if (node !== undefined && flow !== undefined && isName(node.node)) {
        beforeFirstNode = false;
        const key = keyOf(flow, node.node);
        const counters = this.node(key);
        if (counters !== undefined && counters.type === '' && TYPE.test(node.type)) counters.type = node.type;
        if (key !== here) this.enter(entered, key);
        here = key;
        continue;
      }
      const now = readFlowEntered(phrase);
      if (now !== undefined) {
        flow = isName(now) ? now : undefined;
        continue;
      }
      const used = readRetriesUsedUp(phrase);
      if (used !== undefined) escalated = used.kind;
      if (started && beforeFirstNode) {
        const chosen = readFlowChosen(phrase);
        if (chosen !== undefined) flow = isName(chosen) ? chosen : undefined;
        if (readCalendarClosed(phrase) !== undefined) afterHours = true;
      }
    }
    const to = line.flow !== undefined && line.node !== undefined ? keyOf(line.flow, line.node) : undefined;
    // A node the call is at without a trace of entering it is entered.
    if (to !== undefined && to !== here) this.enter(entered, to);
    if (escalated === undefined && line.outcomes.includes('escalated'))
      escalated =
        line.retries.noMatch !== undefined && line.retries.noInput === undefined
          ? 'noMatch'
          : line.retries.noInput !== undefined && line.retries.noMatch === undefined
            ? 'noInput'
            : undefined;
    return {
      at: line.at,
      seq: this.seq++,
      eventId: line.eventId,
      from,
      started,
      entered,
      to: to ?? entered.at(-1) ?? from,
      heardType: line.type !== undefined && HEARD_TYPES.has(line.type),
      outcomes: line.outcomes,
      action: line.action,
      escalated,
      words: line.type === 'normal' ? line.words : undefined,
      sensitive: line.words === SENSITIVE_INPUT || line.dtmf === SENSITIVE_INPUT,
      start: line.outcomes.includes('started')
        ? {
            line: line.line ?? (line.fn === 'outbound' ? OUTBOUND_LINE : UNKNOWN_LINE),
            afterHours,
          }
        : undefined,
    };
  }

  /** Adds a node a step entered, while the step keeps fewer than its bound and the node is counted. */
  private enter(entered: NodeKey[], key: NodeKey): void {
    if (entered.length < MAX_ENTERED_PER_STEP && this.node(key) !== undefined) entered.push(key);
  }

  /** A node's counters, made on first sight (none past {@link MAX_NODES}). */
  private counters(flow: string, node: string): NodeCounters | undefined {
    const key = keyOf(flow, node);
    let counters = this.nodes.get(key);
    if (counters === undefined) {
      if (this.nodes.size >= MAX_NODES) {
        if (!this.overflowNodes.has(key) && this.overflowNodes.size < MAX_NODES) {
          this.overflowNodes.add(key);
          this.read.overflow++;
        }
        return undefined;
      }
      counters = {
        flow,
        node,
        type: '',
        entries: 0,
        calls: 0,
        contained: 0,
        exits: new Map(),
        endings: zeroEndings(),
        heard: 0,
        noInput: 0,
        noMatch: 0,
        keyArming: 0,
        escalatedNoInput: 0,
        escalatedNoMatch: 0,
        transfers: 0,
        transferFailed: 0,
        entriesFromOutside: 0,
        bridges: new Set(),
        sensitive: false,
        time: undefined,
        timeSum: 0,
        utterances: new Map(),
      };
      this.nodes.set(key, counters);
    }
    return counters;
  }

  private node(key: NodeKey): NodeCounters | undefined {
    const known = this.nodes.get(key);
    if (known !== undefined) return known;
    const slash = key.indexOf('/');
    return this.counters(key.slice(0, slash), key.slice(slash + 1));
  }

  /** Counts one call, whole: its steps in time order, its receipt. */
  private finish(call: OpenCall): void {
    this.open.delete(call.callId);
    call.counted = true;
    this.heldSteps -= call.steps.length;
    for (
      let oldest = this.countedOrder.peek();
      oldest !== undefined &&
      (oldest.at <= this.watermark - COUNTED_MEMORY_MS || this.counted.size >= MAX_COUNTED_IDS);
      oldest = this.countedOrder.peek()
    ) {
      this.countedOrder.shift();
      this.counted.delete(oldest.callId);
    }
    this.counted.add(call.callId);
    this.countedOrder.push({ callId: call.callId, at: this.watermark });
    const steps = call.steps.sort((a, b) => a.at - b.at || a.seq - b.seq);
    if (steps.length === 0) {
      this.read.receiptsWithoutCalls++;
      return;
    }
    this.callTotals.calls++;
    const visited = new Set<NodeKey>();
    /** The last node the call entered in each flow. */
    const lastInFlow = new Map<string, NodeKey>();
    let transferredAt: NodeKey | undefined;
    let handedOver = false;
    let start: Step['start'];
    if (steps.some((step) => step.outcomes.includes('recovered'))) this.callTotals.recovered++;
    for (const [index, step] of steps.entries()) {
      start ??= step.start;
      let previous = step.started ? undefined : step.from;
      for (const key of step.entered) {
        const counters = this.node(key);
        if (counters === undefined) continue;
        counters.entries++;
        visited.add(key);
        if (previous === undefined || flowOf(previous) !== counters.flow) {
          // Back in a flow the call was in (a subflow returned, a handler): where it left the flow leads
          // here, for the order of the flow's nodes; else the call enters the flow here.
          const left = lastInFlow.get(counters.flow);
          const bridges = left === undefined ? undefined : this.node(left)?.bridges;
          if (bridges === undefined) counters.entriesFromOutside++;
          else bridges.add(key);
        }
        if (previous !== undefined) {
          const exits = this.node(previous)?.exits;
          exits?.set(key, (exits.get(key) ?? 0) + 1);
        }
        lastInFlow.set(counters.flow, key);
        previous = key;
      }
      this.hear(step, handedOver);
      if (step.outcomes.includes('transferred') && step.to !== undefined) {
        const at = this.node(step.to);
        if (at !== undefined) at.transfers++;
        transferredAt = step.to;
        if (step.action === 'transfer') handedOver = true;
      }
      if (step.outcomes.includes('transfer-connected')) handedOver = true;
      if (step.outcomes.includes('transfer-failed')) {
        if (step.from !== undefined) {
          const at = this.node(step.from);
          if (at !== undefined) at.transferFailed++;
        }
        transferredAt = undefined;
      }
      // Time in node: from this callback to the next one, at the node this one left the call at.
      const next = steps[index + 1];
      if (next !== undefined && step.to !== undefined && !handedOver) this.timeAt(step.to, next.at - step.at);
    }
    const last = steps.at(-1) as Step;
    const ending = endingOf(last, transferredAt, call.receipt);
    const endedAt = ending === 'transferred' ? transferredAt : (last.to ?? last.from);
    if (endedAt !== undefined) {
      const counters = this.node(endedAt);
      if (counters !== undefined) counters.endings[ending]++;
      // The wait at the last node, to the end of the call, when the receipt tells it.
      if (ending !== 'transferred' && ending !== 'flow' && call.receipt?.endAt !== undefined)
        this.timeAt(endedAt, call.receipt.endAt - last.at);
    }
    this.callTotals.endings[ending]++;
    const contained = ending !== 'transferred';
    if (contained) this.callTotals.contained++;
    const flows = new Set<string>();
    for (const key of visited) {
      const counters = this.node(key);
      if (counters === undefined) continue;
      counters.calls++;
      if (contained) counters.contained++;
      flows.add(counters.flow);
    }
    for (const flow of flows) {
      const counts = this.flowCalls.get(flow) ?? { calls: 0, contained: 0 };
      counts.calls++;
      if (contained) counts.contained++;
      this.flowCalls.set(flow, counts);
    }
    this.countLine(start, steps[0] as Step, ending === 'transferred');
  }

  /** What the node the event came to heard: input, silence, no input, no match, a key-arming silence. */
  private hear(step: Step, handedOver: boolean): void {
    // A `donothing` reply heard nothing: the call was handed over, or a parallel transfer rang.
    if (step.from === undefined || !step.heardType || handedOver || step.action === 'donothing') return;
    const at = this.node(step.from);
    if (at === undefined) return;
    if (step.sensitive) at.sensitive = true;
    if (step.outcomes.includes('key-arming')) {
      at.keyArming++;
      return;
    }
    if (step.outcomes.includes('input-dropped')) return;
    at.heard++;
    const noInput = step.outcomes.includes('no-input') || step.escalated === 'noInput';
    const noMatch = step.outcomes.includes('no-match') || step.escalated === 'noMatch';
    if (noInput) at.noInput++;
    if (noMatch) at.noMatch++;
    if (step.escalated === 'noInput') at.escalatedNoInput++;
    if (step.escalated === 'noMatch') at.escalatedNoMatch++;
    if (noMatch && step.words !== undefined && !step.sensitive) noteUtterance(at.utterances, step.words);
  }

  private timeAt(key: NodeKey, ms: number): void {
    if (!(ms >= 0)) return;
    const counters = this.node(key);
    if (counters === undefined) return;
    counters.time ??= new Uint32Array(MAX_TIME_BUCKET_S + 1);
    const buckets = counters.time;
    const seconds = Math.min(MAX_TIME_BUCKET_S, Math.round(ms / 1000));
    buckets[seconds] = (buckets[seconds] as number) + 1;
    counters.timeSum += seconds;
  }

  private countLine(start: Step['start'], first: Step, transferred: boolean): void {
    const name = start?.line ?? UNKNOWN_LINE;
    let counters = this.lines.get(name);
    if (counters === undefined) {
      if (this.lines.size >= MAX_LINES) {
        this.read.overflow++;
        return;
      }
      counters = {
        calls: new Array(24).fill(0),
        afterHours: new Array(24).fill(0),
        transferred: new Array(24).fill(0),
      };
      this.lines.set(name, counters);
    }
    const hour = toLocalTime(first.at, this.timezone).hour;
    (counters.calls[hour] as number)++;
    if (start?.afterHours === true) (counters.afterHours[hour] as number)++;
    if (transferred) (counters.transferred[hour] as number)++;
  }

  /** Counts every call still held, and gives the figures. */
  figures(): JourneyFigures {
    for (const call of [...this.open.values()]) this.finish(call);
    this.read.receiptsWithoutCalls += this.untimedReceipts.size;
    this.untimedReceipts.clear();
    const byFlow = new Map<string, NodeCounters[]>();
    for (const counters of this.nodes.values()) {
      const mine = byFlow.get(counters.flow);
      if (mine === undefined) byFlow.set(counters.flow, [counters]);
      else mine.push(counters);
    }
    const flows = [...this.flowCalls.entries()]
      .map(
        ([flow, counts]): FlowFigures => ({
          flow,
          calls: counts.calls,
          contained: counts.contained,
          containment: share(counts.contained, counts.calls),
          nodes: this.orderedNodes(flow, byFlow.get(flow) ?? []).map(nodeFigures),
        }),
      )
      .sort((a, b) => b.calls - a.calls || a.flow.localeCompare(b.flow));
    const lines = [...this.lines.entries()]
      .map(([line, counters]): LineFigures => {
        const calls = sum(counters.calls);
        const afterHours = sum(counters.afterHours);
        const transferred = sum(counters.transferred);
        return {
          line,
          calls,
          afterHours,
          transferred,
          afterHoursShare: share(afterHours, calls),
          transferShare: share(transferred, calls),
          hours: counters.calls.map((calls, hour) => ({
            hour,
            calls,
            afterHours: counters.afterHours[hour] as number,
            transferred: counters.transferred[hour] as number,
          })),
        };
      })
      .sort((a, b) => b.calls - a.calls || a.line.localeCompare(b.line));
    const { calls, recovered, contained, endings } = this.callTotals;
    return {
      version: FIGURES_VERSION,
      from: this.from === undefined ? null : new Date(this.from).toISOString(),
      to: this.to === undefined ? null : new Date(this.to).toISOString(),
      timezone: this.timezone,
      read: { ...this.read },
      calls: { calls, recovered, endings: { ...endings }, contained, containment: share(contained, calls) },
      flows,
      lines,
    };
  }

  /**
   * A flow's nodes in the order calls reach them: breadth first from the nodes calls enter it at (most
   * entries from outside first), along the busiest exits, then to where calls came back to the flow from
   * its subflow nodes; nodes never reached that way last, busiest first.
   */
  private orderedNodes(flow: string, mine: readonly NodeCounters[]): NodeCounters[] {
    const busiest = (a: NodeCounters, b: NodeCounters) =>
      b.entries - a.entries || a.node.localeCompare(b.node);
    const queue = mine
      .filter((counters) => counters.entriesFromOutside > 0)
      .sort((a, b) => b.entriesFromOutside - a.entriesFromOutside || busiest(a, b));
    const seen = new Set<NodeCounters>(queue);
    const ordered: NodeCounters[] = [];
    for (let index = 0; index < queue.length; index++) {
      const counters = queue[index] as NodeCounters;
      ordered.push(counters);
      const next = [
        ...[...counters.exits.entries()]
          .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
          .map(([key]) => key),
        ...[...counters.bridges].sort(),
      ]
        .map((key) => this.nodes.get(key))
        .filter(
          (found): found is NodeCounters => found !== undefined && found.flow === flow && !seen.has(found),
        );
      for (const found of next) {
        seen.add(found);
        queue.push(found);
      }
    }
    return [...ordered, ...mine.filter((counters) => !seen.has(counters)).sort(busiest)];
  }
}

/** How a call's part in our flows ended (docs/analytics.md, "Endings"). */
function endingOf(last: Step, transferredAt: NodeKey | undefined, receipt: ReceiptFacts | undefined): Ending {
  if (transferredAt !== undefined) return 'transferred';
  if (last.action === 'hangup' || last.outcomes.includes('ended') || last.outcomes.includes('guard'))
    return 'flow';
  const direction = receipt?.direction;
  if (direction === '用户') return 'caller';
  if (direction === '机器') return 'platform';
  return 'unknown';
}

function flowOf(key: NodeKey): string {
  return key.slice(0, key.indexOf('/'));
}

/** Space-saving: a new utterance past the slots takes the place of the rarest, with its count. */
function noteUtterance(utterances: Map<string, { text: string; count: number }>, words: string): void {
  const group = words
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, '');
  if (group === '') return;
  const known = utterances.get(group);
  if (known !== undefined) {
    known.count++;
    return;
  }
  const text = maskPhoneNumbersInText(maskDigitsInText(words.trim())).slice(0, MAX_UTTERANCE_CHARS);
  if (utterances.size < UTTERANCE_SLOTS) {
    utterances.set(group, { text, count: 1 });
    return;
  }
  let rarest: [string, { text: string; count: number }] | undefined;
  for (const entry of utterances)
    if (rarest === undefined || entry[1].count < rarest[1].count) rarest = entry;
  const [rareGroup, rare] = rarest as [string, { text: string; count: number }];
  utterances.delete(rareGroup);
  utterances.set(group, { text, count: rare.count + 1 });
}

function nodeFigures(counters: NodeCounters): NodeFigures {
  const topNoMatch: Utterance[] = counters.sensitive
    ? []
    : [...counters.utterances.values()]
        .sort((a, b) => b.count - a.count || a.text.localeCompare(b.text))
        .slice(0, TOP_UTTERANCES)
        .map(({ text, count }) => ({ text, count }));
  return {
    flow: counters.flow,
    node: counters.node,
    type: counters.type,
    entries: counters.entries,
    calls: counters.calls,
    exits: [...counters.exits.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([key, moves]) => ({ flow: flowOf(key), node: key.slice(key.indexOf('/') + 1), moves })),
    endings: { ...counters.endings },
    heard: counters.heard,
    noInput: counters.noInput,
    noMatch: counters.noMatch,
    keyArming: counters.keyArming,
    noInputRate: share(counters.noInput, counters.heard),
    noMatchRate: share(counters.noMatch, counters.heard),
    escalated: { noInput: counters.escalatedNoInput, noMatch: counters.escalatedNoMatch },
    transfers: counters.transfers,
    transferFailed: counters.transferFailed,
    time: timeFigures(counters.time, counters.timeSum),
    contained: counters.contained,
    containment: share(counters.contained, counters.calls),
    sensitive: counters.sensitive,
    topNoMatch,
  };
}

function timeFigures(buckets: Uint32Array | undefined, total: number): NodeFigures['time'] {
  const visits = buckets === undefined ? 0 : sum(buckets);
  if (buckets === undefined || visits === 0) return { visits: 0, meanS: null, p50S: null, p90S: null };
  const quantile = (q: number) => {
    const rank = Math.ceil(q * visits);
    let seen = 0;
    for (const [seconds, n] of buckets.entries()) {
      seen += n;
      if (seen >= rank) return seconds;
    }
    return MAX_TIME_BUCKET_S;
  };
  return { visits, meanS: Math.round((total / visits) * 10) / 10, p50S: quantile(0.5), p90S: quantile(0.9) };
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let index = 0; index < values.length; index++) total += values[index] as number;
  return total;
}

/** part / whole, to four places; null for a whole of 0. */
function share(part: number, whole: number): number | null {
  const fraction = shareOf(part, whole);
  return fraction === null ? null : Math.round(fraction * 10_000) / 10_000;
}
