// Scenario "types": one zone (example.org.) with every record type the store holds.
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs):
// - positive answers for A, AAAA, CNAME, MX, TXT, NS, SRV, PTR, SOA and CAA;
// - multi-value RRsets (3 A, 2 AAAA, 3 MX, 4 TXT with an empty one and one with quotes and
//   backslashes, 3 CAA, 5 A), all returned;
// - a TXT value longer than 255 octets (two character-strings on the wire);
// - records without a TTL take backend.default_ttl (900 here, written out for Knot);
// - AAAA formatting (IPv4-mapped, trailing ::) and upper-case input in values;
// - CNAME queried as CNAME (not chased) and as A (chased, two steps);
// - NODATA, NXDOMAIN and an empty non-terminal (_tcp.example.org.), with the SOA TTL of RFC 2308;
// - a type the store cannot hold (HINFO) and an unknown type number: NODATA;
// - mixed-case query names: the question echoed exactly, answers the same;
// - UDP and TCP, with and without EDNS, DO=1, RD=0;
// - ANY: a node with one RRset answers exactly as Knot; a node with many RRsets answers all of
//   them (behavior.md §2) where Knot gives one (RFC 8482 §4.1 allows both), so there only
//   Knot's RRset is required to be among ours, and over UDP without EDNS ours is truncated (TC=1).
// Checked on jw238dns only (behavior.md §2, no RFC fixes it, Knot happens to agree today):
// - the additional section of NS, MX and SRV answers holds the local A/AAAA of the targets, and
//   nothing for a target outside local data.
import type { Scenario } from '../case.ts';

const SOA_NEG =
  'example.org. 300 IN SOA ns1.example.org. hostmaster.example.org. 2026112901 7200 3600 1209600 300';

export const scenario: Scenario = {
  backend: { default_ttl: 900 },
  cases: [
    {
      q: 'example.org. SOA',
      why: 'SOA at the apex',
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: [
          'example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112901 7200 3600 1209600 300',
        ],
        authority: [],
      },
    },
    {
      q: 'example.org. NS',
      why: 'NS at the apex, target addresses in additional',
      expect: {
        answer: ['example.org. 86400 IN NS ns1.example.org.', 'example.org. 86400 IN NS ns2.example.org.'],
        additionalIncludes: [
          'ns1.example.org. 86400 IN A 192.0.2.53',
          'ns1.example.org. 86400 IN AAAA 2001:db8::53',
          'ns2.example.org. 86400 IN A 198.51.100.53',
        ],
      },
    },
    {
      q: 'example.org. A',
      why: 'three A records',
      expect: {
        answer: [
          'example.org. 300 IN A 192.0.2.1',
          'example.org. 300 IN A 192.0.2.2',
          'example.org. 300 IN A 192.0.2.3',
        ],
      },
    },
    { q: 'example.org. AAAA', why: 'two AAAA, one written long-hand in upper case' },
    {
      q: 'example.org. MX',
      why: 'three MX, one target in mixed case, one outside local data',
      expect: {
        answer: [
          'example.org. 3600 IN MX 10 mail1.example.org.',
          'example.org. 3600 IN MX 20 mail2.example.org.',
          'example.org. 3600 IN MX 30 mx.example.net.',
        ],
        additionalIncludes: [
          'mail1.example.org. 900 IN A 192.0.2.25',
          'mail1.example.org. 900 IN AAAA 2001:db8::25',
          'mail2.example.org. 900 IN A 198.51.100.25',
        ],
      },
    },
    { q: 'example.org. TXT', why: 'four TXT: plain, empty, quotes and backslashes' },
    { q: 'long.example.org. TXT', why: 'TXT longer than 255 octets' },
    { q: 'long.example.org. TXT', why: 'TXT longer than 255 octets', tcp: true },
    { q: 'example.org. CAA', why: 'three CAA, one with the critical flag' },
    { q: 'www.example.org. CNAME', why: 'CNAME asked for itself: not chased' },
    { q: 'www.example.org. A', why: 'CNAME chased to the apex A RRset' },
    { q: 'alias.example.org. A', why: 'two CNAMEs, default TTL on the first' },
    { q: 'alias.example.org. MX', why: 'CNAME chain ending in an MX RRset' },
    {
      q: '_sip._tcp.example.org. SRV',
      why: 'two SRV, target addresses in additional',
      expect: {
        additionalIncludes: [
          'sip.example.org. 900 IN A 192.0.2.60',
          'sip-backup.example.org. 900 IN AAAA 2001:db8::60',
        ],
      },
    },
    { q: 'host.example.org. PTR', why: 'PTR' },
    { q: 'ipv6.example.org. AAAA', why: 'IPv4-mapped and trailing :: AAAA formatting' },
    { q: 'multi.example.org. A', why: 'five A records' },
    { q: 'mail1.example.org. A', why: 'record without a TTL: backend.default_ttl' },
    {
      q: 'mail1.example.org. MX',
      why: 'NODATA: SOA in authority with TTL min(3600, 300)',
      expect: { rcode: 'NOERROR', aa: true, answer: [], authority: [SOA_NEG] },
    },
    { q: 'example.org. PTR', why: 'NODATA at the apex' },
    { q: 'example.org. HINFO', why: 'a type the store cannot hold: NODATA' },
    { q: 'example.org. TYPE999', why: 'an unknown type number: NODATA' },
    {
      q: 'nope.example.org. A',
      why: 'NXDOMAIN with the SOA',
      expect: { rcode: 'NXDOMAIN', aa: true, answer: [], authority: [SOA_NEG] },
    },
    { q: 'deep.nope.example.org. TXT', why: 'NXDOMAIN two labels down' },
    { q: 'mail1.example.org.x. A', why: 'looks like a zone name but is not one: REFUSED' },
    { q: '_tcp.example.org. SRV', why: 'empty non-terminal: NODATA, not NXDOMAIN' },
    { q: '_tcp.example.org. A', why: 'empty non-terminal: NODATA', tcp: true },
    { q: 'x._tcp.example.org. SRV', why: 'NXDOMAIN below an empty non-terminal' },
    { q: 'ExAmPlE.OrG. MX', why: 'mixed-case apex: question echoed as sent' },
    { q: 'WWW.EXAMPLE.ORG. A', why: 'upper-case CNAME owner, chased' },
    { q: '_SIP._Tcp.Example.Org. SRV', why: 'mixed case with underscores' },
    { q: 'NoPe.ExAmPlE.oRg. AAAA', why: 'mixed-case NXDOMAIN' },
    { q: '_Tcp.EXAMPLE.org. SRV', why: 'mixed-case empty non-terminal' },
    { q: 'example.org. MX', why: 'MX over TCP', tcp: true },
    { q: 'example.org. TXT', why: 'TXT with EDNS', edns: { udpSize: 1232 } },
    {
      q: 'example.org. CAA',
      why: 'DO=1 on an unsigned zone: same answer, DO echoed',
      edns: { udpSize: 4096, do: true },
    },
    { q: 'www.example.org. A', why: 'RD=0: RD not echoed', rd: false },
    { q: 'nope.example.org. A', why: 'NXDOMAIN over TCP with EDNS', tcp: true, edns: { udpSize: 1232 } },
    { q: 'multi.example.org. ANY', why: 'ANY at a node with one RRset: that RRset' },
    { q: 'multi.example.org. ANY', why: 'ANY at a node with one RRset over TCP', tcp: true },
    { q: 'www.example.org. ANY', why: 'ANY at a CNAME: the CNAME, not chased' },
    { q: '_tcp.example.org. ANY', why: 'ANY at an empty non-terminal: NODATA' },
    { q: 'nope.example.org. ANY', why: 'ANY at a missing name: NXDOMAIN' },
    {
      q: 'example.org. ANY',
      why: 'ANY at the apex over TCP: every RRset (Knot: one, RFC 8482 §4.1)',
      tcp: true,
      compare: { answer: 'superset' },
      expect: {
        rcode: 'NOERROR',
        aa: true,
        tc: false,
        answer: [
          'example.org. 3600 IN SOA ns1.example.org. hostmaster.example.org. 2026112901 7200 3600 1209600 300',
          'example.org. 86400 IN NS ns1.example.org.',
          'example.org. 86400 IN NS ns2.example.org.',
          'example.org. 300 IN A 192.0.2.1',
          'example.org. 300 IN A 192.0.2.2',
          'example.org. 300 IN A 192.0.2.3',
          'example.org. 300 IN AAAA 2001:db8::1',
          'example.org. 300 IN AAAA 2001:db8::2',
          'example.org. 3600 IN MX 10 mail1.example.org.',
          'example.org. 3600 IN MX 20 mail2.example.org.',
          'example.org. 3600 IN MX 30 mx.example.net.',
          'example.org. 3600 IN TXT v=spf1 mx -all',
          'example.org. 3600 IN TXT google-site-verification=abc123',
          'example.org. 3600 IN TXT with "quotes" and \\\\ backslash',
          'example.org. 3600 IN TXT ',
          'example.org. 3600 IN CAA 0 issue "letsencrypt.org"',
          'example.org. 3600 IN CAA 0 issuewild ";"',
          'example.org. 3600 IN CAA 128 iodef "mailto:security@example.org"',
        ],
      },
    },
    {
      q: 'example.org. ANY',
      why: 'ANY at the apex over UDP with EDNS 1232: every RRset fits',
      edns: { udpSize: 1232 },
      compare: { answer: 'superset' },
      expect: { rcode: 'NOERROR', aa: true, tc: false },
    },
    {
      q: 'example.org. ANY',
      why: 'ANY at the apex over UDP without EDNS: more than 512 octets, so TC=1 (Knot: one RRset, no TC)',
      compare: { answer: 'superset', ignore: ['tc'] },
      expect: { rcode: 'NOERROR', aa: true, tc: true },
    },
  ],
};
