'use strict';
/**
 * The module scripts/bench/code-cache.ts has scripts/bench/cold-child.cjs load in place of a bundle: it
 * loads the bundle as `require` would (the same wrapper, a `require` of its own, `__dirname`), but
 * compiled by `vm.Script`, with V8's code cache when given one, and exports the bundle's `handler`.
 *
 *   BENCH_BUNDLE          the bundle's path
 *   BENCH_CODE_CACHE      a code cache to compile with (optional)
 *   BENCH_CACHE_EXPECT    `accepted` or `rejected`: what V8 must make of that cache, or the load fails
 *   BENCH_CACHE_OUT       where to write a code cache (producing runs only), made
 *   BENCH_CACHE_AFTER     `load` (right after compiling) or `reply` (after the first reply, with every
 *                         function that reply compiled)
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');

const file = process.env.BENCH_BUNDLE;
const cacheFile = process.env.BENCH_CODE_CACHE;
const out = process.env.BENCH_CACHE_OUT;
if (file === undefined) throw new Error('BENCH_BUNDLE is not set');

const script = new Script(
  `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`,
  { filename: file, cachedData: cacheFile === undefined ? undefined : readFileSync(cacheFile) },
);
if (cacheFile !== undefined) {
  const verdict = script.cachedDataRejected ? 'rejected' : 'accepted';
  if (verdict !== process.env.BENCH_CACHE_EXPECT) throw new Error(`the code cache was ${verdict}`);
}
if (out !== undefined && process.env.BENCH_CACHE_AFTER === 'load')
  writeFileSync(out, script.createCachedData());

const bundle = { exports: {} };
script.runInThisContext()(bundle.exports, createRequire(file), bundle, file, dirname(file));

exports.handler =
  out !== undefined && process.env.BENCH_CACHE_AFTER === 'reply'
    ? async (event, context) => {
        const result = await bundle.exports.handler(event, context);
        writeFileSync(out, script.createCachedData());
        return result;
      }
    : bundle.exports.handler;
