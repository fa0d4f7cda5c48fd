// Additional section processing (RFC 1034 §4.3.2 step 6, RFC 1035 §3.3.9/§3.3.11, RFC 2782):
// addresses of MX, SRV and NS targets held locally, so the client need not ask for them.
import { RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Name } from '../dns/name.ts';
import { toOut } from './convert.ts';
import type { StoreView } from './store-view.ts';

function targetOf(type: number, value: string): string | undefined {
  switch (type) {
    case RRType.NS:
      return value;
    case RRType.MX:
      return value.slice(value.indexOf(' ') + 1);
    case RRType.SRV:
      return value.slice(value.lastIndexOf(' ') + 1);
    default:
      return undefined;
  }
}

/**
 * additionalFor returns the A and AAAA RRsets held locally for the targets of the MX, SRV and NS
 * RRsets in sections, each once, leaving out RRsets already in the answer. The encoder leaves out
 * whatever does not fit, without setting TC (RFC 2181 §9).
 */
export function additionalFor(store: StoreView, sections: readonly (readonly RRsetOut[])[]): RRsetOut[] {
  const out: RRsetOut[] = [];
  const seen = new Set<string>();
  for (const section of sections)
    for (const r of section)
      if (r.type === RRType.A || r.type === RRType.AAAA) seen.add(`${r.name} ${r.type}`);
  for (const section of sections) {
    for (const rrset of section) {
      for (const value of rrset.data) {
        const target = targetOf(rrset.type, value) as Name | undefined;
        if (target === undefined || target === '.') continue;
        for (const type of ['A', 'AAAA'] as const) {
          const key = `${target} ${RRType[type]}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const found = store.getRRset(target, type);
          if (found !== undefined) out.push(toOut(found));
        }
      }
    }
  }
  return out;
}
