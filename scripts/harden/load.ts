/**
 * A load and soak run against the local server (what `npm start` serves), on 127.0.0.1 only, bounded in
 * time and requests, stopping by itself. Virtual callers place whole calls of the embedded default hotline
 * (menus by key and by voice, silences and their retries, transfers, goodbyes), each event carrying the
 * last reply's `dynamic_id`, and every reply is checked: HTTP 200, valid for the reply schema, legal for its
 * event, for its call. The server's memory (RSS) is read every second. A constant-reply server is driven the
 * same way at the end, as the reference for the latencies.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import * as v from 'valibot';
import {
  type CommandIo,
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { SuccessReplySchema } from '../../shared/protocol/reply-schema';
import { buildPrivateDist, percentile } from '../bench/common';
import { killServers, postCallback, startServer, stopServer } from '../bench/throughput';

/** Requests in flight at most, and in all: the run is bounded whatever the machine's speed. */
const MAX_REQUESTS = 5_000_000;
const WARM_UP_S = 20;
const REFERENCE_S = 20;
/** "Flat": the RSS at the end is at most this much over the RSS after the warm-up. */
const FLAT_RATIO = 1.25;
const DEFAULTS = { minutes: 3, callers: 12 } as const;

export const PROGRAM = {
  name: 'load',
  summary:
    'Builds the bundles, then places whole calls of the default hotline against the local server (127.0.0.1) for a bounded time, checking every reply and watching its memory; then the same against a constant-reply server, as the reference for the latencies.',
  single: true,
  options: {
    minutes: {
      type: 'string',
      value: 'M',
      help: `how long the calls go on, more than 0 and at most 60 (default: ${DEFAULTS.minutes})`,
    },
    callers: {
      type: 'string',
      value: 'N',
      help: `virtual callers calling at once, 1 to 64 (default: ${DEFAULTS.callers})`,
    },
  },
  commands: {
    load: {
      summary: 'load and soak the local server',
      positionals: [0, 0],
      options: ['minutes', 'callers'],
      example: '--minutes 10 --callers 16',
      details: `
Exit 0 with no error, no invalid reply and memory (RSS) flat after the ${WARM_UP_S} s warm-up (at most
${FLAT_RATIO}x); exit 1 otherwise. The constant-reply reference takes ${REFERENCE_S} s more. Progress goes
to stderr, the figures to stdout.`,
    },
  },
} as const satisfies ProgramSpec;

type Event = { readonly type: string; readonly content: Record<string, string> };

/**
 * The calls the virtual callers place, in turn: what the caller does at each event. The default
 * hotline's menu takes speech at once and keys after the first silence.
 */
const CALLS: readonly (readonly Event[])[] = [
  [
    { type: 'callin', content: { caller: '13800138000', callee: '05923391657' } },
    { type: 'mute', content: {} },
    { type: 'dtmf', content: { dtmf_digits: '1' } },
    { type: 'normal', content: { words: '返回主菜单' } },
    { type: 'normal', content: { words: '再见' } },
    { type: 'mute', content: {} },
  ],
  [
    { type: 'callin', content: { caller: '15201030105', callee: '05923391657' } },
    { type: 'normal', content: { words: '我要转人工' } },
  ],
  [
    { type: 'callin', content: { caller: '13912345678', callee: '05923391657' } },
    { type: 'mute', content: {} },
    { type: 'mute', content: {} },
    { type: 'timebreak', content: {} },
    { type: 'mute', content: {} },
    { type: 'mute', content: {} },
    { type: 'mute', content: {} },
  ],
  [
    { type: 'callin', content: { caller: '13700137000', callee: '05923391657' } },
    { type: 'normal', content: { words: '几点营业' } },
    { type: 'dtmf', content: { dtmf_digits: '9' } },
    { type: 'mute', content: {} },
  ],
];

type Stats = { latenciesMs: number[]; requests: number; errors: string[]; invalid: number; calls: number };

/** One virtual caller: calls in turn until `until`, checking every reply. `checked` false for the reference. */
async function caller(
  index: number,
  port: number,
  until: number,
  stats: Stats,
  checked: boolean,
): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let serial = 0;
  try {
    while (Date.now() < until && stats.requests < MAX_REQUESTS) {
      const script = CALLS[(index + serial) % CALLS.length] ?? [];
      const callId = `${130301340000 + index}^${117079730000 + serial++}`;
      let dynamicId: string | undefined;
      for (const event of script) {
        const content = dynamicId === undefined ? event.content : { ...event.content, dynamic_id: dynamicId };
        const body = Buffer.from(
          new URLSearchParams({
            call_id: callId,
            content_type: event.type,
            content: JSON.stringify(content),
            timestamp: String(Date.now()),
          }).toString(),
        );
        const started = performance.now();
        let reply: { status: number; text: string };
        try {
          reply = await postCallback(agent, port, body);
        } catch (error) {
          stats.errors.push(`${event.type}: ${error instanceof Error ? error.message : String(error)}`);
          break;
        }
        stats.latenciesMs.push(performance.now() - started);
        stats.requests++;
        if (!checked) continue;
        const problem = checkReply(reply, callId, event.type);
        if (problem !== undefined) {
          stats.invalid++;
          if (stats.errors.length < 20) stats.errors.push(problem);
          break;
        }
        const data = (JSON.parse(reply.text) as { data: { action: string; dynamic_id?: string } }).data;
        dynamicId = data.dynamic_id;
        if (dynamicId === undefined) break;
      }
      stats.calls++;
    }
  } finally {
    agent.destroy();
  }
}

function checkReply(
  reply: { status: number; text: string },
  callId: string,
  type: string,
): string | undefined {
  if (reply.status !== 200) return `${type}: HTTP ${reply.status}`;
  let json: unknown;
  try {
    json = JSON.parse(reply.text);
  } catch {
    return `${type}: a reply that is not JSON`;
  }
  const parsed = v.safeParse(SuccessReplySchema, json);
  if (!parsed.success) return `${type}: an invalid reply ${reply.text.slice(0, 200)}`;
  const { data } = parsed.output;
  if (data.call_id !== callId) return `${type}: a reply for another call`;
  if (type === 'callin' ? data.action !== 'answer' && data.action !== 'hangup' : data.action === 'answer') {
    return `${type}: answered with ${data.action}`;
  }
  // A scripted call always carries the state it was given: a restart means states are not followed.
  if (
    type !== 'callin' &&
    'action_code_param' in data &&
    String(data.action_code_param).includes('刚才没有跟上')
  ) {
    return `${type}: the call restarted (the recovery prompt): its state was not followed`;
  }
  return undefined;
}

/** The resident memory of a process, MB, from /proc. */
function readRssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function describeLatency(stats: Stats): string {
  const { latenciesMs } = stats;
  return `p50 ${percentile(latenciesMs, 0.5).toFixed(2)} ms, p99 ${percentile(latenciesMs, 0.99).toFixed(2)} ms`;
}

export async function main(argv: readonly string[], io: CommandIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { minutes: typedMinutes, callers: typedCallers } = read.line.values;
  const minutes = Number(typedMinutes ?? DEFAULTS.minutes);
  const callers = Number(typedCallers ?? DEFAULTS.callers);
  if (!(minutes > 0 && minutes <= 60)) {
    return refuseUsage(
      io,
      PROGRAM,
      'load',
      `--minutes takes more than 0 and at most 60; not ${typedMinutes}`,
    );
  }
  if (!(Number.isInteger(callers) && callers >= 1 && callers <= 64)) {
    return refuseUsage(
      io,
      PROGRAM,
      'load',
      `--callers takes a whole number from 1 to 64; not ${typedCallers}`,
    );
  }
  const interrupted = () => {
    killServers();
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    return await load(minutes, callers, io);
  } finally {
    killServers();
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

async function load(minutes: number, callers: number, io: CommandIo): Promise<number> {
  io.err('load: building the bundles\n');
  const dist = await buildPrivateDist();
  const runS = Math.ceil(minutes * 60);
  const local = await startServer('local', dist, runS + 60);
  const stats: Stats = { latenciesMs: [], requests: 0, errors: [], invalid: 0, calls: 0 };
  const started = Date.now();
  const rss: { s: number; mb: number }[] = [];
  const sampler = setInterval(() => {
    const mb = readRssMb(local.child.pid);
    if (mb !== undefined) rss.push({ s: (Date.now() - started) / 1000, mb });
  }, 1000);
  const progress = setInterval(() => {
    io.err(
      `load: ${Math.round((Date.now() - started) / 1000)} s, ${stats.requests} requests, ${stats.calls} calls\n`,
    );
  }, 30_000);
  try {
    await Promise.all(
      Array.from({ length: callers }, (_, i) => caller(i, local.port, started + runS * 1000, stats, true)),
    );
  } finally {
    clearInterval(sampler);
    clearInterval(progress);
    await stopServer(local.child);
  }
  io.err(`load: ${REFERENCE_S} s against the constant-reply server\n`);
  const bare = await startServer('bare', dist, REFERENCE_S + 60);
  const reference: Stats = { latenciesMs: [], requests: 0, errors: [], invalid: 0, calls: 0 };
  try {
    const until = Date.now() + REFERENCE_S * 1000;
    await Promise.all(
      Array.from({ length: callers }, (_, i) => caller(i, bare.port, until, reference, false)),
    );
  } finally {
    await stopServer(bare.child);
  }

  const warmed = rss.find((sample) => sample.s >= WARM_UP_S);
  const afterWarmUp = warmed?.mb ?? 0;
  const peak = Math.max(...rss.map((sample) => sample.mb));
  const end = rss.at(-1)?.mb ?? 0;
  // A run shorter than the warm-up cannot say whether memory settles: it is reported, not judged.
  const flat = warmed === undefined ? undefined : end <= afterWarmUp * FLAT_RATIO;
  const verdict =
    flat === undefined
      ? `not judged: the run is shorter than the ${WARM_UP_S} s warm-up`
      : flat
        ? 'flat'
        : `NOT flat (over ${FLAT_RATIO}× after the warm-up)`;
  const seconds = (Date.now() - started) / 1000;
  const lines = [
    `load: ${runS} s of calls by ${callers} callers against the local server (127.0.0.1), then ${REFERENCE_S} s against a constant-reply server`,
    `  calls ${stats.calls}, requests ${stats.requests} (${Math.round(stats.requests / runS)}/s)`,
    `  errors ${stats.errors.length - stats.invalid}, invalid replies ${stats.invalid}${stats.errors.length > 0 ? `: ${stats.errors.slice(0, 5).join('; ')}` : ''}`,
    `  latency ${describeLatency(stats)}; constant-reply server ${describeLatency(reference)} (${reference.requests} requests)`,
    `  memory (RSS) ${rss[0]?.mb.toFixed(1) ?? '?'} MB at start, ${warmed === undefined ? '-' : afterWarmUp.toFixed(1)} MB after ${WARM_UP_S} s, peak ${peak.toFixed(1)} MB, ${end.toFixed(1)} MB at the end: ${verdict}`,
    `  ${seconds.toFixed(0)} s in all`,
  ];
  io.out(`${lines.join('\n')}\n`);
  return stats.errors.length === 0 && flat !== false ? EXIT.ok : EXIT.failed;
}

runWhenMain(import.meta.filename, main);
