// What a local answer depends on, so a cache of encoded answers can be invalidated precisely: a
// StoreView that records every read as a key, and the keys a store change touches. A change to one
// name invalidates only the answers that read it (or whose zone, cut or node structure it alters),
// never everything.
import { ancestors, type Name } from '../dns/name.ts';
import type { ApplyResult } from '../store/events.ts';
import type { RRset } from '../store/record.ts';
import type { ZoneView } from '../store/zones.ts';
import type { StoreView } from './store-view.ts';

// Key kinds: one RRset, everything at a name, whether a name is an apex, whether a name exists.
const rrsetKey = (name: Name, type: string) => `r ${type} ${name}`;
const nameKey = (name: Name) => `n ${name}`;
const apexKey = (name: Name) => `z ${name}`;
const nodeKey = (name: Name) => `e ${name}`;

/** RecordingView reads through to a StoreView and records what was read as dependency keys. */
export class RecordingView implements StoreView {
  readonly keys = new Set<string>();
  readonly #inner: StoreView;
  readonly zones: ZoneView;

  constructor(inner: StoreView) {
    this.#inner = inner;
    const keys = this.keys;
    const zones = inner.zones;
    this.zones = {
      // The closest zone changes when an SOA appears or goes at the name or any ancestor.
      closestZone(name) {
        keys.add(apexKey(name));
        for (const a of ancestors(name)) keys.add(apexKey(a));
        return zones.closestZone(name);
      },
      isApex(name) {
        keys.add(apexKey(name));
        return zones.isApex(name);
      },
      hasNode(name) {
        keys.add(nodeKey(name));
        return zones.hasNode(name);
      },
      apexes: () => zones.apexes(),
      get size() {
        return zones.size;
      },
    };
  }

  getRRset(name: Name, type: RRset['type']): RRset | undefined {
    this.keys.add(rrsetKey(name, type));
    return this.#inner.getRRset(name, type);
  }

  rrsetsAt(name: Name): readonly RRset[] {
    this.keys.add(nameKey(name));
    return this.#inner.rrsetsAt(name);
  }
}

/**
 * invalidationKeys returns the dependency keys a store change touches: each changed RRset and its
 * name; an SOA added or removed changes which zone encloses names below it; an RRset added or
 * removed may create or remove the node at its name and the empty non-terminals above it.
 */
export function invalidationKeys(change: ApplyResult): Set<string> {
  const keys = new Set<string>();
  const touch = (r: RRset, structural: boolean) => {
    keys.add(rrsetKey(r.name, r.type));
    keys.add(nameKey(r.name));
    if (!structural) return;
    if (r.type === 'SOA') keys.add(apexKey(r.name));
    keys.add(nodeKey(r.name));
    for (const a of ancestors(r.name)) keys.add(nodeKey(a));
  };
  for (const r of change.added) touch(r, true);
  for (const r of change.deleted) touch(r, true);
  for (const { after } of change.updated) touch(after, false);
  return keys;
}
