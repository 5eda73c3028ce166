/**
 * Serves the VMS API stand-in (dev/vms-api-server.ts) on 127.0.0.1 until Ctrl-C: SmartCall answered as
 * the platform answers it (signature, common parameters, ranges, flow control), failing on demand, and,
 * with a rules document and a profile of callees, each placed call played through the built `outbound`
 * function and its receipt pushed to the built `report` function, so that a campaign (`npm run call`)
 * runs end to end without an account and without calling anyone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type CampaignClock, clockStartingAt, REAL_CLOCK, readClockStart } from '../../dev/campaign-clock';
import {
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { ROOT } from '../../dev/fc-event';
import { SIMULATOR_OUTBOUND_KEY } from '../../dev/simulator/transport';
import {
  DEFAULT_LIMIT,
  type PlacedCall,
  type PlayedCall,
  startVmsApiServer,
  VMS_FAULTS,
  VMS_STAND_IN_ACCESS_KEY_ID,
  VMS_STAND_IN_ACCESS_KEY_SECRET,
  type VmsApiServer,
  type VmsApiStats,
  type VmsFault,
} from '../../dev/vms-api-server';
import { CalleeProfileSchema } from '../../dev/vms-callees';
import { SMARTCALL_API } from '../../shared/campaign/smartcall';
import { ConfigError, readOutboundSecrets } from '../../shared/config/config';
import { maskPhoneNumber } from '../../shared/log/mask';
import {
  FREE_PORT_HOW,
  portOption,
  readAnswersFile,
  readPort,
  type ServingIo,
  startListening,
  waitUntilStopped,
} from './serving';

const FAULT_HELP: Readonly<Record<VmsFault, string>> = {
  unavailable: '503 ServiceUnavailable, the call not placed',
  internal: '500 InternalError after the call was placed (the call happens)',
  hang: 'the call placed, no answer ever (until the client gives up)',
  reset: 'the call placed, the connection reset without an answer',
  refuse: 'isv.BUSINESS_LIMIT_CONTROL with HTTP 200, the call not placed',
};

const faultOption = (fault: VmsFault) =>
  ({
    type: 'string',
    value: 'P',
    help: `the probability (0 to 1) of ${FAULT_HELP[fault]}; default 0`,
  }) as const;

export const PROGRAM = {
  name: 'vms-api:stand-in',
  summary:
    "Serves a stand-in for the VMS API's SmartCall on 127.0.0.1 (signature 1.0, the common parameters, SmartCall's ranges, flow control, faults on demand) and, given rules and callees, plays each placed call through the built outbound function and pushes its receipt to the built report function, until Ctrl-C.",
  single: true,
  options: {
    port: portOption('a free one'),
    limit: {
      type: 'string',
      value: 'N',
      help: `requests taken in any sliding second; the others are Throttling.User (default: ${DEFAULT_LIMIT})`,
    },
    seed: { type: 'string', value: 'N', help: "the seed of the faults' draws (default: 1)" },
    unavailable: faultOption('unavailable'),
    internal: faultOption('internal'),
    hang: faultOption('hang'),
    reset: faultOption('reset'),
    refuse: faultOption('refuse'),
    rules: {
      type: 'string',
      value: 'FILE',
      help: 'the rules document the outbound function answers the calls with (with --callees)',
    },
    callees: {
      type: 'string',
      value: 'FILE',
      help: 'who answers the calls, and how: a profile of behaviours, YAML or JSON (with --rules)',
    },
    export: {
      type: 'string',
      value: 'DIR',
      help: 'append callbacks.jsonl, receipts.jsonl and calls.jsonl to DIR as the calls play (with --callees)',
    },
    now: {
      type: 'string',
      value: 'TIME',
      help: "start the calls' clock at TIME, with its offset (2026-03-10T10:00+08:00); it runs at real speed (default: now)",
    },
    'access-key-id': {
      type: 'string',
      value: 'ID',
      help: `the access key it accepts (default: ${VMS_STAND_IN_ACCESS_KEY_ID}, with its secret below)`,
    },
    'access-key-secret': {
      type: 'string',
      value: 'SECRET',
      help: `its secret (default: ${VMS_STAND_IN_ACCESS_KEY_SECRET}; not a secret: it is printed)`,
    },
  },
  commands: {
    'vms-api:stand-in': {
      summary: 'serve the VMS API stand-in',
      positionals: [0, 0],
      options: [
        'port',
        'limit',
        'seed',
        ...VMS_FAULTS,
        'rules',
        'callees',
        'export',
        'now',
        'access-key-id',
        'access-key-secret',
      ],
      example:
        '--rules examples/appointment-reminder.yaml --callees examples/appointment-reminder.callees.yaml --export campaign-logs --hang 0.02',
      details: `
It answers POST (a form) or GET (a query) to / as dyvmsapi.aliyuncs.com answers SmartCall
(version ${SMARTCALL_API.version}): the signature checked, the Timestamp within 15 minutes of the real clock,
each SignatureNonce taken once, SmartCall's parameters in their ranges (a bad CalledNumber or
VoiceCodeParam is refused with HTTP 200, as VMS refuses them). Its access key is printed at the start:
give it to the campaign as ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, with the
stand-in's URL as the endpoint. dev/vms-api-server.ts lists every rule it models.

With --rules and --callees, each placed call is played: the profile's behaviour for the number (drawn by
weight from a hash of the number, unless the profile names it) answers or not, says, presses and keeps
silent; the events go to dist/outbound (run npm run build first), DynamicIds opened with the first key of
OUTBOUND_SECRETS (as npm run call seals them; the simulator's key without it); once the call ends its
VoiceReport receipt goes to dist/report. The calls run on a clock at real speed: a patient who does not
answer takes a minute to be given up.

It prints one line per placed and per played call (numbers masked). Ctrl-C stops listening, waits for
the calls still playing (Ctrl-C again stops at once) and prints what it served.`,
    },
  },
} as const satisfies ProgramSpec;

/** The command's streams; a test gives it the clock the calls run on. */
export type VmsStandInIo = ServingIo & { readonly clock?: CampaignClock };

/** A probability or count as typed, or the message of a usage error. */
function readNumber(
  typed: string | undefined,
  option: string,
  kind: 'probability' | 'count' | 'seed',
): number | string | undefined {
  if (typed === undefined) return undefined;
  if (kind === 'probability') {
    const p = /^(?:0|1|0?\.\d{1,6}|1\.0{1,6})$/.test(typed) ? Number(typed) : Number.NaN;
    return Number.isNaN(p) ? `--${option} takes a probability from 0 to 1, such as 0.05; not ${typed}` : p;
  }
  const n = /^\d{1,9}$/.test(typed) ? Number(typed) : Number.NaN;
  if (Number.isNaN(n) || (kind === 'count' && n < 1))
    return `--${option} takes a whole number${kind === 'count' ? ' from 1' : ''}; not ${typed}`;
  return n;
}

export async function main(argv: readonly string[], io: VmsStandInIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values } = read.line;
  const refuse = (message: string) => refuseUsage(io, PROGRAM, 'vms-api:stand-in', message);
  const port = readPort(values.port, '--port', 0);
  if ('error' in port) return refuse(port.error);
  const limit = readNumber(values.limit, 'limit', 'count');
  const seed = readNumber(values.seed, 'seed', 'seed');
  if (typeof limit === 'string') return refuse(limit);
  if (typeof seed === 'string') return refuse(seed);
  const faults: Partial<Record<VmsFault, number>> = {};
  for (const fault of VMS_FAULTS) {
    const p = readNumber(values[fault], fault, 'probability');
    if (typeof p === 'string') return refuse(p);
    if (p !== undefined) faults[fault] = p;
  }
  const total = Object.values(faults).reduce((sum, p) => sum + p, 0);
  if (total > 1 + 1e-9) return refuse(`the faults' probabilities add up to ${total}, over 1`);
  if ((values.rules === undefined) !== (values.callees === undefined))
    return refuse(
      '--rules and --callees go together: the calls are played through the rules, by the callees',
    );
  if (values.export !== undefined && values.callees === undefined)
    return refuse('--export needs --rules and --callees: only played calls are exported');
  if ((values['access-key-id'] === undefined) !== (values['access-key-secret'] === undefined))
    return refuse('--access-key-id and --access-key-secret go together');
  const start = values.now === undefined ? undefined : readClockStart(values.now);
  if (typeof start === 'string') return refuse(start);
  const clock = io.clock ?? (start === undefined ? REAL_CLOCK : clockStartingAt(start));

  const play = values.callees === undefined ? undefined : readPlay(values, io);
  if (play === EXIT.failed) return EXIT.failed;
  const key = {
    accessKeyId: values['access-key-id'] ?? VMS_STAND_IN_ACCESS_KEY_ID,
    accessKeySecret: values['access-key-secret'] ?? VMS_STAND_IN_ACCESS_KEY_SECRET,
  };
  let server: VmsApiServer | undefined;
  try {
    server = await startListening(io, 'vms-api:stand-in', port.port, FREE_PORT_HOW, () =>
      startVmsApiServer({
        port: port.port,
        credentials: [key],
        ...(limit === undefined ? {} : { limit }),
        ...(seed === undefined ? {} : { seed }),
        faults,
        clock,
        ...(play === undefined ? {} : { play }),
        onPlaced: (call, fault) => io.out(`${describePlaced(call, fault)}\n`),
        onPlayed: (call) => io.out(`${describePlayed(call)}\n`),
      }),
    );
  } catch (error) {
    // The functions could not be loaded: a bundle is missing or older than this code.
    io.err(
      `vms-api:stand-in: cannot load the built functions (${error instanceof Error ? error.message : String(error)}): run npm run build\n`,
    );
    return EXIT.failed;
  }
  if (server === undefined) return EXIT.failed;
  io.out(
    `${describeStandIn(server, key, { limit: limit ?? DEFAULT_LIMIT, faults, playing: play !== undefined, clock: values.now }).join('\n')}\n`,
  );
  await waitUntilStopped(io.stop);
  await server.close();
  const left = server.placed.length - server.played.length;
  if (play !== undefined && left > 0) {
    io.out(`stopped listening; waiting for ${left} call(s) still playing (Ctrl-C again stops at once)\n`);
    await Promise.race([
      server.drain(),
      io.stop === undefined ? waitUntilStopped(undefined) : new Promise(() => undefined),
    ]);
  }
  io.out(`${describeStats(server.stats, play === undefined ? undefined : server.played)}\n`);
  for (const { callId, error } of server.unplayed)
    io.err(`vms-api:stand-in: call ${callId} was not played: ${error}\n`);
  return EXIT.ok;
}

/** What playing the calls needs, read from the command line and the environment; EXIT.failed once said why not. */
function readPlay(
  values: { readonly rules?: string; readonly callees?: string; readonly export?: string },
  io: VmsStandInIo,
) {
  const fail = (message: string) => {
    io.err(`vms-api:stand-in: ${message}\n`);
    return EXIT.failed;
  };
  const profile = readAnswersFile(values.callees ?? '', CalleeProfileSchema);
  if (!profile.ok)
    return fail(profile.errors.map((line) => `${values.callees}: ${line}`).join('\nvms-api:stand-in: '));
  for (const bundle of ['outbound', 'report'])
    if (!existsSync(join(ROOT, 'dist', bundle, 'index.js')))
      return fail(`no built ${bundle} function in dist/: run npm run build first`);
  let keys: string[];
  try {
    keys = readOutboundSecrets(io.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return fail(error.message);
  }
  return {
    rulesFile: values.rules as string,
    outboundKey: keys[0] ?? SIMULATOR_OUTBOUND_KEY,
    profile: profile.answers,
    ...(values.export === undefined ? {} : { exportDir: values.export }),
  };
}

/** The banner: where it listens, the key to sign with, what it does. The key is the stand-in's, printed. */
export function describeStandIn(
  server: Pick<VmsApiServer, 'url'>,
  key: { readonly accessKeyId: string; readonly accessKeySecret: string },
  settings: {
    readonly limit: number;
    readonly faults: Partial<Record<VmsFault, number>>;
    readonly playing: boolean;
    readonly clock: string | undefined;
  },
): string[] {
  const faults = Object.entries(settings.faults)
    .filter(([, p]) => p > 0)
    .map(([fault, p]) => `${fault} ${p}`);
  return [
    `VMS API stand-in on ${server.url} (SmartCall ${SMARTCALL_API.version}, at most ${settings.limit} requests a second${
      faults.length === 0 ? '' : `, faults: ${faults.join(', ')}`
    }).`,
    'Sign with its access key (the campaign reads these variables), and use its URL as the endpoint:',
    '',
    `  export ALIBABA_CLOUD_ACCESS_KEY_ID=${key.accessKeyId}`,
    `  export ALIBABA_CLOUD_ACCESS_KEY_SECRET=${key.accessKeySecret}`,
    '',
    settings.playing
      ? `Placed calls are played through dist/outbound and their receipts pushed to dist/report, on a clock${
          settings.clock === undefined ? '' : ` started at ${settings.clock}`
        } at real speed.`
      : 'Placed calls are recorded, not played (--rules and --callees play them).',
    'Ctrl-C stops it.',
  ];
}

/** One placed call: its id, OutId and number (masked), and the fault that kept its OK from the caller. */
export function describePlaced(call: PlacedCall, fault: VmsFault | undefined): string {
  const failed = fault === undefined ? '' : ` (${fault}: the caller got no OK)`;
  return `placed ${call.callId} OutId ${call.outId ?? '(none)'} to ${maskPhoneNumber(call.number)}${failed}`;
}

/** One played call: its behaviour, where it ended and whether that was expected, its length, who hung up. */
export function describePlayed(call: PlayedCall): string {
  const ended =
    call.node === undefined
      ? call.status.toLowerCase().replace('_', ' ')
      : `ended in ${call.node}${call.met === undefined ? '' : call.met ? ' (as expected)' : ' (NOT as expected)'}`;
  const problem = call.problem === undefined ? '' : `; ${call.problem}`;
  return `played ${call.callId} OutId ${call.outId ?? '(none)'} to ${call.number}: ${call.behaviour}, ${ended}, ${call.duration} s, hung up by ${call.hungUpBy}${problem}`;
}

/** The summary printed on stopping. */
export function describeStats(stats: VmsApiStats, played: readonly PlayedCall[] | undefined): string {
  const faults = Object.entries(stats.faults)
    .filter(([, count]) => count > 0)
    .map(([fault, count]) => `${fault} ${count}`);
  const lines = [
    `${stats.requests} request(s): ${stats.placed} call(s) placed, ${stats.throttled} throttled, ${stats.refused} refused, faults: ${
      faults.length === 0 ? 'none' : faults.join(', ')
    }; ${stats.duplicateOutIds} OutId(s) placed twice; at most ${stats.peakPerSecond} request(s) in a second.`,
  ];
  if (played !== undefined) {
    const unexpected = played.filter((call) => call.met === false).length;
    lines.push(
      `${played.length} call(s) played, ${played.filter((call) => call.answered).length} answered, ${unexpected} not ending where their behaviour expects.`,
    );
  }
  return lines.join('\n');
}

runWhenMain(import.meta.filename, main);
