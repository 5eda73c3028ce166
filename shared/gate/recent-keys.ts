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
