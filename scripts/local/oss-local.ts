/**
 * Runs the OSS stand-in (dev/oss-server.ts) for a try-out without an Alibaba Cloud account: fixed dummy
 * credentials, one bucket, objects in memory, until Ctrl-C.
 *
 *   npm run oss:local [-- --port 9300] [--bucket vms-rules]
 *
 * It prints the endpoint, the variables that point `npm run rules -- publish …` at it, and the
 * `npm start` line that serves the rules published there.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import { OSS_STAND_IN_DEFAULTS, type OssServer, startOssServer } from '../../dev/oss-server';
import { BucketNameSchema } from '../../shared/oss/oss-schemas';

/** The port `npm run oss:local` listens on unless `--port` says otherwise; fixed, so the README's commands work. */
export const OSS_LOCAL_PORT = 9300;

const PortSchema = v.pipe(
  v.string(),
  v.regex(/^\d{1,5}$/, 'a port is a number from 0 to 65535'),
  v.transform(Number),
  v.maxValue(65535, 'a port is a number from 0 to 65535'),
);

export type OssLocalOptions = { readonly port: number; readonly bucket: string };

/** Reads `--port` and `--bucket`; throws an Error whose message says what is wrong. */
export function parseOssLocalArgs(argv: readonly string[]): OssLocalOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { port: { type: 'string' }, bucket: { type: 'string' } },
  });
  const port = v.safeParse(PortSchema, values.port ?? String(OSS_LOCAL_PORT));
  if (!port.success) throw new Error(`--port: ${port.issues[0].message}; not ${values.port}`);
  const bucket = v.safeParse(BucketNameSchema, values.bucket ?? OSS_STAND_IN_DEFAULTS.bucket);
  if (!bucket.success) throw new Error(`--bucket: ${bucket.issues[0].message}; not ${values.bucket}`);
  return { port: port.output, bucket: bucket.output };
}

/** The banner: where the stand-in listens and the exact variables for the rules CLI. */
export function describeOssLocal(server: OssServer, bucket: string): string[] {
  const env = [
    `ALIBABA_CLOUD_ACCESS_KEY_ID=${server.accessKeyId}`,
    `ALIBABA_CLOUD_ACCESS_KEY_SECRET=${server.accessKeySecret}`,
    `ALIBABA_CLOUD_REGION=${server.region}`,
    `OSS_ENDPOINT=${server.endpoint}`,
  ];
  return [
    `OSS stand-in on ${server.endpoint} (region ${server.region}, bucket ${bucket}; objects in memory, V4 signatures checked)`,
    'Point the rules CLI at it with these variables:',
    '',
    ...env.map((line) => `  export ${line}`),
    '',
    `  npm run rules -- publish examples/bank-card-service.yaml oss://${bucket}/rules.json`,
    '',
    'and serve what is published there, in the same shell:',
    '',
    `  RULES_URL=oss://${bucket}/rules.json RULES_OSS_ENDPOINT=${server.endpoint} RULES_OSS_REGION=${server.region} npm start`,
    '',
    'Ctrl-C stops it (and forgets every object).',
  ];
}

async function run(argv: readonly string[]): Promise<number> {
  let options: OssLocalOptions;
  try {
    options = parseOssLocalArgs(argv);
  } catch (error) {
    process.stderr.write(`oss:local: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const server = await startOssServer({ port: options.port, buckets: [options.bucket] });
  process.stdout.write(`${describeOssLocal(server, options.bucket).join('\n')}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await server.close();
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const code = (error as { code?: unknown }).code;
      process.stderr.write(
        `oss:local: ${code === 'EADDRINUSE' ? 'the port is taken; choose another with --port' : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}
