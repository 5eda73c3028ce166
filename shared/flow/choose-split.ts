/**
 * Which branch of a split node a call takes: a hash of the call id and the node's position, so the same
 * call takes the same branch of a node every time (a callback delivered twice, a revisit, a lookup's
 * resumed decision), while two split nodes of one call choose independently. Pure.
 */

/** The 32-bit hash a split reads: FNV-1a over the text's UTF-16 code units, then MurmurHash3's finaliser. */
function splitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // The finaliser makes the high bits, which the scaling reads, depend on every input bit whatever the
  // call ids look like (test/flow/split.test.ts measures the shares over VMS-shaped ids).
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The text hashed for a call at a node: the call id, then the node's position (`flow/node`). */
function splitKey(callId: string, flow: string, node: string): string {
  return `${callId}\0${flow}/${node}`;
}

/**
 * The index of the branch a call takes, given the branches' weights: the hash scaled onto the sum of
 * the weights (multiply-shift, exact in a double: both factors are under 2^32 and 2^14), and the branch
 * whose run of that range holds it.
 */
export function chooseSplitBranch(
  callId: string,
  flow: string,
  node: string,
  weights: readonly number[],
): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const point = Math.floor((splitHash(splitKey(callId, flow, node)) * total) / 2 ** 32);
  let end = 0;
  for (const [index, weight] of weights.entries()) {
    end += weight;
    if (point < end) return index;
  }
  return weights.length - 1;
}
