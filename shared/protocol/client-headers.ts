/**
 * Headers an HTTP client sets itself: the framing of the request and of its answer, and the connection.
 * A lookup may not name one (the rules schema refuses it, and the lookup client refuses it again), so
 * that no document can change how an answer is read. The one list both read.
 */
export const CLIENT_SET_HEADERS: readonly string[] = [
  'host',
  'content-length',
  'content-type',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'accept-encoding',
  'upgrade',
  'expect',
];
