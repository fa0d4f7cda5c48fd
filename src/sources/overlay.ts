// A view of the store with a batch's earlier changes laid over it, so that writes committed
// together (sources/sync.ts) are planned and checked one after another as if each had been
// applied, while the store itself changes only once the whole batch is persisted.
import { type RecordType, RRType } from '../dns/constants.ts';
import type { Name } from '../dns/name.ts';
import { type RecordKey, type RRset, recordKey, sameRRset } from '../store/record.ts';
import type { Changes } from '../store/store.ts';

/** RecordView is what a write's plan reads: the store's lookups (Store satisfies it). */
export interface RecordView {
  readonly defaultTtl: number;
  getRRset(name: Name, type: RecordType): RRset | undefined;
  rrsetsAt(name: Name): readonly RRset[];
}

/** Overlay is base with changes applied on top, in memory; net() is what they add up to. */
export class Overlay implements RecordView {
  readonly #base: RecordView;
  // (name, type) → the RRset now, or undefined for deleted
  readonly #changed = new Map<string, { readonly key: RecordKey; readonly rrset: RRset | undefined }>();
  readonly #names = new Set<Name>();

  constructor(base: RecordView) {
    this.#base = base;
  }

  /** defaultTtl is the base's. */
  get defaultTtl(): number {
    return this.#base.defaultTtl;
  }

  /** getRRset returns the RRset as the changes so far leave it. */
  getRRset(name: Name, type: RecordType): RRset | undefined {
    const changed = this.#changed.get(recordKey(name, type));
    return changed === undefined ? this.#base.getRRset(name, type) : changed.rrset;
  }

  /** rrsetsAt returns the RRsets at name as the changes so far leave them, in type-number order. */
  rrsetsAt(name: Name): readonly RRset[] {
    const base = this.#base.rrsetsAt(name);
    if (!this.#names.has(name)) return base;
    const out = new Map<RecordType, RRset>(base.map((r) => [r.type, r]));
    for (const { key, rrset } of this.#changed.values()) {
      if (key.name !== name) continue;
      if (rrset === undefined) out.delete(key.type);
      else out.set(key.type, rrset);
    }
    return [...out.values()].sort((a, b) => RRType[a.type] - RRType[b.type]);
  }

  /** apply lays changes over the view; they must have passed checkChanges against it. */
  apply(changes: Changes): void {
    for (const key of changes.deleted ?? []) this.#set(key, undefined);
    for (const rrset of [...(changes.updated ?? []), ...(changes.added ?? [])]) this.#set(rrset, rrset);
  }

  /** net returns the one change set that turns the base into this view (a key touched and restored is absent). */
  net(): { added: RRset[]; updated: RRset[]; deleted: RecordKey[] } {
    const net = { added: [] as RRset[], updated: [] as RRset[], deleted: [] as RecordKey[] };
    for (const { key, rrset } of this.#changed.values()) {
      const before = this.#base.getRRset(key.name, key.type);
      if (rrset === undefined) {
        if (before !== undefined) net.deleted.push(key);
      } else if (before === undefined) net.added.push(rrset);
      else if (!sameRRset(before, rrset)) net.updated.push(rrset);
    }
    return net;
  }

  #set(key: RecordKey, rrset: RRset | undefined): void {
    this.#changed.set(recordKey(key.name, key.type), { key: { name: key.name, type: key.type }, rrset });
    this.#names.add(key.name);
  }
}
