import * as v from 'valibot';
import type { Logger } from '../log/logger';
import type { HttpRequest, HttpResponse } from '../protocol/http';
import { respondFail } from '../protocol/http';

/**
 * A header or query map. FC joins repeated values with commas; arrays and scalars are joined or
 * stringified by {@link toTextMap} rather than by a union schema per entry, which is on the hot path.
 */
const TextMapSchema = v.record(
  v.string(),
  v.union([v.string(), v.number(), v.boolean(), v.array(v.string())]),
);

/** The event an FC 3.0 HTTP trigger hands to an event handler (as a JSON Buffer). */
const FcHttpEventSchema = v.object({
  version: v.optional(v.string()),
  rawPath: v.optional(v.string(), '/'),
  body: v.optional(v.nullable(v.string()), ''),
  isBase64Encoded: v.optional(v.boolean(), false),
  headers: v.optional(TextMapSchema, {}),
  queryParameters: v.optional(TextMapSchema, {}),
  requestContext: v.optional(
    v.object({
      requestId: v.optional(v.string()),
      http: v.optional(
        v.object({
          method: v.optional(v.string()),
          path: v.optional(v.string()),
          sourceIp: v.optional(v.string()),
        }),
      ),
    }),
  ),
});

function toTextMap(
  map: Readonly<Record<string, string | number | boolean | string[]>>,
  lowerCaseKeys: boolean,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) {
    out[lowerCaseKeys ? key.toLowerCase() : key] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return out;
}

/** What an FC 3.0 event handler returns for an HTTP trigger. */
export type FcHttpResult = {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
};

export type ToRequestResult =
  | { readonly ok: true; readonly request: HttpRequest }
  | { readonly ok: false; readonly response: HttpResponse };

/**
 * Turns an FC 3.0 HTTP trigger event into a plain request. The raw event is never seen past this
 * point. Oversized events are refused before they are parsed, so a hostile body costs little.
 */
export function toHttpRequest(event: unknown, maxBodyBytes: number): ToRequestResult {
  // Base64 inflates a body by 4/3; headers and the rest of the event are limited to a few KB by FC.
  const maxEventBytes = Math.ceil((maxBodyBytes * 4) / 3) + 64 * 1024;
  let decoded: unknown = event;
  if (Buffer.isBuffer(event) || typeof event === 'string') {
    const size = Buffer.isBuffer(event) ? event.length : Buffer.byteLength(event);
    if (size > maxEventBytes)
      return { ok: false, response: respondFail(413, `body is larger than ${maxBodyBytes} bytes`) };
    try {
      decoded = JSON.parse(event.toString());
    } catch {
      return { ok: false, response: respondFail(400, 'not an HTTP trigger event') };
    }
  }
  const parsed = v.safeParse(FcHttpEventSchema, decoded);
  if (!parsed.success) return { ok: false, response: respondFail(400, 'not an HTTP trigger event') };
  const e = parsed.output;
  const rawBody = e.body ?? '';
  const bodyBuffer = e.isBase64Encoded ? Buffer.from(rawBody, 'base64') : Buffer.from(rawBody, 'utf8');
  const http = e.requestContext?.http;
  return {
    ok: true,
    request: {
      method: http?.method ?? (bodyBuffer.length > 0 ? 'POST' : 'GET'),
      path: e.rawPath,
      query: toTextMap(e.queryParameters, false),
      headers: toTextMap(e.headers, true),
      // A body over the limit is still measured but not decoded to text: it will be refused.
      body: bodyBuffer.length > maxBodyBytes ? '' : bodyBuffer.toString('utf8'),
      bodyBytes: bodyBuffer.length,
      sourceIp: http?.sourceIp,
      requestId: e.requestContext?.requestId,
    },
  };
}

/** Turns a plain response into what FC expects back. */
export function toFcResult(response: HttpResponse): FcHttpResult {
  return {
    statusCode: response.status,
    headers: { ...response.headers },
    body: response.body,
    isBase64Encoded: false,
  };
}

/**
 * Wraps a request handler as an FC 3.0 event handler (`index.handler`). The request handler is
 * expected never to throw; if it does anyway, the caller still gets a valid JSON error, never a stack.
 */
export function createFcHandler(
  handle: (request: HttpRequest) => HttpResponse | Promise<HttpResponse>,
  options: { readonly maxBodyBytes: number; readonly functionName: string; readonly log: () => Logger },
): (event: unknown, context?: unknown) => Promise<FcHttpResult> {
  return async (event) => {
    try {
      const converted = toHttpRequest(event, options.maxBodyBytes);
      if (converted.ok) return toFcResult(await handle(converted.request));
      options.log().warn('request rejected', {
        fn: options.functionName,
        status: converted.response.status,
        reason: 'not a readable HTTP trigger event',
      });
      return toFcResult(converted.response);
    } catch (error) {
      options.log().error('request handler crashed', {
        fn: options.functionName,
        ...options.log().describeError(error),
      });
      return toFcResult(respondFail(500, 'internal error'));
    }
  };
}
