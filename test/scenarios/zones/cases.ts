// Scenario "zones": several zones on one server, the closest enclosing zone answering.
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs):
// - each apex's SOA and NS, in mixed case too;
// - a child zone with its own SOA below a parent: names at and under the child apex are answered
//   from the child (its SOA in negative answers, with the child's RFC 2308 TTL min(60, 600) = 60),
//   the child apex NS is an answer (AA=1), not a referral;
// - DS at the child apex is the parent's (RFC 4035 §3.1.4.1): NODATA with the parent SOA;
// - a child zone two labels down: the name between is an empty non-terminal of the parent;
// - the IPv4 reverse zone (PTR, two PTRs, NXDOMAIN, apex NS/SOA, an upper-case query) and the
//   IPv6 reverse zone (PTR, empty non-terminal, NXDOMAIN);
// - names outside every zone (above an apex, a sibling TLD, the root, a parent of a reverse
//   zone; over UDP, TCP and with EDNS): REFUSED, AA=0, nothing in any section, as Knot answers
//   (behavior.md §2: REFUSED when forwarding is off);
// - below zone-less data, no zone: REFUSED.
// Checked on jw238dns only, Knot's answer pinned by knotExpect:
// - zone-less local data (router.lan., lan.): answered with AA=1 (behavior.md §2, like a hosts
//   file); Knot serves zones only and answers REFUSED;
// - y.example.com., between the parent and a child zone that has no NS (so the parent has no
//   delegation): ours NODATA, Knot NXDOMAIN from the parent's data alone. Ours is the safer
//   answer: an NXDOMAIN there claims that nothing exists below it (RFC 8020 §2), which would hide
//   the zone x.y.example.com. from resolvers that cut the tree on NXDOMAIN.
import type { Scenario } from '../case.ts';

const PARENT_SOA =
  'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 2026112901 7200 3600 1209600 300';
const CHILD_SOA =
  'child.example.com. 60 IN SOA ns1.child.example.com. hostmaster.child.example.com. 42 7200 3600 1209600 600';
const REFUSED = { rcode: 'REFUSED', aa: false, answer: [], authority: [], additional: [] } as const;
const V6 = '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.';

export const scenario: Scenario = {
  cases: [
    { q: 'example.com. SOA', why: 'parent apex SOA' },
    { q: 'example.com. NS', why: 'parent apex NS' },
    { q: 'EXAMPLE.COM. SOA', why: 'parent apex SOA, upper case' },
    { q: 'www.example.com. AAAA', why: 'parent data' },
    {
      q: 'nope.example.com. A',
      why: 'NXDOMAIN in the parent: parent SOA',
      expect: { rcode: 'NXDOMAIN', aa: true, authority: [PARENT_SOA] },
    },
    {
      q: 'child.example.com. SOA',
      why: 'child apex: the child zone answers',
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: [
          'child.example.com. 60 IN SOA ns1.child.example.com. hostmaster.child.example.com. 42 7200 3600 1209600 600',
        ],
      },
    },
    {
      q: 'child.example.com. NS',
      why: 'child apex NS: an answer with AA=1, not a referral',
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['child.example.com. 3600 IN NS ns1.child.example.com.'],
      },
    },
    { q: 'Child.Example.COM. NS', why: 'child apex NS, mixed case' },
    { q: 'child.example.com. MX', why: 'child apex MX, target in the parent zone' },
    { q: 'www.child.example.com. A', why: 'child data' },
    { q: 'ns1.child.example.com. A', why: 'child name server address: child data, AA=1' },
    {
      q: 'child.example.com. A',
      why: 'NODATA at the child apex: child SOA with TTL min(60, 600)',
      expect: { rcode: 'NOERROR', aa: true, answer: [], authority: [CHILD_SOA] },
    },
    {
      q: 'nope.child.example.com. A',
      why: 'NXDOMAIN in the child: child SOA',
      expect: { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [CHILD_SOA] },
    },
    { q: 'nope.child.example.com. A', why: 'NXDOMAIN in the child over TCP', tcp: true },
    {
      q: 'child.example.com. DS',
      why: 'DS at the child apex: the parent answers NODATA',
      expect: { rcode: 'NOERROR', aa: true, answer: [], authority: [PARENT_SOA] },
    },
    {
      q: 'child.example.com. ANY',
      why: 'ANY at the child apex over TCP',
      tcp: true,
      compare: { answer: 'superset' },
    },
    { q: 'a.b.example.com. SOA', why: 'grandchild apex' },
    { q: 'host.a.b.example.com. TXT', why: 'grandchild data' },
    { q: 'b.example.com. A', why: 'empty non-terminal between parent and grandchild: NODATA' },
    { q: 'a.b.example.com. DS', why: 'DS at the grandchild apex: the parent answers' },
    { q: 'x.y.example.com. SOA', why: 'a zone with no NS' },
    { q: 'www.x.y.example.com. A', why: 'data in a zone with no NS' },
    {
      q: 'y.example.com. A',
      why: 'between the parent and a zone it does not delegate: ours NODATA (Knot NXDOMAIN, RFC 8020)',
      knot: false,
      expect: { rcode: 'NOERROR', aa: true, answer: [], authority: [PARENT_SOA] },
      knotExpect: { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [PARENT_SOA] },
    },
    { q: '1.2.0.192.in-addr.arpa. PTR', why: 'reverse PTR' },
    { q: '2.2.0.192.in-addr.arpa. PTR', why: 'reverse, two PTRs' },
    { q: '1.2.0.192.IN-ADDR.ARPA. PTR', why: 'reverse PTR, upper case' },
    { q: '3.2.0.192.in-addr.arpa. PTR', why: 'reverse NXDOMAIN' },
    { q: '1.2.0.192.in-addr.arpa. A', why: 'reverse NODATA' },
    { q: '2.0.192.in-addr.arpa. NS', why: 'reverse apex NS' },
    { q: '2.0.192.in-addr.arpa. SOA', why: 'reverse apex SOA over TCP', tcp: true },
    { q: `${V6} PTR`, why: 'IPv6 reverse PTR' },
    { q: '0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR', why: 'IPv6 reverse empty non-terminal: NODATA' },
    { q: `2${V6.slice(1)} PTR`, why: 'IPv6 reverse NXDOMAIN' },
    { q: 'example.org. A', why: 'outside every zone: REFUSED', expect: REFUSED },
    { q: 'example.org. A', why: 'outside every zone over TCP: REFUSED', tcp: true },
    { q: 'example.org. A', why: 'outside every zone with EDNS: REFUSED, OPT kept', edns: { udpSize: 1232 } },
    { q: 'example.org. A', why: 'outside every zone, RD=0: REFUSED', rd: false },
    { q: 'com. SOA', why: 'above an apex: REFUSED', expect: REFUSED },
    { q: '. NS', why: 'the root: REFUSED' },
    { q: 'org. NS', why: 'another TLD: REFUSED' },
    { q: '0.192.in-addr.arpa. PTR', why: 'above the reverse zone: REFUSED' },
    { q: 'ip6.arpa. SOA', why: 'far above the IPv6 reverse zone: REFUSED' },
    { q: 'x.router.lan. A', why: 'below zone-less data, no zone: REFUSED', expect: REFUSED },
    {
      q: 'router.lan. A',
      why: 'zone-less local data: AA=1 answer (Knot: REFUSED)',
      knot: false,
      expect: { rcode: 'NOERROR', aa: true, answer: ['router.lan. 300 IN A 192.168.1.1'], authority: [] },
      knotExpect: REFUSED,
    },
    {
      q: 'Router.LAN. A',
      why: 'zone-less local data, mixed case',
      knot: false,
      expect: { rcode: 'NOERROR', aa: true, answer: ['router.lan. 300 IN A 192.168.1.1'] },
    },
    {
      q: 'lan. TXT',
      why: 'zone-less data at a TLD',
      knot: false,
      expect: { rcode: 'NOERROR', aa: true, answer: ['lan. 300 IN TXT a name above nothing'] },
      knotExpect: REFUSED,
    },
  ],
};
