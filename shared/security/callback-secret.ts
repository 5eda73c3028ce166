import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpRequest } from '../protocol/http';

/**
 * The secret a request presents: the last path segment (`/inbound/<secret>`) unless that segment is
 * the function's own name, or else the `token` query parameter.
 */
export function readPresentedSecret(request: HttpRequest, functionName: string): string | undefined {
  const segments = request.path.split('/').filter((s) => s !== '');
  const last = segments.at(-1);
  if (last !== undefined && last !== functionName) return safeDecode(last);
  const token = request.query.token;
  return token === undefined || token === '' ? undefined : token;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Compares a presented secret with every accepted one in constant time (hashing first so lengths never
 * leak), and checks them all rather than stopping at the first match.
 */
export function isAcceptedSecret(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined) return false;
  const given = digest(presented);
  let ok = false;
  for (const secret of accepted) ok = timingSafeEqual(given, digest(secret)) || ok;
  return ok;
}
