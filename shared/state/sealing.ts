import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';

/**
 * AES-256-GCM as both sealed texts of `dynamic_id` use it: the call state (state-token.ts, under
 * `STATE_SECRETS`) and the DynamicId a sender seals for an outbound call (outbound-id.ts, under
 * `OUTBOUND_SECRETS`). Each derives its keys under a label of its own, so a secret listed in both never
 * gives the same key twice, and each authenticates its format and what it is bound to as associated data.
 */

export const IV_BYTES = 12;
/** 96-bit GCM tag: the shortest NIST allows for general use, and every byte is carried on every event. */
export const TAG_BYTES = 12;

/**
 * Random IVs drawn from a pool refilled 4 KB at a time: a `randomBytes(12)` call per reply costs several
 * µs, a slice of the pool almost nothing. Every IV is still 96 fresh random bits, as GCM requires.
 */
const ivPool = { bytes: Buffer.alloc(0), offset: 0 };

export function nextIv(): Buffer {
  if (ivPool.offset + IV_BYTES > ivPool.bytes.length) {
    ivPool.bytes = randomBytes(IV_BYTES * 341);
    ivPool.offset = 0;
  }
  const iv = ivPool.bytes.subarray(ivPool.offset, ivPool.offset + IV_BYTES);
  ivPool.offset += IV_BYTES;
  return iv;
}

/**
 * The AES-256 key of each configured secret under `label` (hashed, so any length of secret gives a
 * full-strength key), derived once per secret: every callback opens a state.
 */
export function createKeyDeriver(label: string): (secret: string) => Buffer {
  const derived = new Map<string, Buffer>();
  return (secret) => {
    let key = derived.get(secret);
    if (key === undefined) {
      key = createHash('sha256').update(`${label}\u0000${secret}`).digest();
      derived.set(secret, key);
    }
    return key;
  };
}

/** `iv ‖ ciphertext ‖ tag` of a text, with `aad` authenticated alongside. */
export function sealText(plain: string, key: Buffer, aad: Buffer, iv: Buffer): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

/** The text of `iv ‖ ciphertext ‖ tag`, or undefined when this key and `aad` do not authenticate it. */
function openText(sealed: Buffer, key: Buffer, aad: Buffer): string | undefined {
  try {
    const iv = sealed.subarray(0, IV_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** A sealed payload opened and read, or why not. */
export type OpenedPayload<T> =
  | { readonly ok: true; readonly payload: T }
  | { readonly ok: false; readonly reason: 'malformed' | 'tampered' };

/**
 * Opens `iv ‖ ciphertext ‖ tag` under the first of `secrets` that authenticates it with `aad` (any of them
 * may have sealed it: rotation), and reads the JSON inside with `schema`. `tampered`: no secret does (or
 * there is none); `malformed`: too short to be sealed, or what it holds is not the payload.
 */
export function openPayload<S extends v.GenericSchema>(
  sealed: Buffer,
  secrets: readonly string[],
  deriveKey: (secret: string) => Buffer,
  aad: Buffer,
  schema: S,
): OpenedPayload<v.InferOutput<S>> {
  if (sealed.length <= IV_BYTES + TAG_BYTES) return { ok: false, reason: 'malformed' };
  let plain: string | undefined;
  for (const secret of secrets) {
    plain = openText(sealed, deriveKey(secret), aad);
    if (plain !== undefined) break;
  }
  if (plain === undefined) return { ok: false, reason: 'tampered' };
  let json: unknown;
  try {
    json = JSON.parse(plain);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const parsed = v.safeParse(schema, json);
  return parsed.success ? { ok: true, payload: parsed.output } : { ok: false, reason: 'malformed' };
}

/** The length of `<format>.base64url(iv ‖ ciphertext ‖ tag)` for a payload: GCM adds no padding. */
export function measureSealed(format: string, payload: string): number {
  return format.length + 1 + Math.ceil(((Buffer.byteLength(payload) + IV_BYTES + TAG_BYTES) * 4) / 3);
}
