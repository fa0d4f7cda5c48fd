// What the store tells its listeners: one event per applied change set (behavior.md §5).
import type { RRset } from './record.ts';

/** RRsetUpdate is one replaced RRset: the stored object before and the one stored now. */
export interface RRsetUpdate {
  readonly before: RRset;
  readonly after: RRset;
}

/** ApplyResult is what one applied change set did, and the version it produced. */
export interface ApplyResult {
  /** version is the store's version after the change set (unchanged when the set was empty). */
  readonly version: number;
  readonly added: readonly RRset[];
  readonly updated: readonly RRsetUpdate[];
  /** deleted holds the RRsets as they were when removed. */
  readonly deleted: readonly RRset[];
}

/**
 * ChangeKind summarises a change set: 'reloaded' for hotReload and partialReload (and apply with
 * `{ reload: true }`, or whose set mixes kinds), else the one kind of change it holds.
 */
export type ChangeKind = 'added' | 'updated' | 'deleted' | 'reloaded';

/** ChangeEvent is emitted once per applied change set; it and everything in it is frozen. */
export interface ChangeEvent extends ApplyResult {
  readonly kind: ChangeKind;
}

/** ChangeListener receives change events synchronously, after the change is visible to readers. */
export type ChangeListener = (event: ChangeEvent) => void;

/** RecordEvent is one RRset's change: the seed's StorageEvent{Type, Record}. */
export type RecordEvent =
  | { readonly kind: 'added'; readonly rrset: RRset }
  | { readonly kind: 'updated'; readonly rrset: RRset; readonly before: RRset }
  | { readonly kind: 'deleted'; readonly rrset: RRset };

/** recordEvents splits a change event into per-RRset events: deleted, then updated, then added. */
export function recordEvents(event: ApplyResult): RecordEvent[] {
  return [
    ...event.deleted.map((rrset) => ({ kind: 'deleted' as const, rrset })),
    ...event.updated.map(({ before, after }) => ({ kind: 'updated' as const, rrset: after, before })),
    ...event.added.map((rrset) => ({ kind: 'added' as const, rrset })),
  ];
}
