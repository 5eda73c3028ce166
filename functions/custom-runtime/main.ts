/**
 * `server.js` of each function's folder (built by `npm run build` beside `index.js`): the function's
 * handler behind an HTTP server, for FC's custom runtime (`node server.js` in the code folder). The
 * handler is `index.js` itself, loaded from beside this file, so both modes run the same bundle.
 */
import { join } from 'node:path';
import { type EventHandler, startCustomRuntime } from './server';

const bundle = require(join(__dirname, 'index.js')) as { handler: EventHandler; maxBodyBytes?: unknown };
// The bundle's own body limit: the server reads no more than the handler takes (64 KB for a callback).
const { maxBodyBytes } = bundle;
startCustomRuntime(bundle.handler, process.env, {
  maxBodyBytes: typeof maxBodyBytes === 'number' && maxBodyBytes > 0 ? maxBodyBytes : undefined,
});
