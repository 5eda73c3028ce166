/**
 * Serves the FC 3.0 API stand-in (dev/fc-api-server.ts) on 127.0.0.1 with the built bundles as the
 * deployed functions, so that `npm run deploy:verify` can be tried with no cloud account:
 *
 *   npm run build && npm run fc-api:stand-in      prints the variables to give deploy:verify, then serves
 *
 * The functions are named as s.yaml names them (`$FUNCTION_PREFIX-<name>`, `vms-callflow-<name>` by
 * default) and run with the function variables of this shell (CALLBACK_SECRETS, STATE_SECRETS, RULES…),
 * as `s deploy` would have deployed them. PORT picks the port (default: a free one). Ctrl-C stops it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startFcApiStandIn } from '../../dev/fc-api-server';
import { ROOT } from '../../dev/fc-event';
import { EnvSchema } from '../../shared/config/config';
import { findFunctionNames } from '../build/build';

/** The stand-in's credentials: dummies, printed for the shell that runs deploy:verify. */
const CREDENTIALS = {
  ALIBABA_CLOUD_ACCOUNT_ID: '1234567890123456',
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'stand-in-key-id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'stand-in-key-secret',
};

async function serve(): Promise<void> {
  const names = findFunctionNames().filter((name) => existsSync(join(ROOT, 'dist', name, 'index.js')));
  if (names.length === 0) {
    process.stderr.write('fc-api stand-in: no built functions in dist/: run `npm run build` first\n');
    process.exitCode = 1;
    return;
  }
  const prefix = process.env.FUNCTION_PREFIX || 'vms-callflow';
  const environment = Object.fromEntries(
    Object.keys(EnvSchema.entries).flatMap((key) => {
      const value = process.env[key];
      return value === undefined ? [] : [[key, value]];
    }),
  );
  const port = process.env.PORT === undefined ? 0 : Number(process.env.PORT);
  const standIn = await startFcApiStandIn({
    accountId: CREDENTIALS.ALIBABA_CLOUD_ACCOUNT_ID,
    accessKeys: { [CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_ID]: CREDENTIALS.ALIBABA_CLOUD_ACCESS_KEY_SECRET },
    functions: names.map((name) => ({ name: `${prefix}-${name}`, bundle: name })),
    region: process.env.REGION || 'cn-hangzhou',
    environment,
    ...(Number.isInteger(port) && port > 0 ? { port } : {}),
  });
  const exports = Object.entries({ ...CREDENTIALS, FC_CLIENT_CUSTOM_ENDPOINT: standIn.endpoint })
    .map(([key, value]) => `export ${key}=${value}`)
    .join('\n');
  process.stdout.write(
    `FC 3.0 API stand-in on ${standIn.endpoint}, serving ${names.map((name) => `${prefix}-${name}`).join(', ')}\n` +
      `In another shell (with the same CALLBACK_SECRETS), then \`npm run deploy:verify\`:\n\n${exports}\n\n`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void standIn.close().then(() => process.exit(0));
    });
  }
}

void serve();
