// The query pipeline, on one screen (Knot process_query / answer_query): class check → local
// lookup (zone or zone-less name, RFC 4592 wildcards, referrals) → CNAME chase through local data
// → negative answers with the SOA → additional section. The result is an Answer value; encoding and
// truncation are the server's.
import { Rcode, RRClass, RRType } from '../dns/constants.ts';
import type { RRsetOut } from '../dns/message.ts';
import { isSubdomain, type Name } from '../dns/name.ts';
import { additionalFor } from './additional.ts';
import { type Answer, type CacheNote, EMPTY, type Query, rcodeOnly } from './answer.ts';
import { negativeSoa, toOut } from './convert.ts';
import { RecordingView } from './dependencies.ts';
import type { Forwarder } from './forward.ts';
import { lookup } from './lookup.ts';
import type { MayRecurse } from './recursion.ts';
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
      case 'delegation': {
        // A referral is not authoritative (RFC 1034 §4.3.2 step 3b); after a CNAME from our own
        // data, the answer section still is. Glue for name servers at or below the cut is
        // required: without it the referral cannot be followed (RFC 9471 §3).
        const referral = finish(store, Rcode.NOERROR, answer.length > 0, answer, [toOut(r.ns)]);
        const additional = referral.additional.map((g) =>
          isSubdomain(g.name as Name, r.ns.name) ? { ...g, required: true } : g,
        );
        return { kind: 'done', answer: { ...referral, additional } };
      }
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
        // The answer now holds depth + 1 CNAMEs: at max_cname_depth, or on a loop, stop and answer
        // with the chain so far (behavior.md §2; Knot's follow_cname stops at its limit the same way).
        if (!options.resolveCnameChain || depth + 1 >= options.maxCnameDepth || seen.has(target)) {
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

/** Forwarding is what the resolver needs to send queries upstream, when forwarding is on. */
export interface Forwarding {
  readonly forwarder: Pick<Forwarder, 'resolve'>;
  readonly mayRecurse: MayRecurse;
}

/**
 * createResolver returns the resolver. Local data is read synchronously, before any await
 * (architecture.md §3), so the answer is a plain value unless the query is forwarded.
 */
export function createResolver(
  store: StoreView,
  options: ResolveOptions,
  forwarding?: Forwarding,
): (q: Query, note?: CacheNote) => Answer | Promise<Answer> {
  // Recursion only with RD=1 and for clients in backend.upstream.allow (behavior.md §4).
  const recurses = (q: Query) => forwarding !== undefined && q.rd && forwarding.mayRecurse(q.client.address);
  const upstream = (q: Query, name: Name) =>
    (forwarding as Forwarding).forwarder.resolve({
      name,
      type: q.type,
      class: RRClass.IN,
      cd: q.cd,
      do: q.edns?.do === true,
    });

  return (q, note) => {
    // behavior.md §3: class other than IN (and ANY) → REFUSED.
    if (q.class !== RRClass.IN && q.class !== RRClass.ANY) return rcodeOnly(Rcode.REFUSED);
    // Zone transfers are not offered: say so rather than answer as if AXFR were an RRset type.
    if (q.type === RRType.AXFR || q.type === RRType.IXFR) return rcodeOnly(Rcode.NOTIMP);
    let local: LocalResult;
    if (note === undefined) {
      local = answerLocally(store, q, options);
    } else {
      const view = new RecordingView(store);
      local = answerLocally(view, q, options);
      note.dependencies = view.keys;
      // Past local data the answer depends on the client (RD, the allow list) when forwarding is on.
      note.cacheable = local.kind === 'done' || forwarding === undefined;
    }
    switch (local.kind) {
      case 'done':
        return local.answer;
      case 'not-ours':
        return recurses(q) ? upstream(q, q.name) : rcodeOnly(Rcode.REFUSED);
      case 'chain-left-local-data':
        // The partial chain is the answer, as authoritative servers give it, unless this client
        // may recurse: then the rest of the chain comes from upstream and is appended.
        return recurses(q)
          ? upstream(q, local.target).then((rest) => appendChain(local.answer, rest))
          : local.answer;
    }
  };
}

// RFC 6604 §3: the rcode is that of the last name in the chain; AA stays as our own part set it
// (it is about the first owner). When the upstream failed, the whole answer is SERVFAIL.
function appendChain(local: Answer, rest: Answer): Answer {
  if (rest.rcode !== Rcode.NOERROR && rest.rcode !== Rcode.NXDOMAIN) return rcodeOnly(rest.rcode);
  return {
    rcode: rest.rcode,
    aa: local.aa,
    ra: rest.ra === true,
    answer: [...local.answer, ...rest.answer],
    authority: rest.authority,
    additional: [...local.additional, ...rest.additional],
  };
}
