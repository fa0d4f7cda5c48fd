// The fast path of a reload (issue 4: 10 changes among 100k RRsets in well under 100 ms). A
// config file's `records:` block sequence is cut into one text chunk per entry; an entry whose
// text was seen before reuses the RRset it gave then, so an edit costs the parsing and checking of
// the entries it touched, not of the whole file. The change set is computed against the store, not
// against an earlier parse, so writes that reached the store some other way are never undone by a
// stale cache. Anything out of the ordinary (another layout, a change outside `records`, an entry
// that does not parse or check, a name and type given twice) returns undefined and the full path
// (parseSource) runs instead: it gives every problem with its line.
//
// The new text is not cut up front (config/records-text.ts splitRecords does that for a text seen
// for the first time): it is compared with the last accepted text, whose entries' offsets are
// kept, in runs of entries that double in length while they match (galloping), so that the
// unchanged entries cost one memcmp-like compare of many of them at a time: no slice per entry, no
// hashing. Only where the texts differ are entries cut out and looked up, among the next few of the
// last text, or in a map from entry text to entry that is built only when many miss (a reordered
// file). The walk cuts exactly where splitRecords would; see fits() and cut() below.
import { readRecordEntry } from '../config/load.ts';
import { type Split, splitRecords } from '../config/records-text.ts';
import type { ApplyResult } from '../store/events.ts';
import { type RecordKey, type RRset, recordKey, sameRRset, validateRecord } from '../store/record.ts';
import type { Changes, Store } from '../store/store.ts';

// How far ahead of the expected entry a cut entry is looked for before it counts as a miss (an
// entry deleted just before it, or two neighbours swapped).
const LOOK_AHEAD = 8;
// Misses that are parsed before the text → entry map is built: a few edited or new entries are
// cheaper to parse than the map of 100k texts is to build; a reordered file is not.
const MISSES_BEFORE_INDEX = 64;

// How many keys changed in the store between reloads (API writes) are followed one by one (see
// observe); past it, the next reload compares every entry with the store.
const MAX_DRIFT = 4096;

const NEWLINE = 10;
const DOCUMENT_MARKER = /^(---|\.\.\.)/m;

/** Layout is where the entries sit in the text last remembered; a fast-path text keeps it. */
interface Layout {
  /** prefix is the text up to the first entry: it must be unchanged. */
  readonly prefix: string;
  /** tail is the text after the last entry: it must be unchanged. */
  readonly tail: string;
  /** lead starts every entry: its indentation and "- ". */
  readonly lead: string;
  /** marker is where splitRecords cuts: a newline and lead. */
  readonly marker: string;
  /** leave matches, at a newline, where the block ends (splitRecords' rule, sticky). */
  readonly leave: RegExp;
}

/**
 * Piece is part of a text being walked: the entries from..to of the last text, the first starting
 * at `at` (the others follow as they did), or with rrset, one entry at `at` parsed anew.
 */
interface Piece {
  readonly from: number;
  to: number;
  readonly at: number;
  readonly rrset?: RRset;
}

/** Drift is one key the store changed since the last text, and what it held there before. */
interface Drift {
  readonly name: RRset['name'];
  readonly type: RRset['type'];
  /** before is what the store held at the key as the last text left it (undefined: nothing). */
  readonly before: RRset | undefined;
}

const NO_DRIFT: ReadonlyMap<string, Drift> = new Map();

/** RecordChunks remembers what each entry text gave, between reloads of one source. */
export class RecordChunks {
  #layout: Layout | undefined;
  // The last accepted text, where each of its entries starts (and, last, where the block ends),
  // and the RRset each gave. Entries are read from the text when needed, never kept as strings.
  #text = '';
  #starts: Int32Array = new Int32Array(1);
  #rrsets: readonly RRset[] = [];
  // Entry text → its index, built when a walk misses often (see MISSES_BEFORE_INDEX).
  #index: Map<string, number> | undefined;
  // The store's version right after the last accepted text: while it is unchanged, the store holds
  // exactly that text's RRsets, and need not be asked about the entries taken again.
  #version = -1;
  // What change sets since #version changed (see observe), up to #driftVersion; undefined when one
  // was missed or too many keys changed.
  #drift: Map<string, Drift> | undefined = new Map();
  #driftVersion = -1;

  /**
   * observe is told every change set applied to the store (Store.onChange). After a write that did
   * not come from a text (the API), the store then still holds the last text's RRsets except at the
   * keys it changed, and a reload compares only those with the store, not every entry.
   */
  observe(event: ApplyResult): void {
    const drift = this.#drift;
    if (drift === undefined) return;
    const size = event.added.length + event.updated.length + event.deleted.length;
    if (event.version !== this.#driftVersion + 1 || drift.size + size > MAX_DRIFT) {
      this.#drift = undefined;
      return;
    }
    this.#driftVersion = event.version;
    // The first change at a key says what the store held there as the last text left it.
    const note = (rrset: RRset, before: RRset | undefined) => {
      const key = recordKey(rrset.name, rrset.type);
      if (!drift.has(key)) drift.set(key, { name: rrset.name, type: rrset.type, before });
    };
    for (const rrset of event.deleted) note(rrset, rrset);
    for (const { before } of event.updated) note(before, before);
    for (const rrset of event.added) note(rrset, undefined);
  }

  /**
   * changes returns the change set that makes store hold what text says, or undefined when the
   * full path must decide. Call accept() with the store's new version once the change set is applied.
   */
  changes(text: string, store: Store): { changes: Changes; accept: (version: number) => void } | undefined {
    const layout = this.#layout;
    if (layout === undefined || !text.startsWith(layout.prefix)) return undefined;
    let at = layout.prefix.length;
    if (!text.startsWith(layout.lead, at)) return undefined;
    const old = this.#text;
    const starts = this.#starts;
    const startOf = (i: number) => starts[i] as number;
    const rrsets = this.#rrsets;
    const count = rrsets.length;

    // The next text as pieces, in order: runs of entries of the last text, and entries parsed anew.
    // Nothing is done per unchanged entry while walking: a run is one compare and one piece.
    const pieces: Piece[] = [];
    const fresh = new Map<string, RRset>();
    let misses = 0;
    const take = (from: number, to: number, start: number): void => {
      const last = pieces.at(-1);
      if (
        last?.rrset === undefined &&
        last?.to === from &&
        start - startOf(from) === last.at - startOf(last.from)
      ) {
        last.to = to;
      } else {
        pieces.push({ from, to, at: start });
      }
    };

    let expected = 0;
    let step = 1;
    let end: number;
    for (;;) {
      // `at` starts an entry. Most often the entries expected there stand there as they stood:
      // compare `step` of them at once, doubling while they match, back to one at a mismatch.
      let next = -1;
      if (expected < count) {
        const k = Math.min(step, count - expected);
        next = fits(text, at, old, startOf(expected), startOf(expected + k), layout);
        if (next !== -1) {
          take(expected, expected + k, at);
          expected += k;
          step *= 2;
        } else if (k > 1) {
          step = 1;
          continue;
        } else if (expected + 1 < count) {
          // The expected entry is gone (deleted or edited): the one after it may stand here.
          next = fits(text, at, old, startOf(expected + 1), startOf(expected + 2), layout);
          if (next !== -1) {
            take(expected + 1, expected + 2, at);
            expected += 2;
          }
        }
      }
      if (next === -1) {
        step = 1;
        const piece = cut(text, at, layout);
        if (piece === undefined) return undefined;
        next = piece.next;
        const chunk = piece.chunk;
        // A few entries further on (some deleted before it), or anywhere once the map is built.
        let found = -1;
        for (let j = expected + 2; j < expected + LOOK_AHEAD && j < count; j++) {
          if (
            startOf(j + 1) - startOf(j) === chunk.length &&
            old.slice(startOf(j), startOf(j + 1)) === chunk
          ) {
            found = j;
            break;
          }
        }
        if (found === -1 && this.#index === undefined && ++misses > MISSES_BEFORE_INDEX) {
          const index = new Map<string, number>();
          for (let j = 0; j < count; j++) index.set(old.slice(startOf(j), startOf(j + 1)), j);
          this.#index = index;
        }
        if (found === -1) found = this.#index?.get(chunk) ?? -1;
        if (found !== -1) {
          take(found, found + 1, at);
          expected = found + 1;
        } else {
          const rrset = parseEntry(chunk, store.defaultTtl);
          if (rrset === undefined) return undefined;
          const key = recordKey(rrset.name, rrset.type);
          if (fresh.has(key)) return undefined;
          fresh.set(key, rrset);
          pieces.push({ from: -1, to: -1, at, rrset });
        }
      }
      if (next < text.length && text.charCodeAt(next - 1) === NEWLINE && text.startsWith(layout.lead, next)) {
        at = next;
        continue;
      }
      // The block ends at `next`: what follows must be what followed it before.
      if (text.length - next !== layout.tail.length || !text.endsWith(layout.tail)) return undefined;
      end = next;
      break;
    }

    // Each entry of the last text is taken at most once (twice is a name and type given twice);
    // those not taken are gone from the text.
    const runs = pieces.filter((p) => p.rrset === undefined).sort((a, b) => a.from - b.from);
    const gone: number[] = [];
    let covered = 0;
    for (const run of runs) {
      if (run.from < covered) return undefined;
      for (let i = covered; i < run.from; i++) gone.push(i);
      covered = run.to;
    }
    for (let i = covered; i < count; i++) gone.push(i);

    const added: RRset[] = [];
    const updated: RRset[] = [];
    let deleted: RecordKey[];
    let held = 0;
    // Adds rrset to the change set unless the store holds the same; returns what stands for it
    // next time (the store's object when equal, so that next time is a pointer compare).
    const compare = (rrset: RRset): RRset => {
      const stored = store.getRRset(rrset.name, rrset.type);
      if (stored === undefined) {
        added.push(rrset);
        return rrset;
      }
      held++;
      if (stored === rrset || sameRRset(stored, rrset)) return stored;
      updated.push(rrset);
      return rrset;
    };
    // The RRset each fresh entry stands for next time, and those of entries taken again that the
    // store holds as equal objects of its own (only after a write that reached it some other way).
    const freshKept = new Map<Piece, RRset>();
    let kept: Map<number, RRset> | undefined;
    const drift =
      store.version === this.#version
        ? NO_DRIFT
        : this.#driftVersion === store.version
          ? this.#drift
          : undefined;
    if (drift !== undefined) {
      // The store holds the last text's RRsets, one per entry, each key once, but at the keys that
      // drifted. The entries not taken again are the only ones that can go, and the only ones
      // whose key a fresh entry may take.
      const goneKeys = new Map<string, RRset>();
      for (const i of gone) {
        const rrset = rrsets[i] as RRset;
        goneKeys.set(recordKey(rrset.name, rrset.type), rrset);
      }
      for (const piece of pieces) {
        if (piece.rrset === undefined) continue;
        const key = recordKey(piece.rrset.name, piece.rrset.type);
        const had = drift.has(key)
          ? drift.get(key)?.before !== undefined
          : store.getRRset(piece.rrset.name, piece.rrset.type) !== undefined;
        if (had && !goneKeys.has(key)) return undefined; // an entry taken again has that name and type
        freshKept.set(piece, compare(piece.rrset));
      }
      deleted = [];
      for (const [key, rrset] of goneKeys) {
        if (!fresh.has(key) && !drift.has(key)) deleted.push({ name: rrset.name, type: rrset.type });
      }
      for (const [key, { name, type, before }] of drift) {
        if (fresh.has(key)) continue; // compared above
        // Taken again, the entry gives what the store held before the drift; else the key goes.
        if (before !== undefined && !goneKeys.has(key)) compare(before);
        else if (store.getRRset(name, type) !== undefined) deleted.push({ name, type });
      }
    } else {
      // The store moved on since: every entry is compared with what it holds.
      const keys = new Set(fresh.keys());
      kept = new Map();
      for (const run of runs) {
        for (let i = run.from; i < run.to; i++) {
          const rrset = rrsets[i] as RRset;
          const key = recordKey(rrset.name, rrset.type);
          if (fresh.has(key)) return undefined;
          keys.add(key);
          const stands = compare(rrset);
          if (stands !== rrset) kept.set(i, stands);
        }
      }
      for (const piece of pieces) {
        if (piece.rrset === undefined) continue;
        freshKept.set(piece, compare(piece.rrset));
      }
      // Every held RRset matched by an entry: nothing to delete, no need to look at the rest.
      deleted =
        held === store.size
          ? []
          : store
              .all()
              .filter((r) => !keys.has(recordKey(r.name, r.type)))
              .map((r) => ({ name: r.name, type: r.type }));
    }
    return {
      changes: { added, updated, deleted },
      accept: (version: number) => {
        this.#drift = new Map();
        this.#driftVersion = version;
        // The next text's offsets and RRsets, copied run by run (memcpy-like: typed-array set,
        // Array slice and concat), so that a reload does almost nothing per unchanged entry.
        const nextStarts = new Int32Array(count - gone.length + fresh.size + 1);
        const parts: RRset[][] = [];
        let n = 0;
        for (const piece of pieces) {
          if (piece.rrset !== undefined) {
            nextStarts[n++] = piece.at;
            parts.push([freshKept.get(piece) ?? piece.rrset]);
            continue;
          }
          nextStarts.set(starts.subarray(piece.from, piece.to), n);
          shift(nextStarts, n, n + piece.to - piece.from, piece.at - startOf(piece.from));
          n += piece.to - piece.from;
          const run = rrsets.slice(piece.from, piece.to);
          if (kept !== undefined) {
            for (let i = 0; i < run.length; i++) run[i] = kept.get(piece.from + i) ?? (run[i] as RRset);
          }
          parts.push(run);
        }
        nextStarts[n] = end;
        this.#version = version;
        this.#text = text;
        this.#starts = nextStarts;
        this.#rrsets = concat(parts);
        this.#index = undefined;
      },
    };
  }

  /**
   * remember records the text that the full path accepted (or start-up loaded), the RRsets it gave,
   * one per entry in order, and the store's version. split is splitRecords(text) when the caller
   * has it already; it is computed otherwise. Only the entries' offsets are kept, not their texts.
   */
  remember(text: string, rrsets: readonly RRset[], version: number, split?: Split): void {
    this.#version = version;
    this.#drift = new Map();
    this.#driftVersion = version;
    this.#layout = undefined;
    this.#text = '';
    this.#starts = new Int32Array(1);
    this.#rrsets = [];
    this.#index = undefined;
    const cut = split ?? splitRecords(text);
    // Entries and RRsets must match one for one, or the cut is not what the YAML parser saw.
    if (cut === undefined || cut.chunks.length === 0 || cut.chunks.length !== rrsets.length) return;
    const found = layoutOf(text, cut);
    if (found === undefined) return;
    this.#layout = found.layout;
    this.#text = text;
    this.#starts = found.starts;
    this.#rrsets = rrsets;
  }
}

// The layout of text as split cut it and where its entries start, or undefined when split is not a
// cut of text (checked at its ends and by its length, not entry by entry).
function layoutOf(text: string, split: Split): { layout: Layout; starts: Int32Array } | undefined {
  // As splitRecords finds them: the `records:` line, then the first line starting with "- ".
  const head = /^records:[ ]*(#.*)?\n/m.exec(text);
  if (head === null) return undefined;
  const start = head.index + head[0].length;
  const first = /^( *)- /m.exec(text.slice(start));
  if (first === null) return undefined;
  const from = start + first.index;
  const chunks = split.chunks;
  const starts = new Int32Array(chunks.length + 1);
  let end = from;
  for (let i = 0; i < chunks.length; i++) {
    starts[i] = end;
    end += (chunks[i] as string).length;
  }
  starts[chunks.length] = end;
  const last = chunks.at(-1) as string;
  if (
    end > text.length ||
    !text.startsWith(chunks[0] as string, from) ||
    !text.startsWith(last, end - last.length) ||
    split.rest !== `${text.slice(0, start)}\u0000${text.slice(end)}`
  ) {
    return undefined;
  }
  const indent = (first[1] as string).length;
  const lead = `${first[1]}- `;
  const layout = {
    prefix: text.slice(0, from),
    tail: text.slice(end),
    lead,
    marker: `\n${lead}`,
    leave: new RegExp(`\\n(?! {${indent + 1}}| {${indent}}- | *#| *(?:\\n|$))`, 'y'),
  };
  return { layout, starts };
}

/**
 * fits returns where the entries old[from, to) end when they stand at `at` of text exactly as
 * splitRecords would cut them, else -1. They were cut from a text of the same layout: splitRecords
 * ends an entry at the next marker (a newline and lead) or where the block ends (a newline where
 * it leaves, or the end of the text), and whether a newline leaves depends only on the line after
 * it. Inside the entries both are as they were, the last line included (followed by a newline or
 * the end of the text alike), so only what follows them needs checking.
 */
function fits(text: string, at: number, old: string, from: number, to: number, layout: Layout): number {
  const end = at + (to - from);
  // Both are slices of flat strings: V8 compares them with memcmp, many entries in one go.
  if (end > text.length || text.slice(at, end) !== old.slice(from, to)) return -1;
  if (end === text.length) return end;
  if (text.charCodeAt(end - 1) === NEWLINE && text.startsWith(layout.lead, end)) return end;
  if (text.charCodeAt(end) === NEWLINE && leaves(text, end, layout)) return end;
  return -1;
}

/**
 * cut returns the entry starting at `at` as splitRecords would cut it, and where it ends (the start
 * of the next entry, or the end of the block); undefined when splitRecords would refuse the text
 * for what the entry holds (the rest of the text was accepted before and is unchanged).
 */
function cut(text: string, at: number, layout: Layout): { chunk: string; next: number } | undefined {
  const marker = text.indexOf(layout.marker, at + 1);
  const stop = marker === -1 ? text.length : marker;
  let end = marker === -1 ? text.length : marker + 1;
  // Every newline before `at` stays in the block; the first that leaves ends it.
  for (let p = text.indexOf('\n', at); p !== -1 && p < stop; p = text.indexOf('\n', p + 1)) {
    if (leaves(text, p, layout)) {
      end = p;
      break;
    }
  }
  const chunk = text.slice(at, end);
  if (chunk.includes('\t') || DOCUMENT_MARKER.test(chunk)) return undefined;
  return { chunk, next: end };
}

// Adds by to values[from..to).
function shift(values: Int32Array, from: number, to: number, by: number): void {
  if (by === 0) return;
  for (let i = from; i < to; i++) values[i] = (values[i] as number) + by;
}

// The arrays one after the other; concat copies each in one go, a batch of arrays per call (an
// argument list is bounded).
function concat<T>(parts: readonly T[][]): T[] {
  if (parts.length === 1) return parts[0] as T[];
  let all: T[] = [];
  for (let i = 0; i < parts.length; i += 4096) all = all.concat(...parts.slice(i, i + 4096));
  return all;
}

function leaves(text: string, newline: number, layout: Layout): boolean {
  layout.leave.lastIndex = newline;
  return layout.leave.test(text);
}

// One entry, parsed and checked exactly as the full path would (its shape as validateConfig reads
// it, its meaning by validateRecord); undefined on any problem. The common shape is read directly,
// as start-up reads it, in microseconds where the YAML parser takes a millisecond.
function parseEntry(chunk: string, defaultTtl: number): RRset | undefined {
  try {
    const entry = readRecordEntry(chunk);
    return entry === undefined ? undefined : validateRecord(entry, defaultTtl);
  } catch {
    return undefined; // the full path reports it, with its line
  }
}
