// Scenario "negative": NXDOMAIN, NODATA and empty non-terminals (RFC 2308, RFC 8020).
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs):
// - NXDOMAIN: a missing name, one several labels down, for A, ANY, SOA, NS and an unknown type;
//   the zone SOA in authority with TTL min(SOA TTL, MINIMUM) = min(300 (default_ttl), 3600);
// - NODATA: an existing name without the type (A, AAAA, MX, CNAME, NS below the apex, DS at the
//   apex of a zone with no parent here), the SOA in authority;
// - empty non-terminals at depth one and two, and the _tcp/_udp labels of SRV owners: NODATA,
//   not NXDOMAIN, for any type and ANY; names under them that do not exist: NXDOMAIN;
// - over UDP, TCP, with EDNS, in mixed case.
// Checked on jw238dns only (no Knot equivalent): return_soa_on_nxdomain: false drops the SOA
// from NXDOMAIN only; NODATA and empty non-terminals keep it (behavior.md §2).
import type { Scenario } from '../case.ts';

const SOA = 'neg.example. 300 IN SOA ns.neg.example. hostmaster.neg.example. 3 7200 3600 1209600 3600';
const NXDOMAIN = { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [SOA] } as const;
const NODATA = { rcode: 'NOERROR', aa: true, answer: [], authority: [SOA] } as const;

export const scenario: Scenario = {
  backend: { default_ttl: 300 },
  variants: { nosoa: { return_soa_on_nxdomain: false } },
  cases: [
    { q: 'neg.example. SOA', why: 'SOA with the default TTL' },
    { q: 'nope.neg.example. A', why: 'NXDOMAIN, SOA TTL min(300, 3600)', expect: NXDOMAIN },
    { q: 'x.y.z.nope.neg.example. A', why: 'NXDOMAIN four labels below the apex', expect: NXDOMAIN },
    { q: 'nope.neg.example. ANY', why: 'NXDOMAIN for ANY' },
    { q: 'nope.neg.example. SOA', why: 'NXDOMAIN for SOA' },
    { q: 'nope.neg.example. NS', why: 'NXDOMAIN for NS' },
    { q: 'nope.neg.example. TYPE4242', why: 'NXDOMAIN for an unknown type' },
    { q: 'NoPe.NeG.ExAmPlE. A', why: 'NXDOMAIN in mixed case' },
    { q: 'nope.neg.example. A', why: 'NXDOMAIN over TCP', tcp: true },
    { q: 'nope.neg.example. A', why: 'NXDOMAIN with EDNS', edns: { udpSize: 1232 } },
    { q: 'host.neg.example. AAAA', why: 'NODATA', expect: NODATA },
    { q: 'host.neg.example. MX', why: 'NODATA for MX' },
    { q: 'host.neg.example. CNAME', why: 'NODATA for CNAME' },
    { q: 'host.neg.example. NS', why: 'NODATA for NS below the apex (not a cut)' },
    { q: 'neg.example. DS', why: 'DS at an apex with no parent zone here: NODATA from the zone' },
    { q: 'neg.example. A', why: 'NODATA at the apex' },
    { q: 'HOST.neg.example. TXT', why: 'NODATA in mixed case over TCP', tcp: true },
    { q: 'a.neg.example. A', why: 'empty non-terminal, depth one: NODATA', expect: NODATA },
    { q: 'b.a.neg.example. TXT', why: 'empty non-terminal, depth two: NODATA', expect: NODATA },
    { q: 'b.a.neg.example. ANY', why: 'ANY at an empty non-terminal: NODATA' },
    { q: 'c.b.a.neg.example. TXT', why: 'the name below the empty non-terminals' },
    { q: 'x.b.a.neg.example. TXT', why: 'sibling under an empty non-terminal: NXDOMAIN', expect: NXDOMAIN },
    { q: 'x.a.neg.example. TXT', why: 'under the depth-one empty non-terminal: NXDOMAIN' },
    { q: '_tcp.neg.example. SRV', why: '_tcp label of an SRV owner: NODATA' },
    { q: '_udp.neg.example. SRV', why: '_udp label of an SRV owner: NODATA', tcp: true },
    { q: '_sctp.neg.example. SRV', why: 'no such label: NXDOMAIN' },
    { q: '_xmpp._tcp.neg.example. SRV', why: 'missing service under _tcp: NXDOMAIN' },
    {
      q: 'nope.neg.example. A',
      why: 'return_soa_on_nxdomain false: NXDOMAIN without the SOA',
      variant: 'nosoa',
      expect: { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [] },
    },
    {
      q: 'x.b.a.neg.example. TXT',
      why: 'return_soa_on_nxdomain false: NXDOMAIN under an empty non-terminal, no SOA',
      variant: 'nosoa',
      expect: { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [] },
    },
    {
      q: 'host.neg.example. AAAA',
      why: 'return_soa_on_nxdomain false: NODATA keeps the SOA, as Knot',
      variant: 'nosoa',
      knot: true,
      expect: NODATA,
    },
    {
      q: 'b.a.neg.example. A',
      why: 'return_soa_on_nxdomain false: an empty non-terminal keeps the SOA, as Knot',
      variant: 'nosoa',
      knot: true,
      expect: NODATA,
    },
  ],
};
