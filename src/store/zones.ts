// The zone index: which names are zone apexes (owners of an SOA RRset, behavior.md §2) and which
// names exist in the tree (own RRsets, or lie above names that do). The store updates it inside
// the same synchronous apply that changes the records, so it is never out of step with them.
import { type Name, parentName } from '../dns/name.ts';
import { compareNames } from './record.ts';

/** ZoneView is the read side of the zone index, as the store hands it to the resolver. */
export interface ZoneView {
  /** closestZone returns the apex of the deepest zone at or above name, if any (O(labels)). */
  closestZone(name: Name): Name | undefined;
  /** isApex reports whether name owns an SOA RRset. */
  isApex(name: Name): boolean;
  /**
   * hasNode reports whether name exists in the tree (RFC 4592 §2.2.2): it owns RRsets or has a
   * descendant that does. A node that owns none is an empty non-terminal (NODATA, not NXDOMAIN).
   */
  hasNode(name: Name): boolean;
  /** apexes returns every zone apex in canonical order. */
  apexes(): Name[];
  /** size is the number of zones. */
  readonly size: number;
}

/**
 * ZoneIndex keeps the apex set and, for every name in the tree, how many owner names lie at or
 * below it. Adding or removing an owner name touches only that name and its ancestors, so each
 * change costs O(labels) and nothing is ever rebuilt from scratch.
 */
export class ZoneIndex implements ZoneView {
  readonly #apexes = new Set<Name>();
  // name → number of owner names (names with ≥ 1 RRset) at or below it; absent means 0
  readonly #nodes = new Map<Name, number>();

  get size(): number {
    return this.#apexes.size;
  }

  closestZone(name: Name): Name | undefined {
    if (this.#apexes.size === 0) return undefined;
    for (let n: Name | undefined = name; n !== undefined; n = parentName(n)) {
      if (this.#apexes.has(n)) return n;
    }
    return undefined;
  }

  isApex(name: Name): boolean {
    return this.#apexes.has(name);
  }

  hasNode(name: Name): boolean {
    return this.#nodes.has(name);
  }

  apexes(): Name[] {
    return [...this.#apexes].sort(compareNames);
  }

  /** ownerAdded records that name now owns RRsets (it owned none before). */
  ownerAdded(name: Name): void {
    for (let n: Name | undefined = name; n !== undefined; n = parentName(n)) {
      this.#nodes.set(n, (this.#nodes.get(n) ?? 0) + 1);
    }
  }

  /** ownerRemoved records that name no longer owns any RRset. */
  ownerRemoved(name: Name): void {
    for (let n: Name | undefined = name; n !== undefined; n = parentName(n)) {
      const count = (this.#nodes.get(n) ?? 0) - 1;
      if (count > 0) this.#nodes.set(n, count);
      else this.#nodes.delete(n);
    }
  }

  /** apexAdded records that name now owns an SOA RRset. */
  apexAdded(name: Name): void {
    this.#apexes.add(name);
  }

  /** apexRemoved records that name no longer owns an SOA RRset. */
  apexRemoved(name: Name): void {
    this.#apexes.delete(name);
  }
}
