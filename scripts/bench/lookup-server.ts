/**
 * The lookup stand-in for the bench (scripts/bench/lookups.ts), in a process of its own: the bench waits
 * in `spawnSync` while it measures, so a server in its own process could not answer. Answers the bench
 * document's lookup at once, keeping no record of the requests (thousands in a run), and only with the
 * secret header the document sends. Prints one JSON line (`{"url": …}`), then serves until its stdin ends.
 *
 *   node --import tsx scripts/bench/lookup-server.ts <path> <answer, JSON> <authorization header>
 */
import { startLookupServer } from '../../dev/lookup-server';

async function main(): Promise<void> {
  const [path = '/', answer = '{}', authorization = ''] = process.argv.slice(2);
  const server = await startLookupServer({
    record: false,
    routes: { [path]: { answer: JSON.parse(answer), requireHeaders: { authorization } } },
  });
  process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    void server.stop().then(() => process.exit(0));
  });
}

void main();
