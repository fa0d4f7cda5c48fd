import type { Name } from '../dns/name.ts';
import type { RRset } from '../store/record.ts';
import type { ZoneView } from '../store/zones.ts';

/** StoreView is the read side of the store that the resolver needs (the Store satisfies it). */
export interface StoreView {
  getRRset(name: Name, type: RRset['type']): RRset | undefined;
  rrsetsAt(name: Name): readonly RRset[];
  readonly zones: ZoneView;
}
