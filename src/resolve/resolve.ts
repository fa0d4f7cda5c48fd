// The query pipeline, on one screen (Knot process_query / answer_query): class check → local
// lookup (zone or zone-less name, RFC 4592 wildcards, referrals) → CNAME chase through local data
// → negative answers with the SOA → additional section. The result is an Answer value; encoding and
// truncation are the server's.
import { Rcode, RRClass, RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import type { Name } from '../dns/name.ts';
import { additionalFor } from './additional.ts';
import { type Answer, EMPTY, type Query, rcodeOnly } from './answer.ts';
import { negativeSoa, toOut } from './convert.ts';
import { lookup } from './lookup.ts';
import type { StoreView } from './store-view.ts';

export type { StoreView } from './store-view.ts';

/** ResolveOptions are the `backend.*` settings the resolver honours. */
export interface ResolveOptions {
  readonly returnSoaOnNxdomain: boolean;
  readonly resolveCnameChain: boolean;
  readonly maxCnameDepth: number;
}

/**
 * LocalResult is what local data says: a finished answer, a name that is not ours at all, or a
 * CNAME chain that left local data at target (the forwarder may complete it; otherwise the
 * partial chain is the answer, as authoritative servers give it).
 */
export type LocalResult =
  | { readonly kind: 'done'; readonly answer: Answer }
  | { readonly kind: 'not-ours' }
  | { readonly kind: 'chain-left-local-data'; readonly answer: Answer; readonly target: Name };

/** answerLocally decides the answer to q from local data alone. It reads the store synchronously. */
export function answerLocally(store: StoreView, q: Query, options: ResolveOptions): LocalResult {
  const answer: RRsetOut[] = [];
  const seen = new Set<Name>([q.name]);
  let name = q.name;
  for (let depth = 0; ; depth++) {
    const r = lookup(store, name, q.type);
    switch (r.kind) {
      case 'answer':
        for (const rrset of r.rrsets) answer.push(toOut(rrset));
        return done(store, Rcode.NOERROR, true, answer, EMPTY);
      case 'nodata': {
        const soa = r.zone === undefined ? undefined : negativeSoa(store, r.zone);
        return done(store, Rcode.NOERROR, true, answer, soa ? [soa] : EMPTY);
      }
      case 'nxdomain': {
        // RFC 6604 §3: after a CNAME the rcode is that of the last name in the chain.
        const soa = options.returnSoaOnNxdomain ? negativeSoa(store, r.zone) : undefined;
        return done(store, Rcode.NXDOMAIN, true, answer, soa ? [soa] : EMPTY);
      }
      case 'delegation':
        // A referral is not authoritative (RFC 1034 §4.3.2 step 3b); after a CNAME from our own
        // data, the answer section still is.
        return done(store, Rcode.NOERROR, answer.length > 0, answer, [toOut(r.ns)]);
      case 'not-ours':
        if (answer.length === 0) return { kind: 'not-ours' };
        return {
          kind: 'chain-left-local-data',
          answer: finish(store, Rcode.NOERROR, true, answer, EMPTY),
          target: name,
        };
      case 'cname': {
        answer.push({ ...toOut(r.cname), name });
        const target = r.target;
        // depth CNAMEs have been followed so far. Stop at the limit and on a loop, answering with
        // the chain so far (behavior.md §2; Knot follow_cname).
        if (!options.resolveCnameChain || depth >= options.maxCnameDepth || seen.has(target)) {
          return done(store, Rcode.NOERROR, true, answer, EMPTY);
        }
        seen.add(target);
        name = target;
      }
    }
  }
}

function finish(
  store: StoreView,
  rcode: number,
  aa: boolean,
  answer: readonly RRsetOut[],
  authority: readonly RRsetOut[],
): Answer {
  const additional = additionalFor(store, [answer, authority]);
  return { rcode, aa, answer, authority, additional: additional.length > 0 ? additional : EMPTY };
}

function done(
  store: StoreView,
  rcode: number,
  aa: boolean,
  answer: readonly RRsetOut[],
  authority: readonly RRsetOut[],
): LocalResult {
  return { kind: 'done', answer: finish(store, rcode, aa, answer, authority) };
}

/** createResolver returns the resolver: local data only for now (forwarding is a later step). */
export function createResolver(store: StoreView, options: ResolveOptions): (q: Query) => Answer {
  return (q) => {
    // behavior.md §3: class other than IN (and ANY) → REFUSED.
    if (q.class !== RRClass.IN && q.class !== RRClass.ANY) return rcodeOnly(Rcode.REFUSED);
    // Zone transfers are not offered: say so rather than answer as if AXFR were an RRset type.
    if (q.type === RRType.AXFR || q.type === RRType.IXFR) return rcodeOnly(Rcode.NOTIMP);
    const local = answerLocally(store, q, options);
    switch (local.kind) {
      case 'done':
        return local.answer;
      case 'chain-left-local-data':
        return local.answer; // the seam for forwarding: without it the partial chain is the answer
      case 'not-ours':
        return rcodeOnly(Rcode.REFUSED);
    }
  };
}
