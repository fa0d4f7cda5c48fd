// Scenario "wildcards": RFC 4592, on the §2.2.1 example zone plus a few more wildcards.
//
// Checked against Knot (rcode, AA, TC, question echo, answer and authority with TTLs), with the
// outcome RFC 4592 gives also written out for jw238dns:
// - a match (§2.2.1 "host3.example. MX"), a match of a deeper name ("foo.bar.example. TXT"), the
//   answer owned by the query name, letter case as asked;
// - wildcard NODATA ("host3.example. A"): NOERROR, SOA in authority;
// - blocked by an existing name ("host1.example. MX": NODATA; "sub.deep.example." and names
//   under it: the wildcard of the parent does not apply, so NXDOMAIN below it);
// - blocked by an empty non-terminal ("host2.example.", "_tcp.host2.example.", "b.deep.example."
//   and "multi.example.": NODATA; names under them: NXDOMAIN, "_telnet._tcp.host1.example. SRV");
// - the "*" name itself asked for ("*.example. TXT" exact, "*.example. A" NODATA) and below it
//   ("ghost.*.example. MX": NXDOMAIN, §2.2.1);
// - a wildcard CNAME: to an in-zone name (chased, also for a deeper name and for a type the target
//   lacks), onto another wildcard, out of the zone (the partial chain), and onto itself (a loop:
//   the chase stops, no error; Knot repeats the RR there, ours must not: RFC 2181 §5);
// - a plain CNAME whose target is covered by a wildcard;
// - a wildcard under a delegation is not used (referral instead);
// - multi-value wildcard RRsets, ANY at a wildcard match (Knot gives one RRset, RFC 8482 §4.1;
//   ours every RRset), TCP, EDNS.
import type { Scenario } from '../case.ts';

const SOA = 'example. 600 IN SOA ns.example.com. hostmaster.example. 2026112901 7200 3600 1209600 600';

export const scenario: Scenario = {
  cases: [
    {
      q: 'host3.example. MX',
      why: 'RFC 4592 §2.2.1: wildcard match',
      expect: { rcode: 'NOERROR', aa: true, answer: ['host3.example. 3600 IN MX 10 host1.example.'] },
    },
    {
      q: 'host3.example. A',
      why: 'RFC 4592 §2.2.1: wildcard NODATA',
      expect: { rcode: 'NOERROR', aa: true, answer: [], authority: [SOA] },
    },
    {
      q: 'foo.bar.example. TXT',
      why: 'RFC 4592 §2.2.1: match of a deeper name',
      expect: { rcode: 'NOERROR', answer: ['foo.bar.example. 3600 IN TXT this is a wildcard'] },
    },
    {
      q: 'host1.example. MX',
      why: 'RFC 4592 §2.2.1: the name exists, so NODATA, not the wildcard',
      expect: { rcode: 'NOERROR', answer: [], authority: [SOA] },
    },
    {
      q: '_telnet._tcp.host1.example. SRV',
      why: 'RFC 4592 §2.2.1: closest encloser host1.example. has no wildcard: NXDOMAIN',
      expect: { rcode: 'NXDOMAIN', answer: [], authority: [SOA] },
    },
    {
      q: 'host.subdel.example. A',
      why: 'RFC 4592 §2.2.1: below a delegation, referral, not the wildcard',
      expect: { rcode: 'NOERROR', aa: false, answer: [] },
    },
    {
      q: 'ghost.*.example. MX',
      why: 'RFC 4592 §2.2.1: below the wildcard name itself: NXDOMAIN',
      expect: { rcode: 'NXDOMAIN', answer: [], authority: [SOA] },
    },
    {
      q: '*.example. TXT',
      why: 'the "*" name asked for: its own data',
      expect: { rcode: 'NOERROR', answer: ['*.example. 3600 IN TXT this is a wildcard'] },
    },
    { q: '*.example. A', why: 'the "*" name asked for, a type it lacks: NODATA' },
    { q: '*.example. MX', why: 'the "*" name asked for over TCP', tcp: true },
    { q: 'host2.example. TXT', why: 'empty non-terminal blocks the wildcard: NODATA' },
    { q: '_tcp.host2.example. MX', why: 'empty non-terminal two levels down: NODATA' },
    { q: 'x._tcp.host2.example. TXT', why: 'below an empty non-terminal without a wildcard: NXDOMAIN' },
    { q: 'x.host2.example. TXT', why: 'below the empty non-terminal host2.example.: NXDOMAIN' },
    {
      q: 'multi.example. A',
      why: 'the wildcard parent is an empty non-terminal: NODATA, not *.example.',
      expect: { rcode: 'NOERROR', answer: [], authority: [SOA] },
    },
    {
      q: 'www.multi.example. A',
      why: 'three A records from a wildcard',
      expect: {
        answer: [
          'www.multi.example. 120 IN A 192.0.2.11',
          'www.multi.example. 120 IN A 192.0.2.12',
          'www.multi.example. 120 IN A 192.0.2.13',
        ],
      },
    },
    { q: 'www.multi.example. AAAA', why: 'wildcard record without a TTL: default_ttl' },
    { q: 'a.b.c.multi.example. A', why: 'match three labels below the wildcard' },
    { q: 'www.multi.example. MX', why: 'wildcard NODATA for a type the wildcard lacks' },
    { q: 'WwW.MuLtI.eXaMpLe. A', why: 'mixed case: owner is the query name' },
    { q: 'x.deep.example. A', why: 'wildcard match next to an existing sibling' },
    { q: 'sub.deep.example. A', why: 'the existing name itself' },
    { q: 'sub.deep.example. TXT', why: 'existing name, missing type: NODATA, not the wildcard' },
    {
      q: 'a.sub.deep.example. A',
      why: 'below an existing name: the parent wildcard does not apply: NXDOMAIN',
      expect: { rcode: 'NXDOMAIN', answer: [] },
    },
    { q: 'b.deep.example. A', why: 'empty non-terminal below the wildcard parent: NODATA' },
    {
      q: 'a.b.deep.example. A',
      why: 'below an empty non-terminal: the parent wildcard does not apply: NXDOMAIN',
      expect: { rcode: 'NXDOMAIN', answer: [] },
    },
    { q: 'c.b.deep.example. TXT', why: 'the name that makes the empty non-terminal' },
    { q: 'deep.example. A', why: 'wildcard parent with no data: NODATA' },
    {
      q: 'a.cn.example. A',
      why: 'wildcard CNAME, chased into the zone',
      expect: {
        rcode: 'NOERROR',
        aa: true,
        answer: ['a.cn.example. 300 IN CNAME host1.example.', 'host1.example. 3600 IN A 192.0.2.1'],
      },
    },
    { q: 'x.y.cn.example. A', why: 'wildcard CNAME matching a deeper name' },
    { q: 'a.cn.example. CNAME', why: 'wildcard CNAME asked for as CNAME: not chased' },
    { q: 'a.cn.example. MX', why: 'wildcard CNAME, target lacks the type: CNAME and SOA' },
    { q: 'a.cn2.example. A', why: 'wildcard CNAME onto another wildcard' },
    {
      q: 'a.out.example. A',
      why: 'wildcard CNAME out of every zone: the partial chain',
      expect: { rcode: 'NOERROR', aa: true, answer: ['a.out.example. 300 IN CNAME www.example.net.'] },
    },
    {
      q: 'a.loop.example. A',
      why: 'wildcard CNAME onto a name it matches itself: the loop stops the chase, no error',
      expect: {
        rcode: 'NOERROR',
        answer: [
          'a.loop.example. 300 IN CNAME x.loop.example.',
          'x.loop.example. 300 IN CNAME x.loop.example.',
        ],
      },
    },
    {
      // Knot repeats the CNAME in this answer (its loop check runs after adding it); sections are
      // compared as sets, and ours must not repeat it (RFC 2181 §5).
      q: 'x.loop.example. A',
      why: 'wildcard CNAME pointing at the query name itself',
      expect: { rcode: 'NOERROR', answer: ['x.loop.example. 300 IN CNAME x.loop.example.'] },
    },
    { q: 'to-wild.example. A', why: 'plain CNAME to a name a wildcard covers' },
    {
      q: 'to-wild.example. A',
      why: 'plain CNAME to a wildcard over TCP with EDNS',
      tcp: true,
      edns: { udpSize: 1232 },
    },
    {
      q: 'anything.example. TXT',
      why: 'wildcard at the apex level over UDP with EDNS',
      edns: { udpSize: 1232 },
    },
    {
      q: 'www.multi.example. ANY',
      why: 'ANY at a wildcard match with two RRsets',
      compare: { answer: 'superset' },
    },
    {
      q: 'foo.example. ANY',
      why: 'ANY at a wildcard match: every RRset (Knot: one, RFC 8482 §4.1)',
      compare: { answer: 'superset' },
      expect: {
        rcode: 'NOERROR',
        answer: ['foo.example. 3600 IN MX 10 host1.example.', 'foo.example. 3600 IN TXT this is a wildcard'],
      },
    },
    { q: 'a.cn.example. ANY', why: 'ANY at a wildcard CNAME: the CNAME, not chased' },
    { q: 'nothing.sub.deep.example. ANY', why: 'ANY below an existing name: NXDOMAIN' },
  ],
};
