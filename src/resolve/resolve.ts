// The query pipeline, on one screen. This first version answers exact matches from the store with
// AA=1 and gives the basic negative answers; zone cuts, wildcards, CNAME chasing and additional
// processing are added in their own steps (issue "Authoritative answers").
import { Rcode, RRClass, RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Name } from '../dns/name.ts';
import { parseSoa } from '../dns/rdata.ts';
import type { RRset } from '../store/record.ts';
import type { ZoneView } from '../store/zones.ts';
import { type Answer, EMPTY, type Query, rcodeOnly } from './answer.ts';

/** StoreView is the read side of the store that the resolver needs. */
export interface StoreView {
  getRRset(name: Name, type: RRset['type']): RRset | undefined;
  rrsetsAt(name: Name): readonly RRset[];
  readonly zones: ZoneView;
}

/** ResolveOptions are the `backend.*` settings the resolver honours. */
export interface ResolveOptions {
  readonly returnSoaOnNxdomain: boolean;
}

/** toOut converts a stored RRset to the encoder's form, with the owner name given. */
export function toOut(rrset: RRset, owner: string = rrset.name): RRsetOut {
  return { name: owner, type: RRType[rrset.type], ttl: rrset.ttl, data: rrset.values };
}

/** negativeSoa returns the zone's SOA for the authority section, TTL = min(SOA TTL, MINIMUM) (RFC 2308 §3). */
export function negativeSoa(store: StoreView, apex: Name): RRsetOut | undefined {
  const soa = store.getRRset(apex, 'SOA');
  if (soa === undefined) return undefined;
  const minimum = parseSoa(soa.values[0] as string).minimum;
  return { name: apex, type: RRType.SOA, ttl: Math.min(soa.ttl, minimum), data: soa.values };
}

/** createResolver returns the synchronous local resolver over store. */
export function createResolver(store: StoreView, options: ResolveOptions): (q: Query) => Answer {
  return (q) => {
    // behavior.md §3: class other than IN (and ANY) → REFUSED.
    if (q.class !== RRClass.IN && q.class !== RRClass.ANY) return rcodeOnly(Rcode.REFUSED);
    // Zone transfers are not offered: say so rather than answer as if AXFR were an RRset type.
    if (q.type === RRType.AXFR || q.type === RRType.IXFR) return rcodeOnly(Rcode.NOTIMP);
    const atName = store.rrsetsAt(q.name);
    const zone = store.zones.closestZone(q.name);
    if (atName.length === 0 && zone === undefined) return rcodeOnly(Rcode.REFUSED);

    if (atName.length > 0) {
      const answer =
        q.type === RRType.ANY
          ? atName.map((r) => toOut(r))
          : atName.filter((r) => RRType[r.type] === q.type).map((r) => toOut(r));
      if (answer.length > 0)
        return { rcode: Rcode.NOERROR, aa: true, answer, authority: EMPTY, additional: EMPTY };
    }
    const soa = zone === undefined ? undefined : negativeSoa(store, zone);
    const exists = atName.length > 0 || store.zones.hasNode(q.name);
    const withSoa = exists || options.returnSoaOnNxdomain;
    return {
      rcode: exists ? Rcode.NOERROR : Rcode.NXDOMAIN,
      aa: true,
      answer: EMPTY,
      authority: soa !== undefined && withSoa ? [soa] : EMPTY,
      additional: EMPTY,
    };
  };
}
