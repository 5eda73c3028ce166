/**
 * Seals a SmartCall `DynamicId` that starts an outbound call in a flow with values of its own
 * (shared/state/outbound-id.ts), under `OUTBOUND_SECRETS` from the environment, and with `--open` shows
 * what one holds. For the system that places outbound calls, and for whoever debugs one.
 *
 *   npm run outbound-id -- --flow remind --var time=10:30 --var doctor=王医生 --expires 2h --rules rules.yaml
 *   npm run outbound-id -- --open o1.…
 *
 * The DynamicId alone goes to stdout (or `-o FILE`); its size against the bounds goes to stderr. No key is
 * ever printed. Exit codes: 0 sealed or opened, 1 refused (no keys, too big, not opened), 2 bad command line.
 */
import {
  type CommandIo,
  EXIT,
  outputOption,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  readNameValues,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { ConfigError, readOutboundSecrets } from '../../shared/config/config';
import { compileRules } from '../../shared/rules/compile-rules';
import { mayStartOutbound, refuseOutboundValue } from '../../shared/rules/outbound-start';
import { readExpiry } from '../../shared/state/outbound-expiry';
import {
  MAX_OUTBOUND_ID_CHARS,
  MAX_OUTBOUND_VARS_BYTES,
  measureOutboundId,
  type OutboundIdContent,
  openOutboundId,
  sealOutboundId,
} from '../../shared/state/outbound-id';
import { readFile, writeResult } from '../rules/rules-files';

/** How long a DynamicId is accepted when `--expires` is not given: a day of retries and queued calls. */
const DEFAULT_LIFETIME_S = 24 * 3600;

export const PROGRAM = {
  name: 'outbound-id',
  summary:
    'Seals a SmartCall DynamicId that starts an outbound call in a flow with values (under OUTBOUND_SECRETS), or shows what one holds.',
  single: true,
  options: {
    flow: { type: 'string', value: 'NAME', help: 'the flow the call starts (one outbound.flows allows)' },
    var: {
      type: 'string',
      multiple: true,
      value: 'NAME=VALUE',
      help: 'a value the flow reads as {{vars.NAME}}, declared under outbound.vars; repeat for more (at most 8, each ≤ 64 characters)',
    },
    expires: {
      type: 'string',
      value: 'WHEN',
      help: 'a lifetime (90s, 30m, 2h, 7d) or a time with its offset (2026-11-23T18:00+08:00); default 24h, at most 31d',
    },
    rules: {
      type: 'string',
      value: 'FILE',
      help: 'refuse to seal what these rules would not obey: a flow outbound.flows does not allow, a value outbound.vars does not declare or that is over its maxBytes',
    },
    open: {
      type: 'string',
      value: 'TEXT',
      help: 'show what a sealed DynamicId holds (as JSON) instead of sealing one',
    },
    output: outputOption('the DynamicId (or what it holds)'),
  },
  commands: {
    'outbound-id': {
      summary: 'seal a DynamicId, or open one',
      positionals: [0, 0],
      options: ['flow', 'var', 'expires', 'rules', 'open', 'output'],
      example:
        '--flow remind --var time=10:30 --var doctor=王医生 --expires 2h --rules examples/appointment-reminder.yaml',
      details: `
OUTBOUND_SECRETS is read from the environment: the outbound function's keys, comma-separated; the first
seals, all open. The DynamicId is bound to no call and no number (none exists when SmartCall is asked), so
until it expires it starts the same flow with the same values on any outbound call that carries it. It
must fit in ${MAX_OUTBOUND_ID_CHARS} characters, and its values in ${MAX_OUTBOUND_VARS_BYTES} bytes of JSON (the call's state carries them):
a flow and two short values take about 120 characters.`,
    },
  },
} as const satisfies ProgramSpec;

/** The command's streams, and what it reads of the outside world (`process.env` and the clock by default). */
export type OutboundIdIo = CommandIo & {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
};

export function main(argv: readonly string[], io: OutboundIdIo = PROCESS_IO): number {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const { values } = read.line;
  const refuse = (message: string) => refuseUsage(io, PROGRAM, 'outbound-id', message);
  if (
    values.open !== undefined &&
    (values.flow !== undefined || values.var !== undefined || values.expires !== undefined)
  )
    return refuse('--open goes alone: it shows what a DynamicId holds');
  if (values.open === undefined && values.flow === undefined)
    return refuse('needs --flow NAME (or --open TEXT)');

  let keys: string[];
  try {
    keys = readOutboundSecrets(io.env ?? process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.err(`outbound-id: ${error.message}\n`);
    return EXIT.failed;
  }
  const [sealingKey, ...otherKeys] = keys;
  if (sealingKey === undefined) {
    io.err(
      'outbound-id: OUTBOUND_SECRETS is not set: set it to the keys of the outbound function ' +
        '(comma-separated, each ≥ 16 characters of A–Z a–z 0–9 . _ ~ -; the first seals)\n',
    );
    return EXIT.failed;
  }
  const nowMs = (io.now ?? Date.now)();

  if (values.open !== undefined) {
    const opened = openOutboundId(values.open, keys, nowMs);
    if (opened.kind === 'invalid') {
      io.err(`outbound-id: the DynamicId is ${opened.reason}${describeRefusal(opened.reason)}\n`);
      return EXIT.failed;
    }
    const { flow, vars, expiresAtS } = opened;
    const shown = { flow, vars, expiresAt: new Date(expiresAtS * 1000).toISOString() };
    return writeResult(io, `${JSON.stringify(shown, null, 2)}\n`, values.output);
  }

  const vars = readNameValues('--var', values.var ?? []);
  if (typeof vars === 'string') return refuse(vars);
  const expiresAtS = readExpiry(values.expires, nowMs, DEFAULT_LIFETIME_S);
  if (typeof expiresAtS === 'string') return refuse(expiresAtS);
  const content: OutboundIdContent = { flow: values.flow ?? '', vars, expiresAtS };
  if (values.rules !== undefined) {
    const refused = refuseByRules(values.rules, content);
    if (refused !== undefined) {
      io.err(`outbound-id: ${refused}\n`);
      return EXIT.failed;
    }
  }
  let sealed: string;
  try {
    sealed = sealOutboundId(content, [sealingKey, ...otherKeys]);
  } catch (error) {
    io.err(`outbound-id: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failed;
  }
  const size = measureOutboundId(content);
  io.err(
    `${size.chars} of ${MAX_OUTBOUND_ID_CHARS} characters, values ${size.varsBytes} of ${MAX_OUTBOUND_VARS_BYTES} bytes; ` +
      `expires ${new Date(expiresAtS * 1000).toISOString()}\n`,
  );
  return writeResult(io, `${sealed}\n`, values.output);
}

/** Why `rulesFile` would not obey `content` (a flow it may not start, a value it drops), if it would not. */
function refuseByRules(rulesFile: string, content: OutboundIdContent): string | undefined {
  const read = readFile(rulesFile);
  const compiled = read.ok ? compileRules(read.document) : read;
  if (!compiled.ok) return `${rulesFile} is not a valid rules document (npm run rules -- check ${rulesFile})`;
  const { rules } = compiled.compiled;
  if (!mayStartOutbound(rules, content.flow))
    return `${rulesFile} does not let a DynamicId start flow ${content.flow} (see outbound.flows)`;
  for (const [name, value] of Object.entries(content.vars)) {
    const refused = refuseOutboundValue(rules, name, value);
    if (refused !== undefined) return `${rulesFile} would drop a value: ${refused}`;
  }
  return undefined;
}

function describeRefusal(reason: 'malformed' | 'tampered' | 'expired'): string {
  switch (reason) {
    case 'malformed':
      return ': not a sealed DynamicId (o1.…), or cut short';
    case 'tampered':
      return ': changed, or sealed under a key OUTBOUND_SECRETS does not list';
    case 'expired':
      return ' (a sealed DynamicId past its expiry is refused)';
  }
}

runWhenMain(import.meta.filename, (argv, io) => main(argv, io));
