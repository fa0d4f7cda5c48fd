// Scenario "delegation": zone cuts in example.com. (NS RRsets below the apex).
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs; and, for
// every referral, the glue: the A/AAAA of in-domain name servers, which RFC 9471 §3 requires in
// the additional section):
// - a query at the cut (A, NS, SOA, TXT that exists there but is occluded, ANY), below the cut
//   (an occluded name, a missing name, the glue name itself), in mixed case, over TCP and with
//   EDNS: a referral with AA=0, the child's NS in authority, no answer;
// - DS at the cut is the parent's data (RFC 4035 §3.1.4.1; the store cannot hold DS): NODATA
//   with AA=1 and the parent SOA, as Knot answers; DS below the cut: a referral;
// - name servers with sibling glue (inside another child), without glue (none held), outside
//   every zone (no glue), and in the parent zone itself (its address is authoritative data);
// - a cut two levels down: the names between are empty non-terminals (NODATA, AA=1);
// - the parent's own data next to the cuts (apex NS, www A) is answered with AA=1.
// Checked on jw238dns only (behavior.md §2, no RFC fixes it; Knot agrees today):
// - MX and SRV targets: local addresses in additional, including glue below a cut.
import type { Scenario } from '../case.ts';

const SOA = 'example.com. 300 IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300';
const SUB_NS = [
  'sub.example.com. 3600 IN NS ns1.sub.example.com.',
  'sub.example.com. 3600 IN NS ns2.sub.example.com.',
  'sub.example.com. 3600 IN NS ns.example.net.',
];
const SUB_GLUE = [
  'ns1.sub.example.com. 3600 IN A 192.0.2.101',
  'ns1.sub.example.com. 3600 IN AAAA 2001:db8::101',
  'ns2.sub.example.com. 3600 IN A 192.0.2.102',
];
const REFERRAL = {
  rcode: 'NOERROR',
  aa: false,
  answer: [],
  authority: SUB_NS,
  additionalIncludes: SUB_GLUE,
} as const;

export const scenario: Scenario = {
  cases: [
    { q: 'sub.example.com. A', why: 'at the cut: referral with glue', additional: 'glue', expect: REFERRAL },
    {
      q: 'sub.example.com. NS',
      why: 'NS at the cut: a referral, not an answer',
      additional: 'glue',
      expect: REFERRAL,
    },
    { q: 'sub.example.com. SOA', why: 'SOA at the cut: the child has it, referral', additional: 'glue' },
    {
      q: 'sub.example.com. TXT',
      why: 'occluded TXT at the cut: referral',
      additional: 'glue',
      expect: REFERRAL,
    },
    { q: 'sub.example.com. ANY', why: 'ANY at the cut: referral', additional: 'glue' },
    {
      q: 'sub.example.com. DS',
      why: 'DS at the cut is parent-side: NODATA, AA=1, parent SOA',
      expect: { rcode: 'NOERROR', aa: true, answer: [], authority: [SOA] },
    },
    { q: 'sub.example.com. DS', why: 'DS at the cut over TCP', tcp: true },
    { q: 'x.sub.example.com. DS', why: 'DS below the cut: referral', additional: 'glue' },
    {
      q: 'www.sub.example.com. A',
      why: 'occluded name below the cut: referral',
      additional: 'glue',
      expect: REFERRAL,
    },
    {
      q: 'nothere.sub.example.com. A',
      why: 'missing name below the cut: referral, not NXDOMAIN',
      additional: 'glue',
    },
    { q: 'a.b.c.sub.example.com. MX', why: 'deep below the cut: referral', additional: 'glue' },
    { q: 'ns1.sub.example.com. A', why: 'the glue name itself: referral, not an answer', additional: 'glue' },
    { q: 'ns1.sub.example.com. AAAA', why: 'the glue name itself, AAAA', additional: 'glue' },
    { q: 'SuB.ExAmPlE.CoM. A', why: 'mixed case at the cut', additional: 'glue' },
    { q: 'WWW.Sub.Example.Com. TXT', why: 'mixed case below the cut', additional: 'glue' },
    { q: 'sub.example.com. A', why: 'at the cut over TCP', tcp: true, additional: 'glue' },
    {
      q: 'www.sub.example.com. A',
      why: 'below the cut with EDNS',
      edns: { udpSize: 1232 },
      additional: 'glue',
    },
    { q: 'www.sub.example.com. A', why: 'below the cut, RD=0', rd: false, additional: 'glue' },
    { q: 'sib.example.com. A', why: 'sibling glue (name server inside another child)', additional: 'glue' },
    { q: 'x.sib.example.com. A', why: 'below a cut with sibling glue', additional: 'glue' },
    { q: 'other.example.com. NS', why: 'the sibling child itself', additional: 'glue' },
    { q: 'ns.other.example.com. A', why: 'the sibling glue name: referral to other.', additional: 'glue' },
    { q: 'nog.example.com. A', why: 'in-domain name server with no glue held', additional: 'glue' },
    { q: 'ext.example.com. A', why: 'name servers outside every zone: no glue', additional: 'glue' },
    { q: 'www.ext.example.com. AAAA', why: 'below a cut with out-of-zone name servers', additional: 'glue' },
    { q: 'inzone.example.com. A', why: 'name server in the parent zone', additional: 'glue' },
    { q: 'a.b.deep.example.com. A', why: 'cut two levels down', additional: 'glue' },
    { q: 'x.a.b.deep.example.com. A', why: 'below a cut two levels down', additional: 'glue' },
    { q: 'b.deep.example.com. A', why: 'empty non-terminal above a cut: NODATA, AA=1' },
    { q: 'deep.example.com. NS', why: 'empty non-terminal two above a cut: NODATA' },
    { q: 'x.b.deep.example.com. A', why: 'sibling of a cut under an empty non-terminal: NXDOMAIN' },
    { q: 'example.com. NS', why: 'apex NS: an answer, AA=1' },
    { q: 'www.example.com. A', why: 'parent data next to the cuts' },
    { q: 'nothere.example.com. A', why: 'NXDOMAIN in the parent' },
    {
      q: 'example.com. MX',
      why: 'MX target below a cut, and one in the zone',
      expect: { additionalIncludes: ['www.example.com. 300 IN A 192.0.2.80'] },
    },
    {
      q: '_imap._tcp.example.com. SRV',
      why: 'SRV target is a glue name: its addresses in additional',
      expect: { additionalIncludes: ['ns1.sub.example.com. 3600 IN A 192.0.2.101'] },
    },
  ],
};
