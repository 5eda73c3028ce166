/**
 * Runs the OSS stand-in (dev/oss-server.ts) for a try-out without an Alibaba Cloud account: fixed dummy
 * credentials, one bucket, objects in memory, until Ctrl-C. It prints the endpoint, the variables that point `npm run rules -- publish …` at it, and the
 * `npm start` line that serves the rules published there.
 */
import * as v from 'valibot';
import {
  EXIT,
  PROCESS_IO,
  type ProgramSpec,
  readCommandLine,
  refuseUsage,
  runWhenMain,
} from '../../dev/command-line';
import { OSS_STAND_IN_DEFAULTS, type OssServer, startOssServer } from '../../dev/oss-server';
import { BucketNameSchema } from '../../shared/oss/oss-schemas';
import { portOption, readPort, type ServingIo, startListening, waitUntilStopped } from './serving';

/** The port `npm run oss:local` listens on unless `--port` says otherwise; fixed, so the commands of docs/operating.md work. */
export const OSS_LOCAL_PORT = 9300;

export const PROGRAM = {
  name: 'oss:local',
  summary:
    'Runs an OSS stand-in on 127.0.0.1 (dummy credentials, one bucket, objects in memory, V4 signatures checked) for trying rules publishing without an Alibaba Cloud account, until Ctrl-C.',
  single: true,
  options: {
    port: portOption(String(OSS_LOCAL_PORT)),
    bucket: {
      type: 'string',
      value: 'NAME',
      help: `the bucket it holds (default: ${OSS_STAND_IN_DEFAULTS.bucket})`,
    },
  },
  commands: {
    'oss:local': {
      summary: 'serve the OSS stand-in',
      positionals: [0, 0],
      options: ['port', 'bucket'],
      example: '--port 9400 --bucket my-rules',
      details: `
It prints the variables that point \`npm run rules -- publish\` at it, and the npm start line that serves
the rules published there. Every object is forgotten when it stops.`,
    },
  },
} as const satisfies ProgramSpec;

/**
 * The publish the banner suggests, as docs/operating.md's walk-through writes it (test/docs/oss-walkthrough
 * runs that): `--force`, since the bank example warns while next year's holiday data is missing.
 */
export function ossLocalPublish(bucket: string): string {
  return `npm run rules -- publish examples/bank-card-service.yaml oss://${bucket}/rules.json --force`;
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
    `  ${ossLocalPublish(bucket)}`,
    '',
    '(--force: publish refuses warnings, and the example warns while its calendar has no holiday data for',
    'the coming year yet, so calls then are judged by noHolidayData; see "Trying it locally" in docs/operating.md)',
    '',
    'and serve what is published there, in the same shell:',
    '',
    `  RULES_URL=oss://${bucket}/rules.json RULES_OSS_ENDPOINT=${server.endpoint} RULES_OSS_REGION=${server.region} npm start`,
    '',
    'Ctrl-C stops it (and forgets every object).',
  ];
}

/** Serves the stand-in until stopped (Ctrl-C, or `io.stop` in a test); the exit code once closed. */
export async function main(argv: readonly string[], io: ServingIo = PROCESS_IO): Promise<number> {
  const read = readCommandLine(PROGRAM, argv, io);
  if (!read.run) return read.code;
  const port = readPort(read.line.values.port, '--port', OSS_LOCAL_PORT);
  if ('error' in port) return refuseUsage(io, PROGRAM, 'oss:local', port.error);
  const typedBucket = read.line.values.bucket;
  const bucket = v.safeParse(BucketNameSchema, typedBucket ?? OSS_STAND_IN_DEFAULTS.bucket);
  if (!bucket.success) {
    return refuseUsage(io, PROGRAM, 'oss:local', `--bucket: ${bucket.issues[0].message}; not ${typedBucket}`);
  }
  const server = await startListening(
    io,
    'oss:local',
    port.port,
    '--port N (npm run oss:local -- --port 9400)',
    () => startOssServer({ port: port.port, buckets: [bucket.output] }),
  );
  if (server === undefined) return EXIT.failed;
  io.out(`${describeOssLocal(server, bucket.output).join('\n')}\n`);
  await waitUntilStopped(io.stop);
  await server.close();
  return EXIT.ok;
}

runWhenMain(import.meta.filename, main);
