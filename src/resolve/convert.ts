import { RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Name } from '../dns/name.ts';
import { parseSoa } from '../dns/rdata.ts';
import type { RRset } from '../store/record.ts';
import type { StoreView } from './store-view.ts';

/** toOut converts a stored RRset to the encoder's form. */
export function toOut(rrset: RRset): RRsetOut {
  return { name: rrset.name, type: RRType[rrset.type], ttl: rrset.ttl, data: rrset.values };
}

/** negativeSoa returns the zone's SOA for the authority section, TTL = min(SOA TTL, MINIMUM) (RFC 2308 §3). */
export function negativeSoa(store: StoreView, apex: Name): RRsetOut | undefined {
  const soa = store.getRRset(apex, 'SOA');
  if (soa === undefined) return undefined;
  const minimum = parseSoa(soa.values[0] as string).minimum;
  return { name: apex, type: RRType.SOA, ttl: Math.min(soa.ttl, minimum), data: soa.values };
}
