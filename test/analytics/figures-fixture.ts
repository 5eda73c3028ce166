/**
 * Hand-built JourneyFigures for tests: give what a test is about, the rest is filled with zeros and the
 * rates that follow from the counts given.
 */
import {
  type CallTotals,
  ENDINGS,
  type EndingCounts,
  FIGURES_VERSION,
  type FlowFigures,
  type HourFigures,
  type JourneyFigures,
  type LineFigures,
  type NodeFigures,
  type ReadTotals,
} from '../../shared/analytics/journey-figures';

function rate(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}

/** Calls by ending, zero but those given. */
export function buildEndings(partial: Partial<EndingCounts> = {}): EndingCounts {
  return { ...(Object.fromEntries(ENDINGS.map((ending) => [ending, 0])) as EndingCounts), ...partial };
}

export type NodePart = Partial<Omit<NodeFigures, 'endings'>> & {
  readonly node: string;
  readonly endings?: Partial<EndingCounts>;
};

/** A node of flow `main` (unless given), of type `say`, its calls its entries, all of them contained. */
export function buildNode(partial: NodePart): NodeFigures {
  const entries = partial.entries ?? partial.calls ?? 0;
  const calls = partial.calls ?? entries;
  const heard = partial.heard ?? 0;
  const noInput = partial.noInput ?? 0;
  const noMatch = partial.noMatch ?? 0;
  const contained = partial.contained ?? calls;
  return {
    flow: 'main',
    type: 'say',
    exits: [],
    keyArming: 0,
    escalated: { noInput: 0, noMatch: 0 },
    transfers: 0,
    transferFailed: 0,
    time: { visits: 0, meanS: null, p50S: null, p90S: null },
    sensitive: false,
    topNoMatch: [],
    ...partial,
    entries,
    calls,
    heard,
    noInput,
    noMatch,
    contained,
    noInputRate: partial.noInputRate !== undefined ? partial.noInputRate : rate(noInput, heard),
    noMatchRate: partial.noMatchRate !== undefined ? partial.noMatchRate : rate(noMatch, heard),
    containment: partial.containment !== undefined ? partial.containment : rate(contained, calls),
    endings: buildEndings(partial.endings),
  };
}

export type FlowPart = Partial<Omit<FlowFigures, 'nodes'>> & {
  readonly flow: string;
  readonly nodes?: readonly NodePart[];
};

/** A flow; its nodes take its name; its calls are its first node's unless given. */
export function buildFlow(partial: FlowPart): FlowFigures {
  const nodes = (partial.nodes ?? []).map((node) => buildNode({ flow: partial.flow, ...node }));
  const calls = partial.calls ?? nodes[0]?.calls ?? 0;
  const contained = partial.contained ?? calls;
  return {
    ...partial,
    calls,
    contained,
    containment: partial.containment !== undefined ? partial.containment : rate(contained, calls),
    nodes,
  };
}

export type LinePart = Partial<Omit<LineFigures, 'hours'>> & {
  readonly line: string;
  /** Only the hours with calls; the others are filled with zeros. */
  readonly hours?: readonly (Partial<HourFigures> & { readonly hour: number })[];
};

/** A line, its 24 hours, its totals the sums of its hours unless given. */
export function buildLine(partial: LinePart): LineFigures {
  const hours = Array.from({ length: 24 }, (_, hour): HourFigures => {
    const given = partial.hours?.find((entry) => entry.hour === hour);
    return { calls: 0, afterHours: 0, transferred: 0, ...given, hour };
  });
  const sum = (key: 'calls' | 'afterHours' | 'transferred') =>
    hours.reduce((total, hour) => total + hour[key], 0);
  const calls = partial.calls ?? sum('calls');
  const afterHours = partial.afterHours ?? sum('afterHours');
  const transferred = partial.transferred ?? sum('transferred');
  return {
    ...partial,
    calls,
    afterHours,
    transferred,
    afterHoursShare:
      partial.afterHoursShare !== undefined ? partial.afterHoursShare : rate(afterHours, calls),
    transferShare: partial.transferShare !== undefined ? partial.transferShare : rate(transferred, calls),
    hours,
  };
}

export type FiguresPart = Partial<Omit<JourneyFigures, 'read' | 'calls' | 'flows' | 'lines'>> & {
  readonly read?: Partial<ReadTotals>;
  readonly calls?: Partial<Omit<CallTotals, 'endings'>> & { readonly endings?: Partial<EndingCounts> };
  readonly flows?: readonly FlowPart[];
  readonly lines?: readonly LinePart[];
};

/** Figures with nothing read, but what is given. */
export function buildFigures(partial: FiguresPart = {}): JourneyFigures {
  const calls = partial.calls?.calls ?? 0;
  const contained = partial.calls?.contained ?? calls;
  return {
    version: FIGURES_VERSION,
    from: null,
    to: null,
    timezone: 'Asia/Shanghai',
    ...partial,
    read: {
      lines: 0,
      callbacks: 0,
      duplicates: 0,
      receipts: 0,
      receiptDuplicates: 0,
      lateReceipts: 0,
      outliers: 0,
      overflow: 0,
      receiptsWithoutCalls: 0,
      late: 0,
      other: 0,
      unreadable: 0,
      ...partial.read,
    },
    calls: {
      recovered: 0,
      ...partial.calls,
      calls,
      contained,
      containment:
        partial.calls?.containment !== undefined ? partial.calls.containment : rate(contained, calls),
      endings: buildEndings(partial.calls?.endings),
    },
    flows: (partial.flows ?? []).map(buildFlow),
    lines: (partial.lines ?? []).map(buildLine),
  };
}

/** Text a hostile log line could carry: markup, an attribute, a phone number, control characters. */
export const HOSTILE = {
  flow: '<script>alert(1)</script>',
  node: '"onload=alert(1) x',
  line: 'line 13812345678',
  type: '<b>menu</b>',
  utterance: 'call 13812345678 <img src=x onerror=alert(1)>\u001b[31m red\u0007 \u202eevil',
  secret: 'my pin is 4321 SECRET',
} as const;

/**
 * A week of a small hotline: flow `main` (welcome → ask → billing → goodbye, a sensitive `pin` collect
 * node), flow `billing`, line `hotline` with calls in and after hours.
 */
export function sampleFigures(): JourneyFigures {
  return buildFigures({
    from: '2024-05-06T09:00:00+08:00',
    to: '2024-05-12T21:30:00+08:00',
    read: { lines: 1200, callbacks: 1000, duplicates: 3, receipts: 100, late: 2, unreadable: 1 },
    calls: {
      calls: 100,
      contained: 70,
      endings: { transferred: 30, flow: 50, caller: 15, platform: 3, unknown: 2 },
    },
    flows: [
      {
        flow: 'main',
        calls: 100,
        contained: 70,
        nodes: [
          {
            node: 'welcome',
            type: 'menu',
            calls: 100,
            entries: 104,
            heard: 120,
            noInput: 12,
            noMatch: 6,
            keyArming: 40,
            escalated: { noInput: 1, noMatch: 2 },
            exits: [
              { flow: 'main', node: 'ask', moves: 80 },
              { flow: 'billing', node: 'start', moves: 15 },
            ],
            endings: { caller: 3, platform: 1 },
            time: { visits: 104, meanS: 6.5, p50S: 5.25, p90S: 12 },
            topNoMatch: [
              { text: '嗯那个', count: 4 },
              { text: '我要投诉', count: 2 },
            ],
          },
          {
            node: 'ask',
            type: 'collect',
            calls: 80,
            exits: [{ flow: 'main', node: 'pin', moves: 50 }],
            endings: { caller: 10 },
          },
          {
            node: 'pin',
            type: 'collect',
            calls: 40,
            heard: 40,
            noMatch: 4,
            sensitive: true,
            endings: { flow: 40 },
          },
          {
            node: 'agent',
            type: 'transfer',
            calls: 10,
            contained: 0,
            transfers: 10,
            transferFailed: 1,
            endings: { transferred: 10 },
          },
        ],
      },
      {
        flow: 'billing',
        calls: 15,
        contained: 0,
        nodes: [{ node: 'start', type: 'say', calls: 15, contained: 0 }],
      },
    ],
    lines: [
      {
        line: 'hotline',
        hours: [
          { hour: 9, calls: 40, transferred: 12 },
          { hour: 14, calls: 50, transferred: 15 },
          { hour: 21, calls: 10, afterHours: 10, transferred: 3 },
        ],
      },
    ],
  });
}

/** Figures whose every name and utterance is {@link HOSTILE} text, and a sensitive node given a secret. */
export function hostileFigures(): JourneyFigures {
  return buildFigures({
    timezone: 'Asia/Shanghai\u001b]0;title\u0007',
    calls: { calls: 3 },
    flows: [
      {
        flow: HOSTILE.flow,
        nodes: [
          {
            node: HOSTILE.node,
            type: HOSTILE.type,
            calls: 3,
            heard: 3,
            noMatch: 3,
            exits: [{ flow: 'other 13812345678', node: HOSTILE.node, moves: 2 }],
            topNoMatch: [{ text: HOSTILE.utterance, count: 3 }],
          },
          {
            node: 'pin\u0000\r\n13812345678',
            type: 'collect',
            calls: 1,
            sensitive: true,
            topNoMatch: [{ text: HOSTILE.secret, count: 1 }],
          },
        ],
      },
    ],
    lines: [{ line: HOSTILE.line, hours: [{ hour: 3, calls: 3, transferred: 1 }] }],
  });
}
