// The reconcile between a Source and the Store (behavior.md §5; architecture.md §10 example 12,
// after external-dns controller.go and CoreDNS reload.go).
//
// Reading: source text → parseSource (every problem with its line) → diff against the store →
// store.apply as one change set (PartialReload: only the differences, atomically). A text that
// fails is refused whole: the store keeps the last good records and status() says why, until a
// good text arrives.
//
// Writing (API now; ACME and the ConfigMap source later): plan the change against the store →
// dry-run the store's rules → edit the parsed document → persist (optimistic: the write names
// the revision it was based on) → store.apply. Persisting comes first, so a change that cannot be
// persisted is never seen by a query; if the source changed since it was read, its text is
// reloaded first and the change planned again on top of it, so neither side's edit is lost.
//
// Every read and write runs through one queue, one at a time: a hundred concurrent API writes
// each land in the file, none overwriting another. Writes that queue up while one is being
// persisted are committed together, with one write-back (group commit), which is what makes
// concurrent writes fast: the cost of a write-back is rendering the file and two fsyncs. The watcher seeing our own write is a no-op:
// the text and revision it reads are the ones we wrote (and were they not, the records hash or,
// last, the empty diff would say there is nothing to do). Texts are compared before revisions: a
// file's revision is a hash of its whole text, computed only when asked for (sources/file.ts), so
// a reload of an edited file never pays for it; only a write-back and a text seen again do.
import type { Document } from 'yaml';
import type { CliOverrides } from '../config/load.ts';
import type { Split } from '../config/records-text.ts';
import type { Logger } from '../log.ts';
import { diff, isEmptyChangeSet } from '../store/changes.ts';
import type { ApplyResult } from '../store/events.ts';
import { RecordError, type RRset } from '../store/record.ts';
import type { Changes, Store } from '../store/store.ts';
import { checkChanges } from './check.ts';
import { RecordChunks } from './chunks.ts';
import { Overlay, type RecordView } from './overlay.ts';
import {
  PersistError,
  type Source,
  SourceConflictError,
  SourceError,
  type SourceSnapshot,
} from './source.ts';
import { editRecords, parseDocumentText, parseSource, stringifyDocument } from './yaml.ts';

/** DEFAULT_DEBOUNCE_MS is how long the watcher waits for a burst of file events to settle. */
export const DEFAULT_DEBOUNCE_MS = 150;

/** MAX_WRITE_ATTEMPTS bounds re-read-and-retry rounds when the source keeps changing under a write. */
const MAX_WRITE_ATTEMPTS = 5;

/** ReloadTrigger says what started a reload; it is a metric label, so the set is fixed. */
export type ReloadTrigger = 'start' | 'watch' | 'signal' | 'api' | 'conflict';

/** ReloadSummary is what one reload did (behavior.md §6 `POST /api/v1/reload`). */
export interface ReloadSummary {
  readonly added: number;
  readonly updated: number;
  readonly deleted: number;
  /** version is the store's version after the reload. */
  readonly version: number;
  readonly durationMs: number;
}

/** SyncStatus is the state /ready reports. */
export interface SyncStatus {
  /** started is true once the source has been read once (successfully or not). */
  readonly started: boolean;
  /** error is why the source's current text is refused; the last good records are served meanwhile. */
  readonly error?: SourceError;
}

/** ReloadEvent is told to SyncOptions.onReload for every reload that looked at new text. */
export interface ReloadEvent {
  readonly trigger: ReloadTrigger;
  readonly ok: boolean;
  readonly durationMs: number;
}

/**
 * Plan computes one write's change set from the records as they stand (the store, plus the writes
 * committed before it in the same batch); it throws (RecordError, or any error) to refuse.
 * `document` is the source's parsed text as the batch has edited it so far, for writers that keep
 * keys beside `records` (ACME's acme_challenges, src/acme/state.ts); it is parsed when first asked for.
 */
export type Plan = (view: RecordView, document: () => Document) => PlannedWrite;

/**
 * PlannedWrite is a plan's change set, plus `edit`, which changes the document beyond `records` in
 * the same write-back. It runs once the change set has passed the store's checks; a write that
 * only edits (no record changes) is written back too.
 */
export interface PlannedWrite extends Changes {
  readonly edit?: (doc: Document) => void;
}

/** WriteResult is what one write did once persisted and applied. */
export interface WriteResult {
  /** version is the store's version after the batch the write was committed in. */
  readonly version: number;
  readonly added: readonly RRset[];
  readonly updated: readonly RRset[];
  /** deleted holds the RRsets as they were before the write removed them. */
  readonly deleted: readonly RRset[];
}

interface PendingWrite {
  readonly plan: Plan;
  readonly resolve: (result: WriteResult) => void;
  readonly reject: (error: unknown) => void;
}

interface Planned {
  readonly changes: Changes;
  readonly deleted: readonly RRset[];
}

type Outcome = { readonly result: WriteResult } | { readonly error: unknown };

/** SyncOptions configure a RecordSync. */
export interface SyncOptions {
  readonly log: Logger;
  /** debounceMs is how long the watcher waits for events to settle (DEFAULT_DEBOUNCE_MS). */
  readonly debounceMs?: number;
  /** overrides are the config keys the command line set at start; see ParseOptions. */
  readonly overrides?: CliOverrides;
  /** onReload hears about every reload that read new text, for metrics. */
  readonly onReload?: (event: ReloadEvent) => void;
  /** onPersistFailure hears about every write-back that failed, for metrics. */
  readonly onPersistFailure?: () => void;
}

// The last text that was read or written and passed every check. Its YAML document, needed only to
// write back, is parsed when first needed (documentOf): a fast reload never builds it. Its revision
// too is asked for only to write back (see the top of this file).
interface Known {
  readonly snapshot: SourceSnapshot;
  doc?: Document;
}

function documentOf(known: Known): Document {
  known.doc ??= parseDocumentText(known.snapshot.text);
  return known.doc;
}

// Whether two reads of a source are the same text at the same revision; the texts are compared
// first, so an edited text is told apart without its revision.
function sameSnapshot(a: SourceSnapshot, b: SourceSnapshot | undefined): boolean {
  return b !== undefined && a.text === b.text && a.revision === b.revision;
}

/** RecordSync keeps a Store and a Source in step, both ways; see the top of this file. */
export class RecordSync {
  readonly #source: Source;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #options: SyncOptions;
  readonly #debounceMs: number;
  #queue: Promise<unknown> = Promise.resolve();
  #known: Known | undefined;
  /** hash of the records last applied from the source; undefined after a write (the text says it all). */
  #appliedHash: string | undefined;
  #failure: SourceError | undefined;
  /** the refused text, so that seeing it again does not parse it again. */
  #failed: SourceSnapshot | undefined;
  #started = false;
  #closed = false;
  readonly #pending: PendingWrite[] = [];
  readonly #accepted = new Set<(text: string, recordsOnly: boolean) => void>();
  readonly #chunks = new RecordChunks();
  /**
   * true while the text last told to onAccepted listeners is one the chunks took (by the full
   * path's remember or a fast-path accept): a text the fast path takes then differs from it only
   * inside `records` (its text before and after the entries is the chunks' own).
   */
  #toldChunks = false;
  readonly #stopObserving: () => void;
  #flushQueued = false;
  #stopWatching: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(source: Source, store: Store, options: SyncOptions) {
    this.#source = source;
    this.#store = store;
    this.#log = options.log;
    this.#options = options;
    this.#debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    // The chunks follow what writes (this sync's own, or any other) change in the store, so that
    // the reload after an API write compares those keys with the store, not every entry.
    this.#stopObserving = store.onChange((event) => this.#chunks.observe(event));
  }

  /**
   * seed tells the sync that store holds, at version, exactly the RRsets text gave (already
   * validated, one per entry of `records`, in order), so the first read of the same text takes the
   * fast path instead of a full parse. split is splitRecords(text), when the caller has it already.
   */
  seed(text: string, rrsets: readonly RRset[], version: number, split?: Split): void {
    this.#chunks.remember(text, rrsets, version, split);
    this.#toldChunks = false; // the listeners have heard nothing of it
  }

  /** description names the source. */
  get description(): string {
    return this.#source.description;
  }

  /** status says whether the source has been read and whether its text is refused. */
  status(): SyncStatus {
    return { started: this.#started, ...(this.#failure ? { error: this.#failure } : {}) };
  }

  /**
   * start reads the source once (applying what differs from the store) and starts watching it.
   * A refused text does not throw: the store keeps what it holds and status() says why.
   */
  async start(): Promise<void> {
    await this.#enqueue(() => this.#reconcile('start', true)).catch((error: unknown) => {
      if (!(error instanceof SourceError)) throw error; // logged and kept in status()
    });
    this.#started = true;
    if (this.#closed) return;
    this.#stopWatching = this.#source.watch(
      () => this.#schedule(),
      (error) =>
        this.#log.warn({ err: error, source: this.description }, 'watching the source failed; polling'),
    );
  }

  /**
   * reload re-reads the source now and applies the differences (SIGHUP, POST /api/v1/reload).
   * Throws SourceError when the text is refused; the store then keeps its records.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadSummary> {
    return this.#enqueue(() => this.#reconcile(trigger, true)) as Promise<ReloadSummary>;
  }

  /**
   * change persists the change set plan returns, then applies it, and returns what was applied.
   * Throws what plan throws or RecordError when the store would refuse the change (nothing is
   * written), PersistError when it cannot be written back (nothing is applied). Writes that
   * arrive while one is being persisted are committed together next, with one write-back (group
   * commit): each is still planned and checked on its own, in arrival order.
   */
  change(plan: Plan): Promise<WriteResult> {
    return new Promise<WriteResult>((resolve, reject) => {
      this.#pending.push({ plan, resolve, reject });
      if (this.#flushQueued) return;
      this.#flushQueued = true;
      void this.#enqueue(() => this.#flush());
    });
  }

  /**
   * onAccepted calls listener with every source text the sync takes as the truth: read and applied
   * (by either reload path), or written back. recordsOnly is true when the text differs from the
   * one told before only in the entries of its `records` block, so that a listener reading other
   * keys (ACME's acme_challenges) need not look at a large text again. Returns the function that
   * stops it.
   */
  onAccepted(listener: (text: string, recordsOnly: boolean) => void): () => void {
    this.#accepted.add(listener);
    return () => {
      this.#accepted.delete(listener);
    };
  }

  #accept(text: string, recordsOnly: boolean): void {
    for (const listener of this.#accepted) {
      try {
        listener(text, recordsOnly);
      } catch (error) {
        this.#log.error({ err: error }, 'a listener of accepted source texts failed');
      }
    }
  }

  /** close stops watching and waits for queued reads and writes to finish. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    await this.#queue;
    this.#stopObserving();
  }

  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined); // one failure must not stop the queue
    return run;
  }

  #schedule(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#enqueue(() => this.#reconcile('watch', false)).catch((error: unknown) => {
        if (!(error instanceof SourceError))
          this.#log.error({ err: error }, 'reload after a source change failed');
      });
    }, this.#debounceMs);
    this.#timer.unref();
  }

  /**
   * #reconcile reads the source and applies what differs. Unless forced it returns undefined
   * without parsing when the text and revision are the ones last seen (our own write echoed by the
   * watcher, a touch, a refused text seen again), and applies nothing when only formatting changed.
   */
  async #reconcile(trigger: ReloadTrigger, force: boolean): Promise<ReloadSummary | undefined> {
    const started = performance.now();
    const refuse = (error: SourceError, failed: SourceSnapshot | undefined): never => {
      const durationMs = performance.now() - started;
      this.#failure = error;
      this.#failed = failed;
      this.#options.onReload?.({ trigger, ok: false, durationMs });
      this.#log.warn(
        { source: this.description, trigger, line: error.line, error: error.message },
        'source refused; serving the last good records',
      );
      throw error;
    };

    let snapshot: SourceSnapshot;
    try {
      snapshot = await this.#source.read();
    } catch (error) {
      const reason =
        (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
      return refuse(
        new SourceError(this.description, [{ message: `cannot read: ${reason}` }], { cause: error }),
        undefined,
      );
    }
    if (!force) {
      if (this.#failure === undefined && sameSnapshot(snapshot, this.#known?.snapshot)) return undefined;
      if (this.#failure !== undefined && sameSnapshot(snapshot, this.#failed)) return undefined;
    }

    // Fast path: only the entries whose text changed are parsed and checked (sources/chunks.ts).
    const fast = this.#chunks.changes(snapshot.text, this.#store);
    if (fast !== undefined) {
      let applied: ApplyResult | undefined;
      try {
        applied = this.#store.apply(fast.changes, { reload: true });
      } catch (error) {
        if (!(error instanceof RecordError)) throw error; // e.g. a CNAME clash: the full path says where
      }
      if (applied !== undefined) {
        fast.accept(applied.version);
        this.#known = { snapshot };
        this.#appliedHash = undefined;
        this.#accept(snapshot.text, this.#toldChunks);
        this.#toldChunks = true;
        return this.#reloaded(trigger, applied, started);
      }
    }

    let parsed: ReturnType<typeof parseSource>;
    try {
      parsed = parseSource(snapshot.text, {
        source: this.description,
        defaultTtl: this.#store.defaultTtl,
        ...(this.#options.overrides ? { overrides: this.#options.overrides } : {}),
      });
    } catch (error) {
      if (error instanceof SourceError) return refuse(error, snapshot);
      throw error;
    }
    const unchanged = !force && parsed.hash === this.#appliedHash;
    let result: ApplyResult;
    try {
      result = this.#store.apply(unchanged ? {} : diff(this.#store.all(), parsed.rrsets), { reload: true });
    } catch (error) {
      // parseSource checked what the store checks, so only a writer bypassing this sync gets here.
      if (!(error instanceof RecordError)) throw error;
      return refuse(
        new SourceError(this.description, [{ message: error.message }], { cause: error }),
        snapshot,
      );
    }

    this.#known = { snapshot };
    this.#appliedHash = parsed.hash;
    this.#chunks.remember(snapshot.text, parsed.rrsets, result.version);
    this.#accept(snapshot.text, false);
    this.#toldChunks = true;
    return this.#reloaded(trigger, result, started);
  }

  // After an accepted reload, by either path: clear the failure, report, log.
  #reloaded(trigger: ReloadTrigger, result: ApplyResult, started: number): ReloadSummary {
    const recovered = this.#failure !== undefined;
    this.#failure = undefined;
    this.#failed = undefined;
    const summary: ReloadSummary = {
      added: result.added.length,
      updated: result.updated.length,
      deleted: result.deleted.length,
      version: result.version,
      durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    };
    this.#options.onReload?.({ trigger, ok: true, durationMs: summary.durationMs });
    const changed = summary.added + summary.updated + summary.deleted > 0;
    if (changed || recovered || trigger !== 'watch') {
      this.#log.info({ source: this.description, trigger, recovered, ...summary }, 'records reloaded');
    }
    return summary;
  }

  #flush(): Promise<void> {
    this.#flushQueued = false;
    const batch = this.#pending.splice(0);
    return this.#commit(batch.map((w) => w.plan)).then(
      (outcomes) =>
        outcomes.forEach((outcome, i) => {
          const write = batch[i] as PendingWrite;
          if ('error' in outcome) write.reject(outcome.error);
          else write.resolve(outcome.result);
        }),
      (error: unknown) => {
        for (const write of batch) write.reject(error);
      },
    );
  }

  /**
   * #commit plans every write of the batch in turn over an Overlay of the store (so the second
   * sees the first), then persists their net effect with one write-back and applies it with one
   * change set. A plan that throws fails alone; a write-back that fails fails every write that
   * was accepted, and none of them is applied.
   */
  async #commit(plans: readonly Plan[]): Promise<Outcome[]> {
    for (let attempt = 1; ; attempt++) {
      const known = await this.#current();
      const overlay = new Overlay(this.#store);
      const document = () => documentOf(known);
      let edited = false;
      const planned = plans.map((plan): Planned | { error: unknown } => {
        try {
          const { edit, ...changes } = plan(overlay, document);
          checkChanges(overlay, changes);
          if (edit !== undefined) {
            edit(document());
            edited = true;
          }
          const deleted = (changes.deleted ?? []).map((k) => overlay.getRRset(k.name, k.type) as RRset);
          overlay.apply(changes);
          return { changes, deleted };
        } catch (error) {
          return { error };
        }
      });
      const net = overlay.net();
      const done = (version: number): Outcome[] =>
        planned.map((p) =>
          'error' in p
            ? p
            : {
                result: {
                  version,
                  added: p.changes.added ?? [],
                  updated: p.changes.updated ?? [],
                  deleted: p.deleted,
                },
              },
        );
      if (isEmptyChangeSet(net) && !edited) return done(this.#store.version);

      let written: SourceSnapshot;
      try {
        const doc = documentOf(known);
        editRecords(doc, net, this.#store.defaultTtl);
        written = await this.#source.write(stringifyDocument(doc), known.snapshot.revision);
      } catch (error) {
        known.doc = undefined; // undo the edit: parsed again from the text when next needed
        if (error instanceof SourceConflictError && attempt < MAX_WRITE_ATTEMPTS) {
          this.#log.info(
            { source: this.description, attempt },
            'source changed under a write; reloading it first',
          );
          await this.#reconcile('conflict', false).catch((e: unknown) => {
            if (!(e instanceof SourceError)) throw e; // the next round reports it
          });
          continue;
        }
        this.#options.onPersistFailure?.();
        const failure =
          error instanceof PersistError
            ? error
            : new PersistError(`${this.description}: not written back: ${(error as Error).message}`, {
                cause: error,
              });
        return planned.map((p) => ('error' in p ? p : { error: failure }));
      }

      let applied: ApplyResult;
      try {
        applied = this.#store.apply(net);
      } catch (error) {
        // checkChanges said yes, so only a writer bypassing this sync gets here. Put the source
        // back as it was so that it keeps mirroring the store.
        await this.#source.write(known.snapshot.text, written.revision).then(
          () => {
            known.doc = undefined;
          },
          (undo: unknown) => {
            this.#log.error({ err: undo }, 'could not undo a write-back the store refused');
            this.#known = undefined; // re-read before the next write
          },
        );
        throw error;
      }
      this.#known = { snapshot: written, ...(known.doc ? { doc: known.doc } : {}) };
      this.#appliedHash = undefined;
      // The chunks do not know the written text: what it changed beside `records` is told in full.
      this.#accept(written.text, false);
      this.#toldChunks = false;
      return done(applied.version);
    }
  }

  /**
   * #current returns the last good text of the source, reading it first when there is none or
   * when the last read was refused. Never write over a text that could not be read or parsed:
   * the write would lose what is there.
   */
  async #current(): Promise<Known> {
    if (this.#known === undefined || this.#failure !== undefined) {
      await this.#reconcile('conflict', false).catch((error: unknown) => {
        if (!(error instanceof SourceError)) throw error;
      });
    }
    const failure = this.#failure;
    if (failure !== undefined || this.#known === undefined) {
      this.#options.onPersistFailure?.();
      throw new PersistError(
        `${this.description}: not written back: the source is refused (${failure?.message ?? 'unread'}); fix it first`,
        { cause: failure },
      );
    }
    return this.#known;
  }
}
