// A bounded cache of encoded responses for the fast path, indexed by the hash of what determines
// the octets (lower-cased question, size limit, EDNS and DO: fast-path.ts) and invalidated by
// dependency key. Each entry carries its key octets, which the reader compares before using it;
// two keys with one hash share a slot, the later one replacing the earlier (with 30-bit hashes, a
// handful of pairs among 100,000 entries, each costing only a trip through the full pipeline).
// Least recently used entries go first.

/** CachedResponse is an encoded response, the key it answers, and what the query log needs to know about it. */
export interface CachedResponse {
  /** key is the fast-path key (fastKey) this response answers. */
  readonly key: Uint8Array;
  readonly bytes: Uint8Array;
  readonly rcode: number;
  readonly truncated: boolean;
  readonly dependencies: readonly string[];
}

/** ResponseCache maps fast-path key hashes to encoded responses, with a reverse index of dependencies. */
export class ResponseCache {
  readonly #entries = new Map<number, CachedResponse>();
  readonly #byDependency = new Map<string, Set<number>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** get returns the entry in hash's slot: its key may be another query's (see sameKey). */
  get(hash: number): CachedResponse | undefined {
    const entry = this.#entries.get(hash);
    if (entry !== undefined && this.#entries.size > this.#maxEntries / 2) {
      // Refresh recency only when the cache is filling up: a Map re-insert costs on every hit.
      this.#entries.delete(hash);
      this.#entries.set(hash, entry);
    }
    return entry;
  }

  set(hash: number, entry: CachedResponse): void {
    if (this.#maxEntries === 0) return;
    this.#remove(hash);
    this.#entries.set(hash, entry);
    for (const d of entry.dependencies) {
      let hashes = this.#byDependency.get(d);
      if (hashes === undefined) {
        hashes = new Set();
        this.#byDependency.set(d, hashes);
      }
      hashes.add(hash);
    }
    while (this.#entries.size > this.#maxEntries) this.#remove(this.#entries.keys().next().value as number);
  }

  /** invalidate drops every entry that depends on one of keys; returns how many were dropped. */
  invalidate(dependencies: Iterable<string>): number {
    let dropped = 0;
    for (const d of dependencies) {
      const hashes = this.#byDependency.get(d);
      if (hashes === undefined) continue;
      for (const hash of [...hashes]) if (this.#remove(hash)) dropped += 1;
    }
    return dropped;
  }

  /** clear drops everything. */
  clear(): void {
    this.#entries.clear();
    this.#byDependency.clear();
  }

  #remove(hash: number): boolean {
    const entry = this.#entries.get(hash);
    if (entry === undefined) return false;
    this.#entries.delete(hash);
    for (const d of entry.dependencies) {
      const hashes = this.#byDependency.get(d);
      hashes?.delete(hash);
      if (hashes?.size === 0) this.#byDependency.delete(d);
    }
    return true;
  }
}
