// The fast path of a reload (issue 4: 10 changes among 100k RRsets in well under 100 ms). A
// config file's `records:` block sequence is cut into one text chunk per entry; an entry whose
// text was seen before reuses the RRset it gave then, so an edit costs the parsing and checking of
// the entries it touched, not of the whole file. The change set is computed against the store, not
// against an earlier parse, so writes that reached the store some other way are never undone by a
// stale cache. Anything out of the ordinary (another layout, a change outside `records`, an entry
// that does not parse or check, a name and type given twice) returns undefined and the full path
// (parseSource) runs instead: it gives every problem with its line.
import { parse } from 'yaml';
import { validateConfig } from '../config/load.ts';
import { splitRecords } from '../config/records-text.ts';
import { type RecordInput, type RRset, recordKey, sameRRset, validateRecord } from '../store/record.ts';
import type { Changes, Store } from '../store/store.ts';

interface Entry {
  rrset: RRset;
  readonly key: string;
  readonly text: string;
  /** generation is the last accepted text the entry stood in; pass marks the current reload. */
  generation: number;
  pass: number;
}

/** RecordChunks remembers what each entry text gave, between reloads of one source. */
export class RecordChunks {
  #entries = new Map<string, Entry>();
  // The last accepted text's entries in order: most entries of the next text are found by a plain
  // string compare at the expected position, without hashing their text.
  #order: Entry[] = [];
  #rest: string | undefined;
  // The store's version right after the last accepted text: while it is unchanged, an entry of that
  // text is known to be held exactly as it is, and the store need not be asked.
  #version = -1;
  #generation = 0;
  #pass = 0;

  /**
   * changes returns the change set that makes store hold what text says, or undefined when the
   * full path must decide. Call accept() with the store's new version once the change set is applied.
   */
  changes(text: string, store: Store): { changes: Changes; accept: (version: number) => void } | undefined {
    const split = splitRecords(text);
    if (split === undefined || this.#rest === undefined || split.rest !== this.#rest) return undefined;
    const pass = ++this.#pass;
    const current = this.#generation;
    const used: Entry[] = [];
    // Keys of entries that did not stand in the last accepted text: only they can clash, since
    // that text had each (name, type) once.
    const fresh = new Set<string>();
    const added: RRset[] = [];
    const updated: RRset[] = [];
    let held = 0;
    const order = this.#order;
    const untouched = store.version === this.#version;
    let expected = 0;
    for (const chunk of split.chunks) {
      let entry: Entry | undefined = order[expected];
      if (entry === undefined || entry.text !== chunk) entry = this.#entries.get(chunk);
      if (entry === undefined) {
        const rrset = parseEntry(chunk, store.defaultTtl);
        if (rrset === undefined) return undefined;
        entry = { rrset, key: recordKey(rrset.name, rrset.type), text: chunk, generation: -1, pass: 0 };
        this.#entries.set(chunk, entry);
      } else {
        const at = order.indexOf(entry, expected);
        if (at !== -1) expected = at;
      }
      expected++;
      if (entry.pass === pass) return undefined; // the same entry twice: the full path names both
      entry.pass = pass;
      if (entry.generation !== current) {
        if (fresh.has(entry.key)) return undefined;
        fresh.add(entry.key);
      }
      used.push(entry);
      if (untouched && entry.generation === current) {
        held++;
        continue;
      }
      const stored = store.getRRset(entry.rrset.name, entry.rrset.type);
      if (stored === undefined) {
        added.push(entry.rrset);
        continue;
      }
      held++;
      if (stored === entry.rrset) continue;
      if (!sameRRset(stored, entry.rrset)) updated.push(entry.rrset);
      else entry.rrset = stored; // same content: remember the stored object, so next time is a pointer compare
    }
    if (fresh.size > 0) {
      // A fresh key may still repeat an entry of the last text that stands again.
      for (const entry of used) if (entry.generation === current && fresh.has(entry.key)) return undefined;
    }
    // Every held RRset matched by an entry: nothing to delete, no need to look at the rest.
    const deleted =
      held === store.size
        ? []
        : (() => {
            const keys = new Set(used.map((e) => e.key));
            return store
              .all()
              .filter((r) => !keys.has(recordKey(r.name, r.type)))
              .map((r) => ({ name: r.name, type: r.type }));
          })();
    return {
      changes: { added, updated, deleted },
      accept: (version: number) => {
        this.#version = version;
        const generation = ++this.#generation;
        for (const entry of used) entry.generation = generation;
        this.#order = used;
        // Texts of older generations are kept for reuse until they outnumber the live ones.
        if (this.#entries.size > 2 * used.length + 1024) {
          for (const [chunk, entry] of this.#entries)
            if (entry.generation !== generation) this.#entries.delete(chunk);
        }
      },
    };
  }

  /** remember records the text that the full path accepted, the RRsets it gave and the store's version. */
  remember(text: string, rrsets: readonly RRset[], version: number): void {
    this.#version = version;
    const split = splitRecords(text);
    this.#entries = new Map();
    this.#order = [];
    this.#rest = undefined;
    // Entries and RRsets must match one for one, or the cut is not what the YAML parser saw.
    if (split === undefined || split.chunks.length !== rrsets.length) return;
    this.#rest = split.rest;
    const generation = ++this.#generation;
    split.chunks.forEach((chunk, i) => {
      const rrset = rrsets[i] as RRset;
      const entry = { rrset, key: recordKey(rrset.name, rrset.type), text: chunk, generation, pass: 0 };
      this.#entries.set(chunk, entry);
      this.#order.push(entry);
    });
  }
}

// One entry, parsed and checked exactly as the full path would (its shape by the config schema,
// its meaning by validateRecord); undefined on any problem.
function parseEntry(chunk: string, defaultTtl: number): RRset | undefined {
  try {
    const list = parse(chunk, { uniqueKeys: true }) as unknown;
    if (!Array.isArray(list) || list.length !== 1) return undefined;
    const config = validateConfig({ records: list }, 'entry');
    return validateRecord(config.records[0] as RecordInput, defaultTtl);
  } catch {
    return undefined; // the full path reports it, with its line
  }
}
