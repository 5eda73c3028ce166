/**
 * What the body of a lookup's 2xx answer is worth: JSON data, or why it is not usable. Pure, so that every
 * way a hostile body can be wrong is tested without a server.
 */
import { MAX_ANSWER_DEPTH } from './lookup-types';

/** The body as data, or the failure it is: not UTF-8 JSON (an empty body included), or nested too deep. */
export type ReadAnswer =
  | { readonly kind: 'ok'; readonly data: unknown }
  | { readonly kind: 'refused'; readonly why: 'not-json' | 'too-deep' };

/**
 * Reads a body already bounded in bytes by the client. The depth is measured by a scan before
 * `JSON.parse`, whose recursion a body of 100,000 nested arrays would otherwise take to the stack's limit.
 */
export function readAnswer(body: Uint8Array): ReadAnswer {
  let text: string;
  try {
    // Fatal: bytes that are not UTF-8 refuse the answer rather than become U+FFFD in a saved value.
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return { kind: 'refused', why: 'not-json' };
  }
  if (exceedsDepth(text, MAX_ANSWER_DEPTH)) return { kind: 'refused', why: 'too-deep' };
  try {
    return { kind: 'ok', data: JSON.parse(text) };
  } catch {
    return { kind: 'refused', why: 'not-json' };
  }
}

/**
 * Whether JSON text opens more than `limit` arrays or objects inside each other (`[1]` is 1 deep, a bare
 * value 0). One pass, no recursion, brackets inside strings ignored; text that is not JSON is measured
 * the same way and refused by the parser afterwards.
 */
export function exceedsDepth(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === BACKSLASH) escaped = true;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth += 1;
      if (depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth -= 1;
  }
  return false;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
