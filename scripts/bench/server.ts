/**
 * Child process of `npm run bench`: serves on 127.0.0.1 (a free port) either the local FC server over the
 * built bundles (`local`, exactly what `npm start` runs) or a bare `node:http` server answering a constant
 * JSON (`bare`, the baseline). It reports its port to the parent over IPC, because its stdout, where the
 * handlers log, is /dev/null.
 *
 *   node --import tsx scripts/bench/server.ts local|bare <dist folder> [lifetime, s]   (by bench-throughput.ts)
 */
import { createServer, type Server } from 'node:http';
import { createLocalServer, loadBuiltHandlers } from '../local/serve';

/** A constant reply of the same envelope as a real one, so the baseline writes a JSON body too. */
const BARE_REPLY = JSON.stringify({ result: 'success', msg: '成功', code: 200, data: {} });
/**
 * A bench run lasts well under two minutes (a load run says how long it needs, in seconds); a server that
 * outlives it is a leak, so it ends itself.
 */
const DEFAULT_LIFETIME_MS = 90_000;

/** The baseline: reads the request body, as any callback server must, and answers a constant JSON. */
function createBareServer(): Server {
  return createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8' }).end(BARE_REPLY);
    });
  });
}

const [mode, distDir, lifetimeS] = process.argv.slice(2);
const lifetimeMs = lifetimeS === undefined ? DEFAULT_LIFETIME_MS : Math.min(Number(lifetimeS), 3600) * 1000;
const send = process.send?.bind(process);
if ((mode !== 'local' && mode !== 'bare') || distDir === undefined) {
  console.error('usage: node --import tsx scripts/bench/server.ts local|bare <dist folder>');
  process.exit(2);
}
if (send === undefined) {
  console.error('bench-server reports its port over IPC: it is started by scripts/bench/throughput.ts');
  process.exit(2);
}

const server = mode === 'bare' ? createBareServer() : createLocalServer(loadBuiltHandlers(distDir));
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  send({ type: 'listening', port });
});
// The parent going away (even killed) closes the IPC channel: never outlive it.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(0), lifetimeMs).unref();
