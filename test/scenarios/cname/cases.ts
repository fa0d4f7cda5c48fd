// Scenario "cname": CNAME chains in zone example.com., into the second zone example.net., out of
// every zone, below a delegation, and into zone-less local data (standalone.test.).
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs):
// - a chain of three (each step with its own TTL, a target in mixed case), chased to an A RRset
//   of two; asked as CNAME (not chased), as ANY (the CNAME only), as MX (NODATA at the end: the
//   chain plus the SOA), over TCP, in mixed case;
// - loops (two names, and a name pointing at itself): the chase stops, NOERROR, no error;
// - a missing target inside the zone, directly and after two steps: NXDOMAIN with the CNAMEs in
//   the answer and the SOA in authority (RFC 6604 §2.1: the rcode of the last step);
// - a target that is an empty non-terminal: NODATA with the CNAME;
// - a target outside every zone: the partial chain, NOERROR, AA=1 (forwarding is off);
// - a target below a delegation: the CNAME plus the referral (NS in authority; glue compared);
// - a chain of five steps (Knot's limit, and within ours): both complete it;
// - a CNAME to an MX owner: the MX target's addresses in additional (ours only, behavior.md §2).
// Checked on jw238dns, with Knot's different answer pinned by knotExpect (both defensible):
// - a target in the other local zone (example.net.), present or missing: ours follows the chain
//   into it (behavior.md §2: "followed inside local data"; RFC 1034 §4.3.2 step 3a restarts the
//   lookup at step 1, over every zone the server has), so a missing target there is NXDOMAIN
//   with example.net.'s SOA (RFC 6604 §2.1); Knot never leaves the zone of the query name and
//   answers the partial chain with NOERROR;
// - a chain longer than Knot's limit: Knot stops after 5 CNAMEs; ours after
//   backend.max_cname_depth (10 by default) — the same rule with another number;
// - zone-less local data: a CNAME into it is followed by ours (Knot: the partial chain), and the
//   zone-less names themselves are answered by ours with AA=1 (Knot: REFUSED, no zone).
// Checked on jw238dns only (backend options Knot has no equivalent for):
// - resolve_cname_chain: false: the first CNAME only, even when its target is missing;
// - max_cname_depth: 2 and 5: the answer holds at most that many CNAMEs (5 is Knot's own limit);
// - return_soa_on_nxdomain: false: NXDOMAIN through a CNAME without the SOA.
import type { Scenario } from '../case.ts';

const SOA = 'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
const HOST = ['host.example.com. 600 IN A 192.0.2.10', 'host.example.com. 600 IN A 192.0.2.11'];
const CHAIN = [
  'c1.example.com. 60 IN CNAME c2.example.com.',
  'c2.example.com. 120 IN CNAME c3.example.com.',
  'c3.example.com. 180 IN CNAME host.example.com.',
];
const L = (from: number, to: number) =>
  Array.from(
    { length: to - from + 1 },
    (_, i) => `l${from + i}.example.com. 300 IN CNAME l${from + i + 1}.example.com.`,
  );

export const scenario: Scenario = {
  variants: {
    nochase: { resolve_cname_chain: false },
    depth2: { max_cname_depth: 2 },
    depth5: { max_cname_depth: 5 },
    nosoa: { return_soa_on_nxdomain: false },
  },
  cases: [
    {
      q: 'c1.example.com. A',
      why: 'chain of three CNAMEs to two A records',
      expect: { rcode: 'NOERROR', aa: true, answer: [...CHAIN, ...HOST], authority: [] },
    },
    { q: 'c1.example.com. A', why: 'chain of three over TCP', tcp: true },
    { q: 'C1.Example.COM. A', why: 'chain of three, mixed-case query' },
    { q: 'c2.example.com. AAAA', why: 'chain ending in NODATA: CNAMEs and SOA' },
    { q: 'c1.example.com. MX', why: 'chain of three ending in NODATA: CNAMEs and SOA' },
    {
      q: 'c1.example.com. CNAME',
      why: 'CNAME asked for: not chased',
      expect: { answer: ['c1.example.com. 60 IN CNAME c2.example.com.'] },
    },
    { q: 'c1.example.com. ANY', why: 'ANY at a CNAME: the CNAME only' },
    { q: 'c3.example.com. A', why: 'one step' },
    {
      q: 'loop1.example.com. A',
      why: 'two-name loop: stops, NOERROR',
      expect: {
        rcode: 'NOERROR',
        answer: [
          'loop1.example.com. 300 IN CNAME loop2.example.com.',
          'loop2.example.com. 300 IN CNAME loop1.example.com.',
        ],
      },
    },
    { q: 'loop2.example.com. MX', why: 'two-name loop entered at the other end' },
    { q: 'loop1.example.com. A', why: 'loop over TCP', tcp: true },
    { q: 'self.example.com. A', why: 'CNAME to itself: stops, NOERROR' },
    {
      q: 'dangling.example.com. A',
      why: 'missing target inside the zone: NXDOMAIN with the CNAME (RFC 6604)',
      expect: {
        rcode: 'NXDOMAIN',
        aa: true,
        answer: ['dangling.example.com. 300 IN CNAME nothere.example.com.'],
        authority: [SOA],
      },
    },
    { q: 'dangling2.example.com. A', why: 'missing target after two steps: NXDOMAIN with both CNAMEs' },
    { q: 'dangling.example.com. CNAME', why: 'dangling CNAME asked for: NOERROR' },
    { q: 'DANGLING.example.com. TXT', why: 'missing target, mixed case' },
    { q: 'to-ent.example.com. A', why: 'target is an empty non-terminal: NODATA with the CNAME' },
    { q: 'to-apex.example.com. SOA', why: 'CNAME to the apex, SOA asked' },
    { q: 'to-apex.example.com. NS', why: 'CNAME to the apex, NS asked' },
    {
      q: 'external.example.com. A',
      why: 'target outside every zone: the partial chain',
      expect: { rcode: 'NOERROR', aa: true, answer: ['external.example.com. 300 IN CNAME www.example.org.'] },
    },
    { q: 'external.example.com. A', why: 'target outside every zone, RD=0', rd: false },
    {
      q: 'to-deleg.example.com. A',
      why: 'target below a delegation: CNAME plus referral',
      additional: 'glue',
    },
    { q: 'to-deleg.example.com. DS', why: 'target below a delegation, DS asked', additional: 'glue' },
    { q: 'l8.example.com. A', why: 'chain of five: Knot limit, completed by both' },
    {
      q: 'mx-alias.example.com. MX',
      why: 'CNAME to an MX owner',
      expect: {
        answer: [
          'mx-alias.example.com. 300 IN CNAME mail.example.com.',
          'mail.example.com. 600 IN MX 10 host.example.com.',
        ],
        additionalIncludes: HOST,
      },
    },

    // Both defensible, different: pinned on each side.
    {
      q: 'cross.example.com. A',
      why: 'target in the other local zone: ours follows (Knot stops at the zone edge)',
      knot: false,
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: [
          'cross.example.com. 300 IN CNAME www.example.net.',
          'www.example.net. 300 IN A 198.51.100.80',
        ],
      },
      knotExpect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['cross.example.com. 300 IN CNAME www.example.net.'],
      },
    },
    {
      q: 'back.example.net. A',
      why: 'from example.net. into example.com.: ours follows',
      knot: false,
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['back.example.net. 300 IN CNAME host.example.com.', ...HOST],
      },
      knotExpect: { rcode: 'NOERROR', answer: ['back.example.net. 300 IN CNAME host.example.com.'] },
    },
    {
      q: 'cross-missing.example.com. A',
      why: 'missing target in the other local zone: NXDOMAIN with that zone SOA (RFC 6604)',
      knot: false,
      expect: {
        rcode: 'NXDOMAIN',
        aa: true,
        answer: ['cross-missing.example.com. 300 IN CNAME nope.example.net.'],
        authority: [
          'example.net. 900 IN SOA ns1.example.net. hostmaster.example.net. 7 7200 3600 1209600 900',
        ],
      },
      knotExpect: { rcode: 'NOERROR', answer: ['cross-missing.example.com. 300 IN CNAME nope.example.net.'] },
    },
    {
      q: 'l1.example.com. A',
      why: 'chain of twelve: ours stops at max_cname_depth (10) CNAMEs, Knot at 5',
      knot: false,
      expect: { rcode: 'NOERROR', aa: true, answer: L(1, 10) },
      knotExpect: { rcode: 'NOERROR', aa: true, answer: L(1, 5) },
    },
    {
      q: 'l7.example.com. A',
      why: 'chain of six: within ours, past Knot limit',
      knot: false,
      expect: {
        rcode: 'NOERROR',
        answer: [...L(7, 11), 'l12.example.com. 300 IN CNAME host.example.com.', ...HOST],
      },
      knotExpect: { rcode: 'NOERROR', answer: L(7, 11) },
    },
    {
      q: 'to-local.example.com. A',
      why: 'target is zone-less local data: ours follows (Knot cannot hold it)',
      knot: false,
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: [
          'to-local.example.com. 300 IN CNAME standalone.test.',
          'standalone.test. 300 IN A 203.0.113.7',
        ],
      },
      knotExpect: { rcode: 'NOERROR', answer: ['to-local.example.com. 300 IN CNAME standalone.test.'] },
    },
    {
      q: 'standalone.test. A',
      why: 'zone-less local data: answered with AA=1 (Knot: REFUSED, no zone)',
      knot: false,
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['standalone.test. 300 IN A 203.0.113.7'],
        authority: [],
      },
      knotExpect: { rcode: 'REFUSED', answer: [] },
    },
    {
      q: 'alias.standalone.test. A',
      why: 'zone-less CNAME into a zone: followed',
      knot: false,
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['alias.standalone.test. 300 IN CNAME host.example.com.', ...HOST],
      },
    },
    {
      // behavior.md §2 does not say; ours answers NOERROR with nothing (no SOA to give).
      q: 'standalone.test. MX',
      why: 'zone-less name, a type it lacks: NOERROR, empty (Knot: REFUSED)',
      knot: false,
      expect: { rcode: 'NOERROR', answer: [], authority: [] },
    },
    {
      q: 'x.standalone.test. A',
      why: 'below zone-less data, no zone: REFUSED',
      expect: { rcode: 'REFUSED', answer: [] },
    },

    // Backend options Knot has no equivalent for.
    {
      q: 'c1.example.com. A',
      why: 'resolve_cname_chain false: the first CNAME only',
      variant: 'nochase',
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['c1.example.com. 60 IN CNAME c2.example.com.'],
        authority: [],
      },
    },
    {
      q: 'host.example.com. A',
      why: 'resolve_cname_chain false: no CNAME, same as Knot',
      variant: 'nochase',
      knot: true,
    },
    {
      q: 'c1.example.com. A',
      why: 'max_cname_depth 2: two CNAMEs, the second not followed',
      variant: 'depth2',
      expect: { rcode: 'NOERROR', aa: true, answer: CHAIN.slice(0, 2) },
    },
    {
      q: 'c3.example.com. A',
      why: 'max_cname_depth 2: a one-step chain completes, same as Knot',
      variant: 'depth2',
      knot: true,
    },
    {
      q: 'l7.example.com. A',
      why: 'max_cname_depth 5: five CNAMEs, exactly as Knot (whose limit is 5)',
      variant: 'depth5',
      knot: true,
    },
    {
      q: 'dangling.example.com. A',
      why: 'return_soa_on_nxdomain false: NXDOMAIN with the CNAME, no SOA',
      variant: 'nosoa',
      expect: {
        rcode: 'NXDOMAIN',
        aa: true,
        answer: ['dangling.example.com. 300 IN CNAME nothere.example.com.'],
        authority: [],
      },
    },
    {
      q: 'to-ent.example.com. A',
      why: 'return_soa_on_nxdomain false: NODATA keeps its SOA, same as Knot',
      variant: 'nosoa',
      knot: true,
    },
  ],
};
