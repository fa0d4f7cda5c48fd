// The single in-memory store (behavior.md §5). Every writer (API, file and ConfigMap sources,
// ACME) goes through it; the DNS path only reads.
//
// Why this is atomic without locks: Node runs JavaScript on one thread, and every write below
// validates the whole change set first and then mutates inside one synchronous call with no
// `await`. No reader can run in between, so a reader sees the data before a change set or after
// it, never part of it; and a change set that fails validation has touched nothing (rollback is
// free). Readers must take what they need before their first `await` (architecture.md §3).
import { type RecordType, RRType } from '../dns/constants.ts';
import { isSubdomain, type Name } from '../dns/name.ts';
import { diff, isEmptyChangeSet } from './changes.ts';
import type { ApplyResult, ChangeEvent, ChangeKind, ChangeListener, RRsetUpdate } from './events.ts';
import {
  type ChangeList,
  checkRecordList,
  MAX_TTL,
  MIN_TTL,
  RecordError,
  type RecordInput,
  type RecordKey,
  type RecordKeyInput,
  type RRset,
  recordKey,
  sortRRsets,
  validateKey,
  validateName,
  validateRecord,
  validateType,
} from './record.ts';
import { DEFAULT_WATCH_BUFFER, watchEvents } from './watch.ts';
import { ZoneIndex, type ZoneView } from './zones.ts';

/** Changes is a change set of validated RRsets as Store.apply takes it; missing lists are empty. */
export interface Changes {
  readonly added?: readonly RRset[];
  readonly updated?: readonly RRset[];
  readonly deleted?: readonly RecordKey[];
}

/** ReloadChanges is a change set as partialReload takes it, before validation (the seed's RecordChanges). */
export interface ReloadChanges {
  readonly added?: readonly RecordInput[];
  readonly updated?: readonly RecordInput[];
  readonly deleted?: readonly RecordKeyInput[];
}

/** ListFilter narrows Store.list: one type, and/or the names at or below zone. */
export interface ListFilter {
  type?: string;
  zone?: string;
}

/** StoreOptions configures a Store. */
export interface StoreOptions {
  /** defaultTtl is backend.default_ttl: the TTL of records given without one, or with 0. */
  defaultTtl: number;
  /** onListenerError hears about a change listener that threw; the default emits a process warning. */
  onListenerError?: (error: unknown, event: ChangeEvent) => void;
}

const NO_RRSETS: readonly RRset[] = Object.freeze([]);
const NO_UPDATES: readonly RRsetUpdate[] = Object.freeze([]);

function byTypeNumber(a: RRset, b: RRset): number {
  return RRType[a.type] - RRType[b.type];
}

function frozen(rrset: RRset): RRset {
  if (Object.isFrozen(rrset) && Object.isFrozen(rrset.values)) return rrset;
  const { name, type, ttl, values } = rrset;
  return Object.freeze({ name, type, ttl, values: Object.freeze([...values]) });
}

function warnListenerError(error: unknown, event: ChangeEvent): void {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.emitWarning(`store change listener threw on version ${event.version}: ${detail}`, {
    code: 'JW238DNS_LISTENER_ERROR',
  });
}

/**
 * Store holds every RRset, keyed by owner name and type, plus the zone index kept current with
 * them. Reads return the stored frozen objects (never copies); writes replace objects, never
 * mutate them. Every write validates first, then applies all of its changes or none, bumps
 * `version` once and emits one ChangeEvent; failures throw RecordError.
 */
export class Store {
  readonly #defaultTtl: number;
  // name → its RRsets as one frozen array in type-number order. One small array per name, not a
  // map: a name holds a handful of types, a scan of them is as fast as a hash lookup, and at a
  // million names the memory saved is most of the store's (bench/memory).
  readonly #nodes = new Map<Name, readonly RRset[]>();
  readonly #zones = new ZoneIndex((name) => this.#nodes.has(name));
  readonly #listeners = new Set<ChangeListener>();
  readonly #onListenerError: (error: unknown, event: ChangeEvent) => void;
  readonly #pending: ChangeEvent[] = [];
  #emitting = false;
  #size = 0;
  #version = 0;

  constructor(options: StoreOptions) {
    const ttl = options.defaultTtl;
    if (!Number.isInteger(ttl) || ttl < MIN_TTL || ttl > MAX_TTL) {
      throw new RangeError(`default TTL must be an integer from ${MIN_TTL} to ${MAX_TTL}, got ${ttl}`);
    }
    this.#defaultTtl = ttl;
    this.#onListenerError = options.onListenerError ?? warnListenerError;
  }

  /** defaultTtl is the TTL given to records that come without one. */
  get defaultTtl(): number {
    return this.#defaultTtl;
  }

  /** size is the number of RRsets held. */
  get size(): number {
    return this.#size;
  }

  /** version counts applied change sets: it goes up by one per non-empty change set. */
  get version(): number {
    return this.#version;
  }

  /** zones is the zone and node index, always in step with the records. */
  get zones(): ZoneView {
    return this.#zones;
  }

  // ---------------------------------------------------------------------------------------------
  // Reads

  /** getRRset returns the RRset of (name, type): the DNS hot path, name must already be canonical. */
  getRRset(name: Name, type: RecordType): RRset | undefined {
    const rrsets = this.#nodes.get(name);
    if (rrsets === undefined) return undefined;
    for (const rrset of rrsets) if (rrset.type === type) return rrset;
    return undefined;
  }

  /** rrsetsAt returns every RRset owned by name (canonical) in type-number order, for ANY. */
  rrsetsAt(name: Name): readonly RRset[] {
    return this.#nodes.get(name) ?? NO_RRSETS;
  }

  /**
   * get returns the RRsets at name (any letter case, trailing dot optional), only those of type
   * when given; [] when there are none. Throws RecordError INVALID_NAME / INVALID_RECORD_TYPE.
   */
  get(name: string, type?: string): RRset[] {
    const owner = validateName(name);
    if (type === undefined) return [...this.rrsetsAt(owner)];
    const rrset = this.getRRset(owner, validateType(type, owner));
    return rrset === undefined ? [] : [rrset];
  }

  /**
   * list returns RRsets in canonical order (names as RFC 4034 §6.1, then type number), narrowed to
   * one type and/or to the names at or below zone (a subtree: child zones' data included).
   */
  list(filter: ListFilter = {}): RRset[] {
    const type = filter.type === undefined ? undefined : validateType(filter.type);
    const zone = filter.zone === undefined ? undefined : validateName(filter.zone);
    const out: RRset[] = [];
    for (const [name, rrsets] of this.#nodes) {
      if (zone !== undefined && !isSubdomain(name, zone)) continue;
      for (const rrset of rrsets) if (type === undefined || rrset.type === type) out.push(rrset);
    }
    return sortRRsets(out);
  }

  /** all returns every RRset, unordered: a snapshot array, cheaper than list for diffing. */
  all(): RRset[] {
    const out: RRset[] = [];
    for (const rrsets of this.#nodes.values()) for (const rrset of rrsets) out.push(rrset);
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Writes (the seed's operations)

  /** create validates input and adds it; throws RecordError (RECORD_EXISTS when (name, type) is held). */
  create(input: RecordInput): RRset {
    const rrset = validateRecord(input, this.#defaultTtl);
    this.#apply([rrset], [], [], { batch: false, reload: false });
    return rrset;
  }

  /**
   * update validates input and replaces the RRset of its (name, type) whole, TTL included (a
   * missing TTL means the default, not the old TTL); throws RecordError (RECORD_NOT_FOUND).
   */
  update(input: RecordInput): RRset {
    const rrset = validateRecord(input, this.#defaultTtl);
    this.#apply([], [rrset], [], { batch: false, reload: false });
    return rrset;
  }

  /**
   * delete removes the RRset of (name, type), or without type every RRset at name, and returns
   * what it removed; throws RecordError (RECORD_NOT_FOUND when there is nothing to remove).
   */
  delete(name: string, type?: string): readonly RRset[] {
    const owner = validateName(name);
    let keys: RecordKey[];
    if (type === undefined) {
      keys = this.rrsetsAt(owner).map((r) => ({ name: r.name, type: r.type }));
      if (keys.length === 0) throw new RecordError('RECORD_NOT_FOUND', `no records at ${owner}`);
    } else {
      keys = [{ name: owner, type: validateType(type, owner) }];
    }
    return this.#apply([], [], keys, { batch: false, reload: false }).deleted;
  }

  /**
   * hotReload makes the store hold exactly inputs: validates them all, diffs against what is held
   * and applies the difference as one change set (kind 'reloaded'). Unchanged RRsets keep their
   * objects. Throws RecordError naming the failing entry as `records[i]`; a (name, type) given twice
   * is RELOAD_FAILED (give one entry with every value); on error nothing changes.
   */
  hotReload(inputs: readonly RecordInput[]): ApplyResult {
    const { rrsets: desired, problems } = checkRecordList(inputs, this.#defaultTtl);
    const problem = problems[0];
    if (problem !== undefined) throw problem.error.at('records', problem.index);
    const changes = diff(this.all(), desired);
    return this.#apply(changes.added, changes.updated, changes.deleted, { batch: true, reload: true });
  }

  /**
   * partialReload validates and applies a change set of raw inputs, all or nothing (kind
   * 'reloaded'). Strict, like apply: added must not exist, updated and deleted must. Throws
   * RecordError naming the failing entry, e.g. `updated[2]: …`, with `list` and `index` set.
   */
  partialReload(changes: ReloadChanges): ApplyResult {
    const ttl = this.#defaultTtl;
    const added = (changes.added ?? []).map((input, i) => validateAt(input, ttl, 'added', i));
    const updated = (changes.updated ?? []).map((input, i) => validateAt(input, ttl, 'updated', i));
    const deleted = (changes.deleted ?? []).map((key, i) => {
      try {
        return validateKey(key);
      } catch (err) {
        throw err instanceof RecordError ? err.at('deleted', i) : err;
      }
    });
    return this.#apply(added, updated, deleted, { batch: true, reload: true });
  }

  /**
   * apply applies a change set of validated RRsets (from validateRecord, or diff over them), all or
   * nothing. Rules, checked against the state the whole set produces:
   * - each (name, type) appears at most once in the set (else RELOAD_FAILED);
   * - deleted and updated keys must be held (RECORD_NOT_FOUND), added ones must not (RECORD_EXISTS);
   * - a name with a CNAME holds no other type (INVALID_VALUE; RFC 1034 §3.6.2, RFC 2181 §10.1), so
   *   deleting an A and adding a CNAME at that name in one set is fine.
   * An empty set changes nothing: no version bump, no event. Never awaits.
   */
  apply(changes: Changes, options: { reload?: boolean } = {}): ApplyResult {
    return this.#apply(changes.added ?? [], changes.updated ?? [], changes.deleted ?? [], {
      batch: true,
      reload: options.reload === true,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /**
   * onChange calls listener with one ChangeEvent per applied change set, synchronously, after the
   * change is visible. A listener that throws is reported to onListenerError and does not stop
   * the change or other listeners. A listener that writes to the store has its own event delivered
   * after the current one reaches every listener. Returns the unsubscribe function.
   */
  onChange(listener: ChangeListener): () => void {
    const wrapped: ChangeListener = (event) => listener(event);
    this.#listeners.add(wrapped);
    return () => {
      this.#listeners.delete(wrapped);
    };
  }

  /**
   * watch yields the ChangeEvents applied from now on (the seed's Watch). It ends when signal
   * aborts or the loop breaks; a consumer more than bufferSize events behind gets the buffered
   * events, then a WatchOverflowError.
   */
  watch(signal?: AbortSignal, bufferSize: number = DEFAULT_WATCH_BUFFER): AsyncIterableIterator<ChangeEvent> {
    return watchEvents((listener) => this.onChange(listener), signal, bufferSize);
  }

  // ---------------------------------------------------------------------------------------------
  // The one write path

  #apply(
    added: readonly RRset[],
    updated: readonly RRset[],
    deleted: readonly RecordKey[],
    mode: { batch: boolean; reload: boolean },
  ): ApplyResult {
    const plus = added.map(frozen);
    const changed = updated.map(frozen);
    if (this.#size === 0 && changed.length === 0 && deleted.length === 0 && plus.length > 0) {
      const filled = this.#fill(plus, mode.reload);
      if (filled !== undefined) return filled;
    }
    this.#check(plus, changed, deleted, mode.batch);
    if (isEmptyChangeSet({ added: plus, updated: changed, deleted })) {
      return Object.freeze({
        version: this.#version,
        added: NO_RRSETS,
        updated: NO_UPDATES,
        deleted: NO_RRSETS,
      });
    }

    // From here to the end: synchronous and cannot fail, so readers see all of it or none of it.
    // Each touched name gets a working copy of its RRsets by type, written back as a new array.
    const working = new Map<Name, Map<RecordType, RRset>>();
    const node = (name: Name): Map<RecordType, RRset> => {
      let types = working.get(name);
      if (types === undefined) {
        types = new Map((this.#nodes.get(name) ?? NO_RRSETS).map((r) => [r.type, r]));
        working.set(name, types);
      }
      return types;
    };
    const removed: RRset[] = [];
    for (const { name, type } of deleted) {
      const types = node(name);
      removed.push(types.get(type) as RRset);
      types.delete(type);
      this.#size--;
      if (type === 'SOA') this.#zones.apexRemoved(name);
    }
    const replaced: RRsetUpdate[] = [];
    for (const rrset of changed) {
      const types = node(rrset.name);
      replaced.push(Object.freeze({ before: types.get(rrset.type) as RRset, after: rrset }));
      types.set(rrset.type, rrset);
    }
    for (const rrset of plus) {
      node(rrset.name).set(rrset.type, rrset);
      this.#size++;
      if (rrset.type === 'SOA') this.#zones.apexAdded(rrset.name);
    }
    for (const [name, types] of working) {
      const had = this.#nodes.has(name);
      if (types.size === 0) {
        this.#nodes.delete(name);
        if (had) this.#zones.ownerRemoved(name);
      } else {
        this.#nodes.set(name, Object.freeze([...types.values()].sort(byTypeNumber)));
        if (!had) this.#zones.ownerAdded(name);
      }
    }
    return this.#publish(plus, replaced, removed, mode.reload);
  }

  // The last step of every write: the version moves on and the listeners hear of the change.
  #publish(
    added: readonly RRset[],
    updated: readonly RRsetUpdate[],
    deleted: readonly RRset[],
    reload: boolean,
  ): ApplyResult {
    this.#version++;
    const event: ChangeEvent = Object.freeze({
      kind: reload ? 'reloaded' : kindOf(added, updated, deleted),
      version: this.#version,
      added: Object.freeze(added),
      updated: Object.freeze(updated),
      deleted: Object.freeze(deleted),
    });
    this.#emit(event);
    return event;
  }

  // The first load of an empty store (start-up, a million RRsets): the RRsets are grouped by name
  // straight into the nodes, checking what #check would; at the first doubt the nodes are emptied
  // again and undefined returned, and the general path finds the problem and reports it.
  #fill(plus: readonly RRset[], reload: boolean): ApplyResult | undefined {
    const nodes = this.#nodes as Map<Name, RRset[]>;
    // RRsets of one name usually come together: the last name's list is reused without a lookup.
    let lastName: Name | undefined;
    let last: RRset[] = [];
    for (const rrset of plus) {
      if (rrset.values.length === 0 || (rrset.type === 'CNAME' && rrset.values.length !== 1)) {
        nodes.clear();
        return undefined;
      }
      const here = rrset.name === lastName ? last : nodes.get(rrset.name);
      if (here === undefined) {
        lastName = rrset.name;
        last = [rrset];
        nodes.set(rrset.name, last);
        continue;
      }
      for (const other of here) {
        if (other.type === rrset.type || other.type === 'CNAME' || rrset.type === 'CNAME') {
          nodes.clear();
          return undefined;
        }
      }
      here.push(rrset);
    }
    // Frozen in place: each node's array is the one readers will share.
    for (const rrsets of nodes.values())
      Object.freeze(rrsets.length > 1 ? rrsets.sort(byTypeNumber) : rrsets);
    this.#zones.ownersAdded(nodes.keys());
    for (const rrset of plus) if (rrset.type === 'SOA') this.#zones.apexAdded(rrset.name);
    this.#size = plus.length;
    return this.#publish(plus, NO_UPDATES, NO_RRSETS, reload);
  }

  /** #check throws the first problem of a change set, or returns having changed nothing. */
  #check(
    added: readonly RRset[],
    updated: readonly RRset[],
    deleted: readonly RecordKey[],
    batch: boolean,
  ): void {
    const fail = (error: RecordError, list: ChangeList, index: number): RecordError =>
      batch ? error.at(list, index) : error;

    const positions = new Map<string, string>();
    const once = (name: Name, type: RecordType, list: ChangeList, index: number): void => {
      const key = recordKey(name, type);
      const first = positions.get(key);
      if (first !== undefined) {
        const message = `${type} record ${name} appears twice in one change set (${first} and ${list}[${index}])`;
        throw fail(new RecordError('RELOAD_FAILED', message), list, index);
      }
      positions.set(key, `${list}[${index}]`);
    };
    const notFound = (name: Name, type: RecordType): RecordError =>
      new RecordError('RECORD_NOT_FOUND', `${type} record ${name} not found`);

    deleted.forEach(({ name, type }, i) => {
      once(name, type, 'deleted', i);
      if (this.getRRset(name, type) === undefined) throw fail(notFound(name, type), 'deleted', i);
    });
    updated.forEach((rrset, i) => {
      once(rrset.name, rrset.type, 'updated', i);
      checkShape(rrset, (e) => fail(e, 'updated', i));
      if (this.getRRset(rrset.name, rrset.type) === undefined)
        throw fail(notFound(rrset.name, rrset.type), 'updated', i);
    });
    added.forEach((rrset, i) => {
      once(rrset.name, rrset.type, 'added', i);
      checkShape(rrset, (e) => fail(e, 'added', i));
      if (this.getRRset(rrset.name, rrset.type) !== undefined) {
        throw fail(
          new RecordError('RECORD_EXISTS', `${rrset.type} record ${rrset.name} already exists`),
          'added',
          i,
        );
      }
    });

    // CNAME exclusivity against the final state of every name this set adds to (only an addition
    // can bring a second type to a name; updates keep types and deletions remove them).
    if (added.length === 0) return;
    const finalTypes = new Map<Name, Set<RecordType>>();
    const typesOf = (name: Name): Set<RecordType> => {
      let types = finalTypes.get(name);
      if (types === undefined) {
        types = new Set((this.#nodes.get(name) ?? NO_RRSETS).map((r) => r.type));
        finalTypes.set(name, types);
      }
      return types;
    };
    for (const { name, type } of deleted) typesOf(name).delete(type);
    for (const { name, type } of added) typesOf(name).add(type);
    added.forEach((rrset, i) => {
      const types = typesOf(rrset.name);
      if (types.has('CNAME') && types.size > 1) {
        const other =
          rrset.type === 'CNAME' ? [...types].filter((t) => t !== 'CNAME').join(', ') : 'the CNAME';
        throw fail(cnameConflict(rrset, other), 'added', i);
      }
    });
  }

  #emit(event: ChangeEvent): void {
    this.#pending.push(event);
    if (this.#emitting) return; // a listener wrote to the store: deliver in order, after this event
    this.#emitting = true;
    try {
      for (let next = this.#pending.shift(); next !== undefined; next = this.#pending.shift()) {
        for (const listener of [...this.#listeners]) {
          if (!this.#listeners.has(listener)) continue; // unsubscribed by an earlier listener
          try {
            listener(next);
          } catch (error) {
            this.#reportListenerError(error, next);
          }
        }
      }
    } finally {
      this.#emitting = false;
    }
  }

  #reportListenerError(error: unknown, event: ChangeEvent): void {
    try {
      this.#onListenerError(error, event);
    } catch (reportError) {
      // the reporter itself failed: fall back to the default so neither error is lost
      warnListenerError(error, event);
      warnListenerError(reportError, event);
    }
  }
}

function validateAt(input: RecordInput, defaultTtl: number, list: ChangeList, index: number): RRset {
  try {
    return validateRecord(input, defaultTtl);
  } catch (err) {
    throw err instanceof RecordError ? err.at(list, index) : err;
  }
}

/** checkShape re-checks what the store relies on in an RRset that did not come from validateRecord. */
function checkShape(rrset: RRset, fail: (error: RecordError) => RecordError): void {
  if (rrset.values.length === 0) {
    throw fail(
      new RecordError('INVALID_VALUE', `${rrset.type} record ${rrset.name} needs at least one value`),
    );
  }
  if (rrset.type === 'CNAME' && rrset.values.length !== 1) {
    throw fail(
      new RecordError(
        'INVALID_VALUE',
        `CNAME record ${rrset.name} has ${rrset.values.length} values: it holds exactly one`,
      ),
    );
  }
}

/** cnameConflict explains why rrset cannot join a name; other says what it clashes with. */
function cnameConflict(rrset: RRset, other: string): RecordError {
  return new RecordError(
    'INVALID_VALUE',
    `${rrset.type} record ${rrset.name} cannot sit beside ${other} at ${rrset.name}: ` +
      'a name with a CNAME holds no other type (RFC 1034 §3.6.2, RFC 2181 §10.1)',
  );
}

function kindOf(
  added: readonly unknown[],
  updated: readonly unknown[],
  deleted: readonly unknown[],
): ChangeKind {
  const kinds = [added.length > 0, updated.length > 0, deleted.length > 0].filter(Boolean).length;
  if (kinds !== 1) return 'reloaded';
  if (added.length > 0) return 'added';
  return updated.length > 0 ? 'updated' : 'deleted';
}
