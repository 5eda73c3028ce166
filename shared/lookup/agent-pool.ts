import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupTransport } from './send-attempt';

/** A transport with its own connections, and a way to close them. */
export type AgentPool = { readonly transport: LookupTransport; readonly destroy: () => void };

/**
 * node:http and node:https with keep-alive agents: a few idle connections per origin, briefly, so that
 * the TLS handshake is paid once per instance rather than on every request. The lookup client and the
 * classifier client each keep one.
 */
export function createPool(limits: {
  readonly maxSockets: number;
  readonly maxIdle: number;
  readonly idleMs: number;
}): AgentPool {
  const options = {
    keepAlive: true,
    maxSockets: limits.maxSockets,
    maxFreeSockets: limits.maxIdle,
    // Closes an idle connection after this long; an active one only hears of it (its deadline rules).
    timeout: limits.idleMs,
    // The most recently used connection first: the least likely to have been closed by the server.
    scheduling: 'lifo',
  } as const;
  const http = new HttpAgent(options);
  const https = new HttpsAgent(options);
  return {
    transport: (url, request) =>
      url.protocol === 'http:'
        ? httpRequest(url, { ...request, agent: http })
        : httpsRequest(url, { ...request, agent: https }),
    destroy: () => {
      http.destroy();
      https.destroy();
    },
  };
}
