/**
 * Serves the FC 3.0 API stand-in (dev/fc-api-server.ts) on 127.0.0.1 with the built bundles as the
 * deployed functions, so that `npm run deploy:verify` can be tried with no cloud account. The functions
 * are named as s.yaml names them (`$FUNCTION_PREFIX-<name>`, `vms-callflow-<name>` by default) and run
 * with the function variables of this shell (CALLBACK_SECRETS, STATE_SECRETS, RULES…), as `s deploy`
 * would have deployed them.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { startFcApiStandIn } from '../../dev/fc-api-server';
import { pickFunctionEnvironment, ROOT } from '../../dev/fc-event';
import { findFunctionNames } from '../build/build';
import { portOption, readPort, type ServingIo, startListening, waitUntilStopped } from './serving';

export const PROGRAM = {
  name: 'fc-api:stand-in',
  summary:
    'Serves a stand-in for the FC 3.0 API on 127.0.0.1 that checks request signatures and runs the built bundles as the deployed functions, for trying npm run deploy:verify without a cloud account, until Ctrl-C.',
  single: true,
  options: { port: portOption('PORT, else a free one') },
  commands: {
    'fc-api:stand-in': {
      summary: 'serve the FC 3.0 API stand-in',
      positionals: [0, 0],
      options: ['port'],
      example: '--port 9400',
      details: `
It serves what dist/ holds (npm run build first). The functions are named $FUNCTION_PREFIX-<name>
(vms-callflow-<name> by default) in REGION (cn-hangzhou), and run with this shell's function variables
(CALLBACK_SECRETS, STATE_SECRETS, RULES...). It prints the export lines to paste in the shell that runs
npm run deploy:verify (with the same CALLBACK_SECRETS).`,
    },
  },
} as const satisfies ProgramSpec;

/** The stand-in's credentials: dummies, printed for the shell that runs deploy:verify. */
const CREDENTIALS = {
  ALIBABA_CLOUD_ACCOUNT_ID: '1234567890123456',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'stand-in-key-id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'stand-in-key-secret',
};

/** Serves the stand-in until stopped (Ctrl-C, or `io.stop` in a test); the exit code once closed. */
export async function main(argv: readonly string[], io: ServingIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const env = io.env ?? process.env;
  const typed = read.line.values.port;
  const port = readPort(typed ?? env.PORT, typed === undefined ? 'PORT' : '--port', 0);
  if ('error' in port) return refuseUsage(io, PROGRAM, 'fc-api:stand-in', port.error);
  const names = findFunctionNames().filter((name) => existsSync(join(ROOT, 'dist', name, 'index.js')));
  if (names.length === 0) {
    io.err('fc-api:stand-in: no built functions in dist/: run npm run build first\n');
    return EXIT.failed;
  }
  const prefix = env.FUNCTION_PREFIX || 'vms-callflow';
  const environment = pickFunctionEnvironment(env);
  const standIn = await startListening(
    io,
    'fc-api:stand-in',
    port.port,
    '--port N or PORT=N, or leave both unset for a free port',
    () =>
      startFcApiStandIn({
        accountId: CREDENTIALS.ALIBABA_CLOUD_ACCOUNT_ID,
        accessKeys: {
          [CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID]: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
        },
        functions: names.map((name) => ({ name: `${prefix}-${name}`, bundle: name })),
        region: env.REGION || 'cn-hangzhou',
        environment,
        ...(port.port === 0 ? {} : { port: port.port }),
      }),
  );
  if (standIn === undefined) return EXIT.failed;
  const exports = Object.entries({ ...CREDENTIALS, FC_CLIENT_CUSTOM_ENDPOINT: standIn.endpoint })
    .map(([key, value]) => `export ${key}=${value}`)
    .join('\n');
  io.out(
    `FC 3.0 API stand-in on ${standIn.endpoint}, serving ${names.map((name) => `${prefix}-${name}`).join(', ')}\n` +
      `In another shell (with the same CALLBACK_SECRETS), then \`npm run deploy:verify\`:\n\n${exports}\n\n` +
      'Ctrl-C stops it.\n',
  );
  await waitUntilStopped(io.stop);
  await standIn.close();
  return EXIT.ok;
}

runWhenMain(import.meta.filename, main);
