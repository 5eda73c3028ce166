import { createHash } from 'node:crypto';

/**
 * A bounded set of recently seen keys, oldest evicted first. Used to mark redelivered callbacks and
 * receipts in the logs; the replies themselves are deterministic, so a duplicate needs no special path.
 */
export class RecentKeys {
  readonly #seen = new Set<string>();
  constructor(readonly capacity: number) {}

  /** Records `key`; returns true when it was already among the recent keys. */
  hasSeen(key: string): boolean {
    if (this.#seen.has(key)) return true;
    this.#seen.add(key);
    if (this.#seen.size > this.capacity) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return false;
  }
}

/** The letters of an `eventId`: no digit, so that no log check ever takes one for a key or a number. */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * A short digest of an event's key, logged as `eventId`: the same for every delivery of one event, on any
 * instance, so that analytics counts a redelivery once even where no instance marked it `duplicate`. 20
 * lowercase letters, about 94 bits: a collision between two events of one call is out of reach, and the
 * key's sealed state is not readable from it.
 */
export function eventIdOf(key: string): string {
  const digest = createHash('sha256').update(key).digest();
  let id = '';
  for (let index = 0; index < 20; index++) id += LETTERS[(digest[index] as number) % LETTERS.length];
  return id;
}
