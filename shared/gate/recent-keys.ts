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

/**
 * A short digest of an event's key, logged as `eventId`: the same for every delivery of one event, on any
 * instance, so that analytics counts a redelivery once even where no instance marked it `duplicate`. 96
 * bits: a collision between two events of one call is out of reach, and the key's sealed state is not
 * readable from it.
 */
export function eventIdOf(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}
