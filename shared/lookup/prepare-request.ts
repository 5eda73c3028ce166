/**
 * A lookup request made ready to send, or refused before anything leaves the instance: the URL's scheme
 * and host, the header values with their environment variables read, the body's bytes. Pure but for the
 * `env` reader it is given, so every refusal is tested without a network.
 */

import { CLIENT_SET_HEADERS } from '../protocol/client-headers';
import { type HeaderPart, LOOKUP_ENV_PREFIX, type LookupRequest } from './lookup-types';

/** What the client sends: a URL it may reach, the headers to the byte, the body for a POST. */
export type PreparedRequest = {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | undefined;
};

/** Hosts a plain `http:` lookup may reach: this machine only (the stand-in, a sidecar). */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether a URL's host (`new URL(…).hostname`) is this machine: the only one plain `http:` may reach. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname);
}

/** Headers the client sets itself (see CLIENT_SET_HEADERS): a request naming one is refused. */
const CLIENT_HEADERS: ReadonlySet<string> = new Set(CLIENT_SET_HEADERS);

/** An HTTP token (RFC 9110), which is what node accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** What node accepts in a header value: no CR, LF or NUL (no header injection), nothing beyond Latin-1. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Prepares `request`: `https:` anywhere, plain `http:` only to a loopback host, no credentials in the URL
 * (secrets travel in headers, from the environment). Each `{env}` part must name a set variable starting
 * with `envPrefix` ({@link LOOKUP_ENV_PREFIX}, or the classifier's `LLM_`); `env` is never asked for any
 * other name. The client's own headers
 * come first (`accept`, `user-agent`, which a request may replace) and last (no compression, the body's
 * type and length, which it may not). Undefined when it cannot be sent (`unsendable`): no reason is
 * given, so no value of a header can leak through one.
 */
export function prepareRequest(
  request: LookupRequest,
  env: (name: string) => string | undefined,
  envPrefix: string = LOOKUP_ENV_PREFIX,
): PreparedRequest | undefined {
  const url = readUrl(request.url);
  if (url === undefined) return undefined;
  if (request.method !== 'GET' && request.method !== 'POST') return undefined;
  if (!(request.timeoutMs > 0 && Number.isFinite(request.timeoutMs))) return undefined;
  if (!(Number.isInteger(request.maxBytes) && request.maxBytes >= 0)) return undefined;
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'vms-callflow' };
  const named = new Set<string>();
  for (const [name, parts] of request.headers) {
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name) || CLIENT_HEADERS.has(lower) || named.has(lower)) return undefined;
    const value = joinParts(parts, env, envPrefix);
    if (value === undefined || !HEADER_VALUE.test(value)) return undefined;
    named.add(lower);
    headers[lower] = value;
  }
  headers['accept-encoding'] = 'identity';
  const body = request.method === 'POST' ? Buffer.from(request.body ?? '', 'utf8') : undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  }
  return { url, method: request.method, headers, body };
}

/** The URL when the client may reach it, else undefined. */
function readUrl(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '') return undefined;
  if (url.protocol === 'https:') return url;
  return url.protocol === 'http:' && isLoopbackHost(url.hostname) ? url : undefined;
}

/** A header value from its parts, or undefined when a variable it names is not one it may read, or unset. */
function joinParts(
  parts: readonly HeaderPart[],
  env: (name: string) => string | undefined,
  envPrefix: string,
): string | undefined {
  let value = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      value += part;
      continue;
    }
    if (!part.env.startsWith(envPrefix) || part.env.length === envPrefix.length) {
      return undefined;
    }
    // Empty counts as unset, as for every variable the functions read (s.yaml writes '' for "none").
    const read = env(part.env);
    if (read === undefined || read === '') return undefined;
    value += read;
  }
  return value;
}

/** What makes two requests the same lookup: an attempt in flight for one answers the other. */
export function fingerprintOf(request: LookupRequest): string {
  return `${request.method} ${request.url}\n${request.method === 'POST' ? (request.body ?? '') : ''}`;
}
