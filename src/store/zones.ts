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
 * ZoneIndex keeps the apex set and, for every name above an owner name, how many owner names lie
 * below it. Adding or removing an owner name touches only its ancestors, so each change costs
 * O(labels) and nothing is ever rebuilt from scratch; whether a name owns RRsets itself is the
 * store's to say (owns), so a million owners are not counted twice.
 */
export class ZoneIndex implements ZoneView {
  readonly #apexes = new Set<Name>();
  // name → number of owner names (names with ≥ 1 RRset) strictly below it; absent means 0
  readonly #below = new Map<Name, number>();
  readonly #owns: (name: Name) => boolean;

  /** owns reports whether a name owns RRsets: the store's nodes. */
  constructor(owns: (name: Name) => boolean) {
    this.#owns = owns;
  }

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
    return this.#below.has(name) || this.#owns(name);
  }

  apexes(): Name[] {
    return [...this.#apexes].sort(compareNames);
  }

  /** ownerAdded records that name now owns RRsets (it owned none before). */
  ownerAdded(name: Name): void {
    this.#count(parentName(name), 1);
  }

  /**
   * ownersAdded is ownerAdded for many names at once (a first load): owners that share a parent,
   * as they mostly do, are counted into that parent's ancestors once, together.
   */
  ownersAdded(names: Iterable<Name>): void {
    let parent: Name | undefined;
    let count = 0;
    for (const name of names) {
      const up = parentName(name);
      if (up === parent) {
        count++;
        continue;
      }
      this.#count(parent, count);
      parent = up;
      count = 1;
    }
    this.#count(parent, count);
  }

  /** ownerRemoved records that name no longer owns any RRset. */
  ownerRemoved(name: Name): void {
    this.#count(parentName(name), -1);
  }

  // Adds delta owners below name and each of its ancestors.
  #count(name: Name | undefined, delta: number): void {
    if (delta === 0) return;
    for (let n = name; n !== undefined; n = parentName(n)) {
      const count = (this.#below.get(n) ?? 0) + delta;
      if (count > 0) this.#below.set(n, count);
      else this.#below.delete(n);
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
