// Scenario "truncation": responses around the UDP size limits (RFC 1035 §4.2.1: 512 octets
// without EDNS; RFC 6891 §6.2.5: the requestor's size with EDNS, at least 512; both servers
// advertise and use at most 1232) and over TCP, where nothing is truncated.
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs, OPT kept):
// - 40 A records (~680 octets): TC without EDNS, with EDNS 512 and with a size below 512 (taken
//   as 512); whole with EDNS 1232 and over TCP (with and without EDNS). A truncated answer drops
//   the RRset whole: the answer section is empty;
// - 20 A records (~370 octets): fits without EDNS;
// - 30 TXT records (~2.2 kB): TC over UDP at every size, 4096 and 65535 included (the server's
//   own limit, 1232, applies); whole over TCP;
// - a CNAME to the 40 A records: without EDNS the CNAME fits and the A RRset does not: TC with
//   the CNAME kept; whole with EDNS 1232;
// - 8 MX whose targets' addresses overflow 512: the answer fits, the additional section is cut,
//   TC stays 0 (RFC 2181 §9: only required data sets TC);
// - referrals: 3 name servers with glue fit; 13 in-domain name servers, whose glue does not fit
//   in 512: RFC 9471 §3 says in-domain glue that does not fit MUST set TC=1, and Knot does; the
//   glue present is compared too;
// - ANY at a node whose RRsets together exceed 512: with EDNS 1232 and over TCP ours gives every
//   RRset (Knot one, RFC 8482 §4.1); without EDNS ours sets TC (Knot: one RRset, no TC).
import type { Scenario } from '../case.ts';

export const scenario: Scenario = {
  cases: [
    {
      q: 'many.big.example. A',
      why: '40 A without EDNS: TC, the RRset dropped whole',
      expect: { rcode: 'NOERROR', aa: true, tc: true, answer: [] },
    },
    { q: 'many.big.example. A', why: '40 A with EDNS 512: TC', edns: { udpSize: 512 } },
    { q: 'many.big.example. A', why: '40 A with EDNS 100: taken as 512, TC', edns: { udpSize: 100 } },
    {
      q: 'many.big.example. A',
      why: '40 A with EDNS 1232: whole',
      edns: { udpSize: 1232 },
      expect: { tc: false },
    },
    { q: 'many.big.example. A', why: '40 A with EDNS 4096: whole', edns: { udpSize: 4096 } },
    { q: 'many.big.example. A', why: '40 A over TCP: whole', tcp: true, expect: { tc: false } },
    {
      q: 'many.big.example. A',
      why: '40 A over TCP with EDNS 512: whole',
      tcp: true,
      edns: { udpSize: 512 },
    },
    { q: 'MANY.Big.Example. A', why: '40 A, mixed case, without EDNS: TC' },
    { q: 'some.big.example. A', why: '20 A without EDNS: fits', expect: { tc: false } },
    { q: 'huge.big.example. TXT', why: '2.2 kB TXT without EDNS: TC' },
    { q: 'huge.big.example. TXT', why: '2.2 kB TXT with EDNS 1232: TC', edns: { udpSize: 1232 } },
    {
      q: 'huge.big.example. TXT',
      why: '2.2 kB TXT with EDNS 4096: TC (our limit is 1232)',
      edns: { udpSize: 4096 },
      expect: { tc: true },
    },
    { q: 'huge.big.example. TXT', why: '2.2 kB TXT with EDNS 65535: TC', edns: { udpSize: 65535 } },
    { q: 'huge.big.example. TXT', why: '2.2 kB TXT over TCP: whole', tcp: true, expect: { tc: false } },
    {
      q: 'huge.big.example. TXT',
      why: '2.2 kB TXT over TCP with EDNS',
      tcp: true,
      edns: { udpSize: 1232, do: true },
    },
    {
      q: 'alias.big.example. A',
      why: 'CNAME fits, its target RRset does not: TC with the CNAME',
      expect: { tc: true, answer: ['alias.big.example. 300 IN CNAME many.big.example.'] },
    },
    { q: 'alias.big.example. A', why: 'CNAME and 40 A with EDNS 1232: whole', edns: { udpSize: 1232 } },
    { q: 'alias.big.example. A', why: 'CNAME and 40 A over TCP', tcp: true },
    {
      q: 'mx.big.example. MX',
      why: 'answer fits, additional cut: no TC',
      expect: { tc: false },
    },
    { q: 'mx.big.example. MX', why: 'answer and additional with EDNS 1232', edns: { udpSize: 1232 } },
    { q: 'mx.big.example. MX', why: 'answer and additional over TCP', tcp: true },
    { q: 'smalldel.big.example. A', why: 'referral with glue that fits', additional: 'glue' },
    {
      q: 'bigdel.big.example. A',
      why: 'referral whose in-domain glue does not fit in 512: TC (RFC 9471 §3)',
      additional: 'glue',
      knotExpect: { rcode: 'NOERROR', aa: false, tc: true },
    },
    {
      q: 'x.bigdel.big.example. A',
      why: 'below a cut, glue does not fit in EDNS 512: TC',
      edns: { udpSize: 512 },
      additional: 'glue',
    },
    {
      q: 'bigdel.big.example. A',
      why: 'referral with all glue in EDNS 1232',
      edns: { udpSize: 1232 },
      additional: 'glue',
    },
    { q: 'bigdel.big.example. NS', why: 'referral with all glue over TCP', tcp: true, additional: 'glue' },
    { q: 'bigdel.big.example. DS', why: 'DS at the big cut: NODATA, small' },
    { q: 'multi.big.example. TXT', why: 'eight TXT without EDNS' },
    {
      q: 'multi.big.example. ANY',
      why: 'ANY over UDP without EDNS, RRsets exceed 512: TC (Knot: one RRset, no TC)',
      compare: { answer: 'superset', ignore: ['tc'] },
      expect: { rcode: 'NOERROR', aa: true, tc: true },
    },
    {
      q: 'multi.big.example. ANY',
      why: 'ANY with EDNS 1232: every RRset',
      edns: { udpSize: 1232 },
      compare: { answer: 'superset' },
      expect: { tc: false },
    },
    {
      q: 'multi.big.example. ANY',
      why: 'ANY over TCP: every RRset',
      tcp: true,
      compare: { answer: 'superset' },
    },
  ],
};
