// The values that cross the server ⇄ resolver boundary: a Query computed once at the edge
// (CoreDNS request.Request) and an Answer decided before anything is encoded (NSD answer.h).
import type { Edns } from '../dns/edns.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Name } from '../dns/name.ts';

/** Transport is how a query arrived. */
export type Transport = 'udp' | 'tcp';

/** Client identifies who asked. */
export interface Client {
  readonly address: string;
  readonly port: number;
  readonly transport: Transport;
}

/** Query is an admitted, decoded query. */
export interface Query {
  readonly id: number;
  /** name is the lower-case qname; askedName keeps the client's letter case for the echo. */
  readonly name: Name;
  readonly askedName: string;
  readonly type: number;
  readonly class: number;
  readonly rd: boolean;
  readonly cd: boolean;
  readonly edns?: Edns;
  readonly client: Client;
}

/** Answer is the decided response: rcode, flags and sections of RRsets. */
export interface Answer {
  readonly rcode: number;
  readonly aa: boolean;
  readonly ra?: boolean;
  readonly answer: readonly RRsetOut[];
  readonly authority: readonly RRsetOut[];
  readonly additional: readonly RRsetOut[];
}

/** EMPTY is a section with nothing in it (shared, frozen). */
export const EMPTY: readonly RRsetOut[] = Object.freeze([]);

/** rcodeOnly returns an answer with no records. */
export function rcodeOnly(rcode: number, aa = false): Answer {
  return { rcode, aa, answer: EMPTY, authority: EMPTY, additional: EMPTY };
}

/**
 * CacheNote asks the resolver to record what a local answer depends on, for the fast-path cache.
 * The resolver fills dependencies and clears cacheable when the answer depends on more than the
 * question (a forwarded answer, or one that depends on who asked).
 */
export interface CacheNote {
  dependencies: ReadonlySet<string>;
  cacheable: boolean;
}
