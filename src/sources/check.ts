// A dry run of Store.apply's rules, so that a writer can refuse a change before persisting it:
// a write is persisted first and applied second (never applied, then taken back), which needs the
// store's verdict in advance. RRsets reaching here come from validateRecord, so their own shape
// (values, the single CNAME value) is already checked; what is left are the rules between RRsets.
import type { RecordType } from '../dns/constants.ts';
import type { Name } from '../dns/name.ts';
import { RecordError, recordKey } from '../store/record.ts';
import type { Changes } from '../store/store.ts';
import type { RecordView } from './overlay.ts';

/**
 * checkChanges throws the RecordError Store.apply would throw for changes against store (the Store,
 * or an Overlay of it), or returns having changed nothing: each (name, type) once per set
 * (RELOAD_FAILED), deleted and updated RRsets held (RECORD_NOT_FOUND), added ones not
 * (RECORD_EXISTS), and a CNAME alone at its name in the resulting state (INVALID_VALUE;
 * RFC 1034 §3.6.2, RFC 2181 §10.1).
 */
export function checkChanges(store: RecordView, changes: Changes): void {
  const seen = new Set<string>();
  const once = (name: Name, type: RecordType): void => {
    const key = recordKey(name, type);
    if (seen.has(key)) {
      throw new RecordError('RELOAD_FAILED', `${type} record ${name} appears twice in one change set`);
    }
    seen.add(key);
  };
  for (const { name, type } of [...(changes.deleted ?? []), ...(changes.updated ?? [])]) {
    once(name, type);
    if (store.getRRset(name, type) === undefined) {
      throw new RecordError('RECORD_NOT_FOUND', `${type} record ${name} not found`);
    }
  }
  const added = changes.added ?? [];
  for (const { name, type } of added) {
    once(name, type);
    if (store.getRRset(name, type) !== undefined) {
      throw new RecordError('RECORD_EXISTS', `${type} record ${name} already exists`);
    }
  }
  if (added.length === 0) return; // only an addition can bring a second type to a name

  const final = new Map<Name, Set<RecordType>>();
  const typesAt = (name: Name): Set<RecordType> => {
    let types = final.get(name);
    if (types === undefined) {
      types = new Set(store.rrsetsAt(name).map((r) => r.type));
      final.set(name, types);
    }
    return types;
  };
  for (const { name, type } of changes.deleted ?? []) typesAt(name).delete(type);
  for (const { name, type } of added) typesAt(name).add(type);
  for (const { name, type } of added) {
    const types = typesAt(name);
    if (!types.has('CNAME') || types.size === 1) continue;
    const other = type === 'CNAME' ? [...types].filter((t) => t !== 'CNAME').join(', ') : 'the CNAME';
    throw new RecordError(
      'INVALID_VALUE',
      `${type} record ${name} cannot sit beside ${other} at ${name}: ` +
        'a name with a CNAME holds no other type (RFC 1034 §3.6.2, RFC 2181 §10.1)',
    );
  }
}
