// A bounded cache of encoded responses for the fast path, keyed by what determines the octets
// (lower-cased qname, qtype, qclass, size limit, EDNS and DO) and invalidated by dependency key.
// Least recently used entries go first.

/** CachedResponse is an encoded response and what the query log needs to know about it. */
export interface CachedResponse {
  readonly bytes: Uint8Array;
  readonly rcode: number;
  readonly truncated: boolean;
  readonly dependencies: readonly string[];
}

/** ResponseCache maps fast-path keys to encoded responses, with a reverse index of dependencies. */
export class ResponseCache {
  readonly #entries = new Map<string, CachedResponse>();
  readonly #byDependency = new Map<string, Set<string>>();
  readonly #maxEntries: number;

  constructor(maxEntries: number) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): CachedResponse | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined && this.#entries.size > this.#maxEntries / 2) {
      // Refresh recency only when the cache is filling up: a Map re-insert costs on every hit.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, entry: CachedResponse): void {
    if (this.#maxEntries === 0) return;
    this.#remove(key);
    this.#entries.set(key, entry);
    for (const d of entry.dependencies) {
      let keys = this.#byDependency.get(d);
      if (keys === undefined) {
        keys = new Set();
        this.#byDependency.set(d, keys);
      }
      keys.add(key);
    }
    while (this.#entries.size > this.#maxEntries) this.#remove(this.#entries.keys().next().value as string);
  }

  /** invalidate drops every entry that depends on one of keys; returns how many were dropped. */
  invalidate(dependencies: Iterable<string>): number {
    let dropped = 0;
    for (const d of dependencies) {
      const keys = this.#byDependency.get(d);
      if (keys === undefined) continue;
      for (const key of [...keys]) if (this.#remove(key)) dropped += 1;
    }
    return dropped;
  }

  /** clear drops everything. */
  clear(): void {
    this.#entries.clear();
    this.#byDependency.clear();
  }

  #remove(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    for (const d of entry.dependencies) {
      const keys = this.#byDependency.get(d);
      keys?.delete(key);
      if (keys?.size === 0) this.#byDependency.delete(d);
    }
    return true;
  }
}
