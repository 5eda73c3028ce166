/**
 * The plain HTTP request and response the rest of the code works with. The FC adapter and the local
 * server produce and consume these, so nothing outside `shared/fc` ever sees a raw trigger event.
 */
export type HttpRequest = {
  readonly method: string;
  /** The path as received, e.g. `/inbound/<secret>`. */
  readonly path: string;
  /** Query parameters; FC joins repeated values with commas. */
  readonly query: Readonly<Record<string, string>>;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body decoded to UTF-8 (empty when absent). */
  readonly body: string;
  /** The body's size in bytes before decoding to text. */
  readonly bodyBytes: number;
  /** The client's address, for logging refused requests. */
  readonly sourceIp?: string | undefined;
  /** FC's id of the request, for finding its log lines. */
  readonly requestId?: string | undefined;
};

export type HttpResponse = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
};

/** The platform's documented content type for replies. */
const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Largest callback or receipt body accepted; real callbacks are well under 2 KB. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Serialises `payload` as a JSON response. */
export function respondJson(status: number, payload: unknown): HttpResponse {
  return { status, headers: { 'content-type': JSON_CONTENT_TYPE }, body: JSON.stringify(payload) };
}

/**
 * The protocol's failure envelope (`{"result":"fail","msg":…,"data":{}}`), used for every request that
 * is refused before any processing: bad secret, junk, oversized body. `msg` never echoes the input.
 */
export function respondFail(status: number, msg: string): HttpResponse {
  return respondJson(status, { result: 'fail', msg, data: {} });
}
