// Change sets: the one shape in which data changes (architecture.md §2). Sources compute them
// with diff(current, desired) and hand them to Store.apply.
import { RecordError, type RecordKey, type RRset, recordKey, sameRRset } from './record.ts';

/** ChangeSet is a batch of changes applied all together or not at all. */
export interface ChangeSet {
  added: RRset[];
  updated: RRset[];
  deleted: RecordKey[];
}

/** isEmptyChangeSet reports whether changes change nothing. */
export function isEmptyChangeSet(changes: {
  readonly added?: readonly unknown[];
  readonly updated?: readonly unknown[];
  readonly deleted?: readonly unknown[];
}): boolean {
  return (
    (changes.added?.length ?? 0) === 0 &&
    (changes.updated?.length ?? 0) === 0 &&
    (changes.deleted?.length ?? 0) === 0
  );
}

/**
 * diff returns the change set that turns current into desired: RRsets only in desired are added,
 * RRsets in both whose content differs (sameRRset: TTL or the set of values) are updated, keys only
 * in current are deleted. added and updated keep desired's order, deleted keeps current's.
 * A key repeated in desired is ambiguous and throws RecordError RELOAD_FAILED naming both entries.
 */
export function diff(current: Iterable<RRset>, desired: Iterable<RRset>): ChangeSet {
  const before = new Map<string, RRset>();
  for (const rrset of current) before.set(recordKey(rrset.name, rrset.type), rrset);

  const changes: ChangeSet = { added: [], updated: [], deleted: [] };
  const wanted = new Map<string, number>();
  let index = 0;
  for (const rrset of desired) {
    const key = recordKey(rrset.name, rrset.type);
    const first = wanted.get(key);
    if (first !== undefined) {
      throw new RecordError(
        'RELOAD_FAILED',
        `${rrset.type} record ${rrset.name} repeats records[${first}]: give one entry per name and type, with every value in its list`,
      ).at('records', index);
    }
    wanted.set(key, index++);
    const old = before.get(key);
    if (old === undefined) changes.added.push(rrset);
    else if (!sameRRset(old, rrset)) changes.updated.push(rrset);
  }
  for (const [key, rrset] of before) {
    if (!wanted.has(key)) changes.deleted.push({ name: rrset.name, type: rrset.type });
  }
  return changes;
}
