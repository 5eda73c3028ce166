'use strict';
/**
 * A baseline of the warm bench's lookup row (scripts/bench/warm.ts): the parse-and-log handler plus one
 * bare node:http GET to the lookup stand-in, over a kept-alive connection, its JSON answer parsed and the
 * balance said. What node's own HTTP client costs for the exchange a lookup makes, without the lookup
 * client's bounds and bookkeeping (deadlines in awake time, byte and depth limits, kept answers). Run by
 * scripts/bench/warm-child.cjs exactly as the bundles are.
 *
 *   BENCH_LOOKUP_URL (the lookup's URL), BENCH_LOOKUP_AUTHORIZATION (its header)
 */
const http = require('node:http');
const parseAndLog = require('./parse-and-log-handler.cjs');

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const url = new URL(process.env.BENCH_LOOKUP_URL ?? 'http://127.0.0.1:9/');
const headers = { accept: 'application/json', authorization: process.env.BENCH_LOOKUP_AUTHORIZATION ?? '' };

/** One GET, its body read whole and parsed. */
function getJson() {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch (error) {
            reject(error);
          }
        });
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

exports.handler = async (event) => {
  const data = await getJson();
  const reply = await parseAndLog.handler(event);
  // The constant greeting, with the balance the stand-in answered.
  return { ...reply, body: reply.body.replace('您好。', `您好，您的余额是${data.balance}元。`) };
};
