import type { Logger } from '../log/logger';
import { type HttpRequest, type HttpResponse, respondFail, respondJson } from '../protocol/http';
import { isAcceptedSecret, readPresentedSecret } from '../security/callback-secret';

/** What a function's gate checks, and how it names what it takes. */
export type GateOptions = {
  readonly functionName: string;
  /** The accepted callback secrets; empty means the endpoint is open (warned once per instance). */
  readonly secrets: readonly string[];
  readonly maxBodyBytes: number;
  /** What the function takes, for messages: `callbacks`, `receipts`. */
  readonly takes: string;
  /** What someone could do through an open endpoint, for the warning: `drive calls`, `post receipts`. */
  readonly openRisk: string;
  /** The GET status, built only when asked for. */
  readonly status: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  readonly log: Logger;
};

/**
 * The checks every function makes before it reads a body, in this order: the secret (403; the status is
 * behind it too), GET or HEAD (the status), another method (405), a body over the limit (413). Returns
 * the response that ends the request, or undefined to go on. Every refusal is logged once.
 */
export async function guardRequest(
  request: HttpRequest,
  options: GateOptions,
): Promise<HttpResponse | undefined> {
  const { secrets, log } = options;
  if (secrets.length === 0) {
    log.warnOnce('no-secret', describeOpenEndpoint(options.openRisk));
  } else if (!isAcceptedSecret(readPresentedSecret(request, options.functionName), secrets)) {
    return rejectRequest(request, options, 403, 'forbidden: missing or wrong callback secret');
  }
  const method = request.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return respondJson(200, await options.status());
  if (method !== 'POST') {
    return rejectRequest(request, options, 405, `method ${method} is not allowed; ${options.takes} are POST`);
  }
  if (request.bodyBytes > options.maxBodyBytes) {
    return rejectRequest(request, options, 413, `body is larger than ${options.maxBodyBytes} bytes`);
  }
  return undefined;
}

/** The warning of an open endpoint, for the log and the status. */
export function describeOpenEndpoint(openRisk: string): string {
  return `CALLBACK_SECRETS is not set: anyone who finds the URL can ${openRisk}`;
}

/** Refuses a request that is not the platform's (or not readable), logged once with what is safe to log. */
export function rejectRequest(
  request: HttpRequest,
  options: Pick<GateOptions, 'functionName' | 'log'>,
  status: number,
  reason: string,
): HttpResponse {
  options.log.warn('request rejected', {
    fn: options.functionName,
    status,
    reason,
    method: request.method,
    bytes: request.bodyBytes,
    ...(request.sourceIp === undefined ? {} : { sourceIp: request.sourceIp }),
  });
  return respondFail(status, reason);
}
