/**
 * Plays the calls the VMS API stand-in (dev/vms-api-server.ts) placed, so that a campaign runs end to end
 * without an account: a callee of the profile (dev/vms-callees.ts) takes each call, its events go to the
 * `outbound` function (the built bundle, in this process, by default), and when the call ends its
 * `VoiceReport` receipt goes to the `report` function, as the platform pushes it. With an export folder,
 * what SLS would hold is written as it happens: `callbacks.jsonl` (the outbound function's log lines),
 * `receipts.jsonl` (the report function's) and `calls.jsonl` (the stand-in's own account of each call).
 *
 * The stand-in's model of a call (its own, where the platform documents nothing):
 * - not answered: it rings 30–60 s (`NO_ANSWER`, status 200003), or is busy after 1–4 s (`USER_BUSY`,
 *   200002); no callback is sent.
 * - answered: it rings 3–12 s, then SmartCall plays the opening (its VoiceCode, about
 *   {@link OPENING_MS} ms); the callee's first event follows, carrying the DynamicId SmartCall was given.
 *   Each later event follows the function's reply: the prompt's time (a character of TTS in
 *   {@link MS_PER_CHARACTER} ms, an audio file in {@link MS_PER_AUDIO} ms), then 0.8–3 s for words and keys,
 *   or the reply's `mute_time` (5 s when it sets none) for a silence. Keys pressed while no reply collects
 *   them are not heard (docs/simulator-rules.md, rule keys-armed), as on the platform.
 * - it ends when a reply hangs up or transfers (the platform ends it), when a reply is no valid one (the
 *   platform ends it), or when the callee hangs up: `{hangup: true}`, or no event left after a reply that
 *   waits for one.
 * - its receipt: `status_code` 200000 and `status_msg` 执行完成 when answered; `hangup_direction` 用户 when
 *   the callee ended the call (a busy line included), 机器 when the platform did (a hang-up or transfer
 *   reply, a call nobody answered), the two values of the VoiceReport reference page; `voice_type` asr;
 *   `start_time` empty and `duration` 0 when not answered.
 *
 * Everything is drawn from a seed and the number (the same number, the same call), and timed on the
 * stand-in's clock: a test's instant clock plays a call at once; the real one takes its real time. Calls
 * play side by side, but their callbacks and receipts go to the functions one at a time: the functions in
 * this process share one clock and one log buffer.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { maskPhoneNumber } from '../shared/log/mask';
import { type CampaignClock, instantClock } from './campaign-clock';
import { buildFcEvent, type FcHandler, loadHostedHandler } from './fc-event';
import { seededRandom, seedOf } from './seeded-random';
import { type CallerAction, SimulatedCall, type TurnOutcome } from './simulator/call';
import {
  type CallTransport,
  createInProcessTransport,
  parseLogLines,
  SIMULATOR_OUTBOUND_KEY,
} from './simulator/transport';
import {
  type CalleeBehaviour,
  type CalleeEvent,
  type CalleeProfile,
  chooseBehaviour,
  expectedNodes,
} from './vms-callees';

/** A call SmartCall placed, as the stand-in keeps it (the number whole, in memory only). */
export type PlacedCall = {
  readonly callId: string;
  readonly outId: string | undefined;
  readonly dynamicId: string | undefined;
  readonly number: string;
  readonly showNumber: string;
  readonly voiceCode: string;
  readonly voiceCodeParam: string | undefined;
  /** When it was placed, on the stand-in's clock (epoch ms). */
  readonly at: number;
};

/** How placed calls are played. */
export type PlayOptions = {
  /** The rules document the `outbound` function answers with (none: the embedded default). */
  readonly rulesFile?: string;
  /** The key the campaign seals DynamicIds under (its OUTBOUND_SECRETS' first); the simulator's by default. */
  readonly outboundKey?: string;
  readonly profile: CalleeProfile;
  /** A folder to append `callbacks.jsonl`, `receipts.jsonl` and `calls.jsonl` to, as they happen. */
  readonly exportDir?: string;
  /** Where the callbacks go; the built bundles in this process by default. */
  readonly transport?: CallTransport;
  /**
   * Play each call on a clock of its own, starting when it was placed and moving at once (a test's): the
   * calls' pauses then never move the stand-in's clock, which the campaign shares, while a request of the
   * campaign is on its way. Without it, calls are played on the stand-in's clock (real time by default).
   */
  readonly callClocks?: boolean;
};

/** Who ended a call, in the stand-in's words (the receipt's `hangup_direction` in the platform's). */
export type HungUpBy = 'callee' | 'platform';

/** How a call went, as `calls.jsonl` records it: the number masked. */
export type PlayedCall = {
  readonly outId: string | undefined;
  readonly callId: string;
  /** The called number, masked. */
  readonly number: string;
  readonly behaviour: string;
  readonly answered: boolean;
  /** The receipt's `smart_status_code`. */
  readonly status: 'ANSWERED' | 'NO_ANSWER' | 'USER_BUSY';
  readonly expect: CalleeBehaviour['expect'];
  /**
   * The node and flow the call ended in, by the last callback's log line (the node a goodbye was said in,
   * when the last reply hung up after it); the last reply's action.
   */
  readonly node: string | undefined;
  readonly flow: string | undefined;
  readonly action: string | undefined;
  /** Whether `node` is one the behaviour expects; undefined when it expects none. */
  readonly met: boolean | undefined;
  readonly hungUpBy: HungUpBy;
  /** Callbacks sent, and keys pressed that no reply was collecting (not sent). */
  readonly events: number;
  readonly notHeard: number;
  readonly placedAt: string;
  readonly startedAt: string | undefined;
  readonly endedAt: string;
  /** Seconds answered. */
  readonly duration: number;
  /** The report function's HTTP status for the receipt. */
  readonly receipt: number;
  /** What went wrong with a reply, when one did. */
  readonly problem?: string;
};

/** The opening SmartCall plays before the callee's first event (its VoiceCode), ms. */
export const OPENING_MS = 6000;
/** TTS speaks about four and a half Chinese characters a second. */
export const MS_PER_CHARACTER = 220;
export const MS_PER_AUDIO = 3000;
/** The platform's silence before `mute` when a reply sets no `mute_time`, ms. */
const DEFAULT_MUTE_MS = 5000;

const RECEIPT_STATUS = {
  ANSWERED: { code: '200000', message: '执行完成' },
  USER_BUSY: { code: '200002', message: '用户占线' },
  NO_ANSWER: { code: '200003', message: '用户收到呼叫但未接听' },
} as const;
/** `hangup_direction` as the VoiceReport reference page lists its values. */
export const HANGUP_DIRECTION: Readonly<Record<HungUpBy, string>> = { callee: '用户', platform: '机器' };

export type CallPlayer = {
  /**
   * Plays one placed call to its end and pushes its receipt; rejects only when a function cannot be run
   * or the export folder cannot be written.
   */
  readonly play: (call: PlacedCall) => Promise<PlayedCall>;
};

/**
 * A player of placed calls on `clock`: the functions loaded (the built bundles: `npm run build` first),
 * the export folder made.
 */
export async function createCallPlayer(options: PlayOptions, clock: CampaignClock): Promise<CallPlayer> {
  const transport =
    options.transport ??
    (await createInProcessTransport(
      options.rulesFile,
      undefined,
      undefined,
      options.outboundKey ?? SIMULATOR_OUTBOUND_KEY,
    ));
  let reportClock = 0;
  let reportLines: string[] = [];
  const report = loadHostedHandler('report', {
    now: () => reportClock,
    writeLog: (line) => {
      reportLines.push(line);
    },
  });
  const exportTo = options.exportDir === undefined ? undefined : openExport(options.exportDir);
  const serial = createQueue();

  const playOne = async (placed: PlacedCall): Promise<PlayedCall> => {
    const scrub = (line: string) => line.replaceAll(placed.number, maskPhoneNumber(placed.number));
    // One call's callbacks: each sent alone, its log lines exported as they come.
    const queued: CallTransport = {
      ...transport,
      send: (fn, params, at) =>
        serial(async () => {
          const delivery = await transport.send(fn, params, at);
          exportTo?.(
            'callbacks',
            delivery.logs.map((line) => scrub(JSON.stringify(line))),
          );
          return delivery;
        }),
    };
    const behaviour = chooseBehaviour(options.profile, placed.number);
    const talk = await converse(
      placed,
      behaviour,
      queued,
      options.callClocks === true ? instantClock(placed.at) : clock,
      seedOf(options.profile.seed, placed.number, placed.outId ?? placed.callId),
    );
    const record = receiptOf(placed, talk);
    const receipt = await serial(async () => {
      reportClock = talk.endedAt;
      reportLines = [];
      const result = await runReport(report, record, talk.endedAt);
      exportTo?.(
        'receipts',
        parseLogLines(reportLines).map((line) => scrub(JSON.stringify(line))),
      );
      return result;
    });
    const nodes = expectedNodes(behaviour);
    // A hang-up after a goodbye leaves the node it was said in (the log's nodeBefore).
    const node = talk.last?.log?.node ?? talk.last?.log?.nodeBefore;
    const played: PlayedCall = {
      outId: placed.outId,
      callId: placed.callId,
      number: maskPhoneNumber(placed.number),
      behaviour: behaviour.name,
      answered: talk.status === 'ANSWERED',
      status: talk.status,
      expect: behaviour.expect,
      node,
      flow: talk.last?.log?.flow ?? talk.last?.log?.flowBefore,
      action: talk.last?.action,
      met: nodes.length === 0 ? undefined : node !== undefined && nodes.includes(node),
      hungUpBy: talk.hungUpBy,
      events: talk.events,
      notHeard: talk.notHeard,
      placedAt: new Date(placed.at).toISOString(),
      startedAt: talk.startedAt === undefined ? undefined : new Date(talk.startedAt).toISOString(),
      endedAt: new Date(talk.endedAt).toISOString(),
      duration: durationOf(talk),
      receipt,
      ...(talk.problem === undefined ? {} : { problem: talk.problem }),
    };
    exportTo?.('calls', [scrub(JSON.stringify(played))]);
    return played;
  };
  return { play: playOne };
}

/** How a call went between the platform, the callee and the function. */
type Talk = {
  readonly status: PlayedCall['status'];
  readonly startedAt: number | undefined;
  readonly endedAt: number;
  readonly hungUpBy: HungUpBy;
  readonly last: TurnOutcome | undefined;
  readonly events: number;
  readonly notHeard: number;
  readonly problem?: string | undefined;
};

/** The callee's behaviour played against the function, timed on `clock`. */
async function converse(
  placed: PlacedCall,
  behaviour: CalleeBehaviour,
  transport: CallTransport,
  clock: CampaignClock,
  seed: number,
): Promise<Talk> {
  const random = seededRandom(seed);
  const between = (min: number, max: number) => Math.round(min + random() * (max - min));
  if (!behaviour.answer) {
    const busy = behaviour.busy === true;
    await clock.sleep(busy ? between(1000, 4000) : between(30_000, 60_000));
    return {
      status: busy ? 'USER_BUSY' : 'NO_ANSWER',
      startedAt: undefined,
      endedAt: clock.now(),
      hungUpBy: busy ? 'callee' : 'platform',
      last: undefined,
      events: 0,
      notHeard: 0,
    };
  }
  await clock.sleep(between(3000, 12_000));
  const startedAt = clock.now();
  const call = new SimulatedCall(transport, 'outbound', placed.callId, placed.dynamicId);
  // What the callee hears before acting: SmartCall's opening, then each reply's prompt.
  let heardMs = OPENING_MS;
  let muteMs = DEFAULT_MUTE_MS;
  let last: TurnOutcome | undefined;
  let notHeard = 0;
  const ended = (hungUpBy: HungUpBy, problem?: string): Talk => ({
    status: 'ANSWERED',
    startedAt,
    endedAt: clock.now(),
    hungUpBy,
    last,
    events: call.outcomes.length,
    notHeard,
    problem,
  });
  for (const event of behaviour.events) {
    const action = actionOf(event);
    if (action === undefined) {
      await clock.sleep(between(500, Math.max(500, 0.8 * heardMs)));
      return ended('callee');
    }
    await clock.sleep(heardMs + (action.kind === 'silence' ? muteMs : between(800, 3000)));
    const refusal = call.refuse(action, 'replay');
    const sent =
      refusal === undefined
        ? action
        : refusal.delivered
          ? { kind: 'keys' as const, keys: refusal.delivered }
          : undefined;
    if (sent === undefined) {
      // Keys nobody collects: the platform sends nothing, and the callee goes on.
      notHeard += 1;
      heardMs = 0;
      continue;
    }
    last = await call.act(sent, clock.now());
    if (last.problem !== undefined) return ended('platform', last.problem);
    heardMs = MS_PER_CHARACTER * last.texts.join('').length + MS_PER_AUDIO * last.audio.length;
    muteMs = last.muteTimeMs ?? muteMs;
    if (call.ended || last.action === 'parallel_transfer') {
      await clock.sleep(heardMs);
      return ended('platform');
    }
  }
  // No event left after a reply that waits for one: the callee hangs up once it has been heard.
  await clock.sleep(heardMs + between(500, 2000));
  return ended('callee');
}

/** The caller's action of a callee's event; undefined for a hang-up (no callback). */
function actionOf(event: CalleeEvent): CallerAction | undefined {
  if (event.say !== undefined) return { kind: 'say', words: event.say };
  if (event.press !== undefined) return { kind: 'keys', keys: event.press };
  if (event.silent === true) return { kind: 'silence' };
  return undefined;
}

/** Whole seconds from answer to end; 0 for a call not answered. */
function durationOf(talk: Pick<Talk, 'startedAt' | 'endedAt'>): number {
  return talk.startedAt === undefined ? 0 : Math.max(0, Math.round((talk.endedAt - talk.startedAt) / 1000));
}

/** `YYYY-MM-DD HH:mm:ss` in Asia/Shanghai (UTC+8 all year), as receipts write times. */
export function shanghaiTime(ms: number): string {
  return new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** The `VoiceReport` record the platform pushes once the call has ended (field names of the real one). */
export function receiptOf(
  placed: PlacedCall,
  talk: Pick<Talk, 'status' | 'startedAt' | 'endedAt' | 'hungUpBy'>,
) {
  const status = RECEIPT_STATUS[talk.status];
  return {
    call_id: placed.callId,
    ...(placed.outId === undefined ? {} : { out_id: placed.outId }),
    caller: placed.showNumber,
    callee: placed.number,
    start_time: talk.startedAt === undefined ? '' : shanghaiTime(talk.startedAt),
    end_time: shanghaiTime(talk.endedAt),
    duration: String(durationOf(talk)),
    status_code: status.code,
    smart_status_code: talk.status,
    status_msg: status.message,
    hangup_direction: HANGUP_DIRECTION[talk.hungUpBy],
    voice_type: 'asr',
  };
}

/** POSTs one record to the report function, as a one-record JSON array; its HTTP status. */
async function runReport(report: FcHandler, record: Record<string, string>, at: number): Promise<number> {
  const result = await report(
    buildFcEvent({
      method: 'POST',
      path: '/report',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([record]),
      time: new Date(at),
    }),
  );
  return result.statusCode;
}

type ExportFile = 'callbacks' | 'receipts' | 'calls';

/** A writer of the export folder's files, each line appended as it comes. */
function openExport(dir: string): (file: ExportFile, lines: readonly string[]) => void {
  mkdirSync(dir, { recursive: true });
  return (file, lines) => {
    if (lines.length > 0)
      appendFileSync(join(dir, `${file}.jsonl`), lines.map((line) => `${line}\n`).join(''));
  };
}

/** Runs tasks one at a time, in the order given. */
function createQueue(): <T>(task: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}
