/**
 * A read-only map whose entries are built on first use. A cold instance answers its first callback with
 * the few flows and nodes that callback touches, so the indexes of a large document (a menu's intents,
 * the values a node drops) are built when a call first needs them, once, instead of all at a cold start.
 *
 * `build(key)` gives a key's value, or `undefined` when the map holds no entry for it; it is called at
 * most once a key (its answer, `undefined` included, is kept). `listKeys()` names every key that may
 * hold an entry; only iterating the map, or asking its size, calls it (tools, tests), and builds all.
 * Keys are names from the rules document (its flows, nodes, patterns), so the kept answers are bounded
 * by the document's size.
 */
export class LazyMap<V> implements ReadonlyMap<string, V> {
  readonly #build: (key: string) => V | undefined;
  readonly #listKeys: () => Iterable<string>;
  readonly #built = new Map<string, V | undefined>();
  readonly #failed = new Map<string, unknown>();

  constructor(build: (key: string) => V | undefined, listKeys: () => Iterable<string>) {
    this.#build = build;
    this.#listKeys = listKeys;
  }

  get(key: string): V | undefined {
    if (this.#built.has(key)) return this.#built.get(key);
    // A build that threw throws the same again, without building twice.
    if (this.#failed.has(key)) throw this.#failed.get(key);
    try {
      const value = this.#build(key);
      this.#built.set(key, value);
      return value;
    } catch (error) {
      this.#failed.set(key, error);
      throw error;
    }
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.#all().size;
  }

  entries(): MapIterator<[string, V]> {
    return this.#all().entries();
  }

  keys(): MapIterator<string> {
    return this.#all().keys();
  }

  values(): MapIterator<V> {
    return this.#all().values();
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.#all()) callback.call(thisArg, value, key, this);
  }

  /** Every entry, built now where it was not yet, in the order of `listKeys`. */
  #all(): Map<string, V> {
    const all = new Map<string, V>();
    for (const key of this.#listKeys()) {
      const value = this.get(key);
      if (value !== undefined) all.set(key, value);
    }
    return all;
  }
}
