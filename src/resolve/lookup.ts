// Authoritative lookup of one name in local data: RFC 1034 §4.3.2 steps 2–3 with the wildcard
// rules of RFC 4592. DNS outcomes are values (Knot in-states, CoreDNS Result): this never throws for
// NXDOMAIN, NODATA or a referral.
import { RRType } from '../dns/constants.ts';
import { type Name, parentName } from '../dns/name.ts';
import type { RRset } from '../store/record.ts';
import type { StoreView } from './store-view.ts';

/** Lookup is the outcome of looking up one (name, type) in local data. */
export type Lookup =
  /** RRsets to answer with; for a wildcard match they are owned by the query name. */
  | { readonly kind: 'answer'; readonly rrsets: readonly RRset[]; readonly zone: Name | undefined }
  /** The name holds a CNAME (possibly synthesised from a wildcard) and the type asked is not CNAME. */
  | { readonly kind: 'cname'; readonly cname: RRset; readonly target: Name; readonly zone: Name | undefined }
  /** The name exists (or a wildcard matched) but holds no RRset of the type. */
  | { readonly kind: 'nodata'; readonly zone: Name | undefined }
  /** The name does not exist in the zone. */
  | { readonly kind: 'nxdomain'; readonly zone: Name }
  /** The name is at or below a zone cut: a referral to the child's NS. */
  | { readonly kind: 'delegation'; readonly zone: Name; readonly ns: RRset }
  /** No zone holds the name and it owns no local data. */
  | { readonly kind: 'not-ours' };

const NOT_OURS: Lookup = Object.freeze({ kind: 'not-ours' });

/**
 * lookup answers (name, type) from store:
 *   1. the closest enclosing zone (deepest SOA owner at or above name); without one, only an exact
 *      zone-less name is answered (behavior.md §2: like a hosts file);
 *   2. from the apex down, the first NS RRset below the apex is a zone cut: everything at or below
 *      it is the child's, so the answer is a referral (RFC 1034 §4.3.2 step 3b) — except DS, which
 *      lives on the parent side of the cut (RFC 4035 §3.1.4.1);
 *   3. an existing name answers from its own RRsets: the type, or its CNAME, or NODATA;
 *   4. an empty non-terminal is NODATA (RFC 4592 §2.2.2: it exists);
 *   5. otherwise the wildcard `*.<closest encloser>` is the source of synthesis, if it exists
 *      (RFC 4592 §3.3.1); a wildcard never matches across an existing name or an empty
 *      non-terminal, because the closest encloser is then that name;
 *   6. else NXDOMAIN.
 */
export function lookup(store: StoreView, name: Name, type: number): Lookup {
  const zone = zoneFor(store, name, type);
  if (zone === undefined) {
    const local = store.rrsetsAt(name);
    return local.length === 0 ? NOT_OURS : fromNode(local, type, undefined);
  }

  const cut = zoneCut(store, zone, name, type);
  if (cut !== undefined) return { kind: 'delegation', zone, ns: cut };

  const here = store.rrsetsAt(name);
  if (here.length > 0) return fromNode(here, type, zone);
  if (store.zones.hasNode(name)) return { kind: 'nodata', zone };

  // Closest encloser: the deepest existing ancestor. The apex exists, so the walk ends there.
  let encloser = parentName(name) as Name;
  while (encloser !== zone && !store.zones.hasNode(encloser)) encloser = parentName(encloser) as Name;
  const source = `*.${encloser === '.' ? '' : encloser}` as Name;
  const wild = store.rrsetsAt(source);
  if (wild.length > 0)
    return fromNode(
      wild.map((r) => synthesise(r, name)),
      type,
      zone,
    );
  return { kind: 'nxdomain', zone };
}

// The zone a query is answered from: the closest enclosing zone, except that DS at a child apex is
// answered by the parent when the parent is ours too (RFC 4035 §3.1.4.1).
function zoneFor(store: StoreView, name: Name, type: number): Name | undefined {
  const zone = store.zones.closestZone(name);
  if (type === RRType.DS && zone === name) {
    const parent = parentName(name);
    const outer = parent === undefined ? undefined : store.zones.closestZone(parent);
    if (outer !== undefined) return outer;
  }
  return zone;
}

// The topmost NS RRset strictly below the apex on the way down to name, if any. At the cut itself,
// DS is the parent's and is not referred.
function zoneCut(store: StoreView, zone: Name, name: Name, type: number): RRset | undefined {
  let cut: RRset | undefined;
  for (let n: Name | undefined = name; n !== undefined && n !== zone; n = parentName(n)) {
    if (n === name && type === RRType.DS) continue;
    const ns = store.getRRset(n, 'NS');
    if (ns !== undefined) cut = ns;
  }
  return cut;
}

function fromNode(rrsets: readonly RRset[], type: number, zone: Name | undefined): Lookup {
  if (type === RRType.ANY) return { kind: 'answer', rrsets, zone };
  for (const r of rrsets) {
    if (RRType[r.type] === type) return { kind: 'answer', rrsets: [r], zone };
  }
  // RFC 1034 §3.6.2: a CNAME owner holds nothing else, so it is the only RRset here.
  const cname = rrsets[0];
  if (cname !== undefined && cname.type === 'CNAME') {
    return { kind: 'cname', cname, target: cname.values[0] as Name, zone };
  }
  return { kind: 'nodata', zone };
}

// RFC 4592 §3.3.1: the synthesised RRset is owned by the query name.
function synthesise(rrset: RRset, owner: Name): RRset {
  return { ...rrset, name: owner };
}
