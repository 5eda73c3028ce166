/**
 * The OSS stand-in for `scripts/bench/oss.ts`, in a process of its own: the bench waits in `spawnSync`
 * while it measures, so a server in the bench's own process could not answer. Stores the rules file
 * given as `bank.json`, and `hang-0.json` … `hang-<n-1>.json` with the same text, each of which hangs
 * every GET after its first complete one (a warm instance's refresh meets an OSS that stopped
 * answering). Prints one JSON line (endpoint, region, credentials), then `{"hung": key}` for each object
 * a refresh hangs on, and serves until its stdin ends.
 *
 *   node --import tsx scripts/bench/oss-server.ts <rules file> <n>
 */
import { readFileSync } from 'node:fs';
import { OSS_STAND_IN_DEFAULTS, startOssServer } from '../../dev/oss-server';

async function main(): Promise<void> {
  const [rulesFile = '', count = '0'] = process.argv.slice(2);
  const rules = readFileSync(rulesFile, 'utf8');
  const bucket = OSS_STAND_IN_DEFAULTS.bucket;
  const server = await startOssServer();
  server.putObject(bucket, 'bank.json', rules, 'application/json');
  for (let i = 0; i < Number(count); i++)
    server.putObject(bucket, `hang-${i}.json`, rules, 'application/json');

  const hanging = new Set<string>();
  const hung = new Set<string>();
  // Requests before `settled` were answered when last looked at: they are never looked at again.
  let settled = 0;
  const watch = setInterval(() => {
    const requests = server.requests;
    for (const request of requests.slice(settled)) {
      if (!request.key.startsWith('hang-')) continue;
      if (request.status === 200 && !hanging.has(request.key)) {
        hanging.add(request.key);
        server.setFault(bucket, request.key, { kind: 'hang' });
      } else if (request.status === 0 && hanging.has(request.key) && !hung.has(request.key)) {
        // A refresh is now hanging: the bench checks that every hanging round had one.
        hung.add(request.key);
        process.stdout.write(`${JSON.stringify({ hung: request.key })}\n`);
      }
    }
    while (settled < requests.length && (requests[settled]?.status ?? 0) !== 0) settled += 1;
  }, 5);

  process.stdout.write(
    `${JSON.stringify({
      endpoint: server.endpoint,
      region: server.region,
      bucket,
      accessKeyId: server.accessKeyId,
      accessKeySecret: server.accessKeySecret,
    })}\n`,
  );
  process.stdin.resume();
  process.stdin.on('end', () => {
    clearInterval(watch);
    void server.close().then(() => process.exit(0));
  });
}

void main();
